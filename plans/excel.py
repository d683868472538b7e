"""XLSX in the plan's own layout (like 表2), and the long layout of ``import_observations``.

Plan layout: a title row or two, then a header 类别 | 具体指标 | 单位 | 2021年 | 2022年 | …, one row per
indicator, the category printed once in a merged cell, sub-indicators printed with a leading "——".
Real tables vary, so the reader understands: merged cells (filled from their top-left cell), blank
rows, a category printed as a row of its own ("一、经济发展"), the unit in a 单位 column, in the year
header ("2025年（亿元）"), inside the name ("地区生产总值（亿元，含烟）") or in a "单位：亿元" line above
the table, "—" for no value, and cells formatted as percentages.

Formulas are never evaluated: a cell gives the value Excel stored with it. Workbooks are read by
core.xlsx.load_grid_workbook: size, zip, declared and counted rows, columns and cells are checked before
openpyxl parses anything, then the sheets are streamed (read-only) and merged ranges come from the
sheet's own XML.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from core.export import (
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    WRAP,
    append_row,
    csv_row,
    new_workbook,
    workbook_bytes,
)
from core.numbers import parse_number
from core.xlsx import HEADER_SCAN_ROWS, MAX_ROWS, WorkbookError, load_grid_workbook

BLANK_MARKS = {"", "—", "——", "-", "--", "－", "/", "／", "无", "暂无", "N/A", "n/a", "NA"}
DASHES = "—-－–─ 　"
CATEGORY_HEADERS = {"类别", "类型", "分类", "一级指标", "指标类别", "领域", "维度", "类别名称"}
NAME_HEADERS = {"指标", "指标名称", "具体指标", "二级指标", "指标项", "主要指标", "指标内容", "项目"}
UNIT_HEADERS = {"单位", "计量单位"}
ZONE_HEADERS = {"片区", "所属片区", "片区/园区"}
NATURE_HEADERS = {"属性", "指标属性", "性质"}
SEQ_HEADERS = {"序号", "编号", "序"}
TARGET_WORDS = ("目标", "预期", "规划", "近期", "中期", "远期", "期末")
ACTUAL_WORDS = ("实际", "完成", "基数", "基期", "现状", "实绩")
YEAR_HEADER = re.compile(r"^(?P<year>(?:19|20)\d{2})\s*年?(?P<rest>.*)$")
PARENS = re.compile(r"[（(]([^（）()]*)[)）]")
CATEGORY_ROW = re.compile(r"^[一二三四五六七八九十]+[、.．]\s*(?P<name>.+)$")


def _clean_text(value: Any) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", "", str(value)) if isinstance(value, str) else str(value).strip()


def strip_dashes(name: str) -> str:
    return name.lstrip(DASHES).strip()


def is_sub_indicator(name: str) -> bool:
    return bool(name) and name[0] in "—-－–─" and strip_dashes(name) != name


def unit_in_name(name: str, symbols: Iterable[str]) -> str:
    """The unit printed inside a name's parentheses: '地区生产总值（亿元，含烟）' → '亿元'."""
    known = set(symbols)
    for group in reversed(PARENS.findall(name)):
        for part in re.split(r"[，,、;；]", group):
            if part.strip() in known:
                return part.strip()
    return ""


def cell_number(raw: Any, number_format: str = "General", *, percent_unit: bool = False) -> Decimal | None:
    """A cell as a number: None for a blank or "—"; ValueError for text that is not a number.

    A cell Excel formats as a percentage stores 0.025 for 2.5%: when the row's unit is %, it is read
    as 2.5. Floats go through their shortest text form, so 522.8 stays 522.8.
    """
    if raw is None or isinstance(raw, bool):
        if isinstance(raw, bool):
            raise ValueError(str(raw))
        return None
    if isinstance(raw, int | float):
        if isinstance(raw, float) and raw != raw:  # NaN
            raise ValueError(str(raw))
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        if percent_unit and number_format and number_format.endswith("%"):
            value = value * 100
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
    text = str(raw).strip()
    if text in BLANK_MARKS:
        return None
    text = text.replace("％", "%")
    if text.endswith("%") and percent_unit:
        text = text[:-1]
    return parse_number(text)


# --- Reading ----------------------------------------------------------------------------------------


@dataclass
class YearColumn:
    column: int  # 0-based
    year: int
    header: str
    unit: str  # a unit written in the header, or ""
    role: str  # "value" (a bare year), "target" or "actual"


@dataclass
class TableRow:
    number: int  # the row number Excel shows
    category: str
    name: str
    unit: str  # from the 单位 column, or ""
    zone: str
    nature: str
    note: str
    cells: dict[int, tuple[Any, str]]  # column index → (raw value, number format)


