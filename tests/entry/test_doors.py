"""One rule set for every door: the sheet, the revise and review forms, the REST API, uploads,
``import_observations`` and the admin refuse the same bad input with the same clear message, name the
field (and row), and save nothing. Each test is a finding of the write-path review (issue 10)."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from rest_framework.test import APIClient

from entry.models import ReportingPeriod
from entry.services import observation_approve, observation_revise, observation_save_draft, observation_submit
from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole
from tests.core.api_fixtures import token_client
from tests.entry.factories import approved, explained, snapshot, user_with_role

pytestmark = pytest.mark.django_db
S = Observation.Status
SHEET = "/entry/yuxi-hitech/2023/"
API = "/api/v1/observations/"

# The bad numbers of the finding, and what each door must say about them.
TOO_MANY_DIGITS = "12345678901234567"  # 17 digits before the point: the column holds 16
HUGE = "1e30"
HUGER = "1e400"
TOO_MANY_PLACES = "1.123456789"  # 9 places: the column holds 8, and nothing is rounded
BAD_NUMBERS = {
    TOO_MANY_DIGITS: "整数部分最多 16 位",
    HUGE: "整数部分最多 16 位",
    HUGER: "整数部分最多 16 位",
    TOO_MANY_PLACES: "最多保留 8 位小数",
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def key(code: str, park: str = "yuxi-hitech") -> str:
    return f"{Park.objects.get(code=park).pk}-{Indicator.objects.get(code=code).pk}"


def sheet_post(values: dict[str, str], notes: dict[str, str] | None = None, action: str = "save") -> dict:
    post = {"action": action}
    for code, value in values.items():
        post[f"value-{key(code)}"] = value
        post[f"version-{key(code)}"] = "0"
    for code, note in (notes or {}).items():
        post[f"note-{key(code)}"] = note
    return post


def api_client(user) -> APIClient:
    return token_client(user)


def observations_2023() -> int:
    return Observation.objects.filter(park__code="yuxi-hitech", year=2023).count()


def long_csv(*rows: tuple) -> bytes:
    lines = ["园区,指标,年份,数值,单位,来源,备注"] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


@pytest.fixture
def both(db):
    """One person holding both roles on the park (a small park committee)."""
    user = user_with_role("both", "yuxi-hitech", ParkRole.Role.ENTRY)
    ParkRole.objects.create(user=user, park=Park.objects.get(code="yuxi-hitech"), role=ParkRole.Role.REVIEWER)
    return user


# --- numbers the column cannot hold ------------------------------------------------------------------


@pytest.mark.parametrize("typed", BAD_NUMBERS)
def test_the_sheet_refuses_numbers_the_column_cannot_hold_and_keeps_working(client, staff, typed):
    client.force_login(staff)
    response = client.post(SHEET, sheet_post({"gdp-incl-tobacco": typed, "fixed-asset-investment": "120"}))
    assert response.status_code == 400
    assert BAD_NUMBERS[typed] in text(response) and "整张报表未作任何保存" in text(response)
    assert observations_2023() == 0  # the good row was not saved either
    # Every page that shows the park's values still answers.
    assert client.get(SHEET).status_code == 200
    assert client.get("/entry/yuxi-hitech/2023/review/").status_code in (200, 403)
    assert APIClient().get("/api/v1/parks/yuxi-hitech/").status_code in (200, 404)


@pytest.mark.parametrize("typed", BAD_NUMBERS)
def test_the_api_refuses_numbers_the_column_cannot_hold(staff, typed):
    client = api_client(staff)
    body = {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2023, "value": typed}
    response = client.post(API, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "value"
    bulk = client.post(
        f"{API}bulk/",
        {
            "park": "yuxi-hitech",
            "rows": [
                {"indicator": "fixed-asset-investment", "year": 2023, "value": "120"},
                {"indicator": "gdp-incl-tobacco", "year": 2023, "value": typed},
            ],
        },
        format="json",
    )
    assert bulk.status_code == 400
    assert [(e["row"], e["field"]) for e in bulk.json()["errors"]] == [(1, "value")]
    assert observations_2023() == 0
    assert client.get(API, {"park": "yuxi-hitech"}).status_code == 200


def test_the_services_refuse_rounding_what_the_column_cannot_hold(staff):
    yuxi, gdp = Park.objects.get(code="yuxi-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    with pytest.raises(Exception) as refused:
        observation_save_draft(
            user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal(TOO_MANY_PLACES)
        )
    assert "最多保留 8 位小数" in str(refused.value) and refused.value.field == "value"
    saved = observation_save_draft(
        user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal("1.12345678")
    )
    assert Observation.objects.get(pk=saved.pk).value == Decimal("1.12345678")


def test_the_revise_form_refuses_numbers_the_column_cannot_hold(client, staff):
    obs = approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "591")
    before = snapshot(obs)
    client.force_login(staff)
    response = client.post(
        "/entry/yuxi-hitech/2022/gdp-incl-tobacco/",
        {"value": TOO_MANY_DIGITS, "reason": "统计局更正", "note": "", "version": obs.version},
    )
    assert response.status_code == 400 and "整数部分最多 16 位" in text(response)
    assert snapshot(obs) == before


def test_an_uploaded_csv_with_a_number_the_column_cannot_hold_saves_nothing(client, staff):
    client.force_login(staff)
    data = long_csv(
        ("yuxi-hitech", "fixed-asset-investment", 2023, 120, "亿元", "", ""),
        ("yuxi-hitech", "gdp-incl-tobacco", 2023, TOO_MANY_DIGITS, "亿元", "", ""),
    )
    preview = client.post("/entry/yuxi-hitech/upload/", {"file": SimpleUploadedFile("a.csv", data)})
    assert "整数部分最多 16 位" in text(preview)
    client.post("/entry/yuxi-hitech/upload/confirm/", {}, follow=True)
    assert observations_2023() == 0


def test_a_planner_target_the_column_cannot_hold_is_refused(client, admin):
    from plans.models import PlanIndicator, Target

    client.force_login(admin)
    pi = PlanIndicator.objects.get(plan__code="yuxi-14th-fyp", order=1)
    before = list(Target.objects.filter(plan_indicator=pi).values_list("year", "value"))
    response = client.post("/plans/yuxi-14th-fyp/targets/", {f"t-{pi.pk}-2024": TOO_MANY_DIGITS}, follow=True)
    assert "整数部分最多 16 位" in text(response)
    assert list(Target.objects.filter(plan_indicator=pi).values_list("year", "value")) == before


# --- import_observations: the workflow's hard rules --------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "year", "value", "message"),
    [
        ("rd-intensity-incl-tobacco", 2023, "150", "比重不能超过 100%"),
        ("gdp-incl-tobacco", 2023, "-5", "不能为负数"),
        ("gdp-incl-tobacco", 2099, "600", "不在可填报范围"),
        ("gdp-incl-tobacco", 2023, TOO_MANY_PLACES, "最多保留 8 位小数"),
    ],
)
def test_import_observations_refuses_what_the_workflow_refuses(tmp_path, indicator, year, value, message):
    path = tmp_path / "actuals.csv"
    path.write_bytes(
        long_csv(
            ("yuxi-hitech", "fixed-asset-investment", 2023, 120, "亿元", "统计局", ""),
            ("yuxi-hitech", indicator, year, value, "", "统计局", ""),
        )
    )
    errors = StringIO()
    with pytest.raises(CommandError, match="未保存任何数据"):
        call_command("import_observations", str(path), stderr=errors)
    assert "第 3 行" in errors.getvalue() and message in errors.getvalue()
    assert not Observation.objects.filter(park__code="yuxi-hitech", year__in=[2023, 2099]).exists()


def test_import_observations_refuses_an_indicator_outside_the_parks_plans(tmp_path):
    path = tmp_path / "actuals.csv"
    path.write_bytes(long_csv(("wenfeng-hitech", "gdp-incl-tobacco", 2023, 600, "亿元", "", "")))
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=errors)
    assert "不在“" in errors.getvalue() and "的任何规划中" in errors.getvalue()
    assert not Observation.objects.filter(park__code="wenfeng-hitech").exists()


def test_import_records_the_file_as_structured_history(tmp_path):
    explained("yuxi-hitech", "gdp-incl-tobacco", 2023)  # 600 is behind the plan: importing needs a 原因分析
    path = tmp_path / "actuals.csv"
    path.write_bytes(long_csv(("yuxi-hitech", "gdp-incl-tobacco", 2023, 600, "亿元", "统计局", "")))
    call_command("import_observations", str(path), stdout=StringIO())
    record = Observation.objects.get(park__code="yuxi-hitech", year=2023).history.first()
    assert (record.history_action, record.history_text, record.status) == (
        "import",
        "actuals.csv",
        "approved",
    )


# --- history texts, note lengths and control characters ---------------------------------------------


def test_a_long_return_comment_is_kept_whole_in_the_history(staff, reviewer):
    explained("yuxi-hitech", "gdp-incl-tobacco", 2023)  # 600 is behind the plan: submitting needs a 原因分析
    yuxi, gdp = Park.objects.get(code="yuxi-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    obs = observation_submit(
        user=staff,
        observation=observation_save_draft(
            user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal(600)
        ),
    )
    comment = "请核实口径：" + "统计局快报与年报不一致" * 9  # 105 characters, more than the old 100
    from entry.services import observation_return

    observation_return(user=reviewer, observation=obs, comment=comment)
    record = obs.history.first()
    assert (record.history_action, record.history_text) == ("return", comment)
    assert Observation.objects.get(pk=obs.pk).review_comment == comment


@pytest.mark.parametrize(
    ("note", "message"),
    [("x" * 5001, "最多 5000 个字符"), ("核实\x00口径", "控制字符"), ("第一行\x0b第二行", "控制字符")],
)
def test_the_sheet_and_the_api_refuse_the_same_notes(client, staff, note, message):
    client.force_login(staff)
    response = client.post(SHEET, sheet_post({"gdp-incl-tobacco": "600"}, notes={"gdp-incl-tobacco": note}))
    assert response.status_code == 400 and message in text(response)
    api = api_client(staff).post(
        API,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2023, "value": "600", "note": note},
        format="json",
    )
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "note"
    assert observations_2023() == 0


def test_a_note_with_lines_and_tabs_is_fine_and_every_export_still_opens(client, staff):
    client.force_login(staff)
    note = "第一行\n第二行\t（含制表符）"
    assert (
        client.post(
            SHEET, sheet_post({"gdp-incl-tobacco": "600"}, notes={"gdp-incl-tobacco": note})
        ).status_code
        == 302
    )
    assert Observation.objects.get(park__code="yuxi-hitech", year=2023).note == note
    for layout in ("plan", "long"):
        export = client.get(f"/entry/yuxi-hitech/2023/export/?layout={layout}")
        assert export.status_code == 200
        cells = [c.value for row in load_workbook(BytesIO(export.content)).active.iter_rows() for c in row]
        assert note in cells or layout == "plan"


def test_a_review_comment_with_control_characters_is_refused(client, staff, reviewer):
    explained("yuxi-hitech", "gdp-incl-tobacco", 2023)  # 600 is behind the plan: submitting needs a 原因分析
    yuxi, gdp = Park.objects.get(code="yuxi-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    obs = observation_submit(
        user=staff,
        observation=observation_save_draft(
            user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal(600)
        ),
    )
    client.force_login(reviewer)
    k = key("gdp-incl-tobacco")
    response = client.post(
        "/entry/yuxi-hitech/2023/review/",
        {f"decision-{k}": "return", f"comment-{k}": "请\x07核实", f"version-{k}": obs.version},
    )
    assert response.status_code == 400 and "控制字符" in text(response)
    assert Observation.objects.get(pk=obs.pk).status == S.SUBMITTED


# --- closed reporting periods ------------------------------------------------------------------------


@pytest.fixture
def closed_2023(db):
    return ReportingPeriod.objects.create(
        park=Park.objects.get(code="yuxi-hitech"), year=2023, deadline="2024-03-31", is_open=False
    )


def test_a_closed_period_refuses_saving_in_the_sheet_the_api_and_imports(
    client, staff, closed_2023, tmp_path
):
    client.force_login(staff)
    response = client.post(SHEET, sheet_post({"gdp-incl-tobacco": "600"}))
    assert response.status_code == 400 and "填报期已关闭" in text(response)
    api = api_client(staff).post(
        API,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2023, "value": "600"},
        format="json",
    )
    assert api.status_code == 409 and api.json()["errors"][0]["code"] == "period_closed"  # the data refuses
    path = tmp_path / "a.csv"
    path.write_bytes(long_csv(("yuxi-hitech", "gdp-incl-tobacco", 2023, 600, "亿元", "", "")))
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=StringIO())
    assert observations_2023() == 0


def test_a_closed_period_refuses_submitting_and_reviewing_until_reopened(staff, reviewer, closed_2023):
    explained("yuxi-hitech", "gdp-incl-tobacco", 2023)  # 600 is behind the plan: submitting needs a 原因分析
    yuxi, gdp = Park.objects.get(code="yuxi-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    closed_2023.is_open = True
    closed_2023.save()
    draft = observation_save_draft(user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal(600))
    closed_2023.is_open = False
    closed_2023.save()
    with pytest.raises(Exception, match="填报期已关闭"):
        observation_submit(user=staff, observation=draft)
    closed_2023.is_open = True  # an administrator reopens the year
    closed_2023.save()
    submitted = observation_submit(user=staff, observation=draft)
    closed_2023.is_open = False
    closed_2023.save()
    with pytest.raises(Exception, match="填报期已关闭"):
        observation_approve(user=reviewer, observation=submitted)
    assert Observation.objects.get(pk=draft.pk).status == S.SUBMITTED


def test_a_closed_period_of_the_park_covers_its_zones(staff):
    zone = Park.objects.filter(parent__code="yuxi-hitech").first()
    ReportingPeriod.objects.create(park=zone.parent, year=2023, deadline="2024-03-31", is_open=False)
    from entry.checks import entry_scope
    from parks.selectors import park_tree

    scope = entry_scope(tree=park_tree(), keys=[(zone.pk, Indicator.objects.first().pk, 2023)])
    assert scope.closed_errors(park_id=zone.pk, year=2023)[0]["code"] == "period_closed"
    assert scope.closed_errors(park_id=zone.pk, year=2022) == []


# --- four eyes -----------------------------------------------------------------------------------------


def test_a_reviewer_cannot_approve_their_own_revision(reviewer):
    obs = approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "591")
    revised = observation_revise(user=reviewer, observation=obs, value=Decimal("592"), reason="统计局更正")
    with pytest.raises(Exception, match="需由另一位审核员审核通过") as refused:
        observation_approve(user=reviewer, observation=revised)
    assert refused.value.code == "permission_denied"
    fresh = Observation.objects.get(pk=obs.pk)
    assert (fresh.status, fresh.value, fresh.previous_approved_value) == (
        S.SUBMITTED,
        Decimal(592),
        Decimal(591),
    )


def test_a_user_with_both_roles_cannot_approve_their_own_entry_anywhere(client, both, reviewer):
    explained("yuxi-hitech", "gdp-incl-tobacco", 2023)  # 600 is behind the plan: submitting needs a 原因分析
    yuxi, gdp = Park.objects.get(code="yuxi-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    obs = observation_submit(
        user=both,
        observation=observation_save_draft(
            user=both, park=yuxi, indicator=gdp, year=2023, value=Decimal(600)
        ),
    )
    api = api_client(both).post(f"{API}{obs.pk}/approve/", {"version": obs.version}, format="json")
    assert api.status_code == 403 and "另一位审核员" in api.json()["message"]
    client.force_login(both)
    k = key("gdp-incl-tobacco")
    page = client.post(
        "/entry/yuxi-hitech/2023/review/", {f"decision-{k}": "approve", f"version-{k}": obs.version}
    )
    assert page.status_code == 400 and "另一位审核员" in text(page)
    assert Observation.objects.get(pk=obs.pk).status == S.SUBMITTED
    # Someone else may.
    assert observation_approve(user=reviewer, observation=obs).status == S.APPROVED


def test_an_administrator_may_allow_self_approval_for_a_tiny_park(both):
    explained("yuxi-hitech", "gdp-incl-tobacco", 2023)  # 600 is behind the plan: submitting needs a 原因分析
    yuxi, gdp = Park.objects.get(code="yuxi-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    yuxi.allow_self_approval = True
    yuxi.save()
    obs = observation_submit(
        user=both,
        observation=observation_save_draft(
            user=both, park=yuxi, indicator=gdp, year=2023, value=Decimal(600)
        ),
    )
    done = observation_approve(user=both, observation=obs)
    assert (done.status, done.entered_by, done.reviewed_by) == (S.APPROVED, both, both)


# --- the admin door ------------------------------------------------------------------------------------


def test_the_admin_refuses_what_the_sheet_refuses_and_revises_approved_values(client, admin):
    client.force_login(admin)
    yuxi, share = (
        Park.objects.get(code="yuxi-hitech"),
        Indicator.objects.get(code="rd-intensity-incl-tobacco"),
    )
    response = client.post(
        "/admin/indicators/observation/add/",
        {"park": yuxi.pk, "indicator": share.pk, "year": 2023, "value": "150", "source": "", "note": ""},
    )
    assert response.status_code == 200 and "比重不能超过 100%" in text(response)
    assert not Observation.objects.filter(park=yuxi, indicator=share, year=2023).exists()
    obs = approved("yuxi-hitech", "gdp-incl-tobacco", 2022, "591")
    url = f"/admin/indicators/observation/{obs.pk}/change/"
    form = {
        "park": yuxi.pk,
        "indicator": obs.indicator_id,
        "year": 2022,
        "value": "592",
        "source": "",
        "note": "",
    }
    assert "修订已审核的数值必须说明原因" in text(client.post(url, form))
    assert client.post(url, {**form, "reason": "统计局年报更正"}).status_code == 302
    fresh = Observation.objects.get(pk=obs.pk)
    assert (fresh.status, fresh.value, fresh.previous_approved_value) == (
        S.SUBMITTED,
        Decimal(592),
        Decimal(591),
    )
    assert (fresh.history.first().history_action, fresh.history.first().history_text) == (
        "revise",
        "统计局年报更正",
    )


# --- SQLite under concurrency ------------------------------------------------------------------------


def test_a_busy_database_is_a_409_with_a_clear_message_not_a_500(client, staff, monkeypatch):
    from django.db import OperationalError

    from entry import views

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "observation_bulk_save", locked)
    client.force_login(staff)
    response = client.post(SHEET, sheet_post({"gdp-incl-tobacco": "600"}))
    assert response.status_code == 409 and "请稍后重试" in response.content.decode()
    from entry import services

    monkeypatch.setattr(services, "observation_bulk_save", locked)
    api = api_client(staff).post(
        API,
        {"park": "yuxi-hitech", "indicator": "gdp-incl-tobacco", "year": 2023, "value": "600"},
        format="json",
    )
    assert api.status_code == 409 and api.json()["code"] == "conflict"


# --- writes in bounded queries -------------------------------------------------------------------------


def _sheet_rows(n: int) -> list[str]:
    from entry.selectors import sheet_build

    rows = sheet_build(park=Park.objects.get(code="yuxi-hitech"), year=2023, with_checks=False).unique_rows
    numeric = [r for r in rows if r.indicator.measure in ("level", "annual_flow", "cumulative_flow")]
    return [r.key for r in numeric[:n]]


def _count_queries(client, post: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.post(SHEET, post)
    assert response.status_code == 302, text(response)[text(response).find("<main>") :][:3000]
    return len(captured)


def _posted(keys: list[str], action: str, versions: dict[str, int] | None = None) -> dict:
    post = {"action": action}
    for index, k in enumerate(keys):
        post[f"value-{k}"] = str(100 - index)  # falling: 非烟 ≤ 含烟, 增加值 ≤ 总产值 (fixtures/rules.yaml)
        post[f"version-{k}"] = str((versions or {}).get(k, 0))
    return post


def _yuxi_2023():
    """Every 2023 value: Yuxi's and those of the zones its sheet has rows for."""
    return Observation.objects.filter(year=2023)


