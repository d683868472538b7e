"""Reading spreadsheets people upload: limits first, then the cells as Excel stored them.

An XLSX is a zip of XML parts. Everything that bounds the cost of reading one is checked before openpyxl
parses anything, cheapest first, and the first limit met refuses the whole file with a message naming
the sheet (or the part) and the limit:

1. the file's size (``MAX_UPLOAD_BYTES``);
2. the zip's directory, without inflating anything: the number of parts, each part's compression
   ratio (a zip bomb), the total uncompressed size, then each part's uncompressed size. zipfile never
   inflates a part past the size the directory declares, so these sizes bound everything below;
3. the workbook's structure ([Content_Types].xml, the workbook part and its relationships, each
   small and bounded) gives the worksheets' names, states and parts;
4. each worksheet to be read: the ``<dimension ref="A1:D40"/>`` it declares, read from the first
   64 KB of its part: more rows or columns than the caps and it is refused unread;
5. a streaming pass (expat, no tree kept) over each worksheet to be read: it counts rows, cells,
   columns and XML elements as they come and stops at the first cap, so a missing or lying dimension
   is bounded all the same; it also collects the merged ranges (``<mergeCells>``); every other part
   openpyxl parses whole (styles, shared strings, the workbook…) is counted in the same way. A DTD
   (``<!DOCTYPE``, entity expansion) is refused: Excel never writes one;
6. only then openpyxl, in read-only (streaming) mode: rows are read one at a time, counted again, and
   the reading stops at the last row the pass saw.

Read-only mode does not expose merged ranges; the pass reads them from the sheet's XML instead, so the
plan layout (a category printed once in a merged cell) is read without loading the workbook whole.
A full load would cost openpyxl's cell objects for every cell and a MergedCell for every cell of every
merged range, which no declared dimension bounds (``<mergeCell ref="A1:XFD1048576"/>`` is 17 billion).

Formulas are never evaluated: a cell gives the value Excel stored with it.
"""

from __future__ import annotations

import io
import posixpath
import pyexpat
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _

MAX_ROWS = 2000  # data rows per worksheet or file; a park's year of values is a few hundred
MAX_COLUMNS = 120
HEADER_SCAN_ROWS = 15  # title lines above a table's header
MAX_SHEET_ROWS = MAX_ROWS + HEADER_SCAN_ROWS
# One full sheet (2,015 × 120 = 241,800 cells). It is also the budget of the whole workbook: the
# sheets read, each counted as its rows × columns, hold at most this many cells between them.
MAX_CELLS = MAX_SHEET_ROWS * MAX_COLUMNS
# A full sheet at the caps is 7.6 MB of XML as openpyxl writes zeros, 9.6 MB for random numbers and
# 13.4 MB for short text written inline (Excel writes less: shared strings, no type on numbers). 16 MB
# holds that with headroom; the total leaves room for the shared strings and styles of such a sheet.
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 24 * 1024 * 1024
# Worksheet XML deflates 5–17× (random numbers to repeated text, empty styled cells about 10×), but a
# writer that leaves out cell references makes uniform rows deflate 270–380× (``<c><v>0</v></c>`` over
# and over). Deflate's own maximum is about 1,030×, what a bomb of repeated bytes reaches. The size caps
# bound the cost whatever the ratio; this one names a bomb. Only parts of 1 MB or more are judged.
MAX_COMPRESSION_RATIO = 500
RATIO_MIN_BYTES = 1024 * 1024
MAX_PARTS = 1000  # a workbook has 10–30 parts, a few hundred with images
HEAD_BYTES = 64 * 1024  # where a worksheet's <dimension> must be
# A cell is 2–3 elements (<c><v>, <c><is><t>); rich text has more. Outside its rows a sheet holds
# columns, merged ranges, hyperlinks, conditional formats and validations.
MAX_SHEET_ELEMENTS = 4 * MAX_CELLS + 100_000
MAX_ROW_ELEMENTS = 20 * MAX_COLUMNS  # the elements of one row, kept until the row ends
MAX_ROW_TAGS = 10 * MAX_SHEET_ROWS  # <row> elements, counting empty formatted rows past the data
MAX_OUTSIDE_ELEMENTS = 100_000  # a sheet's elements outside its rows (openpyxl keeps them all)
MAX_MERGES = 10_000
# Parts openpyxl parses into a tree (styles, the workbook, relationships): about 1 KB of memory and
# 25 µs an element for styles. Excel itself allows some 64,000 cell formats, about 3 elements each.
MAX_TREE_ELEMENTS = 200_000
MAX_SHARED_STRINGS = MAX_CELLS  # a string is kept only if a cell uses it
CHUNK = 64 * 1024

SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
WORKBOOK_TYPES = (  # the order openpyxl looks for them
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
# The other parts openpyxl parses whole in read-only mode (reader/excel.py, styles/stylesheet.py).
FIXED_TREE_PARTS = ("xl/styles.xml", "docProps/core.xml", "docProps/custom.xml")
CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
RANGE_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")


class WorkbookError(ValueError):
    """The file as a whole cannot be used (not a spreadsheet, too big, no indicator table)."""


def max_upload_bytes() -> int:
    return int(getattr(settings, "MAX_UPLOAD_BYTES", 5 * 1024 * 1024))


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _damaged() -> WorkbookError:
    return WorkbookError(_("无法读取 XLSX 文件（文件损坏或不是表格）"))


def _mb(size: int) -> float:
    return round(size / 1048576, 1)


# --- 1–2. The file and the zip's directory ----------------------------------------------------------


def check_size(data: bytes) -> None:
    """The file's size and what its zip directory declares; nothing is inflated."""
    if len(data) > max_upload_bytes():
        raise WorkbookError(
            _("文件过大（%(size)s MB），上限为 %(limit)s MB")
            % {"size": _mb(len(data)), "limit": _mb(max_upload_bytes())}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_directory(archive)
    except zipfile.BadZipFile as exc:
        raise _damaged() from exc


def _check_directory(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise WorkbookError(
            _("表格包含 %(count)s 个部件，超过上限 %(max)s 个，未读取")
            % {"count": len(infos), "max": MAX_PARTS}
        )
    for info in infos:
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise WorkbookError(
                _(
                    "表格中的“%(part)s”压缩后 %(packed)s KB，解压后 %(size)s MB，放大 %(ratio)s 倍"
                    "（上限 %(max)s 倍），疑似压缩炸弹，未读取"
                )
                % {
                    "part": info.filename,
                    "packed": round(info.compress_size / 1024),
                    "size": _mb(info.file_size),
                    "ratio": info.file_size // max(info.compress_size, 1),
                    "max": MAX_COMPRESSION_RATIO,
                }
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookError(
            _("表格解压后共 %(size)s MB，超过上限 %(max)s MB，请拆分后上传")
            % {"size": _mb(total), "max": _mb(MAX_UNCOMPRESSED_BYTES)}
        )


def _check_part(info: zipfile.ZipInfo, sheet: str = "") -> None:
    if info.file_size <= MAX_PART_BYTES:
        return
    figures = {"size": _mb(info.file_size), "max": _mb(MAX_PART_BYTES)}
    if sheet:
        message = _("工作表“%(sheet)s”解压后 %(size)s MB，超过上限 %(max)s MB，未读取") % {
            "sheet": sheet,
            **figures,
        }
    else:
        message = _("表格中的“%(part)s”解压后 %(size)s MB，超过上限 %(max)s MB，未读取") % {
            "part": info.filename,
            **figures,
        }
    raise WorkbookError(message)


# --- Streaming XML ---------------------------------------------------------------------------------


class _Stop(Exception):
    """Enough has been read."""


def _refuse_dtd(*_args) -> None:
    raise WorkbookError(_("表格含有 XML 文档类型声明（DOCTYPE），不是 Excel 保存的文件，未读取"))


def _parse(
    archive: zipfile.ZipFile,
    name: str,
    start: Callable[[str, dict], None],
    end: Callable[[str], None] | None = None,
    *,
    limit: int | None = None,
) -> bool:
    """Stream a part through expat, names without their namespace; False when it is not well-formed
    XML. Handlers raise _Stop when they have seen enough, WorkbookError to refuse. No tree is built."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler = lambda tag, attrs: start(tag.rpartition(" ")[2], attrs)
    if end is not None:
        parser.EndElementHandler = lambda tag: end(tag.rpartition(" ")[2])
    read = 0
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                read += len(chunk)
                if limit is not None and read >= limit:
                    return True
            parser.Parse(b"", True)
    except _Stop:
        return True
    except pyexpat.ExpatError:
        return False
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise _damaged() from exc  # bad CRC, truncated, encrypted, unknown compression
    return True


def _part_too_complex(part: str, limit: int) -> WorkbookError:
    return WorkbookError(
        _("表格中的“%(part)s”过于复杂（超过 %(max)s 个 XML 元素），未读取") % {"part": part, "max": limit}
    )


def _count_elements(archive: zipfile.ZipFile, name: str, limit: int, *, strings: bool = False) -> None:
    """A part openpyxl parses whole: at most ``limit`` elements (and MAX_SHARED_STRINGS strings)."""
    counts = {"elements": 0, "si": 0}

    def start(tag: str, _attrs: dict) -> None:
        counts["elements"] += 1
        if counts["elements"] > limit:
            raise _part_too_complex(name, limit)
        if strings and tag == "si":
            counts["si"] += 1
            if counts["si"] > MAX_SHARED_STRINGS:
                raise WorkbookError(
                    _("表格的共享文本超过 %(max)s 条，超过上限，未读取") % {"max": MAX_SHARED_STRINGS}
                )

    _parse(archive, name, start)


# --- 3. The workbook's structure -------------------------------------------------------------------


@dataclass
class _Scan:
    """What the streaming pass saw of a worksheet."""

    height: int = 0  # the last row with a cell
    width: int = 0  # the last column with a cell
    cells: int = 0
    merges: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # min_row, min_col, max_row, max_col


@dataclass
class _Sheet:
    name: str
    path: str
    state: str
    dimension: tuple[int, int] | None = None  # (last row, last column) as declared
    head_dimension: bool = False  # declared before <sheetData>, where openpyxl stops looking
    scan: _Scan | None = None


@dataclass
class _Structure:
    sheets: list[_Sheet]  # the worksheets, in the workbook's order (what openpyxl lists)
    tree_parts: list[str]  # parts openpyxl parses whole
    shared_strings: str | None


def _attributes(archive: zipfile.ZipFile, name: str, *wanted: str) -> dict[str, list[dict]]:
    """The attributes of every ``wanted`` element of a small part (bounded like any parsed part)."""
    found: dict[str, list[dict]] = {tag: [] for tag in wanted}
    counts = {"elements": 0}

    def start(tag: str, attrs: dict) -> None:
        counts["elements"] += 1
        if counts["elements"] > MAX_TREE_ELEMENTS:
            raise _part_too_complex(name, MAX_TREE_ELEMENTS)
        if tag in found:
            found[tag].append({key.rpartition(" ")[2]: value for key, value in attrs.items()})

    if not _parse(archive, name, start):
        raise _damaged()
    return found


def _structure(archive: zipfile.ZipFile) -> _Structure:
    names = set(archive.namelist())
    infos = {info.filename: info for info in archive.infolist()}

    def known(name: str) -> str:
        if name not in names:
            raise _damaged()
        _check_part(infos[name])
        return name

    types = known("[Content_Types].xml")
    manifest = _attributes(archive, types, "Override", "Default")
    overrides = {a.get("PartName", "").lstrip("/"): a.get("ContentType", "") for a in manifest["Override"]}
    defaults = {a.get("ContentType", "") for a in manifest["Default"]}
    by_type: dict[str, str] = {}
    for part, content_type in overrides.items():
        by_type.setdefault(content_type, part)
    workbook = next((by_type[t] for t in WORKBOOK_TYPES if t in by_type), None)
    if workbook is None and defaults & set(WORKBOOK_TYPES):
        workbook = "xl/workbook.xml"
    if workbook is None:
        raise _damaged()
    known(workbook)
    folder, base = posixpath.split(workbook)
    rels_path = posixpath.join(folder, "_rels", f"{base}.rels")
    relationships = {}
    if rels_path in names:
        known(rels_path)
        for rel in _attributes(archive, rels_path, "Relationship")["Relationship"]:
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            target = (
                target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            )
            relationships[rel.get("Id")] = (rel.get("Type", ""), target)
    sheets, tree_parts, chartsheets = (
        [],
        [types, workbook] + ([rels_path] if rels_path in names else []),
        False,
    )
    for entry in _attributes(archive, workbook, "sheet")["sheet"]:
        kind, target = relationships.get(entry.get("id"), ("", ""))
        if target not in names:
            continue  # openpyxl skips it too
        sheet_rels = posixpath.join(posixpath.dirname(target), "_rels", posixpath.basename(target) + ".rels")
        if sheet_rels in names:
            tree_parts.append(sheet_rels)
        if "chartsheet" in kind:
            chartsheets = True
            tree_parts.append(target)
            continue
        sheets.append(_Sheet(name=entry.get("name", ""), path=target, state=entry.get("state", "visible")))
    tree_parts += [p for p in FIXED_TREE_PARTS if p in names]
    if chartsheets:  # openpyxl reads their drawings and charts
        tree_parts += sorted(n for n in names if n.startswith(("xl/drawings/", "xl/charts/")))
    strings = by_type.get(SHARED_STRINGS_TYPE)
    return _Structure(
        sheets=sheets,
        tree_parts=list(dict.fromkeys(tree_parts)),
        shared_strings=strings if strings in names else None,
    )


# --- 4. The declared dimension ---------------------------------------------------------------------


def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _read_dimension(archive: zipfile.ZipFile, sheet: _Sheet) -> None:
    """The ``<dimension>`` of the first HEAD_BYTES of the sheet's part, if it comes before its rows."""

    def start(tag: str, attrs: dict) -> None:
        if tag == "dimension":
            match = RANGE_REF.match(attrs.get("ref", "").strip())
            if match:
                letters, row = (match.group(3), match.group(4)) if match.group(3) else match.group(1, 2)
                sheet.dimension = (int(row), _column(letters))
            sheet.head_dimension = True
            raise _Stop
        if tag == "sheetData":
            raise _Stop

    _parse(archive, sheet.path, start, limit=HEAD_BYTES)


def _check_dimension(sheet: _Sheet) -> None:
    if sheet.dimension is None:
        return
    rows, columns = sheet.dimension
    if rows > MAX_SHEET_ROWS:
        raise WorkbookError(
            _("工作表“%(sheet)s”声明 %(rows)s 行，超过上限 %(max)s 行，未读取")
            % {"sheet": sheet.name, "rows": rows, "max": MAX_ROWS}
        )
    if columns > MAX_COLUMNS:
        raise WorkbookError(
            _("工作表“%(sheet)s”声明 %(cols)s 列，超过上限 %(max)s 列，未读取")
            % {"sheet": sheet.name, "cols": columns, "max": MAX_COLUMNS}
        )


# --- 5. The streaming pass over a worksheet --------------------------------------------------------


def _too_many_rows(sheet: str) -> WorkbookError:
    return WorkbookError(
        _("工作表“%(sheet)s”超过上限 %(max)s 行，未读取") % {"sheet": sheet, "max": MAX_ROWS}
    )


def _too_many_columns(sheet: str) -> WorkbookError:
    return WorkbookError(
        _("工作表“%(sheet)s”超过上限 %(max)s 列，未读取") % {"sheet": sheet, "max": MAX_COLUMNS}
    )


def _too_complex(sheet: str) -> WorkbookError:
    return WorkbookError(_("工作表“%(sheet)s”的结构过于复杂（XML 元素过多），未读取") % {"sheet": sheet})


def _scan_sheet(archive: zipfile.ZipFile, sheet: _Sheet) -> _Scan:
    """Count the sheet's rows, cells and elements as openpyxl will see them, stopping at the caps."""
    scan = _Scan()
    name = sheet.name
    state = {
        "depth": 0,
        "row_depth": 0,
        "row": 0,
        "column": 0,
        "row_elements": 0,
        "elements": 0,
        "rows": 0,
        "outside": 0,
    }

    def start(tag: str, attrs: dict) -> None:
        state["elements"] += 1
        if state["elements"] > MAX_SHEET_ELEMENTS:
            raise _too_complex(name)
        state["depth"] += 1
        if state["row_depth"]:  # inside a row: every direct child is a cell to openpyxl
            state["row_elements"] += 1
            if state["row_elements"] > MAX_ROW_ELEMENTS:
                raise _too_complex(name)
            if state["depth"] != state["row_depth"] + 1:
                return
            scan.cells += 1
            if scan.cells > MAX_CELLS:
                raise WorkbookError(
                    _("工作表“%(sheet)s”超过上限 %(max)s 个单元格，未读取")
                    % {"sheet": name, "max": MAX_CELLS}
                )
            ref = attrs.get("r")
            if ref:
                match = CELL_REF.match(ref)
                if not match:
                    raise _damaged()
                state["column"] = _column(match.group(1))
            else:
                state["column"] += 1
            if state["column"] > MAX_COLUMNS:
                raise _too_many_columns(name)
            if state["row"] > MAX_SHEET_ROWS:
                raise _too_many_rows(name)
            scan.width = max(scan.width, state["column"])
            scan.height = max(scan.height, state["row"])
            return
        if tag == "row":
            state["rows"] += 1
            if state["rows"] > MAX_ROW_TAGS:
                raise _too_complex(name)
            if "r" in attrs:
                try:
                    number = float(attrs["r"])
                except ValueError as exc:
                    raise _damaged() from exc
                if not number.is_integer():
                    raise _damaged()
                state["row"] = int(number)
            else:
                state["row"] += 1
            state["row_depth"], state["row_elements"], state["column"] = state["depth"], 0, 0
            return
        state["outside"] += 1
        if state["outside"] > MAX_OUTSIDE_ELEMENTS:
            raise _too_complex(name)
        if tag == "mergeCell":
            match = RANGE_REF.match(attrs.get("ref", "").strip())
            if match and match.group(3):
                scan.merges.append(
                    (
                        int(match.group(2)),
                        _column(match.group(1)),
                        int(match.group(4)),
                        _column(match.group(3)),
                    )
                )
                if len(scan.merges) > MAX_MERGES:
                    raise WorkbookError(
                        _("工作表“%(sheet)s”的合并单元格超过上限 %(max)s 处，未读取")
                        % {"sheet": name, "max": MAX_MERGES}
                    )

    def end(_tag: str) -> None:
        if state["row_depth"] == state["depth"]:
            state["row_depth"] = 0
        state["depth"] -= 1

    if not _parse(archive, sheet.path, start, end):
        raise _damaged()
    return scan


def _grid_size(sheet: _Sheet) -> tuple[int, int]:
    """Rows × columns of the sheet as read: its cells, and the merged ranges that start among them."""
    scan = sheet.scan
    height, width = scan.height, scan.width
    for min_row, min_col, max_row, max_col in scan.merges:
        if 1 <= min_row <= scan.height and 1 <= min_col <= scan.width:
            height = max(height, min(max_row, MAX_SHEET_ROWS))
            width = max(width, min(max_col, MAX_COLUMNS))
    return height, width


def _inspect(data: bytes, pick: Callable[[list[_Sheet]], list[_Sheet]]) -> list[_Sheet]:
    """Steps 1–5: every check before openpyxl. The sheets to read, each with what the pass saw."""
    if not is_xlsx(data):
        raise WorkbookError(_("文件不是 XLSX 表格（请在 Excel 中另存为 .xlsx 后上传）"))
    check_size(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _damaged() from exc
    with archive:
        structure = _structure(archive)
        chosen = pick(structure.sheets)
        by_path = {s.path: s for s in structure.sheets}
        for info in archive.infolist():
            sheet = by_path.get(info.filename)
            _check_part(info, sheet.name if sheet else "")
        for sheet in structure.sheets:  # openpyxl looks for every worksheet's dimension on opening
            _read_dimension(archive, sheet)
        for sheet in chosen:
            _check_dimension(sheet)
        for part in structure.tree_parts:
            _count_elements(archive, part, MAX_TREE_ELEMENTS)
        if structure.shared_strings:
            _count_elements(archive, structure.shared_strings, MAX_SHEET_ELEMENTS, strings=True)
        read = {id(sheet) for sheet in chosen}
        for sheet in structure.sheets:
            # Without a dimension ahead of its rows, openpyxl reads a sheet through to find its size.
            if id(sheet) in read or not sheet.head_dimension:
                sheet.scan = _scan_sheet(archive, sheet)
    total = 0
    for sheet in chosen:
        height, width = _grid_size(sheet)
        total += height * width
        if total > MAX_CELLS:
            raise WorkbookError(
                _("表格的工作表合计超过 %(max)s 个单元格（行 × 列），超过上限，请拆分后上传")
                % {"max": MAX_CELLS}
            )
    return chosen


# --- 6. Reading, streamed --------------------------------------------------------------------------


def _open(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _damaged() from exc


def _worksheets(workbook, chosen: list[_Sheet]):
    by_path = {getattr(ws, "_worksheet_path", None): ws for ws in workbook.worksheets}
    by_title = {ws.title: ws for ws in workbook.worksheets}
    for sheet in chosen:
        ws = by_path.get(sheet.path) or by_title.get(sheet.name)
        if ws is None:
            raise _damaged()
        ws.reset_dimensions()  # never trust the declared size: read up to the last row the pass saw
        yield sheet, ws


def _rows(sheet: _Sheet, ws, *, values_only: bool):
    """The sheet's rows from openpyxl, counted again, up to the last row with a cell."""
    cells = 0
    for index, row in enumerate(ws.iter_rows(values_only=values_only), start=1):
        if index > sheet.scan.height:
            break
        if index > MAX_SHEET_ROWS:
            raise _too_many_rows(sheet.name)
        if len(row) > MAX_COLUMNS:
            raise _too_many_columns(sheet.name)
        cells += len(row)
        if cells > MAX_CELLS:
            raise WorkbookError(
                _("工作表“%(sheet)s”超过上限 %(max)s 个单元格，未读取")
                % {"sheet": sheet.name, "max": MAX_CELLS}
            )
        yield row


def load_grid_workbook(data: bytes) -> list[tuple[str, list[list[Any]], list[list[str]]]]:
    """Every visible worksheet as (name, values, number formats), rows × columns padded to the sheet's
    size, merged ranges filled from their top-left cell."""
    chosen = _inspect(data, lambda sheets: [s for s in sheets if s.state == "visible"])
    workbook = _open(data)
    sheets = []
    try:
        for sheet, ws in _worksheets(workbook, chosen):
            height, width = _grid_size(sheet)
            values: list[list[Any]] = []
            formats: list[list[str]] = []
            for row in _rows(sheet, ws, values_only=False):
                pad = width - len(row)
                values.append([c.value for c in row[:width]] + [None] * pad)
                formats.append([c.number_format or "General" for c in row[:width]] + ["General"] * pad)
            while len(values) < height:
                values.append([None] * width)
                formats.append(["General"] * width)
            _fill_merges(sheet, values, formats)
            sheets.append((sheet.name, values, formats))
    except WorkbookError:
        raise
    except Exception as exc:
        raise _damaged() from exc
    finally:
        workbook.close()
    return sheets


def _fill_merges(sheet: _Sheet, values: list[list[Any]], formats: list[list[str]]) -> None:
    filled = 0
    for min_row, min_col, max_row, max_col in sheet.scan.merges:
        if not (1 <= min_row <= len(values) and 1 <= min_col <= len(values[0] if values else [])):
            continue
        top, fmt = values[min_row - 1][min_col - 1], formats[min_row - 1][min_col - 1]
        rows = range(min_row - 1, min(max_row, len(values)))
        columns = range(min_col - 1, min(max_col, len(values[0])))
        filled += len(rows) * len(columns)
        if filled > MAX_CELLS:  # merged ranges overlap: Excel never writes that
            raise WorkbookError(
                _("工作表“%(sheet)s”的合并单元格超过上限 %(max)s 处，未读取")
                % {"sheet": sheet.name, "max": MAX_MERGES}
            )
        for r in rows:
            for c in columns:
                values[r][c], formats[r][c] = top, fmt


def load_first_sheet_values(data: bytes) -> list[list[Any]]:
    """The first worksheet's values (visible or not, as the long layout is read), rows padded to its
    width; merged ranges are left as Excel stores them (the value in the top-left cell only)."""
    chosen = _inspect(data, lambda sheets: sheets[:1])
    if not chosen:
        raise _damaged()
    workbook = _open(data)
    try:
        for sheet, ws in _worksheets(workbook, chosen):
            width = sheet.scan.width
            rows = [
                list(row[:width]) + [None] * (width - len(row)) for row in _rows(sheet, ws, values_only=True)
            ]
            return rows
    except WorkbookError:
        raise
    except Exception as exc:
        raise _damaged() from exc
    finally:
        workbook.close()
    return []