@dataclass
class PlanTable:
    sheet: str
    title: str
    header_row: int
    table_unit: str  # from a "单位：亿元" line above the header
    years: list[YearColumn]
    rows: list[TableRow] = field(default_factory=list)
    has_unit_column: bool = False
    has_zone_column: bool = False
    has_nature_column: bool = False
    note_header: str = ""


def _header_roles(cells: list[Any]) -> dict[str, Any] | None:
    roles: dict[str, Any] = {"years": []}
    for index, raw in enumerate(cells):
        text = _clean_text(raw)
        if not text:
            continue
        plain = PARENS.sub("", text)
        match = YEAR_HEADER.match(text)
        if match and (isinstance(raw, int | float) or "年" in text or text.isdigit()):
            rest = match.group("rest")
            units = PARENS.findall(rest)
            role = "value"
            if any(w in rest for w in ACTUAL_WORDS):
                role = "actual"
            elif any(w in rest for w in TARGET_WORDS):
                role = "target"
            unit = next((u for u in units if not any(w in u for w in TARGET_WORDS + ACTUAL_WORDS)), "")
            roles["years"].append(YearColumn(index, int(match.group("year")), text, unit, role))
        elif plain in CATEGORY_HEADERS and "category" not in roles:
            roles["category"] = index
        elif (plain in NAME_HEADERS or plain.startswith(("指标名称", "具体指标"))) and "name" not in roles:
            roles["name"] = index
        elif plain in UNIT_HEADERS:
            roles["unit"] = index
        elif plain in ZONE_HEADERS:
            roles["zone"] = index
        elif plain in NATURE_HEADERS:
            roles["nature"] = index
        elif plain.startswith(("备注", "说明")):
            roles["note"] = index
            roles["note_header"] = text
    if "name" not in roles or not roles["years"]:
        return None
    return roles


def read_plan_tables(data: bytes, *, unit_symbols: Iterable[str]) -> list[PlanTable]:
    """The indicator tables of a workbook, one per worksheet that has one.

    Raises WorkbookError when the file is not a readable workbook, is past core.xlsx's limits (with a
    message naming the sheet and the limit) or no worksheet has a table.
    """
    symbols = set(unit_symbols)
    tables = []
    for name, values, formats in load_grid_workbook(data):
        table = _read_table(name, values, formats, symbols)
        if table is not None:
            tables.append(table)
    if not tables:
        raise WorkbookError(
            _(
                "未找到指标表：没有一个工作表的表头同时含有指标名称列（如“具体指标”“指标名称”）和年份列（如“2023年”）"
            )
        )
    return tables


def _read_table(name: str, values: list[list[Any]], formats: list[list[str]], symbols: set[str]):
    header_index, roles, title_parts, table_unit = None, None, [], ""
    for index, cells in enumerate(values[:HEADER_SCAN_ROWS]):
        roles = _header_roles(cells)
        if roles is not None:
            header_index = index
            break
        texts = [_clean_text(c) for c in cells if _clean_text(c)]
        for text in dict.fromkeys(texts):
            unit_match = re.search(r"单位[:：]\s*(\S+)", text)
            if unit_match and unit_match.group(1).strip("（）()") in symbols:
                table_unit = unit_match.group(1).strip("（）()")
            else:
                title_parts.append(text)
    if header_index is None:
        return None
    table = PlanTable(
        sheet=name,
        title=" ".join(title_parts),
        header_row=header_index + 1,
        table_unit=table_unit,
        years=roles["years"],
        has_unit_column="unit" in roles,
        has_zone_column="zone" in roles,
        has_nature_column="nature" in roles,
        note_header=roles.get("note_header", ""),
    )
    category = ""
    year_columns = {y.column for y in table.years}
    data_rows = values[header_index + 1 :]
    if len(data_rows) > MAX_ROWS:
        raise WorkbookError(_("工作表“%(sheet)s”超过 %(max)s 行") % {"sheet": name, "max": MAX_ROWS})
    for offset, cells in enumerate(data_rows):
        number = header_index + 2 + offset

        def get(role: str, cells=cells) -> str:
            index = roles.get(role)
            if index is None or index >= len(cells):
                return ""
            return _clean_text(cells[index])

        if not any(_clean_text(c) for c in cells):
            continue  # a blank row
        row_name = get("name")
        row_category = get("category")
        year_cells = {
            c: (
                cells[c] if c < len(cells) else None,
                formats[header_index + 1 + offset][c] if c < len(cells) else "",
            )
            for c in year_columns
        }
        has_values = any(_clean_text(raw) not in ("",) for raw, _fmt in year_cells.values())
        heading = CATEGORY_ROW.match(row_name) or CATEGORY_ROW.match(row_category)
        if heading and not has_values:
            category = heading.group("name")
            continue
        if row_category:
            category = row_category
        if not row_name and not has_values:
            continue  # a category printed on a row of its own
        if row_name in {"合计", "总计", "小计"}:
            continue
        table.rows.append(
            TableRow(
                number=number,
                category=category,
                name=row_name,
                unit=get("unit"),
                zone=get("zone"),
                nature=get("nature"),
                note=str(cells[roles["note"]]).strip()
                if "note" in roles and roles["note"] < len(cells) and cells[roles["note"]] is not None
                else "",
                cells=year_cells,
            )
        )
    return table


