"""Data-entry screens under /entry/."""

from django.urls import path

from . import views

app_name = "entry"
urlpatterns = [
    path("", views.inbox, name="home"),
    path("periods/", views.periods, name="periods"),
    path("<slug:park>/upload/", views.upload, name="upload"),
    path("<slug:park>/upload/confirm/", views.upload_confirm, name="upload_confirm"),
    path("<slug:park>/<int:year>/", views.sheet, name="sheet"),
    path("<slug:park>/<int:year>/review/", views.review, name="review"),
    path("<slug:park>/<int:year>/export/", views.export, name="export"),
    path("<slug:park>/<int:year>/<slug:indicator>/", views.value, name="value"),
]
