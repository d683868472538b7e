"""How data goes in and out: exact decimals, pagination, and CSV/XLSX exports of every list."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, renderers, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.export import append_row, csv_row, safe_text
from core.formatting import decimal_str
from core.numbers import parse_number
from core.text import CONTROL_CHARACTERS

EXPORT_FORMATS = ("csv", "xlsx")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# CSV and XLSX exports are for whole tables: a bigger page, still capped.
EXPORT_PAGE_SIZE = 10_000
_POSITIVE = re.compile(r"0*[1-9][0-9]*")


class DecimalJSONParser(parsers.JSONParser):
    """JSON with numbers read as Decimal, so 522.8 arrives as Decimal('522.8'), never as a float."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = io.TextIOWrapper(stream, encoding=encoding).read() if stream is not None else ""
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # too deeply nested: RecursionError
            raise exceptions.ParseError(_("JSON 解析错误：%(error)s") % {"error": exc}) from exc


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def decimal_text(value: Decimal | None) -> str | None:
    """A stored decimal as people wrote it: 522.8, not 522.80000000 (None stays None)."""
    return None if value is None else decimal_str(value)


class DecimalString(serializers.DecimalField):
    """A DecimalField that reads strings or numbers and writes the shortest exact string ("522.8").

    Input is read by ``core.numbers.parse_number``, the rule of every door (the sheet, uploads, the
    import command): "1,234.5" and full-width "１２３．５" are numbers; "1_000", "١٢٣", NaN are not."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 24)
        kwargs.setdefault("decimal_places", 8)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            self.fail("invalid")
        text = repr(data) if isinstance(data, float) else str(data)
        if len(text) > self.MAX_STRING_LENGTH:
            self.fail("max_string_length")
        try:
            value = parse_number(text)
        except ValueError:
            shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
            raise serializers.ValidationError(
                _("“%(text)s”不是数字") % {"text": shown}, code="invalid"
            ) from None
        return self.quantize(self.validate_precision(value))

    def to_representation(self, value):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        return decimal_text(value)


class PlainText(serializers.CharField):
    """Text people write (a note, a source, a comment, a reason): no control character but tab and line
    breaks (``core.text``, the rule of every door), refused here with the same message; the schema
    states it as a pattern (``core.api.schema``)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        found = CONTROL_CHARACTERS.search(value)
        if found:
            raise serializers.ValidationError(
                _("“%(label)s”含有不可见的控制字符（U+%(code)04X），请删除后重试")
                % {"label": self.label or self.field_name, "code": ord(found.group())},
                code="invalid",
            )
        return value


class FiniteFloat(serializers.FloatField):
    """A stored double as a JSON number (Python's repr: 522.8 stays 522.8); NaN and ±inf become null."""

    def to_representation(self, value):
        if value is None:
            return None
        value = float(value)
        return value if math.isfinite(value) else None


