"""The one error body of the API, and the DRF exception handler that produces it.

Every 4xx, whatever the endpoint::

    {"code": "invalid", "message": "请求数据有误（共 2 处）",
     "errors": [{"field": "value", "message": "…", "code": "invalid", "row": 3}]}

``code`` is stable for machines; ``message`` follows Accept-Language (Chinese by default, English with
``Accept-Language: en``); ``errors`` name the field (a dotted path for nested input) and, for bulk
requests, the 0-based ``row``.

Errors Django answers before or around DRF under /api/ have the same body: a path no route matches
(``/api/v1/observations/0.5/``), a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), a 500
(``handler404`` and the others in config/urls.py call ``error_page``), and an error a non-JSON
renderer drew (``ApiErrorMiddleware``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from core.database import busy_message, is_busy

logger = logging.getLogger(__name__)


def _flatten(detail, path: tuple = ()):
    """Yield (path, ErrorDetail) pairs from DRF's nested error structure."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            for item in detail:
                yield path, item
        else:
            for index, item in enumerate(detail):
                yield from _flatten(item, (*path, index))
    else:
        yield path, detail


def _error_item(path: tuple, message) -> dict:
    parts = [p for p in path if p != "non_field_errors"]
    item: dict = {}
    # Bulk requests carry their rows under "rows": the row index is its own key.
    if len(parts) >= 2 and parts[0] == "rows" and isinstance(parts[1], int):
        item["row"] = parts[1]
        parts = parts[2:]
    elif len(parts) == 1 and parts[0] == "rows":
        parts = ["rows"]
    field = ".".join(str(p) for p in parts) or None
    return {
        "field": field,
        "message": str(message),
        "code": getattr(message, "code", None) or "invalid",
        **item,
    }


def error_body(code: str, message: str, errors: list[dict] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


def too_large_message() -> str:
    limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0).replace("\xa0", " ")
    return _("请求体超过上限（%(limit)s）") % {"limit": limit}


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _status_error(status: int, method: str = "") -> tuple[str, str]:
    """The code and message of an error known only by its status (DRF's own wording where DRF has one,
    so a 404 here reads exactly like a 404 of a view)."""
    if status == 404:
        return "not_found", str(exceptions.NotFound.default_detail)
    if status == 403:
        return "permission_denied", str(exceptions.PermissionDenied.default_detail)
    if status == 405:
        return "method_not_allowed", str(exceptions.MethodNotAllowed(method or "?").detail)
    if status == 406:
        return "not_acceptable", str(exceptions.NotAcceptable.default_detail)
    if status == 413:
        return "request_too_large", too_large_message()
    if status == 415:
        return "unsupported_media_type", str(exceptions.UnsupportedMediaType(method or "?").detail)
    if status == 429:
        return "throttled", str(exceptions.Throttled.default_detail)
    if status >= 500:
        return "server_error", _("服务器内部错误，请稍后重试")
    return "bad_request", _("请求无效")


def json_response(body: dict, status: int) -> JsonResponse:
    """A body written as DRF's JSONRenderer writes it (UTF-8, compact)."""
    return JsonResponse(
        body, status=status, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")}
    )


def error_response(request, status: int) -> JsonResponse:
    """The error body for ``status`` as JSON, its message in the request's language (Accept-Language)."""
    with translation.override(translation.get_language_from_request(request)):
        code, message = _status_error(status, request.method)
        return json_response(error_body(code, message), status)


def error_page(status: int):
    """A handler for config/urls.py: the error body under /api/, Django's page elsewhere."""
    page = {
        400: defaults.bad_request,
        403: defaults.permission_denied,
        404: defaults.page_not_found,
        500: defaults.server_error,
    }[status]

    def handler(request, exception=None):
        if is_api_path(request.path_info):
            if isinstance(exception, RequestDataTooBig):
                return error_response(request, 413)
            return error_response(request, status)
        return page(request) if status == 500 else page(request, exception)

    handler.__name__ = f"handler{status}"
    return handler


def exception_handler(exc, context):
    """DRF exceptions, the workflow's refusals and database refusals as one error body."""
    # Imported here: DRF's views import this module's settings, and the workflow imports the apps.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    from core.errors import DomainError

    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", too_large_message()), status=413)
    if isinstance(exc, DomainError):
        set_rollback()
        errors = [
            {"field": e.get("field"), "message": str(e.get("message", "")), "code": e.get("code", exc.code)}
            | ({"row": e["row"]} if "row" in e else {})
            for e in exc.errors
        ]
        return Response(error_body(exc.code, str(exc.message), errors), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if is_busy(exc):
        set_rollback()
        return Response(error_body("conflict", busy_message()), status=409)
    if isinstance(exc, IntegrityError):
        logger.info("database refused a write: %s", exc)
        set_rollback()
        return Response(error_body("conflict", _("数据库拒绝了这次写入（与现有数据冲突）")), status=409)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = [_error_item(path, message) for path, message in _flatten(exc.detail)]
        message = (
            errors[0]["message"]
            if len(errors) == 1
            else _("请求数据有误（共 %(n)s 处）") % {"n": len(errors)}
        )
        response.data = error_body("invalid", message, errors)
        return response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    response.data = error_body(code, str(detail))
    return response


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="字段路径（嵌套输入用点号连接），无则为 null")
    message = serializers.CharField()
    code = serializers.CharField(required=False)
    row = serializers.IntegerField(required=False, help_text="批量请求中的行号（从 0 开始）")


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="机器可读的错误代码，如 invalid、not_found、permission_denied")
    message = serializers.CharField(help_text="错误说明（按 Accept-Language：中文或英文）")
    errors = ErrorItemSerializer(many=True)
