"""What must never happen is refused by the database itself, whatever code path writes."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from indicators.models import Indicator, Observation, Unit
from parks.models import Park
from plans.models import Milestone, Plan, PlanIndicator, Target

pytestmark = pytest.mark.django_db


def refused(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_duplicate_observation_is_refused():
    park = Park.objects.get(code="yuxi-hitech")
    indicator = Indicator.objects.get(code="gdp-incl-tobacco")
    before = Observation.objects.get(park=park, indicator=indicator, year=2020).value
    refused(lambda: Observation.objects.create(park=park, indicator=indicator, year=2020, value=Decimal("1")))
    assert (
        Observation.objects.get(park=park, indicator=indicator, year=2020).value == before == Decimal("522.8")
    )


def test_observation_year_out_of_range_is_refused():
    park = Park.objects.get(code="yuxi-hitech")
    indicator = Indicator.objects.get(code="gdp-incl-tobacco")
    refused(lambda: Observation.objects.create(park=park, indicator=indicator, year=1800, value=Decimal("1")))
    assert not Observation.objects.filter(year=1800).exists()


def test_target_year_outside_its_plan_is_refused():
    pi = PlanIndicator.objects.get(plan__code="yuxi-14th-fyp", order=1)
    refused(lambda: Target.objects.create(plan_indicator=pi, year=2026, kind="level", value=Decimal("700")))
    refused(lambda: Target.objects.create(plan_indicator=pi, year=2020, kind="level", value=Decimal("500")))
    assert sorted(pi.targets.values_list("year", flat=True)) == [2021, 2022, 2023, 2024, 2025]


def test_moving_a_target_out_of_its_plan_is_refused():
    target = Target.objects.get(
        plan_indicator__plan__code="yuxi-14th-fyp", plan_indicator__order=1, year=2021
    )
    target.year = 2030
    refused(target.save)
    target.refresh_from_db()
    assert target.year == 2021


def test_shrinking_a_plan_past_its_targets_is_refused():
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    plan.end_year = 2024
    refused(plan.save)
    plan.refresh_from_db()
    assert plan.end_year == 2025


def test_milestone_outside_its_plan_is_refused():
    plan = Plan.objects.get(code="wenshan-master-2023-2035")
    refused(lambda: Milestone.objects.create(plan=plan, year=2040, label="远景"))
    assert list(plan.milestones.values_list("year", flat=True)) == [2025, 2030, 2035]


def test_plan_ending_before_it_starts_is_refused():
    park = Park.objects.get(code="yuxi-hitech")
    refused(
        lambda: Plan.objects.create(
            park=park,
            code="bad",
            name="bad",
            kind="five_year",
            start_year=2025,
            end_year=2021,
            base_year=2020,
        )
    )
    assert not Plan.objects.filter(code="bad").exists()


def test_plan_base_after_start_is_refused():
    park = Park.objects.get(code="yuxi-hitech")
    refused(
        lambda: Plan.objects.create(
            park=park,
            code="bad",
            name="bad",
            kind="five_year",
            start_year=2021,
            end_year=2025,
            base_year=2022,
        )
    )


def test_indicator_direction_must_be_plus_or_minus_one():
    unit = Unit.objects.get(symbol="亿元")
    refused(
        lambda: Indicator.objects.create(
            code="bad",
            name_zh="坏",
            unit=unit,
            direction=0,
            measure="level",
            nature="anticipatory",
        )
    )


def test_keep_target_carries_no_value_and_others_need_one():
    pi = PlanIndicator.objects.get(plan__code="yuxi-14th-fyp", order=2)
    pi.targets.filter(year=2023).delete()
    refused(lambda: Target.objects.create(plan_indicator=pi, year=2023, kind="keep", value=Decimal("1")))
    refused(lambda: Target.objects.create(plan_indicator=pi, year=2023, kind="level", value=None))
    Target.objects.create(plan_indicator=pi, year=2023, kind="keep", value=None, wording="保持")
    assert pi.targets.get(year=2023).kind == "keep"


def test_unit_factor_must_be_positive():
    refused(lambda: Unit.objects.create(code="bad", symbol="坏", dimension="x", factor=Decimal("0")))


def test_observation_changes_are_recorded_in_history():
    obs = Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2020)
    before = obs.history.count()
    obs.value = Decimal("523.0")
    obs._change_reason = "correction"
    obs.save()
    latest = obs.history.first()
    assert obs.history.count() == before + 1
    assert latest.value == Decimal("523.0") and latest.history_change_reason == "correction"
    assert latest.prev_record.value == Decimal("522.8")