class Pagination(PageNumberPagination):
    """Page-numbered lists, 50 a page by default, ``page_size`` up to 500 (up to 10,000 for CSV and
    XLSX exports, whose default page is the whole table up to that cap). The total is also in the
    ``X-Total-Count`` header, and the neighbouring pages in a ``Link`` header.

    ``page`` and ``page_size`` are positive integers, as the schema says: anything else is a 400 (a
    page past the last one is a 404); empty is the default, a size above the cap is the cap."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def _export(self, request) -> bool:
        renderer = getattr(request, "accepted_renderer", None)
        return getattr(renderer, "format", None) in EXPORT_FORMATS

    def _positive(self, request, name: str) -> int | None:
        text = request.query_params.get(name)
        if text is None or text == "":
            return None
        if not _POSITIVE.fullmatch(text):
            raise exceptions.ValidationError({name: [_("请输入正整数")]}, code="invalid")
        digits = text.lstrip("0")
        return int(digits) if len(digits) <= 20 else 10**20  # int() refuses thousands of digits

    def get_page_size(self, request):
        size = self._positive(request, self.page_size_query_param)
        if self._export(request):
            return min(size or EXPORT_PAGE_SIZE, EXPORT_PAGE_SIZE)
        return min(size, self.max_page_size) if size else self.page_size

    def get_page_number(self, request, paginator):
        return self._positive(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "页码，从 1 开始；超过末页返回 404",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"每页行数：默认 {PAGE_SIZE}，最多 {MAX_PAGE_SIZE}（CSV/XLSX 导出默认并最多 "
                    f"{EXPORT_PAGE_SIZE}）；超过上限按上限"
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

    def get_paginated_response(self, data):
        response = Response(
            OrderedDict(
                [
                    ("count", self.page.paginator.count),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )
        response["X-Total-Count"] = str(self.page.paginator.count)
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


@dataclass(frozen=True)
class Column:
    """One column of a CSV/XLSX export: the key in the JSON row, the Chinese header, and its kind
    (``decimal`` strings become numbers in XLSX; ``list`` values are joined with "; ")."""

    key: str
    header: str
    kind: str = "text"
    item: str = "code"  # for ``list`` columns: the key shown for each item


def _cell(row: dict, column: Column):
    value = row
    for part in column.key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if column.kind == "list" and isinstance(value, list):
        return "; ".join(str(v.get(column.item, "")) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _rows_and_columns(data, renderer_context) -> tuple[list[dict], list[Column]]:
    rows = data.get("results", data) if isinstance(data, dict) else data
    if isinstance(rows, dict):
        rows = [rows]
    rows = list(rows or [])
    view = (renderer_context or {}).get("view")
    columns = getattr(view, "export_columns", None)
    if not columns:
        keys = list(rows[0].keys()) if rows else []
        columns = [Column(k, k) for k in keys]
    return rows, list(columns)


def _attachment(renderer_context, extension: str) -> None:
    response = (renderer_context or {}).get("response")
    view = (renderer_context or {}).get("view")
    if response is None or response.status_code >= 400:
        return
    name = getattr(view, "export_name", None) or getattr(view, "basename", None) or "export"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'


class CSVRenderer(renderers.BaseRenderer):
    """UTF-8 with a byte-order mark (so Excel reads the Chinese correctly), Chinese headers."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows, columns = _rows_and_columns(data, renderer_context)
        _attachment(renderer_context, "csv")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(csv_row(c.header for c in columns))
        for row in rows:
            writer.writerow([_csv_text(_cell(row, c), c) for c in columns])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(value, column: Column) -> str:
    """A cell as CSV text: numbers as written, text a spreadsheet would run as a formula with a
    leading ' (``core.export.safe_text``); a decimal column's "-5" is a number, a note's is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if column.kind == "decimal" and _PLAIN_DECIMAL.fullmatch(value) else safe_text(value)
    return str(value)


_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class XLSXRenderer(renderers.BaseRenderer):
    """An Excel workbook, one sheet, Chinese headers; decimal strings written as numbers."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        from openpyxl import Workbook

        rows, columns = _rows_and_columns(data, renderer_context)
        _attachment(renderer_context, "xlsx")
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("data")
        sheet.freeze_panes = "A2"
        append_row(sheet, [c.header for c in columns])
        for row in rows:  # text as text: a note "=..." is never a formula (core.export)
            append_row(sheet, [_xlsx_value(_cell(row, c), c) for c in columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _xlsx_value(value, column: Column):
    if column.kind == "decimal" and isinstance(value, str) and value:
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


class ApiViewMixin:
    """For every API view: CSV and XLSX renderers on list actions only, and errors always in JSON."""

    export_actions: tuple[str, ...] = ("list",)
    export_columns: list[Column] = []

    def get_renderers(self):
        found = super().get_renderers()
        if getattr(self, "action", None) in self.export_actions:
            found = [*found, CSVRenderer(), XLSXRenderer()]
        return found

    def perform_content_negotiation(self, request, force=False):
        # A method the view does not serve is answered 405 (after authentication, 401 first, as for any
        # request), whatever format it asks for: DRF negotiates first and answered TRACE ?format=csv
        # with a 404, the export renderers being offered to the list action only.
        method = request.method.lower()
        serves = method in self.http_method_names and hasattr(self, method)
        return super().perform_content_negotiation(request, force=force or not serves)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if any("\x00" in str(value) for value in kwargs.values()):
            raise exceptions.NotFound()  # no code holds a NUL (and PostgreSQL would refuse the query)

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and getattr(renderer, "format", None) in EXPORT_FORMATS
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
