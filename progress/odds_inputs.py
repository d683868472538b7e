"""What the odds (``progress.odds``) read beyond the engine's inputs: the volatility of each indicator
pooled across every park.

A recompute of one park sees only that park's (and its zones') observations, yet the pooled volatility
is a figure of every park that reports the indicator: an aggregate over the whole observation table
(one query, ``pooled_sums``). At national scale that query costs more than a one-park recompute itself,
so its sums are kept per indicator (``progress.models.PooledVolatility``): a full recompute refreshes
them all before its partitions run, so every partition reads the same pool; a recompute that needs an
indicator without a stored row computes and stores it. Between full runs a one-park recompute uses the
pool as the last full run (or first use) left it: an estimate's volatility, not a judged figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
from django.db import connection
from django.utils import timezone

from indicators.models import Indicator, Observation
from plans.models import PlanIndicator
from progress.models import PooledVolatility
from progress.odds import DIFF_MEASURES, LOG_MEASURES, NOISE, empty_pooled, pooled_sigma
from progress.selectors import read_frame


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def pooled_sums(indicator_ids: Sequence[int] | None) -> pd.DataFrame:
    """``indicator_id, parks, ss, dof`` for the catalogue indicators ``indicator_ids`` (every one when
    None; indicators without a park to pool from are absent): the sufficient statistics of the
    volatility of their yearly changes, pooled across parks.

    Every park (a zone is a park) with at least two changes of its own counted values contributes:
    its changes are its successive observed years (approved values; during a revision the previously
    approved one), as ``ln(A_t/A_s)`` for levels and intensities (positive values only) or ``A_t − A_s``
    for shares, each over ``k = t − s`` years; it adds ``Σ(Δ − μk)²/k = Q − S²/K`` (its own drift ``μ``
    taken out) and ``m − 1`` degrees of freedom. ``sigma = sqrt(Σ SS / Σ (m − 1))``. Values are in the
    indicator's unit (a zone roll-up is not an observation and is not pooled). Synthetic demo values
    never enter the pool: a real park's odds must not rest on invented data.
    """
    columns = ["indicator_id", "parks", "ss", "dof"]
    if indicator_ids is not None and not len(indicator_ids):
        return pd.DataFrame(columns=columns)
    ind, obs = _table(Indicator), _table(Observation)
    if indicator_ids is None:
        key_where, params = "1 = 1", []
    else:
        ids = sorted({int(k) for k in indicator_ids})
        key_where, params = f"i.id IN ({', '.join(['%s'] * len(ids))})", ids
    measures = [*LOG_MEASURES, *DIFF_MEASURES]
    shares = ", ".join(["%s"] * len(DIFF_MEASURES))
    value = (
        "CAST(CASE WHEN o.status = 'approved' THEN o.value ELSE o.previous_approved_value END "
        "AS DOUBLE PRECISION)"
    )
    sql = f"""
        WITH keyed AS (
            SELECT i.id AS indicator_id FROM {ind} i WHERE {key_where}
        ),
        points AS (
            SELECT o.park_id, o.indicator_id, o.year, {value} AS value,
                   CASE WHEN i.measure IN ({shares}) THEN 1 ELSE 0 END AS is_share
            FROM {obs} o JOIN {ind} i ON i.id = o.indicator_id
            WHERE o.indicator_id IN (SELECT DISTINCT indicator_id FROM keyed)
              AND i.measure IN ({", ".join(["%s"] * len(measures))})
              AND (o.status = 'approved' OR o.previous_approved_value IS NOT NULL)
              AND o.is_synthetic = %s
        ),
        usable AS (
            SELECT * FROM points WHERE is_share = 1 OR value > 0
        ),
        steps AS (
            SELECT park_id, indicator_id, is_share, year, value,
                   LAG(year) OVER w AS prev_year, LAG(value) OVER w AS prev_value
            FROM usable
            WINDOW w AS (PARTITION BY park_id, indicator_id ORDER BY year)
        ),
        changes AS (
            SELECT park_id, indicator_id, CAST(year - prev_year AS DOUBLE PRECISION) AS k,
                   CASE WHEN is_share = 1 THEN value - prev_value ELSE ln(value / prev_value) END AS delta
            FROM steps WHERE prev_year IS NOT NULL
        ),
        parks AS (
            SELECT indicator_id, count(*) AS m, sum(delta) AS s, sum(k) AS kk, sum(delta * delta / k) AS q
            FROM changes GROUP BY park_id, indicator_id HAVING count(*) >= 2
        ),
        pooled AS (
            SELECT indicator_id, count(*) AS parks,
                   sum(CASE WHEN q - s * s / kk > %s * q THEN q - s * s / kk ELSE 0 END) AS ss,
                   sum(m - 1) AS dof
            FROM parks GROUP BY indicator_id
        )
        SELECT pooled.indicator_id, pooled.parks, pooled.ss, pooled.dof FROM pooled
    """
    return read_frame(sql, [*params, *DIFF_MEASURES, *measures, False, NOISE], columns)


def pooled_refresh(indicator_ids: Iterable[int] | None = None) -> int:
    """Compute the pooled sums of ``indicator_ids`` (every indicator when None) and store them, with a
    ``parks = 0`` row for an indicator that has none to pool from. Returns the rows stored."""
    ids = sorted(
        Indicator.objects.values_list("id", flat=True)
        if indicator_ids is None
        else {int(i) for i in indicator_ids}
    )
    if not ids:
        return 0
    sums = pooled_sums(None if indicator_ids is None else ids)
    found = {int(r.indicator_id): r for r in sums.itertuples(index=False)}
    now = timezone.now()
    rows = [
        PooledVolatility(
            indicator_id=i,
            parks=int(found[i].parks) if i in found else 0,
            sum_squares=float(found[i].ss) if i in found else 0.0,
            dof=int(found[i].dof) if i in found else 0,
            computed_at=now,
        )
        for i in ids
    ]
    PooledVolatility.objects.bulk_create(
        rows,
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["indicator"],
        update_fields=["parks", "sum_squares", "dof", "computed_at"],
    )
    return len(rows)


def pooled_volatility(plan_indicator_ids: Sequence[int]) -> pd.DataFrame:
    """``key, parks, sigma`` for these plan indicators (``key`` = the plan indicator's id): the pooled
    volatility of the catalogue indicator behind each, from the stored sums; an indicator without a
    stored row is computed and stored first (``pooled_refresh``)."""
    if not len(plan_indicator_ids):
        return empty_pooled()
    behind = pd.DataFrame.from_records(
        list(PlanIndicator.objects.filter(pk__in=list(plan_indicator_ids)).values_list("id", "indicator_id")),
        columns=["key", "indicator_id"],
    )
    wanted = sorted(set(behind["indicator_id"].tolist()))
    stored = set(
        PooledVolatility.objects.filter(indicator_id__in=wanted).values_list("indicator_id", flat=True)
    )
    if missing := [i for i in wanted if i not in stored]:
        pooled_refresh(missing)
    sums = pd.DataFrame.from_records(
        list(
            PooledVolatility.objects.filter(indicator_id__in=wanted, parks__gt=0).values_list(
                "indicator_id", "parks", "sum_squares", "dof"
            )
        ),
        columns=["indicator_id", "parks", "ss", "dof"],
    )
    frame = behind.merge(sums, on="indicator_id")
    if frame.empty:
        return empty_pooled()
    return pd.DataFrame(
        {
            "key": frame["key"].astype("int64"),
            "parks": frame["parks"].astype("int64"),
            "sigma": pooled_sigma(frame["parks"], frame["ss"], frame["dof"]),
        }
    )
