"""The dashboards' Plotly figures are built in progress/charts.py, which the reports share (reports/ may
not import dashboards/, its neighbour); this module keeps the dashboards' imports as they were."""

from progress.charts import *  # noqa: F403
