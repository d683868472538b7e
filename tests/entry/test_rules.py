"""Cross-indicator validation rules (issue 13): a hard rule refuses the same write with the same message
at every door and saves nothing; a soft rule asks for a note, which is then stored with the value; the
zones-of rule with a tolerance; the data-quality run (violations and a peer outlier), its page and CSV
(who sees what, formula safety); the rules' admin and seed."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from entry.models import DataQualityFinding, DataQualityRun, ValidationRule
from entry.rules import RuleSpec, RuleSyntaxError, Term, evaluate, parse_side, robust_outliers
from entry.services import (
    EntryRow,
    Invalid,
    observation_bulk_save,
    observation_revise,
    observation_save_draft,
    observation_submit,
)
from indicators.models import Indicator, Observation
from parks.models import Park
from tests.core.api_fixtures import token_client
from tests.entry.factories import approved, explained, user_with_role

pytestmark = pytest.mark.django_db
S = Observation.Status
SHEET = "/entry/yuxi-hitech/2023/"
API = "/api/v1/observations/"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def park(code: str = "yuxi-hitech") -> Park:
    return Park.objects.get(code=code)


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def key(code: str, park_code: str = "yuxi-hitech") -> str:
    return f"{park(park_code).pk}-{indicator(code).pk}"


def long_csv(*rows: tuple) -> bytes:
    lines = ["园区,指标,年份,数值,单位,来源,备注"] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def excl_2023() -> Observation | None:
    return Observation.objects.filter(
        park__code="yuxi-hitech", indicator__code="gdp-excl-tobacco", year=2023
    ).first()


def gdp_message(excl: str = "120", incl: str = "100", year: int = 2023) -> str:
    """What every door says when 地区生产总值（非烟） exceeds 含烟 (the seeded rule, fixtures/rules.yaml)."""
    return (
        f"“{park().name_zh}”{year} 年地区生产总值（非烟）为 {excl} 亿元，地区生产总值（含烟）为 {incl} 亿元，"
        "前者应不大于后者（校验规则“地区生产总值：非烟不大于含烟”）"
    )


# --- the seed -----------------------------------------------------------------------------------------


def test_the_seed_loads_the_rules_of_the_catalogue_pairs_once():
    from plans.seeding import seed_load

    codes = set(ValidationRule.objects.values_list("code", flat=True))
    assert {"gdp-excl-le-incl-tobacco", "industrial-va-le-output-above-scale-all-caliber"} <= codes
    assert all(r.severity == "hard" and r.reasoning for r in ValidationRule.objects.all())
    again = seed_load()  # a second run writes no rule
    assert "validationrule" not in again.created and "validationrule" not in again.updated


# --- a hard rule at every door ----------------------------------------------------------------------


def test_the_sheet_refuses_a_hard_violation_and_saves_nothing(client, staff):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    client.force_login(staff)
    post = {
        "action": "save",
        f"value-{key('gdp-excl-tobacco')}": "120",
        f"version-{key('gdp-excl-tobacco')}": "0",
        f"value-{key('fixed-asset-investment')}": "50",
        f"version-{key('fixed-asset-investment')}": "0",
    }
    response = client.post(SHEET, post)
    assert response.status_code == 400
    assert gdp_message() in text(response) and "整张报表未作任何保存" in text(response)
    assert excl_2023() is None
    assert not Observation.objects.filter(
        park__code="yuxi-hitech", indicator__code="fixed-asset-investment"
    ).exists()


def test_the_sheet_judges_the_batch_together_with_the_stored_values(client, staff):
    """A stored draft of 100 is replaced by the batch's 130, so 非烟 120 is fine; each alone is refused."""
    client.force_login(staff)
    incl = observation_save_draft(
        user=staff, park=park(), indicator=indicator("gdp-incl-tobacco"), year=2023, value=Decimal(100)
    )
    both = {
        "action": "save",
        f"value-{key('gdp-incl-tobacco')}": "130",
        f"version-{key('gdp-incl-tobacco')}": str(incl.version),
        f"value-{key('gdp-excl-tobacco')}": "120",
        f"version-{key('gdp-excl-tobacco')}": "0",
    }
    assert client.post(SHEET, both).status_code == 302
    assert excl_2023().value == 120
    # Now lowering 含烟 below the stored 非烟 is refused on the 含烟 row.
    fresh = Observation.objects.get(pk=incl.pk)
    lower = {
        "action": "save",
        f"value-{key('gdp-incl-tobacco')}": "110",
        f"version-{key('gdp-incl-tobacco')}": str(fresh.version),
    }
    response = client.post(SHEET, lower)
    assert response.status_code == 400 and gdp_message("120", "110") in text(response)
    assert Observation.objects.get(pk=incl.pk).value == 130


