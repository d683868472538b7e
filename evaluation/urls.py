"""Evaluation pages under /evaluation/."""

from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.index, name="index"),
    path("schemes/<slug:code>/<int:year>/", views.league, name="league"),
    path("schemes/<slug:code>/<int:year>/xlsx/", views.league_xlsx, name="league_xlsx"),
    path("schemes/<slug:code>/run/", views.run, name="run_request"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("parks/<slug:code>/", views.park, name="park"),
]
