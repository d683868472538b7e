"""Review fixes to target revisions and group plans (issues 13 and 14):

1. a revert undoes the revision it names and nothing else: an older revision from a later year stays
   in force (the revert and the undone revision are kept in the history and never judge a year);
2. pages and the API show the target actually used: a member park's level target (indicator page,
   plans and targets API) and the revision in force on the entry sheet, with the original beside it;
3. a group plan's member rows go when its last member leaves.

Targets and values are made up (no seed revises a target or gives parks' levels)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, Observation
from parks.models import Park
from plans.models import LevelTarget, Plan, PlanIndicator, PlanMember, Target, TargetRevision
from plans.setup import target_revert, target_revise
from progress.models import ProgressResult
from progress.services import progress_recompute
from tests.core.api_fixtures import *  # noqa: F403  (the API fixtures)

pytestmark = pytest.mark.django_db

DOC = "文峰政〔2021〕18号"
GROUP_PLAN = "xishuangbanna-parks-14th"


@pytest.fixture
def target():
    """Wenfeng's 十四五 plan (2021–2025, base 2020) with one made-up row: GDP 50 亿元 by 2025."""
    plan = Plan.objects.get(code="wenfeng-14th-fyp")
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    pi = PlanIndicator.objects.create(
        plan=plan, indicator=gdp, order=1, name_printed="地区生产总值", unit=gdp.unit, nature="anticipatory"
    )
    for year, value in ((2020, "20"), (2023, "40"), (2024, "45")):
        Observation.objects.create(
            park=plan.park, indicator=gdp, year=year, value=Decimal(value), status="approved"
        )
    return Target.objects.create(plan_indicator=pi, year=2025, kind="level", value=50, wording="50亿元")


def judged(target) -> dict[int, tuple]:
    progress_recompute(park_ids=[target.plan_indicator.plan.park_id])
    return {
        r.year: (r.target_final, r.status)
        for r in ProgressResult.objects.filter(plan_indicator=target.plan_indicator, year__in=[2023, 2024])
    }


def revise_twice(target, user):
    """v1 = 150 from 2024, then v2 = 100 from 2023 (newest wins: 100 judges 2023 and 2024)."""
    first = target_revise(
        user=user, target=target, text="150", effective_year=2024, document=DOC, reason="一"
    )
    second = target_revise(
        user=user, target=target, text="100", effective_year=2023, document=DOC, reason="二"
    )
    return first, second


def test_a_revert_leaves_an_earlier_revision_from_a_later_year_in_force(target, admin_user, client_for):
    first, second = revise_twice(target, admin_user)
    # 2023: P = 20/80, E = 3/5, I = 0.42; 2024: P = 25/80, E = 4/5, I = 0.39.
    assert judged(target) == {2023: (100, "severely_lagging"), 2024: (100, "severely_lagging")}
    undo = target_revert(user=admin_user, target=target, document="文峰政〔2022〕3号", reason="撤销第二次")
    assert (undo.number, undo.reverts, undo.created_by, undo.reason) == (3, second, admin_user, "撤销第二次")
    assert TargetRevision.objects.filter(target=target).count() == 3  # the history is kept
    # 2023 falls back to the original 50 (P = 20/30, E = 3/5: ahead); v1 (150) still judges 2024 on
    # (P = 25/130, E = 4/5, I = 0.24), not the original (P = 25/30, I = 1.04: ahead).
    assert judged(target) == {2023: (50, "ahead"), 2024: (150, "severely_lagging")}
    progress = (
        client_for("admin")
        .get("/api/v1/progress/", {"plan": "wenfeng-14th-fyp", "year": 2024})
        .json()["results"]
    )
    assert [(r["target_final"], r["status"]) for r in progress] == [(150, "severely_lagging")]

    [row] = client_for("admin").get("/api/v1/targets/", {"plan": "wenfeng-14th-fyp"}).json()["results"]
    assert row["value"] == "50"  # the original as printed
    assert row["in_force"] == {
        "number": 1,
        "effective_year": 2024,
        "kind": "level",
        "value": "150",
        "wording": "",
    }
    assert [(r["number"], r["reverts"]) for r in row["revisions"]] == [(1, None), (2, None), (3, 2)]

    # Undoing v1 as well: the original judges every year again.
    target_revert(user=admin_user, target=target, document="文峰政〔2022〕4号", reason="恢复原目标")
    assert judged(target) == {2023: (50, "ahead"), 2024: (50, "ahead")}


def test_reverting_an_older_revision_keeps_the_newer_one(target, admin_user):
    first, _second = revise_twice(target, admin_user)
    target_revert(user=admin_user, target=target, document=DOC, reason="撤销第一次", revision=first)
    assert judged(target) == {2023: (100, "severely_lagging"), 2024: (100, "severely_lagging")}
    # v2 is still revertible, then nothing is.
    last = target_revert(user=admin_user, target=target, document=DOC, reason="撤销第二次")
    assert last.reverts.number == 2
    assert judged(target) == {2023: (50, "ahead"), 2024: (50, "ahead")}


def test_a_revision_equal_to_an_undone_one_is_not_refused_as_already_in_force(target, admin_user):
    _first, _second = revise_twice(target, admin_user)
    target_revert(user=admin_user, target=target, document=DOC, reason="撤销")
    again = target_revise(
        user=admin_user, target=target, text="100", effective_year=2023, document=DOC, reason="再调"
    )
    assert again.number == 4
    assert judged(target) == {2023: (100, "severely_lagging"), 2024: (100, "severely_lagging")}