def test_the_api_refuses_a_hard_violation_with_the_same_message(staff):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    client = token_client(staff)
    one = client.post(
        API,
        {"park": "yuxi-hitech", "indicator": "gdp-excl-tobacco", "year": 2023, "value": "120"},
        format="json",
    )
    assert one.status_code == 409, one.content  # well formed; the data refuses it
    assert (
        one.json()["errors"][0].items()
        >= {"field": "value", "message": gdp_message(), "code": "rule_violation"}.items()
    )
    bulk = client.post(
        f"{API}bulk/",
        {
            "park": "yuxi-hitech",
            "rows": [
                {"indicator": "fixed-asset-investment", "year": 2023, "value": "50"},
                {"indicator": "gdp-excl-tobacco", "year": 2023, "value": "120"},
            ],
        },
        format="json",
    )
    assert bulk.status_code == 409
    assert [(e["row"], e["field"], e["message"]) for e in bulk.json()["errors"]] == [
        (1, "value", gdp_message())
    ]
    assert excl_2023() is None
    assert not Observation.objects.filter(
        park__code="yuxi-hitech", indicator__code="fixed-asset-investment"
    ).exists()


def test_an_upload_with_a_hard_violation_saves_nothing(client, staff):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    client.force_login(staff)
    data = long_csv(
        ("yuxi-hitech", "fixed-asset-investment", 2023, 50, "亿元", "", ""),
        ("yuxi-hitech", "gdp-excl-tobacco", 2023, 120, "亿元", "", ""),
    )
    preview = client.post("/entry/yuxi-hitech/upload/", {"file": SimpleUploadedFile("a.csv", data)})
    assert preview.status_code == 400 and gdp_message() in text(preview)
    client.post("/entry/yuxi-hitech/upload/confirm/", {}, follow=True)
    assert excl_2023() is None
    assert not Observation.objects.filter(
        park__code="yuxi-hitech", indicator__code="fixed-asset-investment"
    ).exists()


def test_import_observations_refuses_a_hard_violation_and_saves_nothing(tmp_path):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    explained("yuxi-hitech", "fixed-asset-investment", 2023)
    path = tmp_path / "actuals.csv"
    path.write_bytes(
        long_csv(
            ("yuxi-hitech", "fixed-asset-investment", 2023, 50, "亿元", "统计局", ""),
            ("yuxi-hitech", "gdp-excl-tobacco", 2023, 120, "亿元", "统计局", ""),
        )
    )
    errors = StringIO()
    with pytest.raises(CommandError, match="未保存任何数据"):
        call_command("import_observations", str(path), stderr=errors)
    assert errors.getvalue().strip() == f"第 3 行【数值】{gdp_message()}"
    assert excl_2023() is None
    assert not Observation.objects.filter(
        park__code="yuxi-hitech", indicator__code="fixed-asset-investment"
    ).exists()


