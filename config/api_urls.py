"""REST API under /api/: version 1 under /api/v1/, the OpenAPI schema and its documentation pages.

Swagger UI and ReDoc are served from our own static files (drf-spectacular-sidecar and core/static/core/,
core/api/docs.py), never a CDN, with no inline script (the CSP runs our own files only).
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from core.api.docs import LocalRedocView, LocalSwaggerView
from entry.api import ObservationViewSet
from evaluation.api import EvaluationViewSet, SchemeViewSet
from indicators.api import CategoryViewSet, IndicatorViewSet, UnitViewSet
from parks.api import ParkViewSet
from plans.api import PlanViewSet, TargetViewSet
from progress.api import ProgressViewSet
from reports.api import ReportViewSet

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False  # formats are chosen with ?format= or Accept
router.register("parks", ParkViewSet, basename="park")
router.register("units", UnitViewSet, basename="unit")
router.register("categories", CategoryViewSet, basename="category")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("observations", ObservationViewSet, basename="observation")
router.register("plans", PlanViewSet, basename="plan")
router.register("targets", TargetViewSet, basename="target")
router.register("progress", ProgressViewSet, basename="progress")
router.register("reports", ReportViewSet, basename="report")
router.register("evaluations/schemes", SchemeViewSet, basename="evaluation-scheme")
router.register("evaluations", EvaluationViewSet, basename="evaluation")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/swagger-ui/", LocalSwaggerView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("schema/redoc/", LocalRedocView.as_view(url_name="api:schema"), name="redoc"),
]
