"""Numbers as the dashboards show them: progress/formatting.py (shared with the charts and the reports)."""

from progress.formatting import *  # noqa: F403