def _versions() -> dict[str, int]:
    return {f"{o.park_id}-{o.indicator_id}": o.version for o in _yuxi_2023()}


def test_saving_submitting_and_reviewing_a_sheet_costs_the_same_queries_for_2_and_many_rows(
    client, staff, reviewer
):
    counts = {}
    every = _sheet_rows(40)
    assert len(every) >= 20
    # Values of 100, 99 … are far behind the plan: each needs a 原因分析 before it is submitted.
    from entry.models import Commentary

    Commentary.objects.bulk_create(
        Commentary(park_id=int(p), indicator_id=int(i), year=2023, reasons="口径调整")
        for p, i in (k.split("-") for k in every)
    )
    from django.core.cache import cache

    for size in (2, len(every)):
        _yuxi_2023().delete()
        cache.clear()  # both rounds start without cached grants (parks.grants_cache)
        keys = every[:size]
        client.force_login(staff)
        save = _count_queries(client, _posted(keys, "save"))
        resave = _count_queries(
            client, {**_posted(keys, "save", _versions()), **{f"value-{k}": "7" for k in keys}}
        )
        submit = _count_queries(client, _posted(keys, "submit", _versions()))
        client.force_login(reviewer)
        review = {"action": "approve_all", **{f"version-{k}": v for k, v in _versions().items()}}
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.post("/entry/yuxi-hitech/2023/review/", review).status_code == 302
        counts[size] = (save, resave, submit, len(captured))
        statuses = set(
            Observation.objects.filter(park__code="yuxi-hitech", year=2023).values_list("status", flat=True)
        )
        assert statuses == {S.APPROVED}
    assert counts[2] == counts[len(every)], counts


