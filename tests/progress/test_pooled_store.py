"""The volatility pooled across parks is kept per indicator (progress.models.PooledVolatility): a
one-park recompute reads it instead of aggregating every park's observations again (at 3,000 parks
that aggregate cost more than the park's own recompute), and a full recompute refreshes it first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Indicator, Observation
from parks.models import Park
from progress import odds_inputs, services
from progress.models import PooledVolatility, ProgressResult

pytestmark = pytest.mark.django_db

GDP = "gdp-incl-tobacco"


def pool_parks(count: int, start: int = 1) -> None:
    """``count`` parks with four approved yearly GDP values each (three changes: they pool)."""
    gdp = Indicator.objects.get(code=GDP)
    for n in range(start, start + count):
        park = Park.objects.create(code=f"pool-park-{n}", name_zh=f"波动率园区{n}", kind="industrial")
        for year, value in zip(range(2020, 2024), (100, 108 + n, 115 + n, 126 + 2 * n), strict=True):
            Observation.objects.create(
                park=park, indicator=gdp, year=year, value=Decimal(value), status="approved", source="test"
            )


def gdp_2021(yuxi: Park) -> ProgressResult:
    return ProgressResult.objects.get(
        park=yuxi, plan__code="yuxi-14th-fyp", plan_indicator__indicator__code=GDP, year=2021
    )


def test_a_one_park_recompute_reads_the_stored_pool_and_a_full_run_refreshes_it(monkeypatch):
    yuxi = Park.objects.get(code="yuxi-hitech")
    Observation.objects.create(
        park=yuxi, indicator=Indicator.objects.get(code=GDP), year=2021, value=Decimal(560), status="approved"
    )
    pool_parks(4)  # with Yuxi itself (2015, 2020, 2021: two changes), five parks pool
    services.progress_recompute(park_ids=[yuxi.pk])
    row = gdp_2021(yuxi)  # one change of its own since the plan's base 2020: the pool's volatility
    assert row.odds_basis == "pooled" and "pooled across 5 parks" in row.note
    stored = PooledVolatility.objects.get(indicator__code=GDP)
    assert (stored.parks, stored.dof) == (5, 4 * 2 + 1)  # m − 1 degrees of freedom per park
    probability = row.odds_probability

    # A sixth park reports; a one-park recompute does not aggregate again: it reads the stored pool.
    pool_parks(1, start=5)

    def no_aggregate(*args, **kwargs):
        raise AssertionError("the pool was aggregated again")

    monkeypatch.setattr(odds_inputs, "pooled_sums", no_aggregate)
    services.progress_recompute(park_ids=[yuxi.pk])
    assert gdp_2021(yuxi).odds_probability == probability
    monkeypatch.undo()

    # The full recompute refreshes the pool first: now six parks.
    services.progress_recompute()
    assert PooledVolatility.objects.get(indicator__code=GDP).parks == 6
    assert "pooled across 6 parks" in gdp_2021(yuxi).note


def test_too_few_parks_to_pool_are_stored_as_such_and_say_too_little_data():
    yuxi = Park.objects.get(code="yuxi-hitech")
    Observation.objects.create(
        park=yuxi, indicator=Indicator.objects.get(code=GDP), year=2021, value=Decimal(560), status="approved"
    )
    services.progress_recompute(park_ids=[yuxi.pk])
    assert PooledVolatility.objects.get(indicator__code=GDP).parks == 1  # Yuxi alone
    row = gdp_2021(yuxi)
    assert row.odds_basis == "insufficient" and row.odds_probability is None
    # A full run stores every indicator's pool, those with nobody to pool from too.
    services.progress_recompute()
    assert PooledVolatility.objects.count() == Indicator.objects.count()
    assert PooledVolatility.objects.get(indicator__code="gdp-excl-tobacco").parks == 0
