#!/usr/bin/env python
"""What does a hostile upload cost? Wall time and peak memory of the real readers (issue 11).

Builds the files of the finding, each written part by part with zipfile (no openpyxl, so building them
is quick), and runs each through each reader in a fresh child process:

- ``grid``: ``core.xlsx.load_grid_workbook`` (the upload page's first look at every XLSX);
- ``plan``: ``plans.excel.read_plan_tables`` (the plan-table upload, the plan layout of the upload page);
- ``long``: ``entry.imports.read_table`` (``import_observations``, the long layout of the upload page).

Files: a normal 40-row plan table (for reference); 4 M cells (40,000 rows × 100 columns) that deflate to
about 166 KB; 100,000 rows honestly declared; the same rows declaring ``A1:D2`` (a lying dimension);
the same rows declaring nothing; a zip bomb (a worksheet padded with 1 GB of spaces); and, for
reference, a normal long table of 40 rows and the largest sheet the caps accept (2,015 × 120 numbers).

For each it prints the outcome (rows read, or the message that refused the file), the wall time of the
call in the child and the child's peak RSS (``ru_maxrss`` from ``os.wait4``), next to the RSS of a child
that sets Django up and imports the readers but reads nothing. ``--legacy`` adds what the readers did
before: openpyxl loading the whole workbook (minutes and gigabytes on the big files).

It prints the figures and exits 0: a measurement, never a test; it asserts nothing about time.

Usage::

    .venv/bin/python benchmarks/uploads.py
    .venv/bin/python benchmarks/uploads.py --legacy     # also the full openpyxl load, for comparison
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
READERS = ("grid", "plan", "long")
LONG_HEADER = ["园区", "指标", "年份", "数值"]
HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"


# --- Files, written part by part --------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def package(
    sheets: list[tuple[str, Iterable[bytes]]],
    *,
    strings: list[str] | None = None,
    styles: bytes | None = None,
    hidden: tuple[str, ...] = (),
    level: int = 9,
) -> bytes:
    """An XLSX from worksheet XML (each an iterable of chunks, streamed into the zip)."""
    overrides = [
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
    ]
    rels = [f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>']
    entries = []
    for index, (name, _xml) in enumerate(sheets, start=1):
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{index}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{index}" Type="{REL}/worksheet" Target="worksheets/sheet{index}.xml"/>'
        )
        state = ' state="hidden"' if name in hidden else ""
        entries.append(f'<sheet name="{_escape(name)}" sheetId="{index}"{state} r:id="rId{index}"/>')
    if strings is not None:
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        rels.append(f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{RELS_TYPE}"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f"<sheets>{''.join(entries)}</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{HEAD}<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>',
        )
        archive.writestr("xl/styles.xml", styles or minimal_styles())
        if strings is not None:
            items = "".join(f"<si><t>{_escape(s)}</t></si>" for s in strings)
            archive.writestr(
                "xl/sharedStrings.xml",
                f'{HEAD}<sst xmlns="{MAIN}" count="{len(strings)}">{items}</sst>',
            )
        for index, (_name, xml) in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as part:
                for chunk in xml:
                    part.write(chunk)
    return buffer.getvalue()


def minimal_styles(extra_xfs: int = 0) -> bytes:
    xf = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{1 + extra_xfs}">{xf * (1 + extra_xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ).encode()


def worksheet(
    rows: Iterable[str],
    *,
    dimension: str | None,
    merges: Iterable[str] = (),
    before: str = "",
    after: str = "",
) -> Iterator[bytes]:
    """A worksheet's XML in chunks of about 1 MB: ``rows`` are ``<row>`` elements as text."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{before}'
    if dimension is not None:
        head += f'<dimension ref="{dimension}"/>'
    yield (head + "<sheetData>").encode()
    batch: list[str] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += len(row)
        if size > 1 << 20:
            yield "".join(batch).encode()
            batch, size = [], 0
    yield "".join(batch).encode()
    merges = list(merges)
    tail = "</sheetData>"
    if merges:
        tail += f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
        tail += "</mergeCells>"
    yield (tail + after + "</worksheet>").encode()


