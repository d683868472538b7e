"""Every error under /api/ in the API's JSON error body (core.api.errors), whatever drew it."""

from __future__ import annotations

from rest_framework.renderers import BrowsableAPIRenderer

from core.api.errors import error_response, is_api_path, json_response

# Headers that belong to the body being replaced; every other one (Allow, WWW-Authenticate,
# Retry-After, Vary, the security headers) is kept.
BODY = ("code", "message", "errors")
_BODY_HEADERS = {"content-type", "content-length", "content-disposition", "content-language"}


class ApiErrorMiddleware:
    """An error response under /api/ that is not JSON becomes the error body: DRF's errors drawn by the
    schema's YAML renderer or the documentation pages' HTML one, and Django's own pages when a handler
    did not already answer in JSON. The browsable API (HTML a signed-in browser asked for) keeps its
    page, which shows the same body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not is_api_path(request.path_info) or _is_json(response):
            return response
        if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
            return response
        data = getattr(response, "data", None)
        if isinstance(data, dict) and set(BODY) <= set(data):  # DRF's error (an HTML renderer adds keys)
            replacement = json_response({key: data[key] for key in BODY}, response.status_code)
        else:
            replacement = error_response(request, response.status_code)
        for name, value in response.items():
            if name.lower() not in _BODY_HEADERS:
                replacement[name] = value
        replacement.cookies = response.cookies
        return replacement


def _is_json(response) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json"
