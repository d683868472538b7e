"""Uploading a park's actuals through the web: a dry-run preview, then a commit, all or nothing.

Either layout is accepted: the plan's own (like 表2, what the data sheet exports) or the long layout of
``import_observations`` (XLSX or CSV). Every row is resolved to a park, an indicator, a year and a
value in the indicator's unit, and compared with what is stored: new, changed, unchanged or error.
The preview then runs the real workflow services on the new and changed rows inside a transaction
that is rolled back, so the preview shows exactly the errors the commit would meet (a submitted or
approved value, a negative share, a year not yet open). The commit runs them again, for real, in one
transaction: any error and nothing is saved.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from core import export, xlsx
from core.formatting import decimal_str
from entry.imports import HEADERS, REQUIRED, ImportFileError, read_table, validate_rows
from entry.selectors import _plan_indicators, to_unit, with_formula_parts
from entry.services import Action, DomainError, EntryRow, observation_bulk_save
from indicators.models import Indicator, Observation, Unit
from indicators.units import UnitConversionError, convert
from parks.models import Park
from parks.selectors import park_tree
from plans import excel
from plans.models import Plan

ROW_PREFIX = re.compile(r"^第 (\d+) 行")
UNCHANGED_SHOWN = 200


class UploadError(ValueError):
    """The file as a whole is refused (nothing in it is usable)."""


class _Rollback(Exception):
    pass


@dataclass
class PreviewRow:
    sheet: str
    row: int
    name: str
    park: Park | None = None
    indicator: Indicator | None = None
    year: int | None = None
    value: Decimal | None = None  # in the indicator's unit
    written: str = ""  # as the file writes it, with its unit
    note: str | None = None  # None: the file says nothing, the stored note stays
    source: str = ""
    kind: str = "new"  # new / changed / unchanged / error
    messages: list[str] = field(default_factory=list)
    existing: Observation | None = None

    @property
    def existing_text(self) -> str:
        if self.existing is None or self.indicator is None:
            return ""
        return f"{decimal_str(self.existing.value)} {self.indicator.unit.symbol}"

    @property
    def value_text(self) -> str:
        if self.value is None or self.indicator is None:
            return ""
        return f"{decimal_str(self.value)} {self.indicator.unit.symbol}"

    def fail(self, message: str) -> None:
        self.kind = "error"
        self.messages.append(message)


@dataclass
class UploadPreview:
    filename: str
    layout: str  # "plan" or "long"
    rows: list[PreviewRow]
    notices: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.kind] += 1
        return counts

    @property
    def errors(self) -> list[str]:
        return [message for row in self.rows for message in row.messages if row.kind == "error"]

    @property
    def ok(self) -> bool:
        return not any(row.kind == "error" for row in self.rows)

    @property
    def display_rows(self) -> list[PreviewRow]:
        """Errors, new and changed rows first (in file order), then at most UNCHANGED_SHOWN unchanged."""
        first = [r for r in self.rows if r.kind != "unchanged"]
        return first + [r for r in self.rows if r.kind == "unchanged"][:UNCHANGED_SHOWN]

    @property
    def unchanged_hidden(self) -> int:
        return max(0, self.counts["unchanged"] - UNCHANGED_SHOWN)

    @property
    def changes(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.kind in ("new", "changed")]

    def payload(self) -> dict:
        """What the commit needs, JSON-safe (kept in the session between preview and commit)."""
        return {
            "filename": self.filename,
            "rows": [
                {
                    "row": r.row,
                    "sheet": r.sheet,
                    "park": r.park.pk,
                    "indicator": r.indicator.pk,
                    "year": r.year,
                    "value": str(r.value),
                    "note": r.note if r.note is not None else (r.existing.note if r.existing else ""),
                    "source": r.source,
                    "version": r.existing.version if r.existing else 0,
                }
                for r in self.changes
            ],
        }


def _allowed_parks(park: Park) -> dict[int, Park]:
    """The park and its zones, at any depth (two queries)."""
    ids = park_tree().descendants_and_self([park.pk])
    return {p.pk: p for p in Park.objects.filter(pk__in=ids)}


def _where(sheet: str, row: int, column: str, multi_sheet: bool) -> str:
    prefix = _("工作表“%(sheet)s”") % {"sheet": sheet} if multi_sheet and sheet else ""
    return prefix + _("第 %(row)s 行【%(column)s】") % {"row": row, "column": column}


def upload_preview(*, user, park: Park, filename: str, data: bytes, year: int | None = None) -> UploadPreview:
    """Read and check a file of the park's actuals; save nothing. Raises UploadError for a file that
    cannot be read at all; row-level problems are in the rows."""
    if not data:
        raise UploadError(_("文件为空"))
    if len(data) > xlsx.max_upload_bytes():
        raise UploadError(
            _("文件过大，上限为 %(limit)s MB") % {"limit": round(xlsx.max_upload_bytes() / 1048576, 1)}
        )
    layout = _layout(data, filename)
    preview = (
        _preview_long(park=park, filename=filename, data=data)
        if layout == "long"
        else _preview_plan(park=park, filename=filename, data=data, year=year)
    )
    _compare(preview)
    if preview.ok and preview.changes:
        _dry_run(user=user, preview=preview)
    return preview


def _layout(data: bytes, filename: str) -> str:
    if not xlsx.is_xlsx(data):
        if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
            raise UploadError(
                _("文件不是有效的 XLSX 表格（文件损坏，或是旧版 .xls：请在 Excel 中另存为 .xlsx）")
            )
        return "long"  # a CSV, or refused by the CSV reader
    try:
        sheets = xlsx.load_grid_workbook(data)
    except xlsx.WorkbookError as exc:
        raise UploadError(str(exc)) from exc
    for _name, values, _formats in sheets[:1]:
        for cells in values[: xlsx.HEADER_SCAN_ROWS]:
            names = {
                HEADERS.get(str(c).strip().lower(), HEADERS.get(str(c).strip()))
                for c in cells
                if c is not None
            }
            if all(required in names for required in REQUIRED):
                return "long"
            if any(c is not None and str(c).strip() for c in cells):
                break
    return "plan"


# --- The long layout --------------------------------------------------------------------------------


def _preview_long(*, park: Park, filename: str, data: bytes) -> UploadPreview:
    suffix = ".xlsx" if xlsx.is_xlsx(data) else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        try:
            records = read_table(Path(handle.name))
        except ImportFileError as exc:
            raise UploadError(str(exc)) from exc
    if len(records) > xlsx.MAX_ROWS:
        raise UploadError(_("文件超过 %(max)s 行，请拆分后上传") % {"max": xlsx.MAX_ROWS})
    result = validate_rows(records, default_source=_("上传文件 %(name)s") % {"name": filename})
    by_row: dict[int, PreviewRow] = {}
    for offset, record in enumerate(records):
        if not any(record.values()):
            continue
        number = offset + 2
        by_row[number] = PreviewRow(
            sheet="",
            row=number,
            name=record.get("indicator", ""),
            written=" ".join(v for v in (record.get("value", ""), record.get("unit", "")) if v),
            note=record.get("note") or None,
        )
    for message in result.errors:
        match = ROW_PREFIX.match(message)
        if match and int(match.group(1)) in by_row:
            by_row[int(match.group(1))].fail(message)
        else:
            by_row.setdefault(0, PreviewRow(sheet="", row=0, name="")).fail(message)
    allowed = _allowed_parks(park)
    ranges = _plan_years(park)
    for item in result.rows:
        row = by_row[item.row]
        row.park, row.indicator, row.year, row.value = item.park, item.indicator, item.year, item.value
        row.source = item.source
        if item.park.pk not in allowed:
            row.fail(
                _("第 %(row)s 行【园区】“%(park)s”不是“%(this)s”或其片区，请在该园区的页面上传")
                % {"row": item.row, "park": item.park.name_zh, "this": park.name_zh}
            )
            continue
        spans = ranges.get((item.park.pk, item.indicator.pk))
        if not spans:
            row.fail(
                _("第 %(row)s 行【指标】“%(name)s”不在“%(park)s”的任何规划中")
                % {"row": item.row, "name": item.indicator.name_zh, "park": item.park.name_zh}
            )
        elif not any(low <= item.year <= high for low, high, _name in spans):
            row.fail(
                _("第 %(row)s 行【年份】%(year)s 年不在规划年份范围内（%(ranges)s）")
                % {
                    "row": item.row,
                    "year": item.year,
                    "ranges": "；".join(f"{n} {lo}–{hi}" for lo, hi, n in spans),
                }
            )
    return UploadPreview(filename=filename, layout="long", rows=sorted(by_row.values(), key=lambda r: r.row))


def _plan_years(park: Park) -> dict[tuple[int, int], list[tuple[int, int, str]]]:
    """(value park, indicator) → the year ranges (base year to end year) of the plans that hold it."""
    allowed = list(_allowed_parks(park).values())
    spans: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for pi in with_formula_parts(_plan_indicators(allowed)):
        value_park = pi.park_id or pi.plan.park_id
        span = (pi.plan.base_year, pi.plan.end_year, pi.plan.name)
        spans.setdefault((value_park, pi.indicator_id), [])
        if span not in spans[(value_park, pi.indicator_id)]:
            spans[(value_park, pi.indicator_id)].append(span)
    return spans


# --- The plan's layout ------------------------------------------------------------------------------


def _preview_plan(*, park: Park, filename: str, data: bytes, year: int | None) -> UploadPreview:
    units = {u.symbol: u for u in Unit.objects.all()}
    try:
        tables = excel.read_plan_tables(data, unit_symbols=units)
    except xlsx.WorkbookError as exc:
        raise UploadError(str(exc)) from exc
    allowed = _allowed_parks(park)
    plan_indicators = with_formula_parts(_plan_indicators(list(allowed.values())))
    own_plans = {pi.plan.pk: pi.plan for pi in plan_indicators}
    other_plans = {p.code: p for p in Plan.objects.exclude(pk__in=own_plans).select_related("park")}
    preview = UploadPreview(filename=filename, layout="plan", rows=[])
    multi = len(tables) > 1
    seen: dict[tuple[int, int, int], PreviewRow] = {}
    for table in tables:
        heading = f"{table.sheet} {table.title}"
        foreign = [
            p
            for code, p in other_plans.items()
            if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", heading)
        ]
        if foreign:
            preview.rows.append(
                _file_row(
                    table,
                    _("工作表“%(sheet)s”是规划“%(plan)s”（%(park)s）的表，不是“%(this)s”的，未读取")
                    % {
                        "sheet": table.sheet,
                        "plan": foreign[0].name,
                        "park": foreign[0].park.name_zh,
                        "this": park.name_zh,
                    },
                )
            )
            continue
        plan = _plan_of(table, heading, list(own_plans.values()))
        candidates = [pi for pi in plan_indicators if plan is None or pi.plan_id == plan.pk]
        names = _names(candidates, units)
        value_columns = [c for c in table.years if c.role != "target"]
        ignored = [c.header for c in table.years if c.role == "target"]
        if ignored:
            preview.notices.append(
                _("工作表“%(sheet)s”：已忽略目标列 %(cols)s（实际值上传只读取实际值）")
                % {"sheet": table.sheet, "cols": "、".join(ignored)}
            )
        note_year = _note_year(table, value_columns, year)
        for table_row in table.rows:
            _plan_row(preview, table, table_row, value_columns, names, units, allowed, note_year, multi, seen)
    return preview


def _file_row(table, message: str) -> PreviewRow:
    row = PreviewRow(sheet=table.sheet, row=table.header_row, name="")
    row.fail(message)
    return row


def _plan_of(table, heading: str, plans: list[Plan]) -> Plan | None:
    for plan in plans:
        if re.search(rf"(?<![\w-]){re.escape(plan.code)}(?![\w-])", heading):
            return plan
    for plan in plans:
        if plan.name in heading or (table.sheet and plan.name.startswith(table.sheet)):
            return plan
    return None


def _names(candidates, units: dict[str, Unit]) -> dict[tuple[str, str], list]:
    """(printed name, zone name) → plan indicators, under the name as printed and without its dashes
    or the unit it prints in parentheses."""
    from indicators.names import name_variants

    names: dict[tuple[str, str], list] = {}
    for pi in candidates:
        zone = pi.park.name_zh if pi.park_id else ""
        printed = re.sub(r"\s+", "", pi.name_printed)
        for variant in {printed, excel.strip_dashes(printed)} | name_variants(printed, pi.unit.symbol):
            for key in {(variant, zone), (variant, "")}:
                names.setdefault(key, [])
                if pi not in names[key]:
                    names[key].append(pi)
    return names


def _note_year(table, value_columns, year: int | None) -> int | None:
    if not table.note_header:
        return None
    match = re.search(r"(?:19|20)\d{2}", table.note_header)
    if match:
        return int(match.group(0))
    if len(value_columns) == 1:
        return value_columns[0].year
    return year


def _plan_row(
    preview, table, table_row, value_columns, names, units, allowed, note_year, multi, seen
) -> None:
    where = lambda column: _where(table.sheet, table_row.number, column, multi)  # noqa: E731
    base = PreviewRow(sheet=table.sheet, row=table_row.number, name=table_row.name)
    if not table_row.name:
        base.fail(where(_("具体指标")) + _("指标名称不能为空"))
        preview.rows.append(base)
        return
    name = re.sub(r"\s+", "", table_row.name)
    matches = names.get((name, table_row.zone)) or names.get((excel.strip_dashes(name), table_row.zone)) or []
    keys = {(pi.park_id or pi.plan.park_id, pi.indicator_id) for pi in matches}
    if not matches:
        base.fail(
            where(_("具体指标")) + _("未知指标“%(name)s”：不是本园区规划中的指标") % {"name": table_row.name}
        )
        preview.rows.append(base)
        return
    if len(keys) > 1:
        base.fail(
            where(_("具体指标"))
            + _("指标“%(name)s”在本园区的规划中对应多个指标，请填写“片区”列或在规划对应的工作表中填写")
            % {"name": table_row.name}
        )
        preview.rows.append(base)
        return
    pi = matches[0]
    value_park = pi.park if pi.park_id else pi.plan.park
    if value_park.pk not in allowed:
        base.fail(where(_("具体指标")) + _("该指标属于其他园区"))
        preview.rows.append(base)
        return
    indicator = pi.indicator
    for column in value_columns:
        raw, number_format = table_row.cells.get(column.column, (None, ""))
        unit_symbol = excel.row_unit(table, table_row, column, units) or pi.unit.symbol
        row = PreviewRow(
            sheet=table.sheet,
            row=table_row.number,
            name=table_row.name,
            park=value_park,
            indicator=indicator,
            year=column.year,
            written=f"{raw if raw is not None else ''} {unit_symbol}".strip(),
        )
        label = where(column.header)
        try:
            number = excel.cell_number(raw, number_format, percent_unit=unit_symbol == "%")
        except ValueError:
            row.fail(label + _("“%(text)s”不是数字") % {"text": raw})
            preview.rows.append(row)
            continue
        if number is None:
            continue
        unit = units.get(unit_symbol)
        if unit is None:
            row.fail(label + _("未知单位“%(unit)s”") % {"unit": unit_symbol})
        elif not pi.plan.base_year <= column.year <= pi.plan.end_year:
            row.fail(
                label
                + _("%(year)s 年不在规划“%(plan)s”的年份范围（%(low)s–%(high)s）内")
                % {
                    "year": column.year,
                    "plan": pi.plan.name,
                    "low": pi.plan.base_year,
                    "high": pi.plan.end_year,
                }
            )
        else:
            try:
                row.value = convert(number, unit, indicator.unit)
            except UnitConversionError as exc:
                row.fail(
                    label
                    + _("%(error)s（指标单位为%(unit)s）") % {"error": exc, "unit": indicator.unit.symbol}
                )
        if column.year == note_year and table_row.note:
            row.note = table_row.note
        key = (value_park.pk, indicator.pk, column.year)
        if row.kind != "error" and key in seen:
            first = seen[key]
            if first.value != row.value:
                row.fail(
                    label
                    + _("与第 %(row)s 行是同一数值（同一园区、指标、年份），但数值不同") % {"row": first.row}
                )
            else:
                continue  # the same value printed twice (a plan prints an indicator twice)
        if row.kind != "error":
            seen[key] = row
        preview.rows.append(row)


# --- Comparing, dry run, commit --------------------------------------------------------------------


def _compare(preview: UploadPreview) -> None:
    rows = [r for r in preview.rows if r.kind != "error"]
    if not rows:
        return
    existing = {
        (o.park_id, o.indicator_id, o.year): o
        for o in Observation.objects.filter(
            park_id__in={r.park.pk for r in rows},
            indicator_id__in={r.indicator.pk for r in rows},
            year__in={r.year for r in rows},
        )
    }
    for row in rows:
        obs = existing.get((row.park.pk, row.indicator.pk, row.year))
        row.existing = obs
        if obs is None:
            row.kind = "new"
        elif obs.value == row.value and (row.note is None or row.note == obs.note):
            row.kind = "unchanged"
        else:
            row.kind = "changed"


def _entry_rows(preview: UploadPreview) -> list[EntryRow]:
    return [
        EntryRow(
            park=r.park,
            indicator=r.indicator,
            year=r.year,
            value=r.value,
            note=r.note if r.note is not None else (r.existing.note if r.existing else ""),
            source=r.source,
            expected_version=r.existing.version if r.existing else 0,
        )
        for r in preview.changes
    ]


def _label(row: PreviewRow, multi: bool, layout: str) -> str:
    column = _("数值") if layout == "long" else _("%(year)s年") % {"year": row.year}
    return _where(row.sheet, row.row, column, multi)


def _dry_run(*, user, preview: UploadPreview) -> None:
    """Run the services for real and roll back: their errors become the rows' errors."""
    changes = preview.changes
    multi = len({r.sheet for r in preview.rows}) > 1
    try:
        with transaction.atomic():
            observation_bulk_save(user=user, rows=_entry_rows(preview))
            raise _Rollback
    except _Rollback:
        return
    except DomainError as exc:
        for error in exc.errors:
            if error.get("row") is None:
                preview.rows.append(
                    PreviewRow(sheet="", row=0, name="", kind="error", messages=[exc.message])
                )
                continue
            row = changes[error["row"]]
            row.fail(_label(row, multi, preview.layout) + error["message"])