def test_the_revise_form_and_the_admin_refuse_a_hard_violation(client, staff, admin):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    excl = approved("yuxi-hitech", "gdp-excl-tobacco", 2023, "90")
    client.force_login(staff)
    response = client.post(
        "/entry/yuxi-hitech/2023/gdp-excl-tobacco/",
        {"value": "120", "reason": "统计局更正", "note": "", "version": excl.version},
    )
    assert response.status_code == 400 and gdp_message() in text(response)
    client.force_login(admin)
    form = {"park": excl.park_id, "indicator": excl.indicator_id, "year": 2023, "value": "120"}
    admin_page = client.post(
        f"/admin/indicators/observation/{excl.pk}/change/",
        {**form, "source": "", "note": "", "reason": "更正"},
    )
    assert admin_page.status_code == 200 and gdp_message() in text(admin_page)
    fresh = Observation.objects.get(pk=excl.pk)
    assert (fresh.value, fresh.status, fresh.history.count()) == (
        Decimal(90),
        S.APPROVED,
        excl.history.count(),
    )


def test_the_services_name_the_row_and_field_of_a_hard_violation(staff):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    rows = [
        EntryRow(park(), indicator("fixed-asset-investment"), 2023, Decimal(50)),
        EntryRow(park(), indicator("gdp-excl-tobacco"), 2023, Decimal(120)),
    ]
    with pytest.raises(Invalid) as refused:
        observation_bulk_save(user=staff, rows=rows)
    assert refused.value.errors == [
        {"field": "value", "message": gdp_message(), "code": "rule_violation", "row": 1}
    ]


def test_an_inactive_rule_refuses_nothing(staff):
    ValidationRule.objects.filter(code="gdp-excl-le-incl-tobacco").update(active=False)
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    observation_save_draft(
        user=staff, park=park(), indicator=indicator("gdp-excl-tobacco"), year=2023, value=Decimal(120)
    )
    assert excl_2023().value == 120


# --- a soft rule: a note, stored with the value --------------------------------------------------------


@pytest.fixture
def soft_rule(db):
    return ValidationRule.objects.create(
        code="fai-le-gdp",
        name="固定资产投资一般不超过地区生产总值",
        left="fixed-asset-investment",
        op="le",
        right="gdp-incl-tobacco",
        severity="soft",
        message="如确因重大项目集中投资，请在备注中说明",
    )


def fai_message(year: int = 2023) -> str:
    return (
        f"“{park().name_zh}”{year} 年固定资产投资为 700 亿元，地区生产总值（含烟）为 600 亿元，"
        "前者应不大于后者（校验规则“固定资产投资一般不超过地区生产总值”）：如确因重大项目集中投资，请在备注中说明"
    )


def test_a_soft_violation_is_saved_as_a_draft_and_needs_a_note_to_be_submitted(client, staff, soft_rule):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "600")
    explained("yuxi-hitech", "fixed-asset-investment", 2023)
    fai = indicator("fixed-asset-investment")
    draft = observation_save_draft(user=staff, park=park(), indicator=fai, year=2023, value=Decimal(700))
    with pytest.raises(Invalid) as refused:
        observation_submit(user=staff, observation=draft)
    expected = {"field": "note", "message": fai_message(), "code": "rule_note_required"}
    assert refused.value.errors[0].items() >= expected.items()
    # The API and the sheet say the same.
    api = token_client(staff).post(f"{API}{draft.pk}/submit/", {"version": draft.version}, format="json")
    assert api.status_code == 409 and api.json()["errors"][0]["message"] == fai_message()
    client.force_login(staff)
    sheet = client.post(SHEET, {"action": "submit"})
    assert sheet.status_code == 400 and f"需要备注：{fai_message()}" in text(sheet)
    assert Observation.objects.get(pk=draft.pk).status == S.DRAFT
    # With a note it goes, and the note stays with the value and in its history.
    note = "含重大项目集中投资 120 亿元"
    noted = observation_save_draft(
        user=staff,
        park=park(),
        indicator=fai,
        year=2023,
        value=Decimal(700),
        note=note,
        expected_version=draft.version,
    )
    submitted = observation_submit(user=staff, observation=noted)
    fresh = Observation.objects.get(pk=submitted.pk)
    assert (fresh.status, fresh.note) == (S.SUBMITTED, note)
    record = fresh.history.first()
    assert (record.history_action, record.note, record.value) == ("submit", note, Decimal(700))


