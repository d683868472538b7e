"""Upload parsing cost (issue 11): a hostile XLSX is refused before openpyxl parses it, with a message
naming the sheet and the limit, through every door (the upload page, the plan-table upload, the import
command), and nothing is saved. The files are written part by part with zipfile (benchmarks/uploads.py
builds the same ones and measures them); no test here measures time."""

from __future__ import annotations

import functools
import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from benchmarks.uploads import cells_bomb, long_rows, minimal_styles, package, worksheet, zip_bomb
from core import xlsx
from entry.imports import ImportFileError, read_table
from indicators.models import Indicator, Observation
from parks.models import ParkRole
from plans.excel import read_plan_tables
from plans.models import PlanIndicator, Target
from tests.entry.factories import user_with_role
from tests.entry.test_excel import upload
from tests.entry.test_plan_setup import upload_plan
from tests.entry.test_sheet import text

PLAN = "wenshan-master-2023-2035"
SHEET_ROWS = xlsx.MAX_SHEET_ROWS


def plain_rows(count: int, columns: int = 4, *, start: int = 1) -> list[str]:
    """``count`` rows of numbers, each cell with its reference."""
    letters = [openpyxl.utils.get_column_letter(c) for c in range(1, columns + 1)]
    return [
        f'<row r="{n}">' + "".join(f'<c r="{letter}{n}"><v>{n}</v></c>' for letter in letters) + "</row>"
        for n in range(start, start + count)
    ]


def sheet_file(rows, *, dimension=None, merges=(), name="表2", before="", after="", **options) -> bytes:
    xml = worksheet(rows, dimension=dimension, merges=merges, before=before, after=after)
    return package([(name, xml)], **options)


@functools.cache
def hostile() -> dict[str, tuple[bytes, str]]:
    """The finding's files and the message each is refused with."""
    return {
        "4M-cells": (cells_bomb(), "表格解压后共 57.6 MB，超过上限 24.0 MB，请拆分后上传"),
        "100k-declared": (long_rows(100_000), "工作表“实际值”声明 100001 行，超过上限 2000 行，未读取"),
        "100k-lying": (long_rows(100_000, dimension="A1:D2"), "工作表“实际值”超过上限 2000 行，未读取"),
        "100k-undeclared": (long_rows(100_000, dimension=None), "工作表“实际值”超过上限 2000 行，未读取"),
        "zip-bomb": (zip_bomb(64), "（上限 500 倍），疑似压缩炸弹，未读取"),
    }


