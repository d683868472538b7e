"""Which stored progress rows rest on synthetic data (issue 16 made the check index-friendly: six
equality lookups instead of one EXISTS with ORs). A row is marked when a counted synthetic observation
of its indicator feeds it: the park's own or a zone's (rolled up), in the row's year or the base year."""

from __future__ import annotations

import pytest

from dashboards.selectors import plan_result_frame, status_summary_frame
from indicators.models import Observation
from plans.models import Plan
from progress.services import progress_recompute

pytestmark = pytest.mark.django_db


def _flags(plan: Plan, indicator: str) -> dict[int, bool]:
    frame = plan_result_frame(plan)
    pi = plan.plan_indicators.get(indicator__code=indicator, park=None).pk
    rows = frame[frame["pi_id"] == pi]
    return dict(zip(rows["year"].astype(int), rows["synthetic"], strict=True))


def test_a_synthetic_base_year_value_marks_every_row_judged_against_it(yuxi, add_actuals):
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 563.1, 2022: 590}})
    assert _flags(plan, "gdp-incl-tobacco")[2021] is False
    base = Observation.objects.get(park=yuxi, indicator__code="gdp-incl-tobacco", year=plan.base_year)
    Observation.objects.filter(pk=base.pk).update(is_synthetic=True)
    flags = _flags(plan, "gdp-incl-tobacco")
    assert flags[2021] is True and flags[2022] is True  # both rest on the synthetic base value


def test_only_the_year_that_has_a_synthetic_value_is_marked(yuxi, add_actuals):
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 563.1}})
    add_actuals(yuxi, {"gdp-incl-tobacco": {2022: 590}}, synthetic=True)
    flags = _flags(plan, "gdp-incl-tobacco")
    assert (flags[2021], flags[2022]) == (False, True)
    summary = status_summary_frame([plan.pk])
    by_year = summary.groupby("year")["synthetic"].any()
    assert (bool(by_year[2021]), bool(by_year[2022])) == (False, True)


def test_a_returned_synthetic_value_marks_nothing(yuxi, add_actuals):
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    (obs,) = add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 563.1}}, synthetic=True)
    Observation.objects.filter(pk=obs.pk).update(status=Observation.Status.RETURNED)
    progress_recompute(park_ids=[yuxi.pk])
    flags = _flags(plan, "gdp-incl-tobacco")
    assert flags[2021] is False  # the row is there (the plan sets a 2021 target), and not marked


def test_the_region_summary_counts_a_zones_synthetic_value_in_the_park_it_rolls_up_into(yuxi, add_actuals):
    from parks.models import Park

    plan = Plan.objects.get(code="yuxi-14th-fyp")
    add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 563.1}})
    for code in ("yuxi-hitech-south", "yuxi-hitech-jiulong", "yuxi-hitech-hongta", "yuxi-hitech-yanhe"):
        add_actuals(Park.objects.get(code=code), {"main-business-revenue": {2022: 200}})
    add_actuals(
        Park.objects.get(code="yuxi-hitech-jiangchuan"),
        {"main-business-revenue": {2022: 200}},
        synthetic=True,
    )
    by_year = status_summary_frame([plan.pk]).groupby("year")["synthetic"].any()
    assert (bool(by_year[2021]), bool(by_year[2022])) == (False, True)
    assert _flags(plan, "main-business-revenue")[2022] is True  # the row-level check agrees