def test_a_soft_violation_needs_a_note_to_be_imported_and_keeps_it(tmp_path, soft_rule):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "600")
    explained("yuxi-hitech", "fixed-asset-investment", 2023)
    path = tmp_path / "actuals.csv"
    path.write_bytes(long_csv(("yuxi-hitech", "fixed-asset-investment", 2023, 700, "亿元", "统计局", "")))
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=errors)
    assert errors.getvalue().strip() == f"第 2 行【备注】{fai_message()}"
    assert not Observation.objects.filter(indicator__code="fixed-asset-investment", year=2023).exists()
    path.write_bytes(
        long_csv(("yuxi-hitech", "fixed-asset-investment", 2023, 700, "亿元", "统计局", "重大项目集中投资"))
    )
    call_command("import_observations", str(path), stdout=StringIO())
    obs = Observation.objects.get(indicator__code="fixed-asset-investment", year=2023)
    assert (obs.status, obs.note, obs.history.first().history_action) == (
        S.APPROVED,
        "重大项目集中投资",
        "import",
    )


def test_a_revision_breaking_a_soft_rule_needs_a_note(reviewer, soft_rule):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "600")
    fai = approved("yuxi-hitech", "fixed-asset-investment", 2023, "500")
    with pytest.raises(Invalid) as refused:
        observation_revise(user=reviewer, observation=fai, value=Decimal(700), reason="统计局更正")
    assert refused.value.errors[0]["field"] == "note"
    revised = observation_revise(
        user=reviewer, observation=fai, value=Decimal(700), reason="统计局更正", note="重大项目集中投资"
    )
    assert (revised.status, revised.note, revised.previous_approved_value) == (
        S.SUBMITTED,
        "重大项目集中投资",
        500,
    )


# --- the zones of a park, with a tolerance ------------------------------------------------------------


ZONES = ("yuxi-hitech-core", "yuxi-hitech-hongta", "yuxi-hitech-yanhe")  # and yuxi-hitech-jiangchuan


@pytest.fixture
def zone_rule(db):
    return ValidationRule.objects.create(
        code="zones-revenue",
        name="各片区主营业务收入之和与园区一致",
        left="zones(main-business-revenue)",
        op="approx",
        right="main-business-revenue",
        tolerance=Decimal("0.01"),
        tolerance_kind="relative",
        severity="hard",
    )


def test_the_zones_of_a_park_must_add_up_to_the_park_within_the_tolerance(staff, zone_rule):
    revenue = indicator("main-business-revenue")
    approved("yuxi-hitech", "main-business-revenue", 2023, "1000")
    for code, value in zip(ZONES, ("400", "200", "200"), strict=True):
        approved(code, "main-business-revenue", 2023, value)
    jiangchuan = park("yuxi-hitech-jiangchuan")
    with pytest.raises(Invalid) as refused:
        observation_save_draft(user=staff, park=jiangchuan, indicator=revenue, year=2023, value=Decimal(215))
    assert refused.value.errors[0]["message"] == (
        f"“{park().name_zh}”2023 年各片区“主营业务收入”合计为 1015 亿元，主营业务收入为 1000 亿元，"
        "前者应约等于后者，允许误差 10 亿元（校验规则“各片区主营业务收入之和与园区一致”）"
    )
    assert not Observation.objects.filter(park=jiangchuan, indicator=revenue).exists()
    # 1005 is within 1 % of 1000.
    saved = observation_save_draft(
        user=staff, park=jiangchuan, indicator=revenue, year=2023, value=Decimal(205)
    )
    assert saved.value == 205
    # The park's own value is judged against its zones too.
    with pytest.raises(Invalid):
        observation_revise(
            user=staff,
            observation=Observation.objects.get(park=park(), indicator=revenue, year=2023),
            value=Decimal(1100),
            reason="更正",
        )