def row_unit(table: PlanTable, row: TableRow, column: YearColumn | None, symbols: Iterable[str]) -> str:
    """The unit a cell is written in: the 单位 column, the year header, the name, the table's line."""
    return row.unit or (column.unit if column else "") or unit_in_name(row.name, symbols) or table.table_unit


# --- Writing ----------------------------------------------------------------------------------------


@dataclass
class LayoutRow:
    category: str
    name: str
    unit: str
    cells: dict[int, Any]  # year → number, text or None
    zone: str = ""
    nature: str = ""
    note: str = ""


def write_plan_sheet(
    ws,
    *,
    title: str,
    years: list[int],
    rows: list[LayoutRow],
    year_suffix: str = "年",
    with_zone: bool = False,
    with_nature: bool = False,
    note_header: str = "",
) -> None:
    """One table in the plan's layout: title, header, rows; the category merged down as printed."""
    headers = [_("类别"), _("具体指标"), _("单位")]
    if with_zone:
        headers.append(_("片区"))
    if with_nature:
        headers.append(_("属性"))
    first_year_column = len(headers) + 1
    headers += [f"{y}{year_suffix}" for y in years]
    if note_header:
        headers.append(note_header)
    append_row(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.cell(1, 1).font = TITLE_FONT
    append_row(ws, headers)
    for cell in ws[2]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, CENTER
    for row in rows:
        line: list[Any] = [row.category, row.name, row.unit]
        if with_zone:
            line.append(row.zone)
        if with_nature:
            line.append(row.nature)
        line += [row.cells.get(y) for y in years]
        if note_header:
            line.append(row.note or None)
        append_row(ws, line)  # text as text: a name or note "=..." is never a formula
    # The category printed once per group, in a merged cell, as plan tables print it.
    start = 3
    for index in range(3, len(rows) + 4):
        current = ws.cell(index, 1).value if index < len(rows) + 3 else object()
        if current != ws.cell(start, 1).value:
            if index - 1 > start and ws.cell(start, 1).value:
                ws.merge_cells(start_row=start, start_column=1, end_row=index - 1, end_column=1)
            start = index
    for row_cells in ws.iter_rows(min_row=3, max_row=len(rows) + 2):
        row_cells[0].alignment = CENTER
        row_cells[1].alignment = WRAP
    widths = [12, 44, 12] + ([14] if with_zone else []) + ([8] if with_nature else [])
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for offset in range(len(years)):
        ws.column_dimensions[get_column_letter(first_year_column + offset)].width = 13
    if note_header:
        ws.column_dimensions[get_column_letter(first_year_column + len(years))].width = 36
    ws.freeze_panes = ws.cell(3, first_year_column)


LONG_HEADERS = ["园区", "指标", "指标名称", "年份", "数值", "单位", "来源", "备注", "状态"]


def write_long_xlsx(records: list[list[Any]], *, title: str = "实际值") -> bytes:
    """The long layout (园区, 指标, 年份, 数值, 单位, 来源, 备注), as ``import_observations`` reads it.
    指标名称 and 状态 are for people; the importer ignores them."""
    workbook = new_workbook()
    ws = workbook.create_sheet(title)
    append_row(ws, LONG_HEADERS)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for record in records:
        append_row(ws, record)  # text as text: a note "=..." is never a formula
    for index, width in enumerate([20, 34, 40, 8, 14, 12, 30, 30, 8], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    return workbook_bytes(workbook)


def write_long_csv(records: list[list[Any]]) -> bytes:
    """The long layout as CSV; text a spreadsheet would run as a formula starts with ' (core.export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_row(LONG_HEADERS))
    for record in records:
        writer.writerow(csv_row(record))
    return buffer.getvalue().encode("utf-8-sig")
