"""Pages answer a busy database with 409 and a clear message, never a 500."""

from __future__ import annotations

from django.http import HttpResponse

from core.database import busy_message, is_busy


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_busy(exception):
            return HttpResponse(busy_message(), status=409, content_type="text/plain; charset=utf-8")
        return None