def test_a_zones_rule_says_nothing_until_every_zone_has_its_value(staff, zone_rule):
    approved("yuxi-hitech", "main-business-revenue", 2023, "1000")
    hongta = park("yuxi-hitech-hongta")
    saved = observation_save_draft(
        user=staff, park=hongta, indicator=indicator("main-business-revenue"), year=2023, value=Decimal(5000)
    )
    assert saved.value == 5000  # three zones have no value yet: nothing to compare


@pytest.fixture
def zone_staff(db):
    """Staff of one zone (江川片区) only: no role on 玉溪高新区 itself, so none of its drafts to read."""
    from parks.models import ParkRole

    return user_with_role("jiangchuan-staff", "yuxi-hitech-jiangchuan", ParkRole.Role.ENTRY)


def _drafts_of_the_park_and_three_zones(staff) -> None:
    """The park's value (1000) and three zones' (400, 200, 200) as drafts the zone's staff may not read."""
    revenue = indicator("main-business-revenue")
    for code, value in (("yuxi-hitech", 1000), *zip(ZONES, (400, 200, 200), strict=True)):
        observation_save_draft(
            user=staff, park=park(code), indicator=revenue, year=2023, value=Decimal(value)
        )


def _zone_message(value: str) -> str:
    return (
        f"“{park('yuxi-hitech-jiangchuan').name_zh}”2023 年主营业务收入为 {value} 亿元，"
        "不符合校验规则“各片区主营业务收入之和与园区一致”（各片区“主营业务收入”合计 ≈ 主营业务收入）；"
        "规则涉及的其他数值您无权查看，不予显示"
    )


def test_a_zones_staff_is_refused_without_the_parks_or_the_other_zones_figures(staff, zone_staff, zone_rule):
    _drafts_of_the_park_and_three_zones(staff)
    jiangchuan, revenue = park("yuxi-hitech-jiangchuan"), indicator("main-business-revenue")
    with pytest.raises(Invalid) as refused:
        observation_save_draft(
            user=zone_staff, park=jiangchuan, indicator=revenue, year=2023, value=Decimal(215)
        )
    message = refused.value.errors[0]["message"]
    assert message == _zone_message("215")
    for figure in ("1000", "1015", "800", "10 亿元"):  # the park, the zones' sum, the others, the tolerance
        assert figure not in message
    assert not Observation.objects.filter(park=jiangchuan, indicator=revenue).exists()
    # Staff of the park itself read its drafts: they get both sides.
    with pytest.raises(Invalid) as told:
        observation_save_draft(user=staff, park=jiangchuan, indicator=revenue, year=2023, value=Decimal(215))
    assert "合计为 1015 亿元，主营业务收入为 1000 亿元" in told.value.errors[0]["message"]
    # Within the tolerance the zone's value is saved.
    saved = observation_save_draft(
        user=zone_staff, park=jiangchuan, indicator=revenue, year=2023, value=Decimal(205)
    )
    assert saved.value == 205


def test_a_zones_staff_is_warned_of_a_soft_rule_without_the_other_figures(staff, zone_staff, zone_rule):
    zone_rule.severity = "soft"
    zone_rule.save()
    _drafts_of_the_park_and_three_zones(staff)
    saved = observation_save_draft(
        user=zone_staff,
        park=park("yuxi-hitech-jiangchuan"),
        indicator=indicator("main-business-revenue"),
        year=2023,
        value=Decimal(300),
    )
    assert saved.value == 300 and saved.status == S.DRAFT  # a soft rule warns, the draft is saved
    assert saved.rule_warnings == [_zone_message("300")]
    with pytest.raises(Invalid) as refused:  # and it needs a note to go to review
        observation_submit(user=zone_staff, observation=saved, expected_version=saved.version)
    assert _zone_message("300") in refused.value.errors[0]["message"]
    assert "1000" not in refused.value.errors[0]["message"]


# --- the pure evaluator -------------------------------------------------------------------------------


