"""Reading and validating a file of yearly actuals (CSV or XLSX, long layout).

Columns: park, indicator, year, value, unit, source, note — or 园区, 指标, 年份, 数值, 单位, 来源, 备注.
The whole file is validated before anything is written; every problem is reported with its row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from core import xlsx
from core.export import restore_text
from core.numbers import parse_number
from indicators.models import YEAR_MAX, YEAR_MIN, Indicator, IndicatorAlias, Unit
from indicators.names import name_variants
from indicators.units import UnitConversionError, convert
from parks.models import Park
from plans.models import PlanIndicator

HEADERS = {
    "park": "park",
    "园区": "park",
    "indicator": "indicator",
    "指标": "indicator",
    "year": "year",
    "年份": "year",
    "value": "value",
    "数值": "value",
    "unit": "unit",
    "单位": "unit",
    "source": "source",
    "来源": "source",
    "note": "note",
    "备注": "note",
}
REQUIRED = ("park", "indicator", "year", "value")
FIELD_LABELS = {
    "park": "园区",
    "indicator": "指标",
    "year": "年份",
    "value": "数值",
    "unit": "单位",
    "source": "来源",
    "note": "备注",
}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not a spreadsheet, no header, missing columns)."""


@dataclass
class ImportRow:
    row: int  # the row number a person sees in the spreadsheet (header is row 1)
    park: Park
    indicator: Indicator
    year: int
    value: Decimal  # in the indicator's unit
    source: str
    note: str


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of the file as dicts keyed by canonical column names. Formulas are never evaluated:
    XLSX cells give their stored values. At most core.xlsx.MAX_ROWS rows below the header: the
    reading stops there and the file is refused."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("文件不是 UTF-8 编码的 CSV，也不是 XLSX 表格") from exc
        # Our CSV exports write text such as "=1+1" as "'=1+1" (formula injection): read it back as written.
        rows = []
        for row in csv.reader(io.StringIO(text)):
            rows.append([restore_text(cell) for cell in row])
            if len(rows) > xlsx.MAX_ROWS + 1:
                break  # refused below: the rest is never parsed
    if not rows:
        raise ImportFileError("文件为空")
    header = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in rows[0]]
    missing = [FIELD_LABELS[c] + f"（{c}）" for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(f"缺少必需的列：{'、'.join(missing)}")
    if len(rows) - 1 > xlsx.MAX_ROWS:
        raise ImportFileError(_("文件超过 %(max)s 行，请拆分后上传") % {"max": xlsx.MAX_ROWS})
    records = []
    for cells in rows[1:]:
        record = {
            name: ("" if value is None else str(value).strip())
            for name, value in zip(header, cells, strict=False)
            if name
        }
        records.append(record)
    return records


def _xlsx_rows(data: bytes) -> list[list]:
    """The first worksheet's rows, read streamed after core.xlsx's limits (size, zip, declared and
    counted rows, columns and cells): a file past them is refused before it is parsed."""
    try:
        return xlsx.load_first_sheet_values(data)
    except xlsx.WorkbookError as exc:
        raise ImportFileError(str(exc)) from exc


class _Resolver:
    """Finds parks, indicators and units by the names people type, with a fixed number of queries."""

    def __init__(self) -> None:
        self.parks = {p.code: p for p in Park.objects.all()}
        self.parks_by_name = {p.name_zh: p for p in self.parks.values()}
        self.indicators = {i.code: i for i in Indicator.objects.select_related("unit")}
        self.units = {u.symbol: u for u in Unit.objects.all()} | {u.code: u for u in Unit.objects.all()}
        # (park id, name) → {(indicator, unit as printed)}, from every plan of the park or set for it
        self.printed: dict[tuple[int, str], set[tuple[int, int]]] = {}
        rows = PlanIndicator.objects.select_related("plan", "unit").values_list(
            "plan__park_id", "park_id", "name_printed", "unit__symbol", "indicator_id", "unit_id"
        )
        for plan_park, zone, name, symbol, indicator_id, unit_id in rows:
            for variant in name_variants(name, symbol):
                for park_id in {plan_park, zone} - {None}:
                    self.printed.setdefault((park_id, variant), set()).add((indicator_id, unit_id))
        self.by_name: dict[str, set[int]] = {}
        for indicator in self.indicators.values():
            self.by_name.setdefault(indicator.name_zh, set()).add(indicator.pk)
        for alias, indicator_id in IndicatorAlias.objects.values_list("name", "indicator_id"):
            self.by_name.setdefault(alias, set()).add(indicator_id)
        self.indicator_by_id = {i.pk: i for i in self.indicators.values()}
        self.unit_by_id = {u.pk: u for u in self.units.values()}

    def park(self, text: str) -> Park | None:
        return self.parks.get(text) or self.parks_by_name.get(text)

    def indicator(self, park: Park, text: str) -> tuple[Indicator | None, Unit | None, str]:
        """(indicator, the unit implied by how it was named, error)."""
        if text in self.indicators:
            indicator = self.indicators[text]
            return indicator, indicator.unit, ""
        matches = self.printed.get((park.pk, text)) or self.printed.get((park.pk, text.lstrip("—-").strip()))
        if matches:
            indicator_ids = {i for i, _ in matches}
            if len(indicator_ids) > 1:
                return None, None, f"指标“{text}”在该园区的规划中对应多个指标，请改用指标代码"
            indicator_id, unit_id = next(iter(matches))
            units = {u for _, u in matches}
            implied = self.unit_by_id[unit_id] if len(units) == 1 else None
            return self.indicator_by_id[indicator_id], implied, ""
        ids = self.by_name.get(text, set())
        if len(ids) == 1:
            indicator = self.indicator_by_id[next(iter(ids))]
            return indicator, indicator.unit, ""
        if len(ids) > 1:
            return None, None, f"指标“{text}”对应多个指标，请改用指标代码"
        return None, None, f"未知指标“{text}”（既不是指标代码，也不是该园区规划中的指标名称）"


def validate_rows(records: list[dict[str, str]], *, default_source: str = "") -> ImportResult:
    """Check every row; collect all errors (row and field named) rather than stopping at the first."""
    resolver = _Resolver()
    result = ImportResult()
    seen: dict[tuple[int, int, int], int] = {}
    for offset, record in enumerate(records):
        row = offset + 2
        if not any(record.values()):
            continue  # a blank row
        errors: list[str] = []

        def fail(name: str, message: str, row=row, errors=errors) -> None:
            errors.append(f"第 {row} 行【{FIELD_LABELS[name]}】{message}")

        for name in REQUIRED:
            if not record.get(name):
                fail(name, "不能为空")
        park = resolver.park(record.get("park", "")) if record.get("park") else None
        if record.get("park") and park is None:
            fail("park", f"未知园区“{record['park']}”")
        indicator = implied_unit = None
        if park is not None and record.get("indicator"):
            indicator, implied_unit, message = resolver.indicator(park, record["indicator"])
            if message:
                fail("indicator", message)
        year = None
        if record.get("year"):
            try:
                year = int(parse_number(record["year"]))
                if parse_number(record["year"]) != year:
                    raise ValueError
            except ValueError:
                fail("year", f"“{record['year']}”不是年份")
            else:
                if not YEAR_MIN <= year <= YEAR_MAX:
                    fail("year", f"{year} 超出允许范围（{YEAR_MIN}–{YEAR_MAX}）")
                    year = None
        value = None
        if record.get("value"):
            try:
                value = parse_number(record["value"])
            except ValueError:
                fail("value", f"“{record['value']}”不是数字")
        unit = implied_unit
        if record.get("unit"):
            unit = resolver.units.get(record["unit"])
            if unit is None:
                fail("unit", f"未知单位“{record['unit']}”")
        elif indicator is not None and implied_unit is None:
            fail("unit", "该指标在不同规划中单位不同，请填写单位")
        stored = None
        if indicator is not None and unit is not None and value is not None:
            try:
                stored = convert(value, unit, indicator.unit)
            except UnitConversionError as exc:
                fail("unit", f"{exc}（指标单位为{indicator.unit.symbol}）")
        if park is not None and indicator is not None and year is not None:
            key = (park.pk, indicator.pk, year)
            if key in seen:
                fail("indicator", f"与第 {seen[key]} 行重复（同一园区、指标、年份）")
            else:
                seen[key] = row
        if errors:
            result.errors.extend(errors)
            continue
        result.rows.append(
            ImportRow(
                row=row,
                park=park,
                indicator=indicator,
                year=year,
                value=stored,
                source=record.get("source") or default_source,
                note=record.get("note", ""),
            )
        )
    if not result.rows and not result.errors:
        result.errors.append("文件中没有数据行")
    return result
