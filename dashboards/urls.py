"""Dashboards under /dashboards/ (issue 6 fills this in)."""

app_name = "dashboards"
urlpatterns: list = []