def spec(left, op, right, *, tolerance="0", relative=False) -> RuleSpec:
    return RuleSpec(
        1, "r", "r", "", tuple(left), op, tuple(right), Decimal(tolerance), relative, True, "亿元"
    )


def test_parse_side_reads_codes_sums_and_zones():
    assert [(t.code, t.zones) for t in parse_side("a-b + zones（c_d）＋e")] == [
        ("a-b", False),
        ("c_d", True),
        ("e", False),
    ]
    for bad in ("", "a +", "a * b", "zones(a"):
        with pytest.raises(RuleSyntaxError):
            parse_side(bad)


def test_values_are_compared_in_the_rules_unit():
    """亿元 on the left; a 万元 value on the right is converted exactly (1 万元 = 0.0001 亿元)."""
    yi, wan = Term(1, "A", Decimal(1)), Term(2, "B", Decimal("0.0001"))
    values = {(7, 1, 2023): Decimal("1.5"), (7, 2, 2023): Decimal(15000)}
    outcome = evaluate(spec([yi], "le", [wan]), park_id=7, year=2023, values=values, children={})
    assert (outcome.left, outcome.right, outcome.ok) == (Decimal("1.5"), Decimal("1.5"), True)
    values[(7, 2, 2023)] = Decimal(14999)
    assert not evaluate(spec([yi], "le", [wan]), park_id=7, year=2023, values=values, children={}).ok
    assert evaluate(spec([yi], "ge", [wan]), park_id=7, year=2023, values=values, children={}).ok
    assert evaluate(spec([yi], "le", [wan]), park_id=7, year=2022, values=values, children={}) is None


def test_tolerances_absolute_and_relative():
    a, b = Term(1, "A", Decimal(1)), Term(2, "B", Decimal(1))
    values = {(1, 1, 2023): Decimal(103), (1, 2, 2023): Decimal(100)}
    judge = lambda **kw: evaluate(spec([a], **kw), park_id=1, year=2023, values=values, children={})  # noqa: E731
    assert not judge(op="eq", right=[b]).ok
    assert judge(op="approx", right=[b], tolerance="3").ok
    assert not judge(op="approx", right=[b], tolerance="0.02", relative=True).ok
    assert judge(op="approx", right=[b], tolerance="0.03", relative=True).ok
    assert judge(op="le", right=[b], tolerance="3").ok and not judge(op="le", right=[b], tolerance="2.99").ok


def test_robust_outliers_flag_the_far_value_and_need_five_peers():
    ratios = {
        1: Decimal("0.29"),
        2: Decimal("0.30"),
        3: Decimal("0.30"),
        4: Decimal("0.31"),
        5: Decimal("0.32"),
    }
    stats, flagged = robust_outliers({**ratios, 6: Decimal("0.95")})
    assert stats.median == Decimal("0.305") and stats.spread == Decimal("0.01")
    assert flagged == {6: Decimal("43.51")}  # 0.6745 × 0.645 / 0.01 = 43.505…
    assert robust_outliers({k: v for k, v in ratios.items() if k < 5})[1] == {}  # four peers: not judged


# --- the data-quality run -----------------------------------------------------------------------------

VA, OUTPUT = "industrial-value-added-above-scale-incl-tobacco", "industrial-output-incl-tobacco"


@pytest.fixture
def peers(db):
    """Five more high-tech zones with 2023 industrial figures (test parks), one far from the others."""
    made = []
    for n, (va, output) in enumerate([(29, 100), (30, 100), (31, 100), (32, 100), (95, 100)], start=1):
        peer = Park.objects.create(code=f"peer-{n}", name_zh=f"同类园区{n}", kind=Park.Kind.HIGH_TECH)
        approved(peer.code, VA, 2023, va)
        approved(peer.code, OUTPUT, 2023, output)
        made.append(peer)
    approved("yuxi-hitech", VA, 2023, 300)
    approved("yuxi-hitech", OUTPUT, 2023, 1000)
    return made