@pytest.fixture
def no_openpyxl(monkeypatch):
    """openpyxl must not be reached: every refusal here happens before it parses anything."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl.load_workbook called for a file that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(openpyxl.reader.excel, "load_workbook", refuse)


@pytest.fixture
def large_uploads(settings):
    """Files stored without compression, larger than an upload may be."""
    settings.MAX_UPLOAD_BYTES = 64 * 1024 * 1024


@pytest.fixture
def staff(db):
    return user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY)


@pytest.fixture
def admin(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.gov.cn", "a-long-test-password-1")


# --- Through every door -----------------------------------------------------------------------------

KINDS = ["4M-cells", "100k-declared", "100k-lying", "100k-undeclared", "zip-bomb"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_the_upload_page_refuses_a_hostile_file_unparsed(client, staff, no_openpyxl, kind):
    data, message = hostile()[kind]
    client.force_login(staff)
    before = Observation.objects.count()
    response = upload(client, data, "玉溪2023.xlsx")
    assert response.status_code == 400
    assert message in text(response)
    assert Observation.objects.count() == before
    assert "entry-upload-" not in "".join(client.session.keys())


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_the_plan_table_upload_refuses_a_hostile_file_unparsed(client, admin, no_openpyxl, kind):
    data, message = hostile()[kind]
    client.force_login(admin)
    before = (Indicator.objects.count(), PlanIndicator.objects.count(), Target.objects.count())
    response = upload_plan(client, data, "文山总规指标表.xlsx", PLAN)
    assert response.status_code == 400
    assert message in text(response)
    assert (Indicator.objects.count(), PlanIndicator.objects.count(), Target.objects.count()) == before
    assert "plan-upload-" not in "".join(client.session.keys())


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_the_import_command_refuses_a_hostile_file_unparsed(tmp_path, no_openpyxl, kind):
    data, message = hostile()[kind]
    path = tmp_path / "actuals.xlsx"
    path.write_bytes(data)
    before = Observation.objects.count()
    with pytest.raises(CommandError) as raised:
        call_command("import_observations", str(path))
    assert message in str(raised.value) and "未保存任何数据" in str(raised.value)
    assert Observation.objects.count() == before


def test_a_declared_size_over_the_caps_is_refused_from_the_sheets_head(monkeypatch, no_openpyxl):
    """Neither openpyxl nor the streaming pass over the rows runs: the <dimension> alone refuses."""

    def no_scan(*args):
        raise AssertionError("the rows were scanned")

    monkeypatch.setattr(xlsx, "_scan_sheet", no_scan)
    data, message = hostile()["100k-declared"]
    for read in (xlsx.load_grid_workbook, xlsx.load_first_sheet_values):
        with pytest.raises(xlsx.WorkbookError, match=message):
            read(data)
    with pytest.raises(xlsx.WorkbookError, match=message):
        read_plan_tables(data, unit_symbols=["亿元"])
    tall = sheet_file(["<row/>"], dimension="A1:XFD1048576")
    with pytest.raises(xlsx.WorkbookError, match="工作表“表2”声明 1048576 行，超过上限 2000 行，未读取"):
        xlsx.load_grid_workbook(tall)
    wide = sheet_file(["<row/>"], dimension="A1:XFD40")
    with pytest.raises(xlsx.WorkbookError, match="工作表“表2”声明 16384 列，超过上限 120 列，未读取"):
        xlsx.load_grid_workbook(wide)


@pytest.mark.django_db
def test_a_csv_past_the_row_cap_is_refused_by_the_import_command(tmp_path):
    path = tmp_path / "actuals.csv"
    lines = ["园区,指标,年份,数值"] + [
        f"yuxi-hitech,gdp-incl-tobacco,{2000 + n % 30},{n}" for n in range(100_000)
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match="文件超过 2000 行，请拆分后上传"):
        call_command("import_observations", str(path))
    with pytest.raises(ImportFileError, match="文件超过 2000 行"):
        read_table(path)


# --- The caps, one by one ---------------------------------------------------------------------------


def test_the_zip_directory_is_judged_before_anything_is_inflated(no_openpyxl, settings):
    # Stored (not deflated) so the ratio is 1: the total alone is over the cap.
    big = sheet_file(plain_rows(1), level=0, after="<!--" + " " * (25 << 20) + "-->")
    with zipfile.ZipFile(io.BytesIO(big)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > xlsx.MAX_UNCOMPRESSED_BYTES
    settings.MAX_UPLOAD_BYTES = 64 * 1024 * 1024
    with pytest.raises(xlsx.WorkbookError, match=r"表格解压后共 25\.0 MB，超过上限 24\.0 MB"):
        xlsx.load_grid_workbook(big)
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    with pytest.raises(xlsx.WorkbookError, match="文件过大"):
        xlsx.load_grid_workbook(big)
    part = sheet_file(plain_rows(1), level=0, after="<!--" + " " * (17 << 20) + "-->")
    settings.MAX_UPLOAD_BYTES = 64 * 1024 * 1024
    with pytest.raises(xlsx.WorkbookError, match=r"工作表“表2”解压后 17\.0 MB，超过上限 16\.0 MB，未读取"):
        xlsx.load_grid_workbook(part)


def test_a_uniform_sheet_without_cell_references_is_not_called_a_bomb():
    """Such rows deflate 270–380× (the 4 M-cell file is made of them); within the caps they are read."""
    data = sheet_file(["<row>" + "<c><v>0</v></c>" * 40 + "</row>"] * SHEET_ROWS, dimension="A1:AN2015")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size >= xlsx.RATIO_MIN_BYTES and info.file_size / info.compress_size > 200
    [(_name, values, _formats)] = xlsx.load_grid_workbook(data)
    assert (len(values), len(values[-1]), values[-1][-1]) == (SHEET_ROWS, 40, 0)


def test_a_dimension_that_lies_small_does_not_truncate_the_sheet():
    """openpyxl's read-only mode trusts <dimension>; the reader never does."""
    data = sheet_file(plain_rows(50, 3), dimension="A1:B2")
    [(name, values, formats)] = xlsx.load_grid_workbook(data)
    assert (name, len(values), {len(row) for row in values}) == ("表2", 50, {3})
    assert values[49] == [50, 50, 50] and formats[49] == ["General"] * 3
    assert xlsx.load_first_sheet_values(data)[49] == [50, 50, 50]


