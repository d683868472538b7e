"""Target revisions (规划调整, issue 13): a revised target judges the years from its effective year on,
the original stays visible beside it, a revert is a new version, and every door refuses the same input
with the same Chinese message. The numbers are made up (no seed document revises a target)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import Invalid, NotAllowed
from indicators.models import Indicator, Observation, Unit
from plans.models import Plan, PlanIndicator, Target, TargetRevision
from plans.selectors import revision_phrase, revisions_by_target, version_in_force
from plans.setup import target_revert, target_revise
from progress.models import ProgressResult
from progress.services import progress_recompute

pytestmark = pytest.mark.django_db

DOC = "文峰政〔2021〕18号"


@pytest.fixture
def target():
    """Wenfeng's 十四五 plan (seed 002 has no numbers) with one made-up row: GDP ≥680 亿元 by 2025."""
    plan = Plan.objects.get(code="wenfeng-14th-fyp")
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    pi = PlanIndicator.objects.create(
        plan=plan, indicator=gdp, order=1, name_printed="地区生产总值", unit=gdp.unit, nature="anticipatory"
    )
    for year, value in ((2020, "500"), (2022, "560"), (2023, "600")):
        Observation.objects.create(
            park=plan.park, indicator=gdp, year=year, value=Decimal(value), status="approved"
        )
    return Target.objects.create(
        plan_indicator=pi, year=2025, kind="at_least", value=680, wording="突破680亿元"
    )


def results(target) -> dict[int, ProgressResult]:
    progress_recompute(park_ids=[target.plan_indicator.plan.park_id])
    return {r.year: r for r in ProgressResult.objects.filter(plan_indicator=target.plan_indicator)}


def test_a_revision_judges_the_years_from_its_effective_year(target, admin_user):
    before = results(target)
    # 2023: P = 100/180, E = 3/5, I = 0.926: lagging against 680.
    assert before[2023].target_final == 680 and before[2023].status == "lagging"
    revision = target_revise(
        user=admin_user,
        target=target,
        text="≥650",
        effective_year=2023,
        document=DOC,
        reason="对标省市调整目标",
    )
    assert (revision.number, revision.kind, revision.value, revision.created_by) == (
        1,
        "at_least",
        650,
        admin_user,
    )
    after = results(target)
    # From 2023 on, 650: P = 100/150, I = 1.11: ahead. 2022 is still judged against the original 680.
    assert after[2023].target_final == 650 and after[2023].status == "ahead"
    assert after[2023].progress_index == pytest.approx((100 / 150) / 0.6)
    assert after[2022].target_final == 680 and after[2022].status == before[2022].status == "lagging"
    assert "original at_least 680, in force at_least 650" in after[2023].note
    assert "revised" not in after[2022].note
    target.refresh_from_db()
    assert (target.kind, target.value, target.wording) == ("at_least", 680, "突破680亿元")  # the original


def test_the_version_in_force_and_the_phrase_readers_see(target, admin_user):
    target_revise(
        user=admin_user, target=target, text="650", effective_year=2023, document=DOC, reason="调整"
    )
    revisions = revisions_by_target([target.pk])[target.pk]
    assert version_in_force(target, revisions, 2022).is_original
    in_force = version_in_force(target, revisions, 2024)
    assert (in_force.number, in_force.value, in_force.effective_year) == (1, 650, 2023)
    assert revision_phrase(target, in_force, "亿元") == "原目标不低于680亿元，2023年调整为650亿元"


