"""The OpenAPI conventions drf-spectacular applies to every operation."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from core.api.errors import ErrorSerializer
from core.api.formats import XLSXRenderer

ERROR_DESCRIPTIONS = {
    "400": "请求参数或数据有误（invalid, parse_error）",
    "401": "未认证或令牌无效（not_authenticated, authentication_failed）",
    "403": "无权执行（permission_denied）",
    "404": "不存在或无权查看（not_found）",
    "405": "不支持的方法（method_not_allowed）",
    "406": "无法提供所请求的格式（not_acceptable）",
    "409": "与当前数据冲突：版本已变、状态不允许（conflict）",
    "415": "不支持的请求格式（unsupported_media_type）",
    "429": "请求过于频繁（throttled）",
}
READ_ERRORS = ("400", "401", "403", "404", "405", "406", "429")
WRITE_ERRORS = (*READ_ERRORS, "409", "415")

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    OpenApiParameter.QUERY,
    required=False,
    enum=["json", "csv", "xlsx"],
    description=(
        "导出格式：json（默认）、csv（UTF-8 带 BOM，中文表头）、xlsx（中文表头）。也可用 Accept 头选择。"
    ),
)
CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        required=False,
        description="上次响应的 ETag；数据未变时返回 304",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        OpenApiParameter.HEADER,
        required=False,
        description="HTTP 日期；此后未重新计算时返回 304",
    ),
    OpenApiParameter(
        "ETag", str, OpenApiParameter.HEADER, response=[200, 304], description="响应内容的强校验值"
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="进度最近一次重新计算的时间",
    ),
]
PAGINATION_HEADERS = [
    OpenApiParameter("X-Total-Count", int, OpenApiParameter.HEADER, response=[200], description="总行数"),
    OpenApiParameter(
        "Link", str, OpenApiParameter.HEADER, response=[200], description="相邻页链接（RFC 8288）"
    ),
]


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the house conventions: every operation lists its error responses
    (with the error body), lists document the export formats and pagination headers, conditional views
    document ETag / Last-Modified and 304."""

    def _is_export(self) -> bool:
        return getattr(self.view, "action", None) in getattr(self.view, "export_actions", ())

    def _is_conditional(self) -> bool:
        return getattr(self.view, "action", None) in getattr(self.view, "conditional_actions", ())

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self._is_export():
            params += [FORMAT_PARAMETER, *PAGINATION_HEADERS]
        if self._is_conditional():
            params += CONDITIONAL_PARAMETERS
        return params

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for content in (r.get("content", {}) for r in responses.values()):
            if "text/csv" in content:
                content["text/csv"] = {"schema": {"type": "string"}}
            xlsx = XLSXRenderer.media_type
            if xlsx in content:
                content[xlsx] = {"schema": {"type": "string", "format": "binary"}}
        if self._is_conditional():
            responses["304"] = {
                "description": "未修改（If-None-Match / If-Modified-Since 命中）",
                "headers": self._get_response_headers_for_code("304", direction),
            }
        codes = WRITE_ERRORS if self.method in ("POST", "PUT", "PATCH", "DELETE") else READ_ERRORS
        for code in codes:
            if code in responses:
                continue
            responses[code] = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {
                    "application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
                },
            }
        return responses