def test_the_row_cap_counts_rows_as_openpyxl_will_see_them():
    assert len(xlsx.load_grid_workbook(sheet_file(plain_rows(SHEET_ROWS, 2)))[0][1]) == SHEET_ROWS
    with pytest.raises(xlsx.WorkbookError, match="工作表“表2”超过上限 2000 行，未读取"):
        xlsx.load_grid_workbook(sheet_file(plain_rows(SHEET_ROWS + 1, 2)))
    far = sheet_file(plain_rows(3) + ['<row r="1048576"><c r="A1048576"><v>1</v></c></row>'])
    with pytest.raises(xlsx.WorkbookError, match="超过上限 2000 行"):
        xlsx.load_grid_workbook(far)
    # Rows without r count on: 2,016 of them are too many whatever they declare.
    counted = sheet_file(["<row><c><v>1</v></c></row>"] * (SHEET_ROWS + 1), dimension="A1:A1")
    with pytest.raises(xlsx.WorkbookError, match="超过上限 2000 行"):
        xlsx.load_first_sheet_values(counted)
    # Empty formatted rows past the data are not rows of data (Excel writes them for row heights).
    padded = sheet_file(plain_rows(3) + [f'<row r="{n}" ht="20" customHeight="1"/>' for n in range(4, 5000)])
    assert len(xlsx.load_grid_workbook(padded)[0][1]) == 3


def test_the_column_and_cell_caps():
    one_wide_row = sheet_file(["<row>" + "<c><v>1</v></c>" * 10_000 + "</row>"])
    with pytest.raises(xlsx.WorkbookError, match="工作表“表2”超过上限 120 列，未读取"):
        xlsx.load_grid_workbook(one_wide_row)
    far_cell = sheet_file(['<row r="1"><c r="XFD1"><v>1</v></c></row>'])
    with pytest.raises(xlsx.WorkbookError, match="超过上限 120 列"):
        xlsx.load_first_sheet_values(far_cell)
    assert len(xlsx.load_grid_workbook(sheet_file(plain_rows(2, 120)))[0][1][0]) == 120


def test_elements_openpyxl_would_keep_are_bounded(large_uploads):
    # Stored, not deflated: a ratio past the cap would refuse these files before their elements count.
    # One cell with a million children: openpyxl would hold them all until the row ends.
    fat_cell = sheet_file(['<row r="1"><c r="A1"><v>1</v>' + "<x/>" * 1_000_000 + "</c></row>"], level=0)
    with pytest.raises(xlsx.WorkbookError, match="工作表“表2”的结构过于复杂（XML 元素过多），未读取"):
        xlsx.load_grid_workbook(fat_cell)
    # Elements outside the rows are never freed by openpyxl's parser.
    junk = sheet_file(plain_rows(1), after="<extLst>" + "<ext/>" * 1_000_000 + "</extLst>", level=0)
    with pytest.raises(xlsx.WorkbookError, match="结构过于复杂"):
        xlsx.load_grid_workbook(junk)
    # A million empty <row> elements (openpyxl keeps each one).
    rows = sheet_file(plain_rows(1) + ["<row/>"] * 1_000_000, level=0)
    with pytest.raises(xlsx.WorkbookError, match="结构过于复杂"):
        xlsx.load_grid_workbook(rows)


def test_styles_and_shared_strings_are_bounded_before_openpyxl_reads_them(no_openpyxl, large_uploads):
    styles = sheet_file(plain_rows(1), styles=minimal_styles(extra_xfs=250_000), level=0)
    with pytest.raises(
        xlsx.WorkbookError, match="表格中的“xl/styles.xml”过于复杂（超过 200000 个 XML 元素），未读取"
    ):
        xlsx.load_grid_workbook(styles)
    strings = sheet_file(plain_rows(1), strings=[str(n) for n in range(xlsx.MAX_SHARED_STRINGS + 1)])
    with pytest.raises(xlsx.WorkbookError, match="表格的共享文本超过 241800 条，超过上限，未读取"):
        xlsx.load_grid_workbook(strings)


