"""Dashboards under /dashboards/: read-only views of the stored progress."""

from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.index, name="index"),
    path("parks/<slug:code>/", views.park_overview, name="park"),
    path("parks/<slug:code>/heatmap/", views.heatmap, name="heatmap"),
    path(
        "parks/<slug:code>/plans/<slug:plan_code>/indicators/<int:order>/",
        views.indicator_detail,
        name="indicator",
    ),
    path("compare/", views.compare, name="compare"),
    path("regions/", views.region, name="region"),
]
