from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parks.models import Park


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: which parks and plans ParkTrack holds."""
    parks = Park.objects.filter(parent__isnull=True).prefetch_related("plans").order_by("code")
    return render(request, "parks/home.html", {"parks": parks})
