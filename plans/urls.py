"""Plan set-up screens under /plans/."""

from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("<slug:code>/", views.plan_detail, name="detail"),
    path("<slug:code>/edit/", views.plan_edit, name="edit"),
    path("<slug:code>/indicators/", views.plan_indicators, name="indicators"),
    path("<slug:code>/targets/", views.plan_targets, name="targets"),
    path("<slug:code>/upload/", views.plan_upload, name="upload"),
    path("<slug:code>/upload/confirm/", views.plan_upload_confirm, name="upload_confirm"),
    path("<slug:code>/export/", views.plan_export, name="export"),
]