@dataclass
class CommitResult:
    saved: int
    errors: list[str]


def upload_commit(*, user, park: Park, payload: dict) -> CommitResult:
    """Save the rows a preview found new or changed, all or nothing, checking that nothing changed
    since the preview (each row carries the version it saw)."""
    rows = payload.get("rows", [])
    parks = Park.objects.in_bulk({r["park"] for r in rows})
    indicators = Indicator.objects.select_related("unit").in_bulk({r["indicator"] for r in rows})
    allowed = _allowed_parks(park)
    entry_rows = []
    for r in rows:
        if r["park"] not in allowed:
            return CommitResult(0, [_("文件中的数值不属于本园区")])
        entry_rows.append(
            EntryRow(
                park=parks[r["park"]],
                indicator=indicators[r["indicator"]],
                year=r["year"],
                value=Decimal(r["value"]),
                note=r["note"],
                source=r["source"],
                expected_version=r["version"],
            )
        )
    try:
        saved = observation_bulk_save(
            user=user, rows=entry_rows, action=Action.UPLOAD, text=payload.get("filename", "")
        )
    except DomainError as exc:
        messages = []
        for error in exc.errors:
            if error.get("row") is not None:
                r = rows[error["row"]]
                messages.append(
                    _("第 %(row)s 行（%(year)s年）：%(message)s")
                    % {"row": r["row"], "year": r["year"], "message": error["message"]}
                )
            else:
                messages.append(error["message"])
        return CommitResult(0, messages)
    return CommitResult(len(saved), [])