def test_a_dtd_is_refused(no_openpyxl):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    data = sheet_file(plain_rows(1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = laughs.encode() + body.split(b"?>", 1)[1]
            target.writestr(info.filename, body)
    with pytest.raises(xlsx.WorkbookError, match="DOCTYPE"):
        xlsx.load_grid_workbook(buffer.getvalue())


def test_merged_ranges_come_from_the_sheet_xml_bounded():
    rows = [
        '<row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c></row>',
        '<row r="2"><c r="A2" t="inlineStr"><is><t>经济发展</t></is></c><c r="B2"><v>1</v></c></row>',
        '<row r="3"><c r="B3"><v>2</v></c></row>',
        '<row r="4"><c r="B4"><v>3</v></c></row>',
    ]
    data = sheet_file(rows, merges=["A1:C1", "A2:A5"])
    [(_name, values, _formats)] = xlsx.load_grid_workbook(data)
    assert values == [
        ["标题", "标题", "标题"],
        ["经济发展", 1, None],
        ["经济发展", 2, None],
        ["经济发展", 3, None],
        ["经济发展", None, None],  # the merged range reaches past the last cell, as Excel shows it
    ]
    # A range over the whole sheet is clipped to the caps (openpyxl's full load would make 17 billion
    # MergedCells of it); too many ranges, or ranges that overlap, are refused.
    whole = xlsx.load_grid_workbook(sheet_file(rows[:1], merges=["A1:XFD1048576"]))[0][1]
    assert (len(whole), len(whole[0]), whole[-1][-1]) == (SHEET_ROWS, xlsx.MAX_COLUMNS, "标题")
    many = sheet_file(rows, merges=[f"D{n}:E{n}" for n in range(1, 10_002)])
    with pytest.raises(xlsx.WorkbookError, match="合并单元格超过上限 10000 处"):
        xlsx.load_grid_workbook(many)
    overlapping = sheet_file(plain_rows(3, 2), merges=["A1:XFD1048576"] * 5)
    with pytest.raises(xlsx.WorkbookError, match="合并单元格超过上限"):
        xlsx.load_grid_workbook(overlapping)


def test_the_workbook_holds_one_full_sheet_of_cells_at_most():
    # Three sheets of 700 rows × 120 columns (one cell each, merged over the rest): 252,000 cells.
    sheets = [(f"表{n}", worksheet(plain_rows(1, 1), dimension=None, merges=["A1:DP700"])) for n in range(3)]
    with pytest.raises(xlsx.WorkbookError, match="表格的工作表合计超过 241800 个单元格（行 × 列）"):
        xlsx.load_grid_workbook(package(sheets))


def test_hidden_sheets_are_not_read_unless_openpyxl_would_parse_them():
    big = hostile()["100k-declared"][0]  # declared: openpyxl stops at the <dimension>
    with zipfile.ZipFile(io.BytesIO(big)) as archive:
        huge = archive.read("xl/worksheets/sheet1.xml")
    data = package(
        [("表2", worksheet(plain_rows(3), dimension="A1:D3")), ("底稿", iter([huge]))],
        hidden=("底稿",),
        strings=["园区", "指标", "年份", "数值", "yuxi-hitech", "gdp-incl-tobacco"],
    )
    [(name, values, _formats)] = xlsx.load_grid_workbook(data)
    assert (name, len(values)) == ("表2", 3)
    hidden = worksheet(plain_rows(3000), dimension=None)  # openpyxl would read it through on opening
    undeclared = package(
        [("表2", worksheet(plain_rows(3), dimension="A1:D3")), ("底稿", hidden)], hidden=("底稿",)
    )
    with pytest.raises(xlsx.WorkbookError, match="工作表“底稿”超过上限 2000 行"):
        xlsx.load_grid_workbook(undeclared)


def test_a_damaged_part_is_a_damaged_file():
    data = bytearray(sheet_file(plain_rows(20)))
    with pytest.raises(xlsx.WorkbookError, match="无法读取 XLSX 文件"):
        xlsx.load_grid_workbook(bytes(data[: len(data) // 2]))
    with pytest.raises(xlsx.WorkbookError, match="无法读取 XLSX 文件"):
        xlsx.load_grid_workbook(sheet_file(['<row r="1"><c r="1A"><v>1</v></c></row>']))