@pytest.fixture
def run(peers):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    approved("yuxi-hitech", "gdp-excl-tobacco", 2023, "120")  # set up directly: no door would take it
    # A draft that breaks a rule is not judged: only counted values are.
    Observation.objects.create(
        park=park("wenshan-hitech"), indicator=indicator(VA), year=2023, value=Decimal(500), status=S.DRAFT
    )
    approved("wenshan-hitech", OUTPUT, 2023, 100)
    out = StringIO()
    call_command("data_quality", stdout=out)
    assert "违反规则 1 处，比值离群 1 处" in out.getvalue()
    return DataQualityRun.objects.get()


def test_the_run_finds_the_violation_and_the_outlier(run, peers):
    assert (run.status, run.trigger, run.violations, run.outliers) == ("done", "command", 1, 1)
    violation = run.findings.get(kind="violation")
    assert (violation.park.code, violation.year, violation.left_value, violation.right_value) == (
        "yuxi-hitech",
        2023,
        Decimal(120),
        Decimal(100),
    )
    assert violation.message == gdp_message()
    outlier = run.findings.get(kind="outlier")
    assert (outlier.park, outlier.ratio, outlier.score, outlier.peer_count, outlier.peer_median) == (
        peers[-1],
        Decimal("0.95"),
        Decimal("43.51"),
        6,
        Decimal("0.305"),
    )
    assert outlier.peer_group == "高新区" and "稳健 z 值 43.51" in outlier.message


def test_the_run_is_scheduled_by_beat():
    from entry.tasks import data_quality_run

    assert settings.CELERY_BEAT_SCHEDULE["data-quality-run-nightly"]["task"] == "entry.tasks.data_quality_run"
    result = data_quality_run.delay().get()
    assert DataQualityRun.objects.get(pk=result["run"]).trigger == "beat"


