"""The plan audit (plans/audit.py): on the seeded plans it reports exactly what the seed documents get
wrong (Yuxi's targets below their base, the two foreign-trade disagreements, two growth rates far
outside the plausible band) and nothing else; each rule fires when its data is broken; the command,
the API, the plan page, set-up and the upload preview all show the same findings."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from indicators.models import Indicator, Observation, Unit
from plans.audit import (
    GROWTH_OUT_OF_BAND,
    PART_ABOVE_WHOLE,
    PARTS_DO_NOT_ADD_UP,
    PATH_AGAINST_DIRECTION,
    PATH_BEHIND_BASE,
    SHARE_OUT_OF_RANGE,
    STATEMENT_DISAGREES,
    UNIT_NOT_CONVERTIBLE,
    audit_plan,
    statement_checks,
    statement_disagreements,
)
from plans.models import Plan, PlanComposition, PlanIndicator, PlanStatement, Target
from plans.seeding import seed_load

pytestmark = pytest.mark.django_db
YUXI = "003_b3e3549e65f1545b.txt"
Y13, Y14 = "yuxi-13th-fyp", "yuxi-14th-fyp"


def audit(code: str):
    return audit_plan(Plan.objects.get(code=code))


def summary(code: str) -> list[tuple[str, str, tuple[int, ...], tuple[int, ...]]]:
    return [(f.rule, f.severity, f.rows, f.years) for f in audit(code)]


def row(code: str, order: int) -> PlanIndicator:
    return PlanIndicator.objects.get(plan__code=code, order=order)


def set_target(code: str, order: int, year: int, value, kind: str = "level") -> None:
    Target.objects.update_or_create(
        plan_indicator=row(code, order), year=year, defaults={"kind": kind, "value": Decimal(str(value))}
    )


# ------------------------------------------------------------------------------ the seeded plans


def test_yuxi_13th_plan_reports_exactly_its_targets_below_base_and_the_trade_disagreement():
    assert summary(Y13) == [
        (PATH_BEHIND_BASE, "warning", (3,), (2020,)),
        (PATH_BEHIND_BASE, "warning", (11,), (2020,)),
        (STATEMENT_DISAGREES, "warning", (12,), (2020,)),
        (GROWTH_OUT_OF_BAND, "notice", (12,), (2020,)),
    ]
    iva, retail, trade, growth = audit(Y13)
    # 表1: 全口径规上工业增加值 2015 base 447.5, 2020 target 435; 社会消费品零售总额 48.9 and 30.
    assert (iva.details["target"], iva.details["base"], iva.details["base_year"]) == ("435", "447.5", "2015")
    assert "435 亿元" in iva.reason and "447.5 亿元" in iva.reason
    assert (retail.details["target"], retail.details["base"]) == ("30", "48.9")
    # The text's 5.7 亿美元 against 表1's 60756 万美元 (= 6.0756 亿美元).
    assert (trade.details["text"], trade.details["table"]) == ("5.7 亿美元", "60756 万美元")
    assert "6.0756 亿美元" in trade.reason and trade.details["table_source"].startswith("003 表1")
    assert trade.details["source"] == "003 一（一）1. 综合实力稳步提升"
    # 3885 → 45000 万美元 in five years is (45000/3885)^(1/5) − 1 = 63.2 % a year.
    assert growth.details == {"growth_2020": "63.2%"}


def test_yuxi_14th_plan_reports_exactly_its_start_below_base_and_the_trade_disagreement():
    assert summary(Y14) == [
        (PATH_BEHIND_BASE, "warning", (9,), (2021,)),
        (STATEMENT_DISAGREES, "warning", (22,), (2025,)),
        (GROWTH_OUT_OF_BAND, "notice", (6,), (2021, 2022)),
    ]
    iva, trade, investment = audit(Y14)
    # 表2 规模以上工业增加值（含烟） 2021: 440, under 表1's 2020 actual 472.2.
    assert (iva.details["target"], iva.details["base"], iva.details["base_year"]) == ("440", "472.2", "2020")
    assert iva.names == ("规模以上工业增加值（亿元，含烟）",)
    # The text's "13亿元" cannot be converted into 表2's 亿美元: a disagreement, not a conversion.
    assert (trade.details["text"], trade.details["table"]) == ("13 亿元", "13 亿美元")
    assert "无法换算" in trade.reason and "外贸进出口总额达到13亿元" in trade.reason
    # 招商引资到位资金: 表1's 2020 actual 80, 表2's 220 (2021) and 245 (2022); 270 in 2023 is exactly 50 %.
    assert investment.details == {"growth_2021": "175.0%", "growth_2022": "75.0%"}


def test_the_other_seeded_plans_have_no_findings():
    others = Plan.objects.exclude(code__in=[Y13, Y14])
    assert others.count() == 4
    assert {p.code: audit_plan(p) for p in others} == {p.code: [] for p in others}


def test_text_statements_agree_with_the_table_except_the_two_trade_figures():
    checks = [c for code in (Y13, Y14) for c in statement_checks(Plan.objects.get(code=code))]
    assert len(checks) == 19 and all(c.table_value is not None for c in checks)
    disagree = [(c.statement.plan_indicator.plan.code, c.statement.plan_indicator.order) for c in checks]
    disagree = [key for key, c in zip(disagree, checks, strict=True) if not c.agrees]
    assert disagree == [(Y13, 12), (Y14, 22)]
    assert [f.rows for f in statement_disagreements(Plan.objects.get(code=Y14))] == [(22,)]


def test_recorded_statements_are_quoted_from_the_seed_with_their_number(seed_dir):
    lines = [
        re.sub(r"\[bookmark: [^\]]*\]", "", line).strip()
        for line in (seed_dir / YUXI).read_text(encoding="utf-8").splitlines()
    ]
    statements = list(PlanStatement.objects.select_related("unit"))
    assert len(statements) == 19
    for statement in statements:
        printed = format(statement.value.normalize(), "f")
        assert f"{printed}{statement.unit.symbol}" in statement.quote, statement.quote
        [at] = [n for n, line in enumerate(lines) if statement.quote in line]
        # The paragraph the source names: "——经济发展再上新台阶" begins it, "1.综合实力稳步提升" heads it.
        lead = statement.source.split("）", 2)[-1].strip() if "——" in statement.source else ""
        if lead:
            assert statement.source.startswith("003 二（五）") and lines[at].startswith(lead), statement.quote
        else:
            assert statement.source == "003 一（一）1. 综合实力稳步提升"
            assert lines[at - 1].startswith("1.综合实力稳步提升"), statement.quote


def test_compositions_come_from_the_seed_and_add_up():
    compositions = {
        c.label: (c.kind, c.whole.order, sorted(p.order for p in c.parts.all()))
        for c in PlanComposition.objects.filter(whole__plan__code=Y14)
    }
    assert compositions == {
        "按产业（“231”产业体系）": ("sum", 4, [101, 102, 103, 104, 105, 106]),
        "按片区（一核三片区）": ("sum", 4, [201, 204, 205, 206]),
        "核心区（南片区、九龙片区）": ("sum", 201, [202, 203]),
    }
    rows = PlanIndicator.objects.filter(plan__code=Y14)
    target = {pi.order: pi.targets.get(year=2025).value for pi in rows}
    assert sum(target[n] for n in (101, 102, 103, 104, 105, 106)) == target[4] == Decimal(2200)
    assert sum(target[n] for n in (201, 204, 205, 206)) == target[4]
    assert target[202] + target[203] == target[201] == Decimal(600)


def test_seeding_audits_every_plan_and_a_second_run_changes_nothing():
    report = seed_load()
    assert not report.changed
    assert set(report.findings) == set(Plan.objects.values_list("code", flat=True))
    assert [f.rule for f in report.findings[Y14]] == [f.rule for f in audit(Y14)]


def test_audit_reads_only_approved_actuals():
    obs = Observation.objects.get(
        park__code="yuxi-hitech", indicator__code="industrial-value-added-above-scale-incl-tobacco", year=2020
    )
    # A revision under review (430) does not count until approved: 472.2 stays the base.
    obs.previous_approved_value, obs.value, obs.status = obs.value, Decimal("430"), "submitted"
    obs.save()
    assert audit(Y14)[0].details["base"] == "472.2"
    Observation.objects.filter(pk=obs.pk).update(status="draft", previous_approved_value=None)
    assert PATH_BEHIND_BASE not in {f.rule for f in audit(Y14)}


def test_audit_reads_a_plan_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    for code in (Y13, Y14):
        with django_assert_max_num_queries(8):
            audit(code)


# ------------------------------------------------------------------------------ each rule fires


def test_zones_add_up_only_with_the_core_counted_once():
    composition = PlanComposition.objects.get(label="按片区（一核三片区）")
    # Counting 南片区 and 九龙片区 beside 核心区 would give 600+200+400+400+600+600 = 2800.
    composition.parts.add(row(Y14, 202), row(Y14, 203))
    [finding] = [f for f in audit(Y14) if f.rule == PARTS_DO_NOT_ADD_UP]
    assert finding.years == (2025,) and finding.rows[0] == 4
    assert (finding.details["sum"], finding.details["whole"]) == ("2800", "2200")


def test_a_zone_target_changed_breaks_the_sum_beyond_the_tolerance():
    set_target(Y14, 205, 2025, 580)  # 研和片区 600 → 580: 2180 is 0.9 % under 2200, within 1 %
    assert PARTS_DO_NOT_ADD_UP not in {f.rule for f in audit(Y14)}
    set_target(Y14, 205, 2025, 500)
    [finding] = [f for f in audit(Y14) if f.rule == PARTS_DO_NOT_ADD_UP]
    assert finding.rows == (4, 201, 204, 205, 206)
    assert "2100 亿元（600 + 400 + 500 + 600）" in finding.reason and "2200 亿元" in finding.reason


def test_parts_in_another_unit_are_converted_before_adding_up():
    part = row(Y14, 206)
    part.unit = Unit.objects.get(symbol="万元")
    part.save()
    set_target(Y14, 206, 2025, 6_000_000)  # 600 亿元 written in 万元
    assert PARTS_DO_NOT_ADD_UP not in {f.rule for f in audit(Y14)}
    set_target(Y14, 206, 2025, 600)  # 600 万元: the zones now add up to 1600.06 亿元
    [finding] = [f for f in audit(Y14) if f.rule == PARTS_DO_NOT_ADD_UP]
    assert finding.details["sum"] == "1600.06"


def test_a_sub_indicator_above_its_parent():
    set_target(Y14, 17, 2025, 30)  # ——国家级研发机构数 30 against 园区各类研发机构当量数 26
    [finding] = [f for f in audit(Y14) if f.rule == PART_ABOVE_WHOLE]
    assert (finding.rows, finding.years) == ((16, 17), (2025,))
    assert (finding.details["part"], finding.details["whole"]) == ("30", "26")


def test_a_share_outside_0_to_100_is_an_error():
    set_target(Y14, 14, 2023, 120)
    set_target(Y14, 15, 2024, -1)
    found = [(f.severity, f.rows, f.years) for f in audit(Y14) if f.rule == SHARE_OUT_OF_RANGE]
    assert found == [("error", (14,), (2023,)), ("error", (15,), (2024,))]
    assert audit(Y14)[0].rule == SHARE_OUT_OF_RANGE  # errors come first


def test_a_path_against_the_direction():
    set_target(Y14, 1, 2023, 570)  # GDP 580 in 2022, then 570
    set_target(Y14, 28, 2024, "0.08")  # energy intensity (lower is better) 0.07 in 2023, then 0.08
    found = {f.rows: f for f in audit(Y14) if f.rule == PATH_AGAINST_DIRECTION}
    assert set(found) == {(1,), (28,)}
    assert found[(1,)].years == (2023,) and "越高越好" in found[(1,)].reason
    assert found[(28,)].years == (2024,) and "越低越好" in found[(28,)].reason


def test_a_cumulative_total_may_only_grow_whatever_the_direction():
    plan = "wenshan-hitech-opinions-2022"
    carriers = row(plan, 3)  # 新增创新创业载体 (a cumulative flow): plan-to-date totals
    Indicator.objects.filter(pk=carriers.indicator_id).update(direction=-1)
    set_target(plan, 3, 2023, 4)
    set_target(plan, 3, 2024, 7)
    assert audit(plan) == []
    set_target(plan, 3, 2024, 3)
    [finding] = audit(plan)
    assert (finding.rule, finding.rows, finding.years) == (PATH_AGAINST_DIRECTION, (3,), (2024,))
    assert "2024 年目标 3 低于 2023 年的 4" in finding.reason and "累计数只增不减" in finding.reason


def test_a_growth_worded_target_that_goes_the_wrong_way():
    plan = "xishuangbanna-parks-14th"
    set_target(plan, 2, 2025, "0.1", kind="reduction")  # 园区营业收入 下降10%: higher is better
    [finding] = [f for f in audit(plan) if f.rule == PATH_AGAINST_DIRECTION]
    assert finding.rows == (2,) and finding.years == (2025,)


def test_required_growth_band_comes_from_the_settings(settings):
    settings.PLAN_AUDIT = {"GROWTH_MAX": "2"}
    assert GROWTH_OUT_OF_BAND not in {f.rule for f in audit(Y14)}
    settings.PLAN_AUDIT = {"GROWTH_MAX": "0.15"}
    growth = {f.rows: f.years for f in audit(Y14) if f.rule == GROWTH_OUT_OF_BAND}
    # 非烟 GDP 126.4 → 150 (2021) is 18.7 %, → 170 (2022) 16.0 % a year; 非烟规上工业增加值 59.2 → 78: 31.8 %.
    assert growth[(2,)] == (2021, 2022) and (10,) in growth and (6,) in growth


def test_a_target_in_a_unit_that_cannot_be_converted():
    trade = row(Y14, 22)
    trade.unit = Unit.objects.get(symbol="亿元")
    trade.save()
    found = [(f.rule, f.severity, f.rows) for f in audit(Y14)]
    assert (UNIT_NOT_CONVERTIBLE, "error", (22,)) in found
    # The text's 13亿元 now reads like the row; the row, not the text, is what is wrong.
    assert (STATEMENT_DISAGREES, "warning", (22,)) not in found


def test_statements_compare_at_the_precision_the_text_prints():
    statement = PlanStatement.objects.get(plan_indicator__plan__code=Y13, plan_indicator__order=12)
    for printed, agrees in (("6.1", True), ("6.08", True), ("6.0756", True), ("6.07", False), ("6", True)):
        statement.value = Decimal(printed)
        statement.save()
        [check] = [c for c in statement_checks(Plan.objects.get(code=Y13)) if c.statement.pk == statement.pk]
        assert check.agrees is agrees, printed
    statement.unit, statement.value = Unit.objects.get(symbol="万美元"), Decimal("60756")
    statement.save()
    assert STATEMENT_DISAGREES not in {f.rule for f in audit(Y13)}


# ------------------------------------------------------------------------------ the doors


def test_command_prints_the_findings_as_json_and_as_a_table():
    out = StringIO()
    call_command("plan_audit", "--plan", Y14, "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["plan"] == Y14 and body["counts"] == {"error": 0, "warning": 2, "notice": 1}
    assert [(f["rule"], f["rows"], f["years"]) for f in body["findings"]] == [
        (PATH_BEHIND_BASE, [9], [2021]),
        (STATEMENT_DISAGREES, [22], [2025]),
        (GROWTH_OUT_OF_BAND, [6], [2021, 2022]),
    ]
    out = StringIO()
    call_command("plan_audit", "--all", stdout=out)
    text = out.getvalue()
    assert "2021 年目标 440 亿元，低于基期 2020 年实际值 472.2 亿元" in text
    assert text.count("未发现问题") == 4
    with pytest.raises(CommandError, match="未知规划"):
        call_command("plan_audit", "--plan", "no-such-plan")


def test_api_endpoint_returns_the_findings(client):
    response = client.get(f"/api/v1/plans/{Y14}/audit/")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"error": 0, "warning": 2, "notice": 1}
    first = body["findings"][0]
    assert first["rule"] == PATH_BEHIND_BASE and first["rows"] == [9] and first["severity"] == "warning"
    assert first["names"] == ["规模以上工业增加值（亿元，含烟）"] and "472.2" in first["reason"]
    # A plan of a park the caller may not see is the same 404 as one that does not exist.
    hidden = client.get("/api/v1/plans/wenfeng-14th-fyp/audit/")
    missing = client.get("/api/v1/plans/no-such-plan/audit/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_api_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/plans/{code}/audit/"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert set(component["properties"]) == {"plan", "counts", "findings"}


def test_plan_page_shows_the_audit_panel_to_every_reader(client):
    page = re.sub(r"\s+", " ", client.get(f"/plans/{Y14}/").content.decode())
    panel = page[page.index('id="audit"') :]
    assert "规划检查" in panel and "错误 0 项、警示 2 项、提示 1 项" in panel
    assert "2021 年目标 440 亿元，低于基期 2020 年实际值 472.2 亿元" in panel
    assert "外贸进出口总额达到13亿元" in panel
    # Rows with findings are marked in the table and point to the panel.
    assert page.count('class="tag audit-mark"') == 3


@pytest.fixture
def planner():
    user = get_user_model().objects.create_user("planner", password="a-long-test-password-1")
    user.user_permissions.add(Permission.objects.get(codename="change_plan", content_type__app_label="plans"))
    return user


def test_setup_saves_and_warns(client, planner):
    client.force_login(planner)
    pi = row(Y14, 1)
    response = client.post(f"/plans/{Y14}/targets/", {f"t-{pi.pk}-2021": "500"}, follow=True)
    assert response.status_code == 200
    assert Target.objects.get(plan_indicator=pi, year=2021).value == Decimal(500)  # saved: a warning only
    page = response.content.decode()
    assert "目标值已保存" in page and "规划检查：错误 0 项、警示 3 项、提示 1 项" in page


def _xlsx(rows: list[list]) -> bytes:
    import io

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "表2"
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_upload_preview_shows_the_audit_of_the_plan_as_it_would_be(client, planner):
    client.force_login(planner)
    data = _xlsx(
        [
            ["类别", "具体指标", "2021年", "2022年", "2023年", "2024年", "2025年"],
            ["经济发展", "地区生产总值（亿元，含烟）", 500, 580, 610, 640, "≥680"],
        ]
    )
    response = client.post(f"/plans/{Y14}/upload/", {"file": SimpleUploadedFile("表2.xlsx", data)})
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.content.decode())
    panel = page[page.index('id="audit"') :]
    assert "导入后的规划检查" in page
    assert "2021 年目标 500 亿元，低于基期 2020 年实际值 522.8 亿元" in panel
    # Nothing was kept: the preview's audit ran in a transaction rolled back.
    assert Target.objects.get(plan_indicator=row(Y14, 1), year=2021).value == Decimal(550)
    assert Indicator.objects.filter(code__startswith="yuxi-14th-fyp-").count() == 0
    confirm = client.post(f"/plans/{Y14}/upload/confirm/", {}, follow=True)
    assert Target.objects.get(plan_indicator=row(Y14, 1), year=2021).value == Decimal(500)
    assert "规划检查：错误 0 项、警示 3 项" in confirm.content.decode()