def test_a_revert_is_a_new_version_and_brings_back_the_one_before(target, admin_user):
    first = target_revise(
        user=admin_user, target=target, text="650", effective_year=2023, document=DOC, reason="一"
    )
    target_revise(user=admin_user, target=target, text="640", effective_year=2024, document=DOC, reason="二")
    undo = target_revert(
        user=admin_user, target=target, document="文峰政〔2022〕3号", reason="撤销第二次调整"
    )
    assert (undo.number, undo.value, undo.effective_year, undo.reverts.number) == (3, 650, 2024, 2)
    undo_first = target_revert(
        user=admin_user, target=target, document="文峰政〔2022〕4号", reason="恢复原目标"
    )
    assert (undo_first.reverts, undo_first.kind, undo_first.value) == (first, "at_least", 680)
    assert TargetRevision.objects.filter(target=target).count() == 4  # nothing deleted
    stored = results(target)
    assert (stored[2023].target_final, stored[2023].status) == (680, "lagging")
    revisions = revisions_by_target([target.pk])[target.pk]
    assert [version_in_force(target, revisions, y).value for y in (2022, 2023, 2024, 2025)] == [680] * 4
    assert revision_phrase(target, version_in_force(target, revisions, 2025), "亿元") == ""
    with pytest.raises(Invalid) as exc:
        target_revert(user=admin_user, target=target, document=DOC, reason="再撤销")
    assert exc.value.message == "该目标没有可撤销的调整"


def test_units_convert_like_every_target_write(target, admin_user):
    wan = Unit.objects.get(symbol="万元")
    revision = target_revise(
        user=admin_user,
        target=target,
        text="6500000",
        unit=wan,
        effective_year=2023,
        document=DOC,
        reason="换算",
    )
    assert revision.value == Decimal("650") and revision.wording == "6500000万元"
    with pytest.raises(Invalid) as exc:
        target_revise(
            user=admin_user,
            target=target,
            text="100",
            unit=Unit.objects.get(symbol="亿美元"),
            effective_year=2024,
            document=DOC,
            reason="币种",
        )
    assert exc.value.errors[0] == {"field": "unit", "message": "单位“亿美元”无法精确换算为本指标的单位“亿元”"}


def test_bad_revisions_are_refused_in_chinese_and_nothing_is_written(target, admin_user):
    with pytest.raises(Invalid) as exc:
        target_revise(
            user=admin_user, target=target, text="六百", effective_year=2030, document=" ", reason=""
        )
    fields = {e["field"]: e["message"] for e in exc.value.errors}
    assert fields["document"] == "请填写调整依据（文号）"
    assert fields["reason"] == "请填写调整原因"
    assert fields["effective_year"] == "起用年份 2030 不在规划期（2021–2025）内"
    assert fields["value"].startswith("“六百”不是可识别的目标值")
    with pytest.raises(Invalid) as exc:
        target_revise(
            user=admin_user, target=target, text="≥680", effective_year=2023, document=DOC, reason="同"
        )
    assert exc.value.message == "2023 年起现行的目标已是“≥680”，无需调整"
    with pytest.raises(Invalid) as exc:
        target_revise(
            user=admin_user, target=target, text="650", effective_year=2023, document=DOC, reason="a\x00"
        )
    assert "控制字符" in exc.value.errors[0]["message"]
    assert not TargetRevision.objects.exists()


def test_only_planners_revise(target, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="x")
    with pytest.raises(NotAllowed):
        target_revise(user=clerk, target=target, text="650", effective_year=2023, document=DOC, reason="无权")
    assert not TargetRevision.objects.exists()


def test_the_plan_audit_checks_a_decomposition_as_revised(admin_user):
    """Yuxi's 2025 主营业务收入 split to its zones (seed 003: 600 + 400 + 600 + 600 = 2200) adds up; a made-up
    revision of one zone's part to 500 makes the audit say the parts no longer add up."""
    from plans.audit import PARTS_DO_NOT_ADD_UP, audit_plan

    plan = Plan.objects.get(code="yuxi-14th-fyp")
    assert PARTS_DO_NOT_ADD_UP not in {f.rule for f in audit_plan(plan)}
    part = Target.objects.get(plan_indicator__plan=plan, plan_indicator__order=204, year=2025)
    target_revise(
        user=admin_user, target=part, text="500", effective_year=2023, document=DOC, reason="分解调整"
    )
    [finding] = [f for f in audit_plan(plan) if f.rule == PARTS_DO_NOT_ADD_UP]
    assert finding.years == (2025,) and "2300" in finding.reason and "2200" in finding.reason
