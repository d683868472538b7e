"""The status palette (progress/colors.py, shared with the reports) and the dashboards' ``status.css``.

``status.css`` (static/dashboards/status.css) is generated from the palette: ``status_css()`` returns its
exact text and a test checks that the file matches. After changing a colour, regenerate it with
``python manage.py shell -c "from dashboards.colors import write_status_css; write_status_css()"``.
"""

from __future__ import annotations

from pathlib import Path

from progress.colors import *  # noqa: F403  (the palette, re-exported for the dashboards' modules)
from progress.colors import STATUS_COLORS, STATUS_ORDER, text_colour

CSS_PATH = Path(__file__).resolve().parent / "static" / "dashboards" / "status.css"


def status_css() -> str:
    """The text of static/dashboards/status.css."""
    lines = ["/* Generated from dashboards/colors.py by status_css(); do not edit by hand. */"]
    for status in STATUS_ORDER:
        colour = STATUS_COLORS[status]
        css = status.replace("_", "-")
        ink = text_colour(colour)
        lines.append(f".status-{css} {{ background-color: {colour}; color: {ink}; border-color: {colour}; }}")
        lines.append(f".swatch-{css} {{ background-color: {colour}; }}")
    return "\n".join(lines) + "\n"


def write_status_css() -> Path:
    CSS_PATH.write_text(status_css(), encoding="utf-8")
    return CSS_PATH
