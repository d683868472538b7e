"""Formula indicators (issue 13): 亩均营业收入 = 营业收入 ÷ 用地面积 and the R&D share are computed from
their parts, never typed; they follow their parts' approval, every door refuses a typed value, the sheet
shows them read-only with the formula, the API marks them, and the engine judges them like any
indicator (goals worded like Xishuangbanna's "亩均营业收入……不低于 600 万元" and
"研发经费支出占营业收入比重达到2%以上", seed 004).

The formulas and their parts are the seeded catalogue's; the park and its plan are made here (the seeded
Xishuangbanna plan's layout is not what these tests are about), with the numbers each test needs."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from core.errors import DomainError
from entry.services import (
    EntryRow,
    observation_approve,
    observation_bulk_save,
    observation_bulk_submit,
    observation_revise,
    observation_save_draft,
)
from indicators.formulas import Catalogue, FormulaError, bind, describe, evaluate, parse, validate
from indicators.models import Indicator, Observation, Unit
from indicators.selectors import public_observation
from parks.models import Park, ParkRole
from plans.models import PlanIndicator
from progress.models import ProgressResult
from progress.services import progress_recompute
from tests.core.api_fixtures import token_client
from tests.entry.factories import user_with_role

pytestmark = pytest.mark.django_db
S = Observation.Status
PARK = "formula-park"
SHEET = f"/entry/{PARK}/2024/"


@pytest.fixture(autouse=True)
def formula_plan(db):
    """A park with a 2021–2025 plan asking for 园区营业收入, 亩均营业收入 twice (two goals, one value) and the
    R&D share: the two formula indicators of the catalogue and one of their parts."""
    from plans.models import Milestone, Plan, Target

    park = Park.objects.create(code=PARK, name_zh="公式测试园区", kind="industrial", province="云南省")
    plan = Plan.objects.create(
        park=park,
        code="formula-plan",
        name="公式测试规划",
        kind="scheme",
        start_year=2021,
        end_year=2025,
        base_year=2020,
    )
    Milestone.objects.create(plan=plan, year=2025)
    rows = [
        ("园区营业收入", "亿元", "operating-revenue", None),
        ("亩均营业收入", "万元/亩", "revenue-per-mu", "600"),
        ("亩均营业收入（省级口径）", "万元/亩", "revenue-per-mu", "400"),
        ("规模以上工业企业研发经费支出占营业收入比重", "%", "rd-share-of-revenue-above-scale", "2"),
    ]
    for order, (name, unit, code, target) in enumerate(rows, start=1):
        pi = PlanIndicator.objects.create(
            plan=plan,
            order=order,
            name_printed=name,
            unit=Unit.objects.get(symbol=unit),
            indicator=Indicator.objects.get(code=code),
            nature="anticipatory",
        )
        if target:
            Target.objects.create(plan_indicator=pi, year=2025, kind="at_least", value=Decimal(target))
    return plan


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def ind(code: str) -> Indicator:
    return Indicator.objects.select_related("unit").get(code=code)


def park() -> Park:
    return Park.objects.get(code=PARK)


def computed(code: str = "revenue-per-mu", year: int = 2024) -> Observation | None:
    return Observation.objects.filter(park__code=PARK, indicator__code=code, year=year).first()


@pytest.fixture
def staff(db):
    return user_with_role("x-staff", PARK, ParkRole.Role.ENTRY)


@pytest.fixture
def reviewer(db):
    return user_with_role("x-reviewer", PARK, ParkRole.Role.REVIEWER)


@pytest.fixture
def viewer(db):
    return user_with_role("x-viewer", PARK, ParkRole.Role.VIEWER)


def save(user, year: int = 2024, **values) -> list[Observation]:
    """Drafts of catalogue codes (``operating_revenue="12"`` → operating-revenue), as staff type them."""
    rows = [
        EntryRow(park(), ind(code.replace("_", "-")), year, None if v is None else Decimal(v))
        for code, v in values.items()
    ]
    return observation_bulk_save(user=user, rows=rows)


def approve_all(staff, reviewer, year: int = 2024) -> None:
    drafts = Observation.objects.filter(park__code=PARK, year=year, status=S.DRAFT, is_computed=False)
    observation_bulk_submit(user=staff, items=[(o, o.version) for o in drafts])
    for obs in Observation.objects.filter(park__code=PARK, year=year, status=S.SUBMITTED):
        observation_approve(user=reviewer, observation=obs, expected_version=obs.version)


# --- the parser --------------------------------------------------------------------------------------


def test_the_parser_reads_the_whitelist_only():
    parsed = parse("（{rd-spending-above-scale:万元} ÷ {revenue-above-scale:万元}）× 100")
    assert [p.code for p in parsed.parts] == ["rd-spending-above-scale", "revenue-above-scale"]
    assert [p.unit for p in parsed.parts] == ["万元", "万元"]
    assert describe(parsed.text, {"rd-spending-above-scale": "研发", "revenue-above-scale": "收入"}) == (
        "研发（万元） ÷ 收入（万元） × 100"
    )
    assert describe("{a} - ({b} - {c})") == "a − (b − c)"
    for bad, message in [
        ('{a} + __import__("os")', "不允许使用"),
        ("{a} ** 2", "不允许使用"),
        ("{a} // 2", "不允许使用"),
        ("{a} % 2", "不允许使用"),
        ("{a}.real", "不允许使用"),
        ("{a} + x", "不是指标引用"),
        ("1 + 2", "没有引用任何指标"),
        ("{a", "写法不正确"),
        ("{a} +", "无法解析"),
        ("", "公式为空"),
    ]:
        with pytest.raises(FormulaError, match=message):
            parse(bad)


def test_constants_are_read_as_written_not_as_floats():
    catalogue = Catalogue.load()
    catalogue.indicators["probe"] = {
        "id": -1,
        "code": "probe",
        "name_zh": "探针",
        "unit_id": ind("operating-revenue").unit_id,
        "formula": "{operating-revenue} * 0.1",
    }
    bound = bind("probe", catalogue)
    value = evaluate(bound, {ind("operating-revenue").pk: Decimal("3")})
    assert value == Decimal("0.3")  # 3 × 0.1 in floats is 0.30000000000000004


# --- evaluation with unit conversion -----------------------------------------------------------------


def test_revenue_per_mu_converts_its_parts_exactly():
    bound = bind("revenue-per-mu", Catalogue.load())
    revenue, land = ind("operating-revenue"), ind("land-area")
    # 12 亿元 = 120,000 万元 over 2,000 亩
    assert evaluate(bound, {revenue.pk: Decimal("12"), land.pk: Decimal("2000")}) == Decimal("60")


def test_a_part_in_square_kilometres_is_read_in_mu(db):
    km2 = Unit.objects.get(code="km2")
    area = Indicator.objects.create(
        code="test-area-km2",
        name_zh="测试面积",
        unit=km2,
        direction=1,
        measure="level",
        nature="anticipatory",
    )
    per_mu = Indicator(
        code="test-per-mu",
        name_zh="测试亩均",
        unit=Unit.objects.get(code="wan-yuan-per-mu"),
        direction=1,
        measure="level",
        nature="anticipatory",
        formula="{operating-revenue:万元} / {test-area-km2:亩}",
    )
    per_mu.full_clean()
    per_mu.save()
    bound = bind("test-per-mu", Catalogue.load())
    # 12 亿元 over 0.8 平方公里 = 1,200 亩: 100 万元/亩
    assert evaluate(bound, {ind("operating-revenue").pk: Decimal("12"), area.pk: Decimal("0.8")}) == 100


def test_units_that_cannot_be_converted_or_do_not_give_the_indicators_unit_are_refused():
    unit = Unit.objects.get(code="wan-yuan-per-mu")
    assert (
        "无法换算"
        in validate(code="revenue-per-mu", unit=unit, formula="{operating-revenue:亩} / {land-area}")[0]
    )
    assert (
        "不一致" in validate(code="revenue-per-mu", unit=unit, formula="{operating-revenue} / {land-area}")[0]
    )
    assert (
        "两边的单位不一致"
        in validate(code="revenue-per-mu", unit=unit, formula="{operating-revenue:万元} + {land-area:亩}")[0]
    )
    assert "不存在" in validate(code="revenue-per-mu", unit=unit, formula="{no-such-code} / {land-area}")[0]
    assert "本身" in validate(code="revenue-per-mu", unit=unit, formula="{revenue-per-mu} * 2")[0]
    assert (
        validate(code="revenue-per-mu", unit=unit, formula="{operating-revenue:万元} / {land-area:亩}") == []
    )


RD_SHARE = "rd-share-of-revenue-above-scale"
RD, REV = "{rd-spending-above-scale:万元}", "{revenue-above-scale:万元}"
SHARE, RATE = "{leading-industry-revenue-share}", "{sewage-treatment-rate}"  # both in %


def refused(code: str, unit: Unit, formula: str) -> str:
    errors = validate(code=code, unit=unit, formula=formula)
    assert errors, formula
    return errors[0]


def test_a_percent_indicator_needs_a_result_on_the_percent_scale():
    percent = Unit.objects.get(code="percent")
    # The seeded R&D share (seed 004 "研发经费支出占营业收入比重达到2%以上") is a fraction × 100.
    seeded = ind(RD_SHARE)
    assert validate(code=RD_SHARE, unit=percent, formula=seeded.formula) == []
    seeded.full_clean()
    for fine in (
        f"100 × {RD} ÷ {REV}",
        f"{RD} / ({REV} / 100)",
        f"({RD} / {REV} - 1) * 100",
        f"{SHARE} * {RATE} / 100",  # a share of a share
        f"{SHARE} - 1",  # one percentage point less
        f"({SHARE} + {RATE}) * 1",
    ):
        assert validate(code=RD_SHARE, unit=percent, formula=fine) == [], fine
    # A bare fraction is 100 times too small, × 10000 is 100 times too large, a % × 100 again too.
    assert refused(RD_SHARE, percent, f"{RD} / {REV}") == (
        "公式结果是“纯数（比值）”，与指标的单位“%”不一致："
        "比值乘以 100 才是百分数（%），以 % 为单位的数值不要再乘以 100"
    )
    assert "“以 0.0001 计的纯数”" in refused(RD_SHARE, percent, f"{RD} / {REV} * 10000")
    assert "“以 0.0001 计的纯数”" in refused(RD_SHARE, percent, f"{SHARE} * 100")
    assert "不一致" in refused(RD_SHARE, percent, f"{SHARE} * {RATE}")
    assert refused(RD_SHARE, percent, f"{SHARE} + {RD} / {REV}") == (
        "“+”两边的数值口径不一致（% 与 纯数（比值）），比值乘以 100 才是百分数"
    )


def test_an_amount_may_be_a_multiple_of_its_parts_but_a_rate_in_percent_counts_as_hundredths():
    wan_yuan = Unit.objects.get(code="wan-yuan")
    assert validate(code="test-amount", unit=wan_yuan, formula=f"({RD} + {REV}) / 2") == []
    assert validate(code="test-amount", unit=wan_yuan, formula=f"{REV} * {SHARE} / 100") == []
    assert "“以 0.01 计的万元”" in refused("test-amount", wan_yuan, f"{REV} * {SHARE}")


def test_a_percent_formula_off_by_a_hundred_is_refused_on_save():
    share = ind(RD_SHARE)
    share.formula = "{rd-spending-above-scale:万元} / {revenue-above-scale:万元}"
    with pytest.raises(ValidationError) as refusal:
        share.full_clean()
    assert "比值乘以 100 才是百分数" in str(refusal.value.message_dict["formula"])


def test_a_cycle_through_other_formulas_is_refused_on_save():
    percent = Unit.objects.get(code="percent")
    first = Indicator.objects.create(
        code="test-a", name_zh="测试甲", unit=percent, direction=1, measure="share", nature="anticipatory"
    )
    second = Indicator(
        code="test-b",
        name_zh="测试乙",
        unit=percent,
        direction=1,
        measure="share",
        nature="anticipatory",
        formula="{test-a} + 1",  # percentage points: a % plus 1 is on the % scale
    )
    second.full_clean()
    second.save()
    first.formula = "{test-b} - 1"
    with pytest.raises(ValidationError) as refused:
        first.full_clean()
    assert "循环引用：test-a → test-b → test-a" in str(refused.value.message_dict["formula"])


def test_an_indicator_with_typed_values_cannot_become_a_formula():
    gdp = ind("gdp-incl-tobacco")  # 表1's 2015 and 2020 values are seeded
    gdp.formula = "{gdp-excl-tobacco} * 2"
    with pytest.raises(ValidationError) as refused:
        gdp.full_clean()
    assert "已有" in str(refused.value.message_dict["formula"])


def test_a_part_used_by_a_formula_keeps_a_unit_the_formula_can_convert():
    land = ind("land-area")
    land.unit = Unit.objects.get(code="jia")
    with pytest.raises(ValidationError) as refused:
        land.full_clean()
    assert "亩均营业收入" in str(refused.value.message_dict["unit"])


# --- recomputing, with the parts' status --------------------------------------------------------------


def test_the_computed_value_follows_every_write_of_a_part(staff):
    save(staff, operating_revenue="12")
    assert computed() is None  # no land area yet: no value
    save(staff, land_area="2000")
    obs = computed()
    assert (obs.value, obs.status, obs.is_computed, obs.previous_approved_value) == (
        Decimal(60),
        S.DRAFT,
        True,
        None,
    )
    save(staff, land_area="1500")
    assert computed().value == Decimal(80)
    assert computed().history.first().history_action == "compute"
    save(staff, land_area=None)  # the draft is cleared: no value any more
    assert computed() is None


def test_a_division_by_zero_gives_no_value_and_the_sheet_says_why(client, staff):
    save(staff, operating_revenue="12", land_area="0")
    assert computed() is None  # never 0
    client.force_login(staff)
    page = text(client.get(SHEET))
    assert "除数为 0（园区用地面积），无法计算" in page


def test_the_computed_value_is_approved_only_when_every_part_is(staff, reviewer, viewer):
    save(staff, operating_revenue="12", land_area="2000")
    drafts = Observation.objects.filter(park__code=PARK, year=2024, is_computed=False)
    revenue = drafts.get(indicator__code="operating-revenue")
    observation_bulk_submit(user=staff, items=[(o, o.version) for o in drafts])
    assert computed().status == S.DRAFT
    observation_approve(user=reviewer, observation=revenue.__class__.objects.get(pk=revenue.pk))
    assert computed().status == S.DRAFT  # the land area is still waiting
    land = drafts.get(indicator__code="land-area")
    observation_approve(user=reviewer, observation=land)
    obs = computed()
    assert (obs.value, obs.status) == (Decimal(60), S.APPROVED)
    # A revision of a part: the new figure is staff's draft, the approved 60 stays in force.
    observation_revise(
        user=staff,
        observation=Observation.objects.get(pk=land.pk),
        value=Decimal("3000"),
        reason="统计口径更正",
    )
    obs = computed()
    assert (obs.value, obs.status, obs.previous_approved_value) == (Decimal(40), S.DRAFT, Decimal(60))
    shown = public_observation(obs)
    assert (shown.value, shown.status) == (Decimal(60), S.APPROVED)
    observation_approve(user=reviewer, observation=Observation.objects.get(pk=land.pk))
    obs = computed()
    assert (obs.value, obs.status, obs.previous_approved_value) == (Decimal(40), S.APPROVED, None)


def test_a_draft_computed_value_is_seen_by_staff_only(staff, viewer):
    save(staff, operating_revenue="12", land_area="2000")
    staff_rows = token_client(staff).get("/api/v1/observations/", {"park": PARK}).json()
    viewer_rows = token_client(viewer).get("/api/v1/observations/", {"park": PARK}).json()
    staff_rows = staff_rows.get("results", staff_rows)
    viewer_rows = viewer_rows.get("results", viewer_rows)
    assert [r["value"] for r in staff_rows if r["indicator"] == "revenue-per-mu"] == ["60"]
    assert [r for r in viewer_rows if r["indicator"] == "revenue-per-mu"] == []


def test_the_rd_share_is_computed_from_its_two_amounts(staff):
    save(staff, rd_spending_above_scale="0.3", revenue_above_scale="12")
    assert computed("rd-share-of-revenue-above-scale").value == Decimal("2.5")


# --- every door refuses a typed value -------------------------------------------------------------------

REFUSED = "是计算指标"


def test_the_services_refuse_a_typed_value(staff):
    with pytest.raises(DomainError) as refused:
        observation_save_draft(
            user=staff, park=park(), indicator=ind("revenue-per-mu"), year=2024, value=Decimal(60)
        )
    assert refused.value.field == "value" and REFUSED in refused.value.message
    with pytest.raises(DomainError) as refused:
        save(staff, operating_revenue="12", revenue_per_mu="60")
    assert [(e["row"], e["field"], e["code"]) for e in refused.value.errors] == [(1, "value", "computed")]
    assert not Observation.objects.filter(park__code=PARK).exists()


def test_the_services_refuse_to_clear_or_revise_a_computed_value(staff, reviewer):
    save(staff, operating_revenue="12", land_area="2000")
    with pytest.raises(DomainError) as refused:
        save(staff, revenue_per_mu=None)
    assert [(e["row"], e["field"]) for e in refused.value.errors] == [(0, "value")]
    assert REFUSED in refused.value.errors[0]["message"]
    approve_all(staff, reviewer)
    with pytest.raises(DomainError) as refused:
        observation_revise(user=staff, observation=computed(), value=Decimal(61), reason="想改")
    assert refused.value.field == "value" and REFUSED in refused.value.message
    assert (computed().value, computed().status) == (Decimal(60), S.APPROVED)


def test_the_sheet_refuses_a_posted_value_for_a_computed_row(client, staff):
    client.force_login(staff)
    key = f"{park().pk}-{ind('revenue-per-mu').pk}"
    response = client.post(SHEET, {"action": "save", f"value-{key}": "60", f"version-{key}": "0"})
    assert response.status_code == 400
    page = text(response)
    assert re.search(r"第 2 行（亩均营业收入）：数值不能填写：“亩均营业收入”是计算指标", page)
    assert not Observation.objects.filter(park__code=PARK).exists()


def test_the_api_refuses_a_typed_value(staff):
    client = token_client(staff)
    body = {"park": PARK, "indicator": "revenue-per-mu", "year": 2024, "value": "60"}
    response = client.post("/api/v1/observations/", body, format="json")
    # A well-formed write the data refuses is a 409 in this API, with the field and the message.
    assert response.status_code == 409, response.content
    assert (
        response.json()["errors"][0]["field"] == "value"
        and REFUSED in response.json()["errors"][0]["message"]
    )
    rows = [
        {"indicator": "operating-revenue", "year": 2024, "value": "12"},
        {"indicator": "revenue-per-mu", "year": 2024, "value": "60"},
    ]
    bulk = client.post("/api/v1/observations/bulk/", {"park": PARK, "rows": rows}, format="json")
    assert bulk.status_code == 409, bulk.content
    assert [(e["row"], e["field"]) for e in bulk.json()["errors"]] == [(1, "value")]
    assert not Observation.objects.filter(park__code=PARK).exists()


def test_an_upload_refuses_a_typed_value(client, staff):
    client.force_login(staff)
    lines = ["园区,指标,年份,数值,单位,来源,备注", f"{PARK},revenue-per-mu,2024,60,万元/亩,,"]
    data = ("\n".join(lines) + "\n").encode("utf-8-sig")
    preview = client.post(f"/entry/{PARK}/upload/", {"file": SimpleUploadedFile("a.csv", data)})
    assert REFUSED in text(preview)
    client.post(f"/entry/{PARK}/upload/confirm/", {}, follow=True)
    assert not Observation.objects.filter(park__code=PARK).exists()


def test_import_observations_refuses_a_typed_value(tmp_path):
    path = tmp_path / "actuals.csv"
    lines = [
        "园区,指标,年份,数值,单位,来源,备注",
        f"{PARK},land-area,2024,2000,亩,统计局,",
        f"{PARK},revenue-per-mu,2024,60,,统计局,",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("import_observations", str(path), stderr=errors)
    assert "第 3 行" in errors.getvalue() and REFUSED in errors.getvalue()
    assert not Observation.objects.filter(park__code=PARK).exists()


def test_import_observations_of_the_parts_computes_an_approved_value(tmp_path):
    path = tmp_path / "actuals.csv"
    # The area in 平方公里 converts exactly: 1.2 平方公里 = 1,800 亩.
    lines = [
        "园区,指标,年份,数值,单位,来源,备注",
        f"{PARK},operating-revenue,2024,9,亿元,统计局,",
        f"{PARK},land-area,2024,1.2,平方公里,统计局,",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_observations", str(path), stdout=StringIO())
    obs = computed()
    assert (obs.value, obs.status) == (Decimal("50"), S.APPROVED)


def test_the_admin_refuses_a_typed_value(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "a-long-test-password-1")
    client.force_login(admin)
    form = {
        "park": park().pk,
        "indicator": ind("revenue-per-mu").pk,
        "year": 2024,
        "value": "60",
        "source": "",
        "note": "",
    }
    response = client.post("/admin/indicators/observation/add/", form)
    assert response.status_code == 200 and REFUSED in text(response)
    assert not Observation.objects.filter(park__code=PARK).exists()


def test_the_admin_validates_a_formula_in_chinese(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "a-long-test-password-1")
    client.force_login(admin)
    indicator = ind("revenue-per-mu")
    url = f"/admin/indicators/indicator/{indicator.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    form.update(
        {
            "formula": "{operating-revenue} / {no-such-code}",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
        }
    )
    response = client.post(url, form)
    assert response.status_code == 200 and "公式引用的指标代码“no-such-code”不存在" in text(response)
    assert ind("revenue-per-mu").formula == "{operating-revenue:万元} / {land-area:亩}"


# --- the sheet and the API show them ------------------------------------------------------------------


def test_the_sheet_shows_computed_rows_read_only_with_their_formula_and_asks_for_the_parts(client, staff):
    save(staff, operating_revenue="12", land_area="2000")
    client.force_login(staff)
    response = client.get(SHEET)
    page = response.content.decode()
    per_mu, land = f"{park().pk}-{ind('revenue-per-mu').pk}", f"{park().pk}-{ind('land-area').pk}"
    assert f'name="value-{per_mu}"' not in page  # no input for the computed row
    assert f'name="value-{land}"' in page  # the part no plan prints is asked for
    assert "计算公式：园区营业收入（万元） ÷ 园区用地面积（亩）" in page
    assert re.search(r'data-computed title="[^"]*">60</span>', page)
    assert "同第 2 行" in page  # the second goal of 亩均营业收入 shows the same computed value
    assert "规模以上工业企业研发经费支出" in page and "规模以上工业企业营业收入" in page
    # Submitting the sheet submits the parts, not the computed value.
    client.post(SHEET, {"action": "submit"})
    statuses = dict(
        Observation.objects.filter(park__code=PARK, year=2024).values_list("indicator__code", "status")
    )
    assert statuses == {"operating-revenue": S.SUBMITTED, "land-area": S.SUBMITTED, "revenue-per-mu": S.DRAFT}


def test_the_api_exposes_the_formula_and_marks_computed_values(staff):
    save(staff, operating_revenue="12", land_area="2000")
    body = token_client().get("/api/v1/indicators/revenue-per-mu/").json()
    assert body["formula"] == "{operating-revenue:万元} / {land-area:亩}"
    assert body["formula_text"] == "园区营业收入（万元） ÷ 园区用地面积（亩）"
    assert token_client().get("/api/v1/indicators/land-area/").json()["formula"] == ""
    rows = token_client(staff).get("/api/v1/observations/", {"park": PARK}).json()
    rows = rows.get("results", rows)
    marks = {r["indicator"]: (r["value"], r["is_computed"]) for r in rows}
    assert marks == {
        "operating-revenue": ("12", False),
        "land-area": ("2000", False),
        "revenue-per-mu": ("60", True),
    }


# --- the engine judges them ---------------------------------------------------------------------------


def test_progress_judges_the_computed_revenue_per_mu_against_its_goals(staff, reviewer):
    # 2025 is the scheme's milestone: 100 亿元 over 2,000 亩 = 500 万元/亩.
    save(staff, year=2025, operating_revenue="100", land_area="2000")
    approve_all(staff, reviewer, year=2025)
    assert computed(year=2025).status == S.APPROVED
    progress_recompute(park_ids=[park().pk])
    results = {
        r.plan_indicator.name_printed: r
        for r in ProgressResult.objects.filter(
            park=park(), year=2025, plan_indicator__indicator__code="revenue-per-mu"
        ).select_related("plan_indicator")
    }
    national, provincial = results["亩均营业收入"], results["亩均营业收入（省级口径）"]
    assert national.actual == pytest.approx(500) and national.completion_rate == pytest.approx(500 / 600)
    assert national.status == "lagging"
    assert provincial.status == "achieved"
    assert PlanIndicator.objects.filter(plan__code="formula-plan", indicator__code="land-area").count() == 0
