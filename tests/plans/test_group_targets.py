"""Group plans (issue #14): a prefecture's scheme sets rows for each of its member parks, one value for all
or by park level; each member is judged on its own values, its sheet and dashboard show the group's
target as its own, and a partitioned recompute gives the rows of one run even when members lie in
different park trees. Actual values and park levels here are made up (seed 004 states neither)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Indicator, Observation
from parks.models import Park
from plans.models import LevelTarget, Plan, PlanIndicator, PlanMember, Target
from progress import services
from progress.models import ProgressResult

pytestmark = pytest.mark.django_db

PLAN = "xishuangbanna-parks-14th"
LEVELS = {
    "xishuangbanna-mohan": "national",
    "xishuangbanna-industry-it": "provincial",
    "xishuangbanna-menghai": "prefecture",
}


def test_the_scheme_is_one_row_by_level_for_its_three_member_parks():
    plan = Plan.objects.get(code=PLAN)
    assert sorted(plan.members.values_list("park__code", flat=True)) == sorted(LEVELS)
    assert set(plan.members.values_list("park__level", flat=True)) == {""}  # the seed names no level
    row = plan.plan_indicators.get(order=7)
    assert (row.name_printed, row.applies_to, row.targets.count()) == ("园区亩均营业收入", "members", 0)
    by_level = {t.park_level: (t.kind, t.value) for t in row.level_targets.all()}
    assert by_level == {
        "national": ("at_least", 600),
        "provincial": ("at_least", 400),
        "prefecture": ("at_least", 300),
    }
    assert not plan.plan_indicators.filter(order__in=[8, 9]).exists()
    assert plan.plan_indicators.get(order=6).applies_to == "members"  # 各园区……60%以上: one value for all


@pytest.fixture
def levelled():
    """The three member parks given a level each, and a 2025 亩均营业收入 and 主导产业占比 for each."""
    per_mu = Indicator.objects.get(code="revenue-per-mu")
    share = Indicator.objects.get(code="leading-industry-revenue-share")
    values = {
        "xishuangbanna-mohan": "550",
        "xishuangbanna-industry-it": "420",
        "xishuangbanna-menghai": "310",
    }
    for code, level in LEVELS.items():
        park = Park.objects.get(code=code)
        park.level = level
        park.save()
        Observation.objects.create(
            park=park, indicator=per_mu, year=2025, value=Decimal(values[code]), status="approved"
        )
        Observation.objects.create(
            park=park, indicator=share, year=2025, value=Decimal("65"), status="approved"
        )
    services.progress_recompute(park_ids=[Park.objects.get(code="xishuangbanna-menghai").pk])
    return {code: Park.objects.get(code=code) for code in LEVELS}


def results(order: int) -> dict[str, ProgressResult]:
    return {
        r.park.code: r
        for r in ProgressResult.objects.filter(
            plan__code=PLAN, plan_indicator__order=order, year=2025
        ).select_related("park")
    }


def test_each_member_is_judged_against_the_target_of_its_level(levelled):
    per_mu = results(7)
    assert set(per_mu) == set(LEVELS)  # one series per member, none for the group itself
    assert (per_mu["xishuangbanna-mohan"].target_final, per_mu["xishuangbanna-mohan"].actual) == (600, 550)
    assert per_mu["xishuangbanna-mohan"].completion_rate == pytest.approx(550 / 600)
    assert per_mu["xishuangbanna-mohan"].status == "lagging"
    assert (per_mu["xishuangbanna-industry-it"].target_final, per_mu["xishuangbanna-industry-it"].status) == (
        400,
        "achieved",
    )
    assert (per_mu["xishuangbanna-menghai"].target_final, per_mu["xishuangbanna-menghai"].status) == (
        300,
        "achieved",
    )
    share = results(6)  # one value for all
    assert {code: r.target_final for code, r in share.items()} == dict.fromkeys(LEVELS, 60)


def test_a_member_without_a_level_has_no_level_target_and_says_so(levelled):
    menghai = levelled["xishuangbanna-menghai"]
    menghai.level = ""
    menghai.save()
    services.progress_recompute(park_ids=[menghai.pk])
    row = results(7)["xishuangbanna-menghai"]
    assert (row.status, row.target_final) == ("insufficient_data", None)  # no base value and no target
    assert "the member park's level is not set" in row.note


def test_a_member_sheet_shows_the_group_target_with_its_source(client, admin_user, levelled):
    client.force_login(admin_user)
    page = client.get("/entry/xishuangbanna-industry-it/2025/").content.decode()
    assert "西双版纳州“十四五”产业园区发展实施方案" in page  # the group plan is the rows' section
    assert "园区群目标：西双版纳州产业园区" in page
    row = page[page.index("园区亩均营业收入") :]
    row = row[: row.index("</tr>")]
    assert "≥400" in row  # the provincial park's target (the level target of its level)
    group = client.get("/entry/xishuangbanna-parks/2025/").content.decode()
    assert "园区亩均营业收入" not in group  # not the group's own value


def test_a_member_dashboard_shows_the_group_rows_as_its_own(client, admin_user, levelled):
    client.force_login(admin_user)
    response = client.get("/dashboards/parks/xishuangbanna-mohan/", {"plan": PLAN, "year": 2025})
    assert response.status_code == 200
    context = response.context
    assert context["plan"].code == PLAN and PLAN in [p.code for p in context["plans"]]  # the source
    rows = {r["printed"]: r for r in context["rows"]}
    assert set(rows) == {"各园区主导产业营业收入占全部营业收入比重", "园区亩均营业收入"}
    assert (rows["园区亩均营业收入"]["target_final"], rows["园区亩均营业收入"]["badge"]["label"]) == (
        "600",
        "滞后",
    )
    assert "西双版纳州“十四五”产业园区发展实施方案" in response.content.decode()


def test_members_in_other_park_trees_partition_like_one_run():
    """A made-up group plan whose members are Yuxi and Wenshan (two trees): recomputing partition by
    partition, or from one member only, stores exactly the rows of one run over every park."""
    group = Park.objects.create(code="test-group", name_zh="测试园区群", kind="group", province="云南省")
    plan = Plan.objects.create(
        park=group,
        code="test-group-plan",
        name="测试园区群方案",
        kind="scheme",
        start_year=2016,
        end_year=2020,
        base_year=2015,
    )
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    pi = PlanIndicator.objects.create(
        plan=plan,
        indicator=gdp,
        order=1,
        name_printed="地区生产总值",
        unit=gdp.unit,
        nature="anticipatory",
        applies_to="members",
    )
    Target.objects.create(plan_indicator=pi, year=2020, kind="level", value=500)
    LevelTarget.objects.create(plan_indicator=pi, year=2020, park_level="national", kind="level", value=520)
    yuxi, wenshan = Park.objects.get(code="yuxi-hitech"), Park.objects.get(code="wenshan-hitech")
    for park in (yuxi, wenshan):
        PlanMember.objects.create(plan=plan, park=park)
    Observation.objects.create(
        park=wenshan, indicator=gdp, year=2020, value=Decimal("480"), status="approved"
    )

    def stored():
        return sorted(
            ProgressResult.objects.values_list(
                "park_id", "plan_indicator_id", "year", "status", "target_final"
            )
        )

    services.progress_recompute(park_ids=list(Park.objects.values_list("id", flat=True)))
    one_run = stored()
    mine = {r[0]: r for r in one_run if r[1] == pi.pk and r[2] == 2020}
    assert mine[yuxi.pk][4] == 520 and mine[wenshan.pk][4] == 500  # Yuxi is national: its level's target
    ProgressResult.objects.all().delete()
    for partition in services.progress_partitions(size=1):
        services.progress_recompute(park_ids=partition)
    assert stored() == one_run
    ProgressResult.objects.filter(plan=plan).delete()
    services.progress_recompute(park_ids=[wenshan.pk])  # a change in one member's tree
    assert stored() == one_run
