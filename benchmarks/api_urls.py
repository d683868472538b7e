"""The product's URLs plus two yardsticks for benchmarks/api.py (they never exist in the product):

- /bench/trivial/: a plain Django view returning {"ok": true};
- /bench/trivial-drf/: the same through DRF with the API's authentication (a token lookup), to show
  the floor of any token-authenticated endpoint.
"""

from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns


def trivial(request):
    return JsonResponse({"ok": True})


class TrivialDRF(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True, "user": request.user.get_username()})


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/trivial-drf/", TrivialDRF.as_view()),
    *product_urlpatterns,
]
