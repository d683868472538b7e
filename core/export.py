"""Writing spreadsheets: workbooks, sheet names Excel accepts, numbers as Excel stores them."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from core.formatting import decimal_str

HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def excel_number(value: Decimal | None) -> float | str | None:
    """A decimal as Excel stores it: a number when a double holds it exactly, else its text."""
    if value is None:
        return None
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return int(as_float) if as_float.is_integer() and abs(as_float) < 2**53 else as_float
    return decimal_str(value)


def sheet_title(text: str, used: set[str]) -> str:
    """A worksheet name Excel accepts (31 characters, no []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "", text)[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}({n})", n + 1
    used.add(name)
    return name


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