def test_a_draft_left_outside_every_plan_can_still_be_cleared_but_not_changed(staff):
    from entry.services import EntryRow, observation_bulk_save

    wenfeng, gdp = Park.objects.get(code="wenfeng-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    ParkRole.objects.create(user=staff, park=wenfeng, role=ParkRole.Role.ENTRY)
    # A draft from before its plan lost the indicator (set up directly: no door would write it now).
    orphan = Observation.objects.create(
        park=wenfeng, indicator=gdp, year=2023, value=Decimal(1), status=S.DRAFT
    )
    with pytest.raises(Exception) as refused:
        observation_bulk_save(user=staff, rows=[EntryRow(wenfeng, gdp, 2023, Decimal(2), expected_version=1)])
    assert "的任何规划中" in refused.value.errors[0]["message"] and refused.value.errors[0]["row"] == 0
    observation_bulk_save(user=staff, rows=[EntryRow(wenfeng, gdp, 2023, None, expected_version=1)])
    assert not Observation.objects.filter(pk=orphan.pk).exists()
    assert Observation.history.filter(id=orphan.pk).first().history_action == "discard"


@pytest.mark.parametrize("typed", ["1_000", "١٢٣", "12345678901234567"])
def test_the_admin_reads_numbers_like_every_other_door(client, admin, typed):
    client.force_login(admin)
    yuxi, gdp = Park.objects.get(code="yuxi-hitech"), Indicator.objects.get(code="gdp-incl-tobacco")
    form = {"park": yuxi.pk, "indicator": gdp.pk, "year": 2023, "value": typed, "source": "", "note": ""}
    response = client.post("/admin/indicators/observation/add/", form)
    assert response.status_code == 200 and (
        "不是数字" in text(response) or "整数部分最多 16 位" in text(response)
    )
    assert observations_2023() == 0
    assert (
        client.post("/admin/indicators/observation/add/", {**form, "value": "１,２３４.５"}).status_code
        == 302
    )
    assert Observation.objects.get(park=yuxi, indicator=gdp, year=2023).value == Decimal("1234.5")