def cells_bomb(rows: int = 40_000, columns: int = 100) -> bytes:
    """4 M cells (each ``<c><v>1</v></c>``), declared honestly; about 61 MB of XML deflated to ~166 KB."""
    row = "<row>" + "<c><v>1</v></c>" * columns + "</row>"
    last = _letters(columns)
    return package([("表2", worksheet((row for _ in range(rows)), dimension=f"A1:{last}{rows}"))])


def long_rows(rows: int = 100_000, *, dimension: str | None = "honest") -> bytes:
    """The long layout (园区, 指标, 年份, 数值), ``rows`` data rows after the header, text as shared
    strings. ``dimension``: "honest", None (none declared) or a ref to declare (a lie)."""
    strings = [*LONG_HEADER, "yuxi-hitech", "gdp-incl-tobacco"]

    def generate() -> Iterator[str]:
        yield (
            '<row r="1">'
            + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCD"))
            + "</row>"
        )
        for n in range(2, rows + 2):
            yield (
                f'<row r="{n}"><c r="A{n}" t="s"><v>4</v></c><c r="B{n}" t="s"><v>5</v></c>'
                f'<c r="C{n}"><v>2023</v></c><c r="D{n}"><v>{n}</v></c></row>'
            )

    declared = f"A1:D{rows + 1}" if dimension == "honest" else dimension
    return package([("实际值", worksheet(generate(), dimension=declared))], strings=strings)


def largest_accepted(rows: int = 2015, columns: int = 120) -> bytes:
    """A sheet at the caps (2,000 rows + 15 title lines, 120 columns), every cell a number."""
    letters = [_letters(c) for c in range(1, columns + 1)]

    def generate() -> Iterator[str]:
        for n in range(1, rows + 1):
            cells = "".join(
                f'<c r="{letter}{n}"><v>{n * 7 + i * 0.25}</v></c>' for i, letter in enumerate(letters)
            )
            yield f'<row r="{n}">{cells}</row>'

    return package([("表2", worksheet(generate(), dimension=f"A1:{letters[-1]}{rows}"))])


