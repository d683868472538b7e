"""No N+1: every list endpoint runs the same number of queries for a few rows and for many."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Category, Indicator, IndicatorAlias, Observation, Unit
from parks.models import Park
from plans.models import Milestone, Plan, PlanIndicator, Target
from progress.services import progress_recompute

pytestmark = pytest.mark.django_db


def _parks(n=15):
    for i in range(n):
        park = Park.objects.create(
            code=f"qc-park-{i}", name_zh=f"测试园区{i}", kind="industrial", is_public=True
        )
        for j in range(2):
            Park.objects.create(code=f"qc-park-{i}-zone-{j}", name_zh=f"片区{j}", kind="zone", parent=park)


def _units(n=10):
    for i in range(n):
        Unit.objects.create(code=f"qc-unit-{i}", symbol=f"qc{i}", dimension=f"qc{i}", factor=1)


def _categories(n=10):
    for i in range(n):
        Category.objects.create(code=f"qc-cat-{i}", name_zh=f"测试类别{i}", order=100 + i)


def _indicators(n=10):
    unit, category = Unit.objects.get(code="yi-yuan"), Category.objects.get(code="economy")
    for i in range(n):
        indicator = Indicator.objects.create(
            code=f"qc-ind-{i}",
            name_zh=f"测试总值指标{i}",
            unit=unit,
            category=category,
            direction=1,
            measure="level",
            nature="anticipatory",
        )
        for j in range(2):
            IndicatorAlias.objects.create(indicator=indicator, name=f"别名{i}-{j}")


def _observations(n=20):
    """Approved values (every reader sees them) and as many drafts (the staff's)."""
    yuxi = Park.objects.get(code="yuxi-hitech")
    for i, indicator in enumerate(Indicator.objects.order_by("code")[:n]):
        for year, status in ((2021, "approved"), (2022, "draft")):
            Observation.objects.create(
                park=yuxi, indicator=indicator, year=year, value=Decimal(i + 1), status=status
            )


def _history(n=10):
    """Changes of the approved value (each one an approval a viewer sees) and of its note."""
    obs = Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2020)
    for i in range(n):
        obs.value += 1
        obs.save()
        obs.note = f"第 {i} 次修改"
        obs.save()


def _plans(n=8):
    yuxi = Park.objects.get(code="yuxi-hitech")
    for i in range(n):
        plan = Plan.objects.create(
            park=yuxi,
            code=f"qc-plan-{i}",
            name=f"测试规划{i}",
            kind="scheme",
            start_year=2021,
            end_year=2035,
            base_year=2020,
        )
        for year in (2025, 2030, 2035):
            Milestone.objects.create(plan=plan, year=year)


def _targets(n_indicators=10):
    plan = Plan.objects.get(code="yuxi-14th-fyp")
    unit = Unit.objects.get(code="yi-yuan")
    for i, indicator in enumerate(
        Indicator.objects.exclude(plan_indicators__plan=plan).order_by("code")[:n_indicators]
    ):
        pi = PlanIndicator.objects.create(
            plan=plan,
            indicator=indicator,
            order=300 + i,
            name_printed=f"附加指标{i}",
            unit=unit,
            nature="anticipatory",
        )
        for year in range(2021, 2026):
            Target.objects.create(plan_indicator=pi, year=year, kind="level", value=Decimal(year))


def _progress():
    _targets()
    progress_recompute()


def _summary():
    """Plans of Yuxi with indicators in several categories: more rows (plan × category)."""
    yuxi = Park.objects.get(code="yuxi-hitech")
    indicators = [
        Indicator.objects.filter(category__code=code).order_by("code").first()
        for code in ("economy", "industry", "innovation")
    ]
    for i in range(3):
        plan = Plan.objects.create(
            park=yuxi,
            code=f"qc-summary-{i}",
            name=f"汇总规划{i}",
            kind="scheme",
            start_year=2021,
            end_year=2025,
            base_year=2020,
        )
        for order, indicator in enumerate(indicators, start=1):
            pi = PlanIndicator.objects.create(
                plan=plan,
                indicator=indicator,
                order=order,
                name_printed=indicator.name_zh,
                unit=indicator.unit,
                nature="anticipatory",
            )
            Target.objects.create(plan_indicator=pi, year=2025, kind="level", value=Decimal(100))
    progress_recompute()


