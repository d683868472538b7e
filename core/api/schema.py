"""The OpenAPI conventions drf-spectacular applies to every operation."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from core.api.errors import ErrorSerializer
from core.api.formats import DecimalString, PlainText, XLSXRenderer
from core.text import CONTROL_CHARACTERS

ERROR_DESCRIPTIONS = {
    "400": "请求参数或数据不符合本结构（invalid, parse_error）",
    "401": "未认证或令牌无效（not_authenticated, authentication_failed）",
    "403": "无权执行（permission_denied）",
    "404": "不存在或无权查看（not_found）；写入所指的园区、指标不存在或看不到时也是 404，与读取时相同",
    "405": "不支持的方法（method_not_allowed）",
    "406": "无法提供所请求的格式（not_acceptable）",
    "409": (
        "与当前数据冲突（conflict）：版本已变、状态不允许，或格式正确但不符合现有数据的规则"
        "（如该指标不能为负数、比重超过 100%、填报期已关闭、不在规划中）；errors 逐条给出原因"
    ),
    "413": "请求体超过上限（request_too_large）",
    "415": "不支持的请求格式（unsupported_media_type）",
    "429": "请求过于频繁（throttled）",
}
READ_ERRORS = ("400", "401", "403", "404", "405", "406", "429")
WRITE_ERRORS = (*READ_ERRORS, "409", "413", "415")

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
    document ETag / Last-Modified and 304.

    And the schema says what the server enforces (tests/core/test_api_schemathesis.py runs every
    check of schemathesis against it): empty query values that mean "absent", the bounds of lists, the
    fields a PATCH requires, what a decimal and a text input accept."""

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

    def _get_parameters(self):
        """Filters, pagination and ``format`` read an empty value (``?year=``, as an HTML form sends
        it) as absent: the schema says so with ``allowEmptyValue``. The query parameters of summary and
        ranking are validated by a serializer that refuses an empty value, and say nothing."""
        parameters = super()._get_parameters()
        optional = {p["name"] for p in self._get_filter_parameters()} | {"page", "page_size", "format"}
        for parameter in parameters:
            if parameter["in"] != "query":
                continue
            if parameter["name"] in optional and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
            schema = parameter.get("schema", {})
            _refuse_nul(schema.get("items", schema) if schema.get("type") == "array" else schema)
        return parameters

    def _get_request_for_media_type(self, serializer, direction="request"):
        """Our PATCH handlers validate with their own serializer, not partially: its required fields
        (``version``) are required, as for PUT. drf-spectacular would drop every ``required``."""
        if self.method != "PATCH":
            return super()._get_request_for_media_type(serializer, direction)
        self.method = "PUT"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = "PATCH"

    def _map_basic_serializer(self, serializer, direction):
        outer, self._direction = getattr(self, "_direction", None), direction
        try:
            return super()._map_basic_serializer(serializer, direction)
        finally:
            self._direction = outer

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # After drf-spectacular's own: it would wrap a pattern of a field that may be blank in a oneOf
        # with the empty string, which ours admits already (and oneOf then refuses "").
        writes = getattr(self, "_direction", None) == "request" and not field.read_only
        if writes and isinstance(field, serializers.CharField):
            _text_pattern(schema, field)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, DecimalString) and direction == "request" and not field.read_only:
            return {**decimal_input_schema(field), **_field_meta(self, field, direction)}
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and is_list_serializer(field):
            # drf-spectacular leaves out a list's bounds: the bulk endpoint refuses an empty list
            if field.min_length is not None or not field.allow_empty:
                schema["minItems"] = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

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


NO_NUL = "^[^\\x00]*$"
# What Python's str.strip() removes, less the control characters refused anyway: a required text of
# these only is blank once DRF has trimmed it.
_SPACE = "\\t\\n\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_CONTROL = CONTROL_CHARACTERS.pattern[1:-1]  # the class of core.text, without its brackets


def _plain(schema: dict) -> bool:
    return schema.get("type") == "string" and not {"enum", "pattern", "format"} & set(schema)


def _refuse_nul(schema: dict) -> None:
    """No query text holds a NUL character (Django's forms refuse it; PostgreSQL could not compare it)."""
    if _plain(schema):
        schema["pattern"] = NO_NUL


def _text_pattern(schema: dict, field: serializers.CharField) -> None:
    """The characters a text input refuses: NUL (DRF), every control character but tab and line breaks
    for ``PlainText`` (core.text); and, when DRF trims it and it may not be blank, one that is not a
    space."""
    if not _plain(schema):
        return
    refused = _CONTROL if isinstance(field, PlainText) else "\\x00"
    if field.trim_whitespace and not field.allow_blank:
        schema["pattern"] = f"^[^{refused}]*[^{refused}{_SPACE}][^{refused}]*$"
    else:
        schema["pattern"] = f"^[^{refused}]*$"


def _field_meta(auto_schema: AutoSchema, field, direction) -> dict:
    meta = auto_schema._get_serializer_field_meta(field, direction)
    return {k: v for k, v in meta.items() if k in ("description", "title", "default", "nullable")}


def decimal_input_schema(field: DecimalString) -> dict:
    """What a decimal input accepts (``core.numbers.parse_number`` within the field's digits, refused
    rather than rounded): a string written plainly, ``"522.8"`` or ``"-0.5"``, as the pattern says
    (the thousands separators, exponents and full-width digits the reader also takes are named in the
    description, not the pattern), or a JSON number of at most ``decimal_places`` decimals."""
    places = field.decimal_places
    whole = field.max_digits - places
    plain = rf"0*[0-9]{{1,{whole}}}(?:\.[0-9]{{0,{places}}})?|\.[0-9]{{1,{places}}}"
    return {
        "oneOf": [
            {
                "type": "string",
                "pattern": f"^[+-]?(?:{plain})$",
                "maxLength": DecimalString.MAX_STRING_LENGTH,
                "description": (
                    f"十进制数，整数部分最多 {whole} 位、小数最多 {places} 位（不四舍五入）；"
                    "服务器也读千位分隔符（1,234.5）、科学计数法（1.5e3）和全角数字"
                ),
            },
            {
                "type": "number",
                "multipleOf": float(f"1e-{places}"),
                "minimum": -(10**whole),
                "exclusiveMinimum": True,
                "maximum": 10**whole,
                "exclusiveMaximum": True,
            },
        ]
    }