def normal_long_table(rows: int = 40) -> bytes:
    """The long layout as the data sheet exports it, 40 rows."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "实际值"
    sheet.append(LONG_HEADER + ["单位", "来源", "备注"])
    for index in range(rows):
        sheet.append(["yuxi-hitech", "gdp-incl-tobacco", 1990 + index, 500 + index, "亿元", "统计年报", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb(megabytes: int = 1024) -> bytes:
    """A small, valid-looking sheet followed by ``megabytes`` MB of spaces (deflate: ~1,000 to 1)."""
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>类别</t></is></c></row>'
    padding = b" " * (1 << 20)

    def generate() -> Iterator[bytes]:
        chunks = worksheet([row], dimension="A1")
        yield next(chunks)
        for _ in range(megabytes):
            yield padding
        yield from chunks

    return package([("表2", generate())], level=6)


def normal_plan_table(rows: int = 40) -> bytes:
    """A plan table as people make them: a merged title, the header, categories merged down."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "表2"
    years = [2021, 2022, 2023, 2024, 2025]
    sheet.append(["玉溪高新区“十四五”主要指标"])
    sheet.append(["类别", "具体指标", "单位", *[f"{y}年" for y in years]])
    categories = ["经济发展", "创新驱动", "开放协同", "绿色发展"]
    per = rows // len(categories)
    for index in range(rows):
        category = categories[index // per] if index % per == 0 else None
        sheet.append(
            [category, f"指标{index + 1}", "亿元", *[round(100 + index * 1.5 + k, 2) for k in range(5)]]
        )
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3 + len(years))
    for block in range(len(categories)):
        sheet.merge_cells(
            start_row=3 + block * per, start_column=1, end_row=2 + (block + 1) * per, end_column=1
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- The child: one reader, one file ----------------------------------------------------------------


def setup_django(scratch: Path) -> None:
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"  # never opened: nothing is queried
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def child(reader: str, path: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        setup_django(Path(scratch))
        from django.utils import translation

        from core import xlsx
        from entry.imports import ImportFileError, read_table
        from plans import excel

        translation.activate("zh-hans")
        data = path.read_bytes()
        outcome = "ok"
        start = time.perf_counter()
        try:
            if reader == "grid":
                sheets = xlsx.load_grid_workbook(data)
                outcome = "read " + ", ".join(f"{name}: {len(values)} rows" for name, values, _f in sheets)
            elif reader == "plan":
                tables = excel.read_plan_tables(data, unit_symbols={"亿元", "%"})
                outcome = "read " + ", ".join(f"{t.sheet}: {len(t.rows)} indicators" for t in tables)
            elif reader == "long":
                outcome = f"read {len(read_table(path))} rows"
            elif reader == "legacy":
                outcome = legacy(data)
            elif reader != "none":
                raise SystemExit(f"unknown reader {reader}")
        except (xlsx.WorkbookError, ImportFileError) as exc:
            outcome = f"refused: {exc}"
        seconds = time.perf_counter() - start
        print(json.dumps({"seconds": seconds, "outcome": outcome}, ensure_ascii=False))


def legacy(data: bytes) -> str:
    """What load_grid_workbook did before: openpyxl loaded the whole workbook, and only then were its
    rows and columns compared with the caps."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), data_only=True)
    sizes = ", ".join(f"{ws.title}: {ws.max_row} × {ws.max_column}" for ws in workbook.worksheets)
    return f"loaded whole ({sizes}); the caps were checked only after this"


def run_child(reader: str, path: Path) -> dict:
    """Run one reader on one file in a fresh process; its peak RSS from os.wait4 (its own rusage)."""
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", reader, str(path)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        out = process.stdout.read()
        process.stdout.close()
        _pid, status, usage = os.wait4(process.pid, 0)  # before Popen reaps it
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        message = errors.read().strip()
    if process.returncode != 0 or not out.strip():
        return {"seconds": float("nan"), "outcome": f"child failed: {message[-300:]}", "rss": usage.ru_maxrss}
    result = json.loads(out.strip().splitlines()[-1])
    result["rss"] = usage.ru_maxrss  # kilobytes on Linux
    return result


# --- The parent -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--legacy", action="store_true", help="also the full openpyxl load, for comparison")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    files = [
        ("normal plan table, 40 rows", normal_plan_table),
        ("normal long table, 40 rows", normal_long_table),
        ("largest accepted, 2015 × 120", largest_accepted),
        ("4 M cells, declared", cells_bomb),
        ("100,000 rows, declared", lambda: long_rows(100_000)),
        ("100,000 rows, declares A1:D2", lambda: long_rows(100_000, dimension="A1:D2")),
        ("100,000 rows, no dimension", lambda: long_rows(100_000, dimension=None)),
        ("zip bomb, 1 GB of spaces", zip_bomb),
    ]
    machine = f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
    print(f"benchmarks/uploads.py — {machine}")
    with tempfile.TemporaryDirectory() as scratch:
        baseline = run_child("none", Path(__file__))
        rss = baseline["rss"] / 1024
        print(f"baseline child (Django set up, readers imported, nothing read): peak RSS {rss:.0f} MB")
        print()
        print(f"{'file':<32} {'xlsx':>9} {'xml':>9} {'reader':<7} {'time':>9} {'peak RSS':>9}  outcome")
        for label, build in files:
            start = time.perf_counter()
            data = build()
            built = time.perf_counter() - start
            path = Path(scratch) / "upload.xlsx"
            path.write_bytes(data)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                xml = sum(i.file_size for i in archive.infolist())
            readers = READERS + (("legacy",) if args.legacy and label != "zip bomb, 1 GB of spaces" else ())
            for reader in readers:
                result = run_child(reader, path)
                print(
                    f"{label:<32} {_size(len(data)):>9} {_size(xml):>9} {reader:<7} "
                    f"{result['seconds'] * 1000:>7.0f}ms {result['rss'] / 1024:>6.0f} MB  "
                    f"{result['outcome'][:110]}"
                )
            print(f"{'':<32} (built in {built:.1f} s)")
    print()
    print(
        "time: the reader's call in the child; peak RSS: the child's ru_maxrss (os.wait4), baseline included."
    )


def _size(size: int) -> str:
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{size / 1024:.0f} KB"


if __name__ == "__main__":
    main()
