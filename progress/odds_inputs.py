"""What the odds (``progress.odds``) read beyond the engine's inputs: the volatility of each indicator
pooled across every park, in one query.

A recompute of one park sees only that park's (and its zones') observations, yet the pooled volatility
is a figure of every park that reports the indicator. So it is never taken from the recompute's inputs:
it is an aggregate over the whole observation table, the same whichever parks are being recomputed, so
that a one-park recompute stores exactly what a full recompute stores.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from django.db import connection

from indicators.models import Indicator, Observation
from plans.models import PlanIndicator
from progress.odds import DIFF_MEASURES, LOG_MEASURES, NOISE, empty_pooled, pooled_sigma
from progress.selectors import read_frame


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def pooled_volatility(keys: Sequence[int] | None) -> pd.DataFrame:
    """``key, parks, sigma`` for the plan indicators ``keys`` (every plan indicator when None): the
    volatility of the yearly changes of the catalogue indicator behind each, pooled across parks.

    Every park (a zone is a park) with at least two changes of its own counted values contributes:
    its changes are its successive observed years (approved values; during a revision the previously
    approved one), as ``ln(A_t/A_s)`` for levels and intensities (positive values only) or ``A_t − A_s``
    for shares, each over ``k = t − s`` years; it adds ``Σ(Δ − μk)²/k = Q − S²/K`` (its own drift ``μ``
    taken out) and ``m − 1`` degrees of freedom. ``sigma = sqrt(Σ SS / Σ (m − 1))``. Values are in the
    indicator's unit (a zone roll-up is not an observation and is not pooled). Synthetic demo values
    never enter the pool: a real park's odds must not rest on invented data.
    """
    if keys is not None and not len(keys):
        return empty_pooled()
    pi, ind, obs = _table(PlanIndicator), _table(Indicator), _table(Observation)
    if keys is None:
        key_where, params = "1 = 1", []
    else:
        ids = sorted({int(k) for k in keys})
        key_where, params = f"pi.id IN ({', '.join(['%s'] * len(ids))})", ids
    measures = [*LOG_MEASURES, *DIFF_MEASURES]
    shares = ", ".join(["%s"] * len(DIFF_MEASURES))
    value = (
        "CAST(CASE WHEN o.status = 'approved' THEN o.value ELSE o.previous_approved_value END "
        "AS DOUBLE PRECISION)"
    )
    sql = f"""
        WITH keyed AS (
            SELECT pi.id AS key, pi.indicator_id FROM {pi} pi WHERE {key_where}
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
        SELECT keyed.key, pooled.parks, pooled.ss, pooled.dof
        FROM keyed JOIN pooled ON pooled.indicator_id = keyed.indicator_id
    """
    frame = read_frame(sql, [*params, *DIFF_MEASURES, *measures, False, NOISE], ["key", "parks", "ss", "dof"])
    if frame.empty:
        return empty_pooled()
    return pd.DataFrame(
        {
            "key": frame["key"].astype("int64"),
            "parks": frame["parks"].astype("int64"),
            "sigma": pooled_sigma(frame["parks"], frame["ss"], frame["dof"]),
        }
    )
