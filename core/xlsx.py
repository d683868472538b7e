"""Reading spreadsheets people upload: limits first, then the cells as Excel stored them.

Formulas are never evaluated: a cell gives the value Excel stored with it. Workbooks are loaded whole
when merged ranges matter (openpyxl's read-only mode does not expose them), so their size is checked
first.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

MAX_ROWS = 2000  # rows per worksheet or file; a park's year of values is a few hundred
MAX_COLUMNS = 120
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
HEADER_SCAN_ROWS = 15


class WorkbookError(ValueError):
    """The file as a whole cannot be used (not a spreadsheet, too big, no indicator table)."""


def max_upload_bytes() -> int:
    return int(getattr(settings, "MAX_UPLOAD_BYTES", 5 * 1024 * 1024))


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def check_size(data: bytes) -> None:
    if len(data) > max_upload_bytes():
        raise WorkbookError(
            _("文件过大（%(size)s MB），上限为 %(limit)s MB")
            % {"size": round(len(data) / 1048576, 1), "limit": round(max_upload_bytes() / 1048576, 1)}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise WorkbookError(_("无法读取 XLSX 文件（文件损坏或不是表格）")) from exc
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookError(_("表格解压后过大，请拆分后上传"))


def load_grid_workbook(data: bytes) -> list[tuple[str, list[list[Any]], list[list[str]]]]:
    """Every worksheet as (name, values, number formats), merged ranges filled from their top-left."""
    if not is_xlsx(data):
        raise WorkbookError(_("文件不是 XLSX 表格（请在 Excel 中另存为 .xlsx 后上传）"))
    check_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise WorkbookError(_("无法读取 XLSX 文件（文件损坏或不是表格）")) from exc
    sheets = []
    for ws in workbook.worksheets:
        if ws.sheet_state != "visible":
            continue
        if ws.max_row > MAX_ROWS + HEADER_SCAN_ROWS or ws.max_column > MAX_COLUMNS:
            raise WorkbookError(
                _("工作表“%(sheet)s”过大（%(rows)s 行 × %(cols)s 列），上限为 %(max)s 行")
                % {"sheet": ws.title, "rows": ws.max_row, "cols": ws.max_column, "max": MAX_ROWS}
            )
        values: list[list[Any]] = []
        formats: list[list[str]] = []
        for row in ws.iter_rows():
            values.append([c.value for c in row])
            formats.append([c.number_format or "General" for c in row])
        for merged in ws.merged_cells.ranges:
            top = values[merged.min_row - 1][merged.min_col - 1]
            fmt = formats[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, min(merged.max_row, len(values))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(values[r]))):
                    values[r][c], formats[r][c] = top, fmt
        sheets.append((ws.title, values, formats))
    workbook.close()
    return sheets
