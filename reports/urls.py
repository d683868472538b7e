"""Report pages under /reports/."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.my_reports, name="list"),
    path("parks/<slug:code>/", views.park_request, name="park"),
    path("regions/", views.region_request, name="region"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/download/", views.download, name="download"),
]