def export_rows_long(*, park: Park, year: int, sheet) -> list[list]:
    """The long-layout records of a data sheet: every value of its rows, base year to ``year``."""
    rows = sheet.unique_rows
    first_year = min((r.plan.base_year for r in rows), default=year)
    observations = Observation.objects.filter(
        park_id__in={r.park.pk for r in rows},
        indicator_id__in={r.indicator.pk for r in rows},
        year__gte=first_year,
        year__lte=year,
    ).order_by("year")
    by_key: dict[tuple[int, int], list[Observation]] = {}
    for obs in observations:
        by_key.setdefault((obs.park_id, obs.indicator_id), []).append(obs)
    records = []
    for row in rows:
        for obs in by_key.get((row.park.pk, row.indicator.pk), []):
            records.append(
                [
                    row.park.code,
                    row.indicator.code,
                    row.name,
                    obs.year,
                    export.excel_number(obs.value),
                    row.indicator.unit.symbol,
                    obs.source,
                    obs.note,
                    obs.get_status_display(),
                ]
            )
    return records


@translation.override("zh-hans")
def export_plan_workbook(*, park: Park, year: int, sheet) -> bytes:
    """The data sheet in each plan's own layout: one worksheet per plan, one column per year from the
    plan's base year to ``year``, values in the units the plan prints, and the year's notes. The file
    is written in Chinese whatever the page's language: it is the plan's own layout, and uploading it
    again must find the same headers."""
    workbook = export.new_workbook()
    used: set[str] = set()
    rows = sheet.rows
    first_year = min((r.plan.base_year for r in rows), default=year)
    values: dict[tuple[int, int, int], Observation] = {
        (o.park_id, o.indicator_id, o.year): o
        for o in Observation.objects.filter(
            park_id__in={r.park.pk for r in rows},
            indicator_id__in={r.indicator.pk for r in rows},
            year__gte=first_year,
            year__lte=year,
        )
    }
    for section in sheet.sections:
        plan = section.plan
        years = list(range(plan.base_year, min(plan.end_year, year) + 1))
        layout_rows = []
        has_zone = False
        for group in section.groups:
            for row in group.rows:
                cells = {}
                for y in years:
                    obs = values.get((row.park.pk, row.indicator.pk, y))
                    if obs is not None:
                        cells[y] = export.excel_number(to_unit(obs.value, row.indicator.unit, row.unit))
                current = values.get((row.park.pk, row.indicator.pk, year))
                has_zone = has_zone or row.is_zone_row
                layout_rows.append(
                    excel.LayoutRow(
                        category=row.category,
                        name=row.name,
                        unit=row.unit.symbol,
                        zone=row.park.name_zh if row.is_zone_row else "",
                        cells=cells,
                        note=current.note if current is not None else "",
                    )
                )
        ws = workbook.create_sheet(export.sheet_title(plan.name, used))
        excel.write_plan_sheet(
            ws,
            title=_("%(plan)s（%(code)s）· %(park)s 实际值")
            % {"plan": plan.name, "code": plan.code, "park": park.name_zh},
            years=years,
            rows=layout_rows,
            with_zone=has_zone,
            note_header=_("备注（%(year)s年）") % {"year": year},
        )
    if not sheet.sections:
        workbook.create_sheet(_("无规划"))
    return export.workbook_bytes(workbook)
