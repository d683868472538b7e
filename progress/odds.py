"""The odds of meeting a milestone target: a projection with a probability and an 80 % interval.

``compute_odds(items, actuals, result, pooled)`` implements §11 of ``docs/progress-method.md``. Like
``progress.engine`` it imports nothing from Django and has no Python loop over series or years: the caller
(``progress.services.progress_compute``) passes the engine's inputs and output, and the volatility pooled
across parks that ``progress.odds_inputs`` reads in one query.

The model
---------
For a level or an intensity the series is ``x = ln A``; for a share it is ``x = A`` (percentage points).
``x`` is taken to be a random walk with drift: each year adds an independent normal step of mean ``μ`` and
standard deviation ``σ``. Over the ``h = final_year − year`` years left, the milestone value is then
``x_F ~ N(x_y + h·μ, σ²·h·(1 + h/K))``, where ``K`` is the number of years the drift was estimated from;
the ``h/K`` term carries the uncertainty of the estimated drift (the drift method's forecast variance).

Estimates (for the row of year ``y``, from the series' own actuals of ``base_year … y``)
---------------------------------------------------------------------------------------
The actuals that exist in that window (for logs: only the positive ones) are the points; each pair of
successive points is one *change* ``Δ`` over ``k`` years (``k = 1`` for consecutive years; a gap is not
filled in, it is one change over ``k`` years). With ``m`` changes, ``S = ΣΔ``, ``K = Σk``,
``Q = ΣΔ²/k``:

- drift ``μ = S / K`` (for a full series from the base year, ``exp(μ) − 1`` is the engine's actual CAGR, so
  the median of the projection is ``projected_final``);
- volatility ``σ² = (Q − S²/K) / (m − 1)`` (the unbiased estimate for steps of variance ``k·σ²``).

``basis`` says where ``σ`` comes from: ``own`` with ``m ≥ 3``; ``pooled`` with ``1 ≤ m < 3`` when the
indicator's volatility pooled across at least ``POOL_MIN_PARKS`` parks is known (``pooled``: key, parks,
sigma); otherwise ``insufficient`` (too little data, with the reason in ``note``). ``m = 0`` (no drift) is
always ``insufficient``.

Probability and interval
------------------------
``probability = Φ(d·(c − x_T) / s)`` with ``c`` and ``s`` the mean and standard deviation above, ``x_T`` the
milestone target ``T`` on the same scale and ``d`` the effective direction (−1 for a lower-is-better
indicator or an ``at_most`` milestone target). With ``s = 0`` (a perfectly steady series) the probability
is 1 when the projection meets the target (relative tolerance 1e-9, as the engine's "achieved") and 0
otherwise. The interval is the 10 % and 90 % quantiles of ``x_F``, back on the indicator's scale
(``exp`` for logs; a share's interval is clipped to 0–100).

No odds (``basis`` empty, nothing in ``note``): flows and rates (their targets are not a level reached by a
drifting stock), rows without an actual, without a milestone target, or at or after the milestone year
(``h ≤ 0``: the status already says whether it was met). Too little data (``basis`` ``insufficient``):
no change since the base year; fewer than 3 changes and no pooled volatility; a level or intensity whose
actual or target is zero or negative (a log growth is undefined, and a small number is never put in).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

LOG_MEASURES = ("level", "intensity")
DIFF_MEASURES = ("share",)
MIN_OWN_CHANGES = 3
POOL_MIN_PARKS = 5
INTERVAL = 0.80
Z_INTERVAL = 1.2815515655446004  # Φ⁻¹(0.90): the 10 % / 90 % quantiles bound the 80 % interval
TOL = 1e-9
# A volatility this small against the size of the steps is floating-point noise of a steady series.
NOISE = 1e-10
PROBABILITY_DECIMALS = 6

BASES = ("own", "pooled", "insufficient")
ODDS_COLUMNS = ["odds_probability", "odds_low", "odds_high", "odds_basis"]

NOTE_NO_CHANGE = "odds: too little data (no yearly change since the base year)"
NOTE_FEW_CHANGES = "odds: too little data (fewer than 3 yearly changes and fewer than 5 parks to pool)"
NOTE_NOT_POSITIVE = "odds: too little data (zero/negative actual or target: log growth undefined)"
NOTE_POOLED = "odds: volatility pooled across {parks} parks"

_REQUIRED = {
    "items": ("key", "base_year", "direction", "measure"),
    "actuals": ("key", "year", "value"),
    "result": ("key", "year", "actual", "target_final", "final_year", "target_kind_final"),
    "pooled": ("key", "parks", "sigma"),
}

_erfc = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Φ(z), element-wise (math.erfc through a ufunc: exact in both tails; ±inf give 1 and 0)."""
    z = np.asarray(z, dtype=np.float64)
    return (0.5 * _erfc(-z / math.sqrt(2.0))).astype(np.float64)