def test_the_indicator_page_marks_the_undone_revision_and_the_one_in_force(target, admin_user, client):
    revise_twice(target, admin_user)
    target_revert(user=admin_user, target=target, document="文峰政〔2022〕3号", reason="撤销第二次")
    progress_recompute(park_ids=[target.plan_indicator.plan.park_id])
    client.force_login(admin_user)
    url = reverse("dashboards:indicator", args=["wenfeng-hitech", "wenfeng-14th-fyp", 1])
    context = client.get(url, {"year": 2024}).context
    [row] = context["targets"]
    assert row["revised"] == "原目标50亿元，2024年调整为150亿元"
    assert [(r["number"], r["undone"], r["in_force"], r["reverts"]) for r in row["revisions"]] == [
        (1, False, True, None),
        (2, True, False, None),
        (3, False, False, 2),
    ]
    page = client.get(url, {"year": 2024}).content.decode()
    assert "第2版，2023年起：100亿元（已撤销）" in page
    assert "第3版：撤销第2版" in page


def test_the_entry_sheet_shows_the_revision_in_force_with_the_original_beside_it(target, admin_user, client):
    revise_twice(target, admin_user)
    target_revert(user=admin_user, target=target, document=DOC, reason="撤销第二次")
    client.force_login(admin_user)
    page = client.get("/entry/wenfeng-hitech/2025/").content.decode()
    row = page[page.index("地区生产总值") :]
    row = row[: row.index("</tr>")]
    assert 'title="50亿元"' not in row  # the printed wording is not the target in force
    assert ">150<br>" in row and "原目标50亿元，2024年调整为150亿元" in row


# --- group plans ------------------------------------------------------------------------------------


@pytest.fixture
def mohan():
    """Mohan (a member of the Xishuangbanna scheme) made a national park, with a 2025 亩均营业收入."""
    park = Park.objects.get(code="xishuangbanna-mohan")
    park.level = "national"
    park.save()
    Observation.objects.create(
        park=park,
        indicator=Indicator.objects.get(code="revenue-per-mu"),
        year=2025,
        value=Decimal("550"),
        status="approved",
    )
    progress_recompute(park_ids=[park.pk])
    return park


def test_a_member_indicator_page_shows_its_level_target_from_the_group_plan(mohan, admin_user, client):
    client.force_login(admin_user)
    url = reverse("dashboards:indicator", args=[mohan.code, GROUP_PLAN, 7])
    response = client.get(url, {"year": 2025})
    assert response.context["row_status"]["status"] == "lagging"  # judged against 600
    [row] = response.context["targets"]
    assert (row["year"], row["value"], row["level"]) == (2025, "600", "国家级")
    assert row["source"].startswith("园区群规划：西双版纳州“十四五”产业园区发展实施方案")
    page = response.content.decode()
    assert "国家级园区的目标" in page and "该指标没有目标值。" not in page
    group = client.get(reverse("dashboards:indicator", args=["xishuangbanna-parks", GROUP_PLAN, 7]))
    assert [(t["level"], t["value"]) for t in group.context["targets"]] == [
        ("国家级", "600"),
        ("省级", "400"),
        ("州/市级", "300"),
    ]


def test_a_member_without_a_level_is_told_it_has_no_level_target(admin_user, client):
    client.force_login(admin_user)
    url = reverse("dashboards:indicator", args=["xishuangbanna-menghai", GROUP_PLAN, 7])
    response = client.get(url)
    assert response.context["targets"] == [] and response.context["level_unset"]
    assert "本园区未设置级别，园区群规划按级别设定的目标不适用。" in response.content.decode()


def test_the_plan_api_lists_the_level_targets_of_a_members_row(client_for):
    plan = client_for("admin").get(f"/api/v1/plans/{GROUP_PLAN}/").json()
    row = next(pi for pi in plan["plan_indicators"] if pi["order"] == 7)
    assert (row["applies_to"], row["targets"]) == ("members", [])
    assert [
        (t["year"], t["park_level"], t["park_level_display"], t["kind"], t["value"])
        for t in row["level_targets"]
    ] == [
        (2025, "national", "国家级", "at_least", "600"),
        (2025, "provincial", "省级", "at_least", "400"),
        (2025, "prefecture", "州/市级", "at_least", "300"),
    ]


@pytest.fixture
def group_plan():
    """A made-up group plan with a members' row: GDP 500 for all by 2020, 520 for national parks."""
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
    return pi


def test_the_targets_api_gives_each_target_the_level_targets_of_its_year(group_plan, client_for):
    [row] = client_for("admin").get("/api/v1/targets/", {"plan": "test-group-plan"}).json()["results"]
    assert (row["applies_to"], row["year"], row["value"]) == ("members", 2020, "500")
    assert [(t["park_level"], t["value"]) for t in row["level_targets"]] == [("national", "520")]


def test_the_rows_of_a_group_plan_go_when_its_last_member_leaves(group_plan):
    wenshan = Park.objects.get(code="wenshan-hitech")
    member = PlanMember.objects.create(plan=group_plan.plan, park=wenshan)
    Observation.objects.create(
        park=wenshan, indicator=group_plan.indicator, year=2020, value=Decimal("480"), status="approved"
    )
    progress_recompute(park_ids=[wenshan.pk])
    assert ProgressResult.objects.filter(plan_indicator=group_plan, park=wenshan).exists()
    member.delete()
    progress_recompute(park_ids=[group_plan.plan.park_id])
    assert not ProgressResult.objects.filter(plan_indicator=group_plan).exists()
