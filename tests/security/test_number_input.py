"""One number rule at every door (issue 11): ``core.numbers.parse_number`` reads what people type in the
sheet, the revise form, the REST API, uploads, ``import_observations`` and plan targets. Full-width
digits and thousands separators are numbers everywhere; underscores, digits of other scripts, NaN and
Infinity are refused everywhere, with the field named."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from core.numbers import parse_number
from indicators.models import Observation
from plans.models import PlanIndicator, Target
from tests.core.api_fixtures import *  # noqa: F403
from tests.entry.factories import approved
from tests.entry.test_doors import sheet_post, text
from tests.entry.test_excel import counts

pytestmark = pytest.mark.django_db

SHEET = "/entry/yuxi-hitech/2023/"
API = "/api/v1/observations/"
INDICATOR = "fixed-asset-investment"  # 亿元, in the 2023 sheet of 玉溪高新区

# Every way of writing 1234.5 that the rule accepts.
ACCEPTED = {
    "plain": "1234.5",
    "thousands": "1,234.5",
    "full-width comma": "1，234.5",
    "full-width": "１２３４．５",
    "full-width thousands": "１，２３４．５",
    "spaces": "1 234.5",
    "ideographic space": "1\u3000234.5",
    "no-break space": "1\u00a0234.5",
    "sign": "+1234.5",
    "full-width sign": "＋１２３４．５",
    "exponent": "1.2345e3",
    "exponent upper": "1.2345E+3",
    "padded": "  1234.5  ",
}
REFUSED = {
    "underscore": "1_234.5",
    "arabic-indic": "١٢٣٤٫٥",
    "arabic-indic with point": "١٢٣٤.٥",
    "devanagari": "१२३४.५",
    "superscript": "1234.5²",
    "circled": "①②③",
    "nan": "NaN",
    "infinity": "Infinity",
    "minus infinity": "-Infinity",
    "inf": "inf",
    "hex": "0x10",
    "two points": "1.234.5",
    "two signs": "--1234.5",
    "comma as decimal point": "1234,5",
    "ungrouped thousands": "12,34.5",
    "units": "1234.5亿元",
    "words": "一千二百三十四点五",
    "huge exponent": "1e99999",
    "sign only": "-",
    "point only": ".",
}
VALUE = Decimal("1234.5")


@pytest.mark.parametrize("typed", ACCEPTED.values(), ids=ACCEPTED)
def test_parse_number_accepts(typed):
    assert parse_number(typed) == VALUE


@pytest.mark.parametrize("typed", [*REFUSED.values(), "", "   "], ids=[*REFUSED, "empty", "blank"])
def test_parse_number_refuses(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


def test_negative_numbers_and_size_are_the_digit_limits_business():
    assert parse_number("-1,234.5") == -VALUE
    assert parse_number("－５") == parse_number("−5") == Decimal(-5)
    assert parse_number("1e30") == Decimal("1e30")  # a number; decimal_fits refuses it for size
    assert parse_number("1e400") == Decimal("1e400")


# --- the doors --------------------------------------------------------------------------------------


def stored() -> Decimal | None:
    obs = Observation.objects.filter(park__code="yuxi-hitech", indicator__code=INDICATOR, year=2023).first()
    return obs.value if obs else None


def api_post(client_for, typed):
    body = {"park": "yuxi-hitech", "indicator": INDICATOR, "year": 2023, "value": typed}
    return client_for("staff").post(API, body, format="json")


def sheet(client, users, typed):
    client.force_login(users["staff"])
    return client.post(SHEET, sheet_post({INDICATOR: typed}))


def import_file(tmp_path, typed) -> tuple[bool, str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["园区", "指标", "年份", "数值", "单位", "来源", "备注"])
    writer.writerow(["yuxi-hitech", INDICATOR, 2023, typed, "亿元", "统计局", ""])
    path = tmp_path / "actuals.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    errors = io.StringIO()
    try:
        call_command("import_observations", str(path), stdout=io.StringIO(), stderr=errors)
    except CommandError:
        return False, errors.getvalue()
    return True, errors.getvalue()


@pytest.mark.parametrize("typed", ACCEPTED.values(), ids=ACCEPTED)
def test_every_door_accepts_the_same_numbers(client, users, client_for, tmp_path, typed):
    response = api_post(client_for, typed)
    assert response.status_code == 201, response.content
    assert stored() == VALUE
    Observation.objects.all().filter(park__code="yuxi-hitech", year=2023).delete()

    assert sheet(client, users, typed).status_code == 302
    assert stored() == VALUE
    Observation.objects.all().filter(park__code="yuxi-hitech", year=2023).delete()

    ok, errors = import_file(tmp_path, typed)
    assert ok, errors
    assert stored() == VALUE


@pytest.mark.parametrize("typed", REFUSED.values(), ids=REFUSED)
def test_every_door_refuses_the_same_text_and_names_the_field(client, users, client_for, tmp_path, typed):
    response = api_post(client_for, typed)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "value"

    response = sheet(client, users, typed)
    assert response.status_code == 400
    assert "不是数字" in text(response) and "整张报表未作任何保存" in text(response)

    ok, errors = import_file(tmp_path, typed)
    assert not ok and "第 2 行【数值】" in errors and "不是数字" in errors
    assert stored() is None


@pytest.mark.parametrize("typed", ["1_234.5", "١٢٣٤", "NaN", "Infinity"])
def test_the_api_refuses_them_in_a_bulk_save_and_in_form_data_too(client_for, typed):
    bulk = client_for("staff").post(
        f"{API}bulk/",
        {"park": "yuxi-hitech", "rows": [{"indicator": INDICATOR, "year": 2023, "value": typed}]},
        format="json",
    )
    assert bulk.status_code == 400
    assert [(e.get("row"), e["field"]) for e in bulk.json()["errors"]] == [(0, "value")]
    form = client_for("staff").post(
        API, {"park": "yuxi-hitech", "indicator": INDICATOR, "year": 2023, "value": typed}
    )
    assert form.status_code == 400 and form.json()["errors"][0]["field"] == "value"
    assert stored() is None


def test_the_api_refuses_json_true_and_accepts_json_numbers(client_for):
    assert api_post(client_for, True).status_code == 400
    assert api_post(client_for, 1234.5).status_code == 201
    assert stored() == VALUE


@pytest.mark.parametrize(
    ("typed", "ok"), [("１，２３４．５", True), ("1 234.5", True), ("1_234.5", False), ("١٢٣٤", False)]
)
def test_the_revise_form_and_uploads_read_the_same_rule(client, users, typed, ok):
    obs = approved("yuxi-hitech", INDICATOR, 2022, "60.25")
    client.force_login(users["staff"])
    revise = client.post(
        f"/entry/yuxi-hitech/2022/{INDICATOR}/",
        {"value": typed, "reason": "统计局更正", "note": "", "version": obs.version},
    )
    if ok:
        assert revise.status_code == 302
        assert Observation.objects.get(pk=obs.pk).value == VALUE
    else:
        assert revise.status_code == 400 and "不是数字" in text(revise)
        assert Observation.objects.get(pk=obs.pk).value == Decimal("60.25")
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [["园区", "指标", "年份", "数值", "单位"], ["yuxi-hitech", INDICATOR, 2023, typed, "亿元"]]
    )
    preview = client.post(
        "/entry/yuxi-hitech/upload/",
        {"file": SimpleUploadedFile("a.csv", buffer.getvalue().encode("utf-8-sig")), "year": 2023},
    )
    assert preview.status_code == (200 if ok else 400)
    got = counts(preview)
    assert (got["new"], got["error"]) == ((1, 0) if ok else (0, 1))
    assert ok or "第 2 行【数值】" in text(preview) and "不是数字" in text(preview)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("１，２３４．５", VALUE),
        ("≥１２３４．５", VALUE),
        ("1.2345e3", VALUE),
        ("1_234.5", None),
        ("١٢٣٤", None),
    ],
)
def test_plan_targets_read_the_same_rule(client, users, typed, value):
    client.force_login(users["admin"])
    pi = PlanIndicator.objects.get(plan__code="yuxi-14th-fyp", order=1)
    response = client.post("/plans/yuxi-14th-fyp/targets/", {f"t-{pi.pk}-2024": typed}, follow=True)
    target = Target.objects.filter(plan_indicator=pi, year=2024).first()
    if value is None:
        assert "不是可识别的目标值" in text(response)
        assert target is None or target.value != VALUE
    else:
        assert target is not None and target.value == value, text(response)[:2000]