def empty_pooled() -> pd.DataFrame:
    return pd.DataFrame({"key": pd.Series(dtype="int64"), "parks": pd.Series(dtype="int64"),
                         "sigma": pd.Series(dtype="float64")})  # fmt: skip


def compute_odds(
    items: pd.DataFrame, actuals: pd.DataFrame, result: pd.DataFrame, pooled: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The odds of every row of ``result`` (the engine's output), in its order and with its index:
    ``odds_probability``, ``odds_low``, ``odds_high`` (floats, NaN when none), ``odds_basis`` (own, pooled,
    insufficient or "") and ``odds_note`` (a short English reason, or "")."""
    pooled = empty_pooled() if pooled is None else pooled
    for name, frame in (("items", items), ("actuals", actuals), ("result", result), ("pooled", pooled)):
        missing = [c for c in _REQUIRED[name] if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s): {', '.join(missing)}")
    with np.errstate(all="ignore"):
        return _compute(items, actuals, result, pooled)


def _changes(items: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """For every point (key, year) of a level, intensity or share series inside its window, the running
    sums over the changes up to that point: m, S, K, Q."""
    info = items[["key", "base_year", "measure"]].drop_duplicates("key")
    points = actuals[["key", "year", "value"]].merge(info, on="key")
    measure = points["measure"].to_numpy()
    value = points["value"].to_numpy(dtype=np.float64)
    log = np.isin(measure, LOG_MEASURES)
    usable = (
        (log | np.isin(measure, DIFF_MEASURES))
        & ~np.isnan(value)
        & (points["year"].to_numpy() >= points["base_year"].to_numpy())
        & (~log | (value > 0))
    )
    points = points[usable].sort_values(["key", "year"], kind="stable")
    value = points["value"].to_numpy(dtype=np.float64)
    log = np.isin(points["measure"].to_numpy(), LOG_MEASURES)
    x = np.where(log, np.log(np.where(log, value, 1.0)), value)
    key = points["key"].to_numpy(dtype=np.int64)
    year = points["year"].to_numpy(dtype=np.int64)
    same = np.zeros(key.size, dtype=bool)
    same[1:] = key[1:] == key[:-1]
    delta = np.where(same, x - np.roll(x, 1), 0.0)
    k = np.where(same, year - np.roll(year, 1), 0).astype(np.float64)
    steps = pd.DataFrame(
        {
            "key": key,
            "m": same.astype(np.float64),
            "S": delta,
            "K": k,
            "Q": np.where(same, delta * delta / np.where(same, k, 1.0), 0.0),
        }
    )
    sums = steps.groupby("key", sort=False)[["m", "S", "K", "Q"]].cumsum()
    return pd.DataFrame({"key": key, "year": year, **{c: sums[c].to_numpy() for c in ("m", "S", "K", "Q")}})


def _compute(items: pd.DataFrame, actuals: pd.DataFrame, result: pd.DataFrame, pooled: pd.DataFrame):
    info = items[["key", "direction", "measure"]].drop_duplicates("key").set_index("key")
    r_key = result["key"].to_numpy(dtype=np.int64)
    r_year = result["year"].to_numpy(dtype=np.int64)
    measure = info["measure"].reindex(r_key).to_numpy(dtype=object)
    direction = info["direction"].reindex(r_key).to_numpy(dtype=np.float64)
    actual = result["actual"].to_numpy(dtype=np.float64)
    target = result["target_final"].to_numpy(dtype=np.float64)
    final = pd.array(result["final_year"], dtype="Int64")
    has_final = ~np.asarray(final.isna())
    final_year = np.where(has_final, final.fillna(0).to_numpy(dtype=np.int64), 0)
    at_most = result["target_kind_final"].astype(object).to_numpy() == "at_most"
    d = np.where(at_most, -1.0, direction)

    log = np.isin(measure, LOG_MEASURES)
    share = np.isin(measure, DIFF_MEASURES)
    h = (final_year - r_year).astype(np.float64)
    applicable = (log | share) & ~np.isnan(actual) & has_final & ~np.isnan(target) & (h > 0)
    not_positive = applicable & log & ~((actual > 0) & (target > 0))

    # The running sums at the row's own point (a row of a log series with A_y ≤ 0 has no point).
    sums = _changes(items, actuals)
    index = pd.MultiIndex.from_arrays([sums["key"].to_numpy(), sums["year"].to_numpy()])
    at = index.get_indexer(pd.MultiIndex.from_arrays([r_key, r_year]))
    found = at >= 0
    pick = np.maximum(at, 0)

    def column(name: str) -> np.ndarray:
        values = sums[name].to_numpy(dtype=np.float64)
        return np.where(found, values[pick] if values.size else 0.0, 0.0)

    m, S, K, Q = column("m"), column("S"), column("K"), column("Q")
    mu = np.where(K > 0, S / np.where(K > 0, K, 1.0), np.nan)
    ss = Q - S * S / np.where(K > 0, K, 1.0)
    ss = np.where(ss <= NOISE * Q, 0.0, ss)
    own_sigma = np.where(m >= 2, np.sqrt(ss / np.where(m >= 2, m - 1.0, 1.0)), np.nan)

    pool = pooled.drop_duplicates("key").set_index("key")
    pool_parks = pool["parks"].reindex(r_key).to_numpy(dtype=np.float64)
    pool_sigma = pool["sigma"].reindex(r_key).to_numpy(dtype=np.float64)
    can_pool = (pool_parks >= POOL_MIN_PARKS) & ~np.isnan(pool_sigma)

    live = applicable & ~not_positive
    use_own = live & (m >= MIN_OWN_CHANGES)
    use_pool = live & (m >= 1) & (m < MIN_OWN_CHANGES) & can_pool
    estimated = use_own | use_pool
    sigma = np.where(use_own, own_sigma, np.where(use_pool, pool_sigma, np.nan))

    x_now = np.where(log, np.log(np.where(log & (actual > 0), actual, 1.0)), actual)
    x_target = np.where(log, np.log(np.where(log & (target > 0), target, 1.0)), target)
    center = x_now + h * mu
    spread = sigma * np.sqrt(h * (1.0 + h / np.where(K > 0, K, 1.0)))
    margin = d * (center - x_target)
    steady = spread == 0
    tolerance = np.where(log, TOL, TOL * np.maximum(np.abs(target), 1.0))
    probability = np.where(
        steady,
        np.where(margin >= -tolerance, 1.0, 0.0),
        normal_cdf(np.where(steady, 0.0, margin / np.where(steady, 1.0, spread))),
    )
    low = center - Z_INTERVAL * spread
    high = center + Z_INTERVAL * spread
    low = np.where(log, np.exp(low), np.clip(low, 0.0, 100.0))
    high = np.where(log, np.exp(high), np.clip(high, 0.0, 100.0))

    probability = np.where(estimated, np.round(probability, PROBABILITY_DECIMALS), np.nan)
    low = np.where(estimated, low, np.nan)
    high = np.where(estimated, high, np.nan)
    insufficient = applicable & ~estimated
    basis = np.select([use_own, use_pool, insufficient], list(BASES), default="")
    note = np.select(
        [not_positive, insufficient & (m < 1), insufficient],
        [NOTE_NOT_POSITIVE, NOTE_NO_CHANGE, NOTE_FEW_CHANGES],
        default="",
    ).astype(object)
    if use_pool.any():
        counts, inverse = np.unique(pool_parks[use_pool].astype(np.int64), return_inverse=True)
        texts = np.array([NOTE_POOLED.format(parks=int(c)) for c in counts], dtype=object)  # per count
        note[use_pool] = texts[inverse.reshape(-1)]
    return pd.DataFrame(
        {
            "odds_probability": probability,
            "odds_low": low,
            "odds_high": high,
            "odds_basis": basis.astype(object),
            "odds_note": note,
        },
        index=result.index,
    )


def pooled_sigma(parks: np.ndarray, sum_squares: np.ndarray, dof: np.ndarray) -> np.ndarray:
    """The pooled volatility from its sufficient statistics: ``sqrt(Σ SS / Σ (m − 1))`` over the parks
    of an indicator (NaN without a degree of freedom). Rounded to 12 significant digits, so that a sum
    taken in another order by the database gives the same figure."""
    parks = np.asarray(parks, dtype=np.float64)
    ss = np.maximum(np.asarray(sum_squares, dtype=np.float64), 0.0)
    dof = np.asarray(dof, dtype=np.float64)
    with np.errstate(all="ignore"):
        sigma = np.where(dof > 0, np.sqrt(ss / np.where(dof > 0, dof, 1.0)), np.nan)
        scale = np.where(sigma > 0, 10.0 ** (11 - np.floor(np.log10(np.where(sigma > 0, sigma, 1.0)))), 1.0)
        return np.where(sigma > 0, np.round(sigma * scale) / scale, sigma)