def test_anonymous_users_get_no_page_and_no_csv(client, run):
    for url in ("/entry/quality/", "/entry/quality/csv/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url
        assert park().name_zh not in response.content.decode()


def test_a_park_user_sees_only_their_parks_findings(client, run, staff, outsider):
    client.force_login(staff)
    page = text(client.get("/entry/quality/"))
    assert gdp_message() in page and "同类园区5" not in page
    rows = list(csv.reader(io.StringIO(client.get("/entry/quality/csv/").content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["yuxi-hitech"]
    client.force_login(outsider)  # staff of Wenshan: its draft is not judged, Yuxi is not theirs
    assert "没有发现问题" in text(client.get("/entry/quality/"))
    assert (
        len(list(csv.reader(io.StringIO(client.get("/entry/quality/csv/").content.decode("utf-8-sig"))))) == 1
    )


def test_an_official_of_the_region_and_an_administrator_see_more(client, run, admin):
    from parks.models import RegionScope

    official = user_with_role("official")
    RegionScope.objects.create(user=official, province=park().province, prefecture=park().prefecture)
    client.force_login(official)
    assert gdp_message() in text(client.get("/entry/quality/"))
    client.force_login(admin)
    body = client.get("/entry/quality/csv/").content.decode("utf-8-sig")
    assert {r[0] for r in list(csv.reader(io.StringIO(body)))[1:]} == {"yuxi-hitech", "peer-5"}
    only = client.get("/entry/quality/csv/?kind=outlier").content.decode("utf-8-sig")
    assert [r[0] for r in list(csv.reader(io.StringIO(only)))[1:]] == ["peer-5"]


def test_the_csv_is_formula_safe(client, admin, peers):
    ValidationRule.objects.filter(code="gdp-excl-le-incl-tobacco").update(
        name='=HYPERLINK("http://x.example","看")'
    )
    Park.objects.filter(code="peer-5").update(name_zh="@SUM(A1)")
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "100")
    approved("yuxi-hitech", "gdp-excl-tobacco", 2023, "120")
    call_command("data_quality", stdout=StringIO())
    client.force_login(admin)
    rows = list(csv.reader(io.StringIO(client.get("/entry/quality/csv/").content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [
        c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not c[1:2].isdigit())
    ]
    assert '\'=HYPERLINK("http://x.example","看")' in cells and "'@SUM(A1)" in cells
    assert "43.51" in cells  # numbers stay numbers


# --- the admin ---------------------------------------------------------------------------------------


def test_the_admin_refuses_unknown_codes_mixed_units_and_misfit_tolerances(client, admin):
    client.force_login(admin)
    form = {
        "code": "test-rule",
        "name": "测试",
        "left": "gdp-excl-tobacco",
        "op": "le",
        "right": "no-such-indicator",
        "tolerance": "0",
        "tolerance_kind": "absolute",
        "severity": "soft",
        "active": "on",
        "message": "",
        "reasoning": "",
    }
    url = "/admin/entry/validationrule/add/"
    assert "指标目录中没有这些代码：no-such-indicator" in text(client.post(url, form))
    assert "无法换算为“亿元”" in text(client.post(url, {**form, "right": "foreign-trade"}))
    assert "容差须为 0" in text(
        client.post(url, {**form, "right": "gdp-incl-tobacco", "op": "eq", "tolerance": "1"})
    )
    assert "大于 0 的容差" in text(client.post(url, {**form, "right": "gdp-incl-tobacco", "op": "approx"}))
    assert "无法识别" in text(client.post(url, {**form, "right": "gdp-incl-tobacco * 2"}))
    assert not ValidationRule.objects.filter(code="test-rule").exists()
    assert (
        client.post(url, {**form, "right": "gdp-incl-tobacco + zones(gdp-incl-tobacco)"}).status_code == 302
    )
    rule = ValidationRule.objects.get(code="test-rule")
    assert rule.history.count() == 1 and rule.history.first().history_user == admin


def test_a_finding_outlives_a_removed_rule(run):
    ValidationRule.objects.filter(code="gdp-excl-le-incl-tobacco").delete()
    finding = DataQualityFinding.objects.get(kind="violation")
    assert finding.rule is None and finding.rule_name == "地区生产总值：非烟不大于含烟"


def test_saving_a_soft_violation_warns_at_once_on_the_sheet_and_in_the_api(client, staff, soft_rule):
    approved("yuxi-hitech", "gdp-incl-tobacco", 2023, "600")
    explained("yuxi-hitech", "fixed-asset-investment", 2023)
    client.force_login(staff)
    fai = key("fixed-asset-investment")
    response = client.post(
        SHEET, {"action": "save", f"value-{fai}": "700", f"version-{fai}": "0"}, follow=True
    )
    assert response.status_code == 200
    assert f"提交前需在备注中说明：{fai_message()}" in text(response)
    assert excl_2023() is None  # nothing else written
    saved = Observation.objects.get(park=park(), indicator=indicator("fixed-asset-investment"), year=2023)
    assert (saved.status, saved.value) == (S.DRAFT, Decimal(700))  # a draft is saved all the same

    body = (
        token_client(staff)
        .post(
            f"{API}bulk/",
            {
                "park": "yuxi-hitech",
                "rows": [
                    {
                        "indicator": "fixed-asset-investment",
                        "year": 2023,
                        "value": "710",
                        "version": saved.version,
                    }
                ],
            },
            format="json",
        )
        .json()
    )
    assert body["count"] == 1
    message = fai_message().replace("700 亿元", "710 亿元")
    assert body["warnings"] == [
        {"indicator": "fixed-asset-investment", "year": 2023, "field": "note", "message": message}
    ]
    # With a note the warning is answered: none is given.
    noted = Observation.objects.get(pk=saved.pk)
    again = observation_save_draft(
        user=staff,
        park=park(),
        indicator=indicator("fixed-asset-investment"),
        year=2023,
        value=Decimal(710),
        note="重大项目集中投资",
        expected_version=noted.version,
    )
    assert getattr(again, "rule_warnings", []) == []