def _ranking():
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    for i in range(6):
        park = Park.objects.create(
            code=f"qc-rank-{i}", name_zh=f"排名园区{i}", kind="industrial", is_public=True
        )
        plan = Plan.objects.create(
            park=park,
            code=f"qc-rank-plan-{i}",
            name=f"排名规划{i}",
            kind="five_year",
            start_year=2016,
            end_year=2020,
            base_year=2015,
        )
        pi = PlanIndicator.objects.create(
            plan=plan, indicator=gdp, order=1, name_printed="GDP", unit=gdp.unit, nature="anticipatory"
        )
        Target.objects.create(plan_indicator=pi, year=2020, kind="level", value=Decimal(100))
        for year, value in ((2015, 80), (2020, 90 + i)):
            Observation.objects.create(
                park=park, indicator=gdp, year=year, value=Decimal(value), status="approved"
            )
    progress_recompute()


CASES = {
    "parks": ("/api/v1/parks/", {}, _parks),
    "units": ("/api/v1/units/", {}, _units),
    "categories": ("/api/v1/categories/", {}, _categories),
    "indicators": ("/api/v1/indicators/", {}, _indicators),
    "indicator search": ("/api/v1/indicators/", {"search": "总值"}, _indicators),
    "observations": ("/api/v1/observations/", {"park": "yuxi-hitech"}, _observations),
    "observation history": (None, {}, _history),
    "plans": ("/api/v1/plans/", {}, _plans),
    "plan detail": ("/api/v1/plans/yuxi-14th-fyp/", {}, _targets),
    "targets": ("/api/v1/targets/", {"plan": "yuxi-14th-fyp"}, _targets),
    "progress": ("/api/v1/progress/", {"plan": "yuxi-14th-fyp"}, _progress),
    "progress summary": ("/api/v1/progress/summary/", {"park": "yuxi-hitech"}, _summary),
    "progress ranking": (
        "/api/v1/progress/ranking/",
        {"indicator": "gdp-incl-tobacco", "year": 2020},
        _ranking,
    ),
}


def _size(body) -> int:
    if "plan_indicators" in body:
        return sum(len(pi["targets"]) + 1 for pi in body["plan_indicators"])
    return len(body["results"])


def _measure(client, url, params) -> tuple[int, int]:
    cache.clear()  # measure the work, not the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    return len(queries), _size(response.json())


@pytest.mark.parametrize("role", ["admin", "viewer"])
@pytest.mark.parametrize("case", list(CASES))
def test_list_queries_do_not_grow_with_rows(case, role, client_for, progress):
    url, params, grow = CASES[case]
    if url is None:  # the history of one observation
        obs = Observation.objects.get(park__code="yuxi-hitech", indicator__code="gdp-incl-tobacco", year=2020)
        url = f"/api/v1/observations/{obs.pk}/history/"
    client = client_for(role)
    client.get(url, params)  # warm-up: content types, sessions and the like are not the endpoint's
    few_queries, few_rows = _measure(client, url, params)
    grow()
    many_queries, many_rows = _measure(client, url, params)
    assert many_rows >= few_rows + 5, (few_rows, many_rows)
    assert many_queries == few_queries, (
        f"{case}: {few_queries} queries for {few_rows} rows, {many_queries} for {many_rows}"
    )


def test_progress_list_query_count_is_small_and_fixed(client_for, progress, django_assert_num_queries):
    client = client_for("admin")
    client.get("/api/v1/progress/", {"plan": "yuxi-13th-fyp"})
    cache.clear()
    # token, cache generation, count, page
    with django_assert_num_queries(3):
        assert client.get("/api/v1/progress/", {"plan": "yuxi-13th-fyp"}).json()["count"] == 12
