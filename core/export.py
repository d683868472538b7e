"""Writing spreadsheets: workbooks, sheet names Excel accepts, numbers as Excel stores them, and text
that a spreadsheet never runs as a formula.

Formula injection (OWASP "CSV Injection"): a cell whose text starts with ``= + - @``, a tab or a carriage
return is run as a formula by Excel, LibreOffice and WPS when the file is opened (``=HYPERLINK(...)``
sends the neighbouring cells to another site). Every writer of the project goes through the two rules
below; only *text* is guarded, numbers stay numbers (-5 is a number, the text "-5" is guarded):

* XLSX (``append_row``/``text_cell``): text is written as a string cell (never a formula, never an error
  value like ``#N/A``), and text with one of those first characters also gets Excel's own "quote prefix"
  (what Excel stores when someone types ``'=1+1``). The text itself is unchanged, so any reader gets it
  back as written.
* CSV (``csv_row``/``safe_text``): a CSV has no types, so such text is written with a leading ``'``, as
  OWASP recommends; text that already starts with ``'`` before one of those characters gets one more, so
  ``restore_text`` (which the upload readers apply to CSV cells) gives back exactly what was written.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from core.formatting import decimal_str

HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")  # text a CSV writer prefixed with ' (or would have to)
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class NumberText(str):
    """A number written as text (a double would not hold it exactly): a number, not text to guard."""


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula (its first character is = + - @ tab CR)."""
    return text.startswith(FORMULA_STARTS)


def safe_text(value: Any) -> Any:
    """A CSV cell a spreadsheet never runs: text starting with = + - @ tab or CR gets a leading ``'``
    (and text already starting with ``'`` before one of them gets one more, so ``restore_text`` is its
    exact inverse). Anything that is not text, and numbers written as text, are returned as they are."""
    if not isinstance(value, str) or _is_number_text(value):
        return value
    if formula_like(value) or _GUARDED.match(value):
        return "'" + value
    return value


def restore_text(value: Any) -> Any:
    """What ``safe_text`` was given: one leading ``'`` removed from text of ``'`` then = + - @ tab or CR.
    The upload readers apply it to CSV cells, so an export uploaded again changes nothing."""
    if isinstance(value, str) and _GUARDED.match(value):
        return value[1:]
    return value


def _is_number_text(value: str) -> bool:
    return isinstance(value, NumberText) and bool(_PLAIN_NUMBER.fullmatch(value))


def csv_row(values: Iterable[Any]) -> list[Any]:
    """One CSV row: None as an empty cell, text through ``safe_text``, numbers as they are."""
    return ["" if value is None else safe_text(value) for value in values]


def text_cell(ws, value: Any) -> Any:
    """An XLSX cell for ``ws.append``: text as a string cell (never a formula or an error value), with
    Excel's quote prefix when it starts with = + - @ tab or CR; anything else as it is. Works for
    ordinary and write-only worksheets."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value)
    cell.data_type = "s"  # openpyxl makes "=..." a formula and "#N/A" an error value
    if formula_like(value):
        cell.quotePrefix = True
    return cell


def append_row(ws, values: Iterable[Any]) -> None:
    """``ws.append`` with every text cell written by ``text_cell``."""
    ws.append([text_cell(ws, value) for value in values])


def excel_number(value: Decimal | None) -> float | str | None:
    """A decimal as Excel stores it: a number when a double holds it exactly, else its text."""
    if value is None:
        return None
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return int(as_float) if as_float.is_integer() and abs(as_float) < 2**53 else as_float
    return NumberText(decimal_str(value))


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
