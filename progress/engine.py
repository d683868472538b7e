"""The progress engine: ParkTrack's progress method as one pure, vectorised function of DataFrames.

``compute_progress(items, targets, actuals, milestones)`` implements
``docs/progress-method.md``. It imports nothing from Django: the caller turns querysets
into frames (Decimal → float, every value already in the plan indicator's unit) and stores the result.
All rows are computed at once with numpy/pandas; there is no Python loop over series or years.

Inputs
------
``items``       one row per series: ``key`` (int, unique), ``base_year``, ``start_year``, ``end_year``,
                ``direction`` (+1 higher is better, −1 lower is better), ``measure`` (level, annual_flow,
                cumulative_flow, share, rate, intensity: a quantity per unit of output), ``nature``
                (anticipatory, binding).
``targets``     ``key, year, kind, value``; kind is level, at_least, at_most, cagr, pp_change, multiple,
                reduction or keep (value NaN for keep).
``actuals``     ``key, year, value``; may hold the base year (that row is ``B``) and years outside the plan.
``milestones``  ``key, year``: the milestone years of the series' plan (the plan's end year included).

Rows of targets/actuals/milestones whose key is not in ``items`` are ignored; actuals whose value is NaN
count as missing. A duplicate ``key`` in items or a duplicate ``(key, year)`` in targets or actuals is an
error (``ValueError``): the engine never silently picks one of two numbers.

Output
------
One row per ``(key, year)`` with ``start_year ≤ year ≤ end_year`` that has an actual or a target, sorted by
key and year, with the columns of ``OUTPUT_COLUMNS``. Rates are fractions (0.0208, not 2.08). Undefined
floats are NaN; ``final_year`` is a nullable ``Int64``; text columns (``target_kind_final``, ``mode``,
``status``, ``trend``, ``note``) are ``""`` when there is nothing to say. ``note`` is a "; "-joined list
of short English reasons why a figure is null or which fallback was used.

Rules (the method, plus the readings ParkTrack has decided where the method is silent)
----------------------------------------------------------------------------------------
- ``B`` = actual at base_year (NaN if missing); ``t = year − base_year``.
- Each target row becomes a level via its kind, with ``n_target = target year − base_year``:
  level/at_least/at_most: value; cagr: ``B·(1+g)^n_target``; pp_change: ``B + p``; multiple: ``m·B``;
  reduction: ``B·(1−r)``; keep: ``B``. Without ``B`` the non-level kinds give NaN ("no base value").
- ``target_year`` (``T_y``) = the target level at this year. ``final_year`` = the first milestone year
  ≥ year that has a target; else the latest target year of the series if it is ≥ year; else none.
  ``target_final`` (``T``) and ``target_kind_final`` are that target's level and kind;
  ``n = final_year − base_year``.
- Effective direction ``d`` = the item's direction, but −1 when the final target's kind is at_most.
- ``compared_actual``: ``A_y`` for level, share, intensity and annual_flow; for cumulative_flow the sum, and
  for rate the mean, of the actuals present in base_year+1..year (never interpolated; NaN when there are
  none). Neither the sum nor the mean uses B.
- ``completion_rate`` = compared/``T_y`` (d=+1) or ``T_y``/compared (d=−1); NaN without ``T_y`` or with a
  zero divisor. ``gap_year = d·(compared − T_y)``, ``gap_final = d·(compared − T)``; ``*_pct`` = gap/|target|.
- ``yoy_growth = A_y/A_{y−1} − 1``; needs an actual in y−1 that is > 0 and ``A_y ≥ 0``; NaN for rate.
- ``cagr_actual = (A_y/B)^(1/t) − 1`` (t > 0), ``cagr_required = (T/B)^(1/n) − 1`` (n > 0),
  ``cagr_remaining = (T/A_y)^(1/(n−t)) − 1`` (n − t > 0), ``projected_final = A_y·(1+cagr_actual)^(n−t)``.
  Only for level, share and intensity (flows and rates have no CAGR); every operand must be > 0, otherwise
  NaN and a note (never 0.001 for zero).
- ``pace = d·cagr_actual/|cagr_required|`` (NaN when cagr_required is 0 or NaN).
- Shape: growth-shaped for every intensity (the statistics bureau's method for "per unit of output"
  targets, whatever the wording: "降低至0.06" is at_most and still growth-shaped), and for a level or share
  whose target_kind_final is cagr, multiple or reduction; otherwise linear.
- ``task_progress`` P: level/share/intensity, linear ``(A_y − B)/(T − B)``; growth-shaped
  ``ln(A_y/B)/ln(T/B)``, falling back to linear (noted) unless B, A_y and T are all > 0; cumulative_flow
  ``ΣA/T``; annual_flow/rate NaN.
- ``expected_progress`` E: 1 at final_year. Else, when the plan gives ``T_y`` and B is present: the same
  shape as P — linear ``(T_y − B)/(T − B)`` or growth-shaped ``ln(T_y/B)/ln(T/B)`` (linear, noted, unless
  B, T_y and T are all > 0). For cumulative_flow the
  yearly targets are read as plan-to-date totals (the same quantity that ``completion_rate`` and
  ``gap_year`` compare with ΣA), so ``E = T_y/T`` (the accumulation starts at 0, no B needed).
  Otherwise time progress ``t/n``.
- ``progress_index`` I = P/E, only in index mode (NaN otherwise; P and E are still reported when defined).
- ``mode`` = "completion" when the measure is annual_flow or rate, or B is missing while the year has a
  target (a cumulative flow or a rate needs no B), or E ≤ 0 or NaN, or T == B, or (reading) P/E is not
  finite; else "index". ``mode`` is "" for rows
  whose status is insufficient_data or no_target (nothing was judged).
- ``status``, first rule that applies:
  1. insufficient_data: no actual this year (or no compared value), or neither B nor ``T_y`` — except for
     cumulative flows and rates, whose ΣA and mean of the rates need no base (Wenshan's "新增创新创业载体
     10家" and "研发经费投入年均增长16.7%" have no 2021 value), as long as T has a level (a milestone target
     worded relative to the base, e.g. pp_change, has none without B);
  2. no_target: neither ``T_y`` nor ``T``;
  3. achieved: ``d·(compared − T) ≥ 0`` for level, share, intensity, cumulative_flow; for annual_flow and
     rate only at final_year with completion_rate ≥ 1;
  4. index mode: I ≥ 1 ahead, ≥ 0.95 on_track, ≥ 0.60 lagging, ≥ 0 severely_lagging, < 0 regressing;
  5. completion mode, on completion_rate (or, without ``T_y``, compared vs T in the completion sense):
     ≥ 1 ahead, ≥ 0.95 on_track, ≥ 0.60 lagging, else severely_lagging; NaN → insufficient_data;
  6. a binding indicator that would be on_track (value < 1) is lagging: binding means must be met.
  Cut-offs are compared with ``≥`` and a tolerance of 1e-9, so that 0.95 computed as 0.9499999999 stays
  on_track (for "achieved" the tolerance is relative: 1e-9·|T|).
- ``trend`` (Open SDG no-target thresholds on ``d·cagr_actual``), for every row where it is defined:
  ≥ 0.015 significant_progress, ≥ 0.005 moderate_progress, ≥ 0 insufficient_progress, < 0 deterioration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = ("level", "annual_flow", "cumulative_flow", "share", "rate", "intensity")
KINDS = ("level", "at_least", "at_most", "cagr", "pp_change", "multiple", "reduction", "keep")
NATURES = ("anticipatory", "binding")
STATUSES = (
    "achieved",
    "ahead",
    "on_track",
    "lagging",
    "severely_lagging",
    "regressing",
    "no_target",
    "insufficient_data",
)
TRENDS = ("significant_progress", "moderate_progress", "insufficient_progress", "deterioration")
MODES = ("index", "completion")

OUTPUT_COLUMNS = [
    "key",
    "year",
    "actual",
    "base_value",
    "target_year",
    "target_final",
    "final_year",
    "target_kind_final",
    "compared_actual",
    "completion_rate",
    "gap_year",
    "gap_year_pct",
    "gap_final",
    "gap_final_pct",
    "yoy_growth",
    "cagr_actual",
    "cagr_required",
    "cagr_remaining",
    "projected_final",
    "pace",
    "task_progress",
    "expected_progress",
    "progress_index",
    "mode",
    "status",
    "trend",
    "note",
]
# The figures of one (key, year): everything but the key. Stored results, the API and the dashboards all
# name their progress columns from this one list.
FIGURE_COLUMNS = OUTPUT_COLUMNS[2:]
TEXT_FIGURES = ("target_kind_final", "mode", "status", "trend", "note")

CUT_AHEAD = 1.0
CUT_ON_TRACK = 0.95
CUT_LAGGING = 0.60
TREND_SIGNIFICANT = 0.015
TREND_MODERATE = 0.005
TOL = 1e-9

_YEAR_SPAN = 10_000  # (key, year) → key * _YEAR_SPAN + year, which sorts like (key, year)

_LEVEL, _ANNUAL, _CUMULATIVE, _SHARE, _RATE, _INTENSITY = range(len(MEASURES))
_K_LEVEL, _K_AT_LEAST, _K_AT_MOST, _K_CAGR, _K_PP, _K_MULTIPLE, _K_REDUCTION, _K_KEEP = range(len(KINDS))
_BINDING = NATURES.index("binding")
(_S_ACHIEVED, _S_AHEAD, _S_ON_TRACK, _S_LAGGING, _S_SEVERE, _S_REGRESSING, _S_NO_TARGET, _S_INSUFFICIENT) = (
    range(len(STATUSES))
)

# Reasons for ``note``, in display order. Each is one bit of an integer code per row.
_NOTES = (
    "no actual for this year",
    "no base value",
    "no flow years since base year",
    "no target for this year",
    "no milestone target",
    "final target is the latest target year (no milestone target)",
    "at_most target: judged lower-is-better",
    "no actual for previous year",
    "milestone year reached: no remaining growth",
    "yoy undefined for zero/negative values",
    "rate indicator: no growth of a rate",
    "flows have no CAGR",
    "growth undefined for zero/negative base",
    "growth undefined for zero/negative actual or target",
    "task progress: growth shape undefined, linear used",
    "expected progress: growth shape undefined, linear used",
    "expected progress = time progress t/n",
    "completion mode: measure judged on completion rate",
    "completion mode: no base value",
    "completion mode: expected progress <= 0 or undefined",
    "completion mode: target equals base",
    "completion mode: progress index undefined",
    "judged on completion against milestone target (no target for this year)",
    "completion rate undefined",
    "binding indicator below target: on_track -> lagging",
)
_NOTE_BIT = {text: np.int64(1) << np.int64(i) for i, text in enumerate(_NOTES)}

_REQUIRED = {
    "items": ("key", "base_year", "start_year", "end_year", "direction", "measure", "nature"),
    "targets": ("key", "year", "kind", "value"),
    "actuals": ("key", "year", "value"),
    "milestones": ("key", "year"),
}


def compute_progress(
    items: pd.DataFrame, targets: pd.DataFrame, actuals: pd.DataFrame, milestones: pd.DataFrame
) -> pd.DataFrame:
    """Judge every (series, year) of every plan at once; see the module docstring for the rules."""
    for name, frame in (
        ("items", items),
        ("targets", targets),
        ("actuals", actuals),
        ("milestones", milestones),
    ):
        missing = [c for c in _REQUIRED[name] if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s): {', '.join(missing)}")

    with np.errstate(all="ignore"):
        return _compute(items, targets, actuals, milestones)


# --------------------------------------------------------------------------------------------- helpers


def _ints(frame: pd.DataFrame, column: str, name: str) -> np.ndarray:
    series = frame[column]
    if series.isna().any():
        raise ValueError(f"{name}.{column} has missing values")
    values = series.to_numpy(dtype=np.float64)
    if not np.all(values == np.round(values)):
        raise ValueError(f"{name}.{column} must hold integers")
    return values.astype(np.int64)


def _codes(series: pd.Series, choices: tuple[str, ...], name: str) -> np.ndarray:
    codes = pd.Index(choices).get_indexer(series.astype(object))
    if (codes < 0).any():
        bad = sorted({str(v) for v in series[codes < 0]})
        raise ValueError(f"{name} has unknown value(s) {bad}; expected one of {list(choices)}")
    return codes


def _lookup(sorted_ids: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``query`` in the sorted unique ``sorted_ids`` and whether each one is there."""
    if sorted_ids.size == 0:
        return np.zeros(query.shape, dtype=np.int64), np.zeros(query.shape, dtype=bool)
    pos = np.searchsorted(sorted_ids, query)
    pos = np.minimum(pos, sorted_ids.size - 1)
    return pos, sorted_ids[pos] == query


def _ids(keys: np.ndarray, years: np.ndarray, name: str) -> np.ndarray:
    if years.size and (years.min() < 0 or years.max() >= _YEAR_SPAN):
        raise ValueError(f"{name}.year out of range 0..{_YEAR_SPAN - 1}")
    return keys * _YEAR_SPAN + years


def _sorted_unique(ids: np.ndarray, name: str, what: str = "(key, year)") -> np.ndarray:
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    dup = sorted_ids[1:] == sorted_ids[:-1]
    if dup.any():
        first = int(sorted_ids[1:][dup][0])
        shown = f"key {first // _YEAR_SPAN}, year {first % _YEAR_SPAN}" if what != "key" else f"key {first}"
        raise ValueError(f"{name} has a duplicate {what}: {shown}")
    return order


def _pick(values: np.ndarray, pos: np.ndarray, found: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return np.full(pos.shape, np.nan)
    return np.where(found, values[pos], np.nan)


def _at_least(x: np.ndarray, cut: float) -> np.ndarray:
    return x >= cut - TOL


# ------------------------------------------------------------------------------------------ the method


def _compute(
    items: pd.DataFrame, targets: pd.DataFrame, actuals: pd.DataFrame, milestones: pd.DataFrame
) -> pd.DataFrame:
    # ---- items, sorted by key
    i_key = _ints(items, "key", "items")
    order = _sorted_unique(i_key, "items", what="key")
    i_key = i_key[order]
    i_base = _ints(items, "base_year", "items")[order]
    i_start = _ints(items, "start_year", "items")[order]
    i_end = _ints(items, "end_year", "items")[order]
    i_dir = _ints(items, "direction", "items")[order]
    if not np.isin(i_dir, (1, -1)).all():
        raise ValueError("items.direction must be +1 or -1")
    i_measure = _codes(items["measure"], MEASURES, "items.measure")[order]
    i_nature = _codes(items["nature"], NATURES, "items.nature")[order]

    # ---- actuals, known keys and real values only, sorted by (key, year)
    a_key = _ints(actuals, "key", "actuals")
    a_year = _ints(actuals, "year", "actuals")
    a_val = actuals["value"].to_numpy(dtype=np.float64)
    a_item, a_known = _lookup(i_key, a_key)
    keep = a_known & ~np.isnan(a_val)
    a_key, a_year, a_val, a_item = a_key[keep], a_year[keep], a_val[keep], a_item[keep]
    a_id = _ids(a_key, a_year, "actuals")
    order = _sorted_unique(a_id, "actuals")
    a_key, a_year, a_val, a_item, a_id = a_key[order], a_year[order], a_val[order], a_item[order], a_id[order]

    # ---- base value per item
    b_pos, b_found = _lookup(a_id, i_key * _YEAR_SPAN + i_base)
    i_b = _pick(a_val, b_pos, b_found)

    # ---- targets → levels, sorted by (key, year)
    t_key = _ints(targets, "key", "targets")
    t_year = _ints(targets, "year", "targets")
    t_item, t_known = _lookup(i_key, t_key)
    t_key, t_year, t_item = t_key[t_known], t_year[t_known], t_item[t_known]
    t_kind = _codes(targets["kind"][t_known], KINDS, "targets.kind")
    t_val = targets["value"].to_numpy(dtype=np.float64)[t_known]
    t_id = _ids(t_key, t_year, "targets")
    order = _sorted_unique(t_id, "targets")
    t_key, t_year, t_item, t_kind, t_val, t_id = (
        a[order] for a in (t_key, t_year, t_item, t_kind, t_val, t_id)
    )
    t_b = i_b[t_item]
    t_n = t_year - i_base[t_item]
    t_level = np.select(
        [
            np.isin(t_kind, (_K_LEVEL, _K_AT_LEAST, _K_AT_MOST)),
            t_kind == _K_CAGR,
            t_kind == _K_PP,
            t_kind == _K_MULTIPLE,
            t_kind == _K_REDUCTION,
            t_kind == _K_KEEP,
        ],
        [t_val, t_b * (1.0 + t_val) ** t_n, t_b + t_val, t_val * t_b, t_b * (1.0 - t_val), t_b],
        default=np.nan,
    )

    # ---- rows: every (key, year) in the plan period with an actual or a target
    all_id = np.concatenate([a_id, t_id])
    all_key = np.concatenate([a_key, t_key])
    all_year = np.concatenate([a_year, t_year])
    all_item = np.concatenate([a_item, t_item]).astype(np.int64)
    r_id, first = np.unique(all_id, return_index=True)
    r_key, r_year, ip = all_key[first], all_year[first], all_item[first]
    inside = (r_year >= i_start[ip]) & (r_year <= i_end[ip])
    r_id, r_key, r_year, ip = r_id[inside], r_key[inside], r_year[inside], ip[inside]
    size = r_id.size

    base_year = i_base[ip]
    measure = i_measure[ip]
    binding = i_nature[ip] == _BINDING
    is_intensity = measure == _INTENSITY
    is_stock = (measure == _LEVEL) | (measure == _SHARE) | is_intensity  # A_y is compared, growth defined
    is_cum = measure == _CUMULATIVE
    is_rate = measure == _RATE
    is_flow = (measure == _ANNUAL) | is_cum
    judged_on_completion = (measure == _ANNUAL) | is_rate

    a_pos, has_a = _lookup(a_id, r_id)
    actual = _pick(a_val, a_pos, has_a)
    b = i_b[ip]
    has_b = ~np.isnan(b)

    ty_pos, has_ty_row = _lookup(t_id, r_id)
    t_y = _pick(t_level, ty_pos, has_ty_row)
    has_ty = ~np.isnan(t_y)

    # ---- the milestone being judged
    m_key = _ints(milestones, "key", "milestones")
    m_year = _ints(milestones, "year", "milestones")
    m_id = np.unique(_ids(m_key, m_year, "milestones"))
    mt_id = np.intersect1d(m_id, t_id, assume_unique=True)  # milestone years that carry a target
    if mt_id.size:
        mpos = np.minimum(np.searchsorted(mt_id, r_id), mt_id.size - 1)
        via_milestone = (mt_id[mpos] >= r_id) & (mt_id[mpos] // _YEAR_SPAN == r_key)
        m_final_id = mt_id[mpos]
    else:
        via_milestone = np.zeros(size, dtype=bool)
        m_final_id = np.zeros(size, dtype=np.int64)
    if t_id.size:
        lpos = np.searchsorted(t_id, (r_key + 1) * _YEAR_SPAN) - 1  # latest target of the key
        lpos_c = np.maximum(lpos, 0)
        via_latest = ~via_milestone & (lpos >= 0) & (t_key[lpos_c] == r_key) & (t_year[lpos_c] >= r_year)
        f_pos = np.where(via_milestone, np.searchsorted(t_id, m_final_id), lpos_c)
    else:
        via_latest = np.zeros(size, dtype=bool)
        f_pos = np.zeros(size, dtype=np.int64)
    has_final = via_milestone | via_latest
    target_final = _pick(t_level, f_pos, has_final)
    has_t = ~np.isnan(target_final)
    kind_final = np.where(has_final, t_kind[f_pos] if t_kind.size else -1, -1)
    final_year = np.where(has_final, t_year[f_pos] if t_year.size else 0, 0)
    at_most = kind_final == _K_AT_MOST
    d = np.where(at_most, -1, i_dir[ip]).astype(np.float64)

    t = (r_year - base_year).astype(np.float64)
    n = np.where(has_final, final_year - base_year, np.nan).astype(np.float64)
    at_final = has_final & (final_year == r_year)

    # ---- compared actual: A_y, or the sum / mean of the flow years base+1..y
    compared = actual.copy()
    no_flow_years = np.zeros(size, dtype=bool)
    a_measure = i_measure[a_item]
    running = (a_measure == _CUMULATIVE) | (a_measure == _RATE)
    if running.any():
        window = running & (a_year > i_base[a_item])
        acc = pd.DataFrame({"key": a_key, "s": np.where(window, a_val, 0.0), "c": window.astype(np.int64)})
        acc = acc.groupby("key", sort=False)[["s", "c"]].cumsum()
        a_sum = acc["s"].to_numpy()
        a_cnt = acc["c"].to_numpy()
        r_sum = _pick(a_sum, a_pos, has_a)
        r_cnt = _pick(a_cnt.astype(np.float64), a_pos, has_a)
        no_flow_years = has_a & (is_cum | is_rate) & ~(r_cnt > 0)
        compared = np.where(is_cum, r_sum, compared)
        compared = np.where(is_rate, r_sum / r_cnt, compared)
        compared = np.where(no_flow_years, np.nan, compared)
    has_c = ~np.isnan(compared)

    # ---- completion and gaps
    completion_up = np.where(t_y != 0, compared / t_y, np.nan)
    completion_down = np.where(compared != 0, t_y / compared, np.nan)
    completion_rate = np.where(d > 0, completion_up, completion_down)
    gap_year = d * (compared - t_y)
    gap_year_pct = np.where(t_y != 0, gap_year / np.abs(t_y), np.nan)
    gap_final = d * (compared - target_final)
    gap_final_pct = np.where(target_final != 0, gap_final / np.abs(target_final), np.nan)
    completion_final = np.where(
        d > 0,
        np.where(target_final != 0, compared / target_final, np.nan),
        np.where(compared != 0, target_final / compared, np.nan),
    )

    # ---- year-on-year growth
    p_pos, has_prev = _lookup(a_id, r_id - 1)
    prev = _pick(a_val, p_pos, has_prev)
    yoy_ok = ~is_rate & has_a & has_prev & (prev > 0) & (actual >= 0)
    yoy_growth = np.where(yoy_ok, actual / prev - 1.0, np.nan)

    # ---- growth figures (stocks and shares only)
    pos_b, pos_a, pos_t = b > 0, actual > 0, target_final > 0
    ca_ok = is_stock & (t > 0) & pos_b & pos_a
    cagr_actual = np.where(ca_ok, (actual / b) ** (1.0 / t) - 1.0, np.nan)
    cr_ok = is_stock & (n > 0) & pos_b & pos_t
    cagr_required = np.where(cr_ok, (target_final / b) ** (1.0 / n) - 1.0, np.nan)
    left = n - t
    crem_ok = is_stock & (left > 0) & pos_a & pos_t
    cagr_remaining = np.where(crem_ok, (target_final / actual) ** (1.0 / left) - 1.0, np.nan)
    projected_final = np.where(
        ~np.isnan(cagr_actual) & has_final, actual * (1.0 + cagr_actual) ** left, np.nan
    )
    pace_ok = ~np.isnan(cagr_required) & (cagr_required != 0)
    pace = np.where(pace_ok, d * cagr_actual / np.abs(cagr_required), np.nan)

    # ---- task progress P and expected progress E
    # Growth-shaped: a target worded as a growth, or an intensity whatever the wording (NBS method).
    growth_shaped = np.isin(kind_final, (_K_CAGR, _K_MULTIPLE, _K_REDUCTION)) | is_intensity
    t_minus_b = target_final - b
    denom_ok = t_minus_b != 0  # False for NaN too
    log_t_b = np.log(target_final / b)
    p_linear = np.where(denom_ok, (actual - b) / t_minus_b, np.nan)
    p_growth_ok = growth_shaped & pos_b & pos_a & pos_t & denom_ok
    p_stock = np.where(p_growth_ok, np.log(actual / b) / log_t_b, p_linear)
    p_growth_fallback = is_stock & growth_shaped & ~p_growth_ok & has_b & has_a & has_t
    task_progress = np.select(
        [is_stock, is_cum],
        [p_stock, np.where(target_final != 0, compared / target_final, np.nan)],
        default=np.nan,
    )

    by_plan_path = ~at_final & has_ty & (has_b | is_cum)
    e_linear = np.where(denom_ok, (t_y - b) / t_minus_b, np.nan)
    e_growth_ok = growth_shaped & pos_b & (t_y > 0) & pos_t & denom_ok
    e_path = np.where(e_growth_ok, np.log(t_y / b) / log_t_b, e_linear)
    e_path = np.where(is_cum, np.where(target_final != 0, t_y / target_final, np.nan), e_path)
    e_growth_fallback = by_plan_path & ~is_cum & growth_shaped & ~e_growth_ok & has_b & has_t
    by_time = ~at_final & ~by_plan_path & has_final
    e_time = np.where(n > 0, t / n, np.nan)
    expected_progress = np.select([at_final, by_plan_path, by_time], [1.0, e_path, e_time], default=np.nan)

    # ---- mode and progress index
    c_measure = judged_on_completion
    base_free = is_cum | is_rate  # ΣA/T and the mean of the rates need no base value
    c_no_base = ~has_b & has_ty & ~base_free
    c_expected = ~(expected_progress > 0)
    c_equal = has_b & has_t & ~denom_ok
    index_mode = ~(c_measure | c_no_base | c_expected | c_equal)
    ratio = task_progress / expected_progress
    c_index = index_mode & ~np.isfinite(ratio)
    index_mode &= ~c_index
    progress_index = np.where(index_mode, ratio, np.nan)

    # ---- status
    # Without B and without T_y only a cumulative flow or a rate can still be judged, on T, and only when
    # T has a level (a cagr / multiple / … milestone target needs B to have one).
    judged_without_base = base_free & ~(has_final & ~has_t)
    insufficient = ~has_a | ~has_c | (~has_b & ~has_ty & ~judged_without_base)
    no_target = ~has_ty & ~has_t
    achieved = has_t & (
        (~judged_on_completion & (gap_final >= -TOL * np.abs(target_final)))
        | (judged_on_completion & at_final & _at_least(completion_rate, CUT_AHEAD))
    )
    i = progress_index
    index_status = np.select(
        [_at_least(i, CUT_AHEAD), _at_least(i, CUT_ON_TRACK), _at_least(i, CUT_LAGGING), _at_least(i, 0.0)],
        [_S_AHEAD, _S_ON_TRACK, _S_LAGGING, _S_SEVERE],
        default=_S_REGRESSING,
    )
    on_final = ~has_ty
    c_value = np.where(on_final, completion_final, completion_rate)
    completion_status = np.select(
        [np.isnan(c_value), _at_least(c_value, CUT_AHEAD), _at_least(c_value, CUT_ON_TRACK)]
        + [_at_least(c_value, CUT_LAGGING)],
        [_S_INSUFFICIENT, _S_AHEAD, _S_ON_TRACK, _S_LAGGING],
        default=_S_SEVERE,
    )
    status = np.select(
        [insufficient, no_target, achieved, index_mode],
        [_S_INSUFFICIENT, _S_NO_TARGET, _S_ACHIEVED, index_status],
        default=completion_status,
    )
    judged = ~insufficient & ~no_target
    downgraded = binding & (status == _S_ON_TRACK)
    status = np.where(downgraded, _S_LAGGING, status)
    completion_judged = judged & ~achieved & ~index_mode
    mode_shown = (status != _S_INSUFFICIENT) & (status != _S_NO_TARGET)  # nothing was judged otherwise
    progress_index = np.where(mode_shown, progress_index, np.nan)

    # ---- trend (Open SDG no-target thresholds on d·CAGR)
    x = d * cagr_actual
    trend = np.select(
        [np.isnan(x), _at_least(x, TREND_SIGNIFICANT), _at_least(x, TREND_MODERATE), _at_least(x, 0.0)],
        [-1, 0, 1, 2],
        default=3,
    )

    # ---- notes
    reasons = {
        "no actual for this year": ~has_a,
        "no base value": ~has_b,
        "no flow years since base year": no_flow_years,
        "no target for this year": ~has_ty & has_t,
        "no milestone target": ~has_t & has_ty,
        "final target is the latest target year (no milestone target)": via_latest,
        "at_most target: judged lower-is-better": at_most & (i_dir[ip] == 1),
        "no actual for previous year": ~is_rate & has_a & ~has_prev,
        "milestone year reached: no remaining growth": is_stock & has_a & has_t & (left <= 0),
        "yoy undefined for zero/negative values": ~is_rate & has_a & has_prev & ~yoy_ok,
        "rate indicator: no growth of a rate": is_rate,
        "flows have no CAGR": is_flow,
        "growth undefined for zero/negative base": is_stock & has_b & ~pos_b,
        "growth undefined for zero/negative actual or target": is_stock
        & ((has_a & ~pos_a) | (has_t & ~pos_t)),
        "task progress: growth shape undefined, linear used": p_growth_fallback,
        "expected progress: growth shape undefined, linear used": e_growth_fallback,
        "expected progress = time progress t/n": by_time & has_t,
        "completion mode: measure judged on completion rate": judged & c_measure,
        "completion mode: no base value": judged & ~c_measure & c_no_base,
        "completion mode: expected progress <= 0 or undefined": judged & ~c_measure & ~c_no_base & c_expected,
        "completion mode: target equals base": judged & ~c_measure & ~c_no_base & ~c_expected & c_equal,
        "completion mode: progress index undefined": judged & c_index,
        "judged on completion against milestone target (no target for this year)": completion_judged
        & on_final,
        "completion rate undefined": completion_judged & np.isnan(c_value),
        "binding indicator below target: on_track -> lagging": downgraded,
    }
    code = np.zeros(size, dtype=np.int64)
    for text, mask in reasons.items():
        code |= np.where(mask, _NOTE_BIT[text], np.int64(0))
    uniq, inverse = np.unique(code, return_inverse=True)
    texts = np.array(["; ".join(t for t in _NOTES if int(c) & int(_NOTE_BIT[t])) for c in uniq], dtype=object)
    note = texts[inverse.reshape(-1)]

    mode = np.where(mode_shown, np.where(index_mode, "index", "completion"), "")
    kind_text = np.array(KINDS + ("",), dtype=object)[kind_final]  # -1 → ""
    trend_text = np.array(TRENDS + ("",), dtype=object)[trend]
    status_text = np.array(STATUSES, dtype=object)[status]

    out = pd.DataFrame(
        {
            "key": r_key.astype(np.int64),
            "year": r_year.astype(np.int64),
            "actual": actual,
            "base_value": b,
            "target_year": t_y,
            "target_final": target_final,
            "final_year": pd.arrays.IntegerArray(np.where(has_final, final_year, 0), ~has_final),
            "target_kind_final": kind_text.astype(object),
            "compared_actual": compared,
            "completion_rate": completion_rate,
            "gap_year": gap_year,
            "gap_year_pct": gap_year_pct,
            "gap_final": gap_final,
            "gap_final_pct": gap_final_pct,
            "yoy_growth": yoy_growth,
            "cagr_actual": cagr_actual,
            "cagr_required": cagr_required,
            "cagr_remaining": cagr_remaining,
            "projected_final": projected_final,
            "pace": pace,
            "task_progress": task_progress,
            "expected_progress": expected_progress,
            "progress_index": progress_index,
            "mode": mode.astype(object),
            "status": status_text,
            "trend": trend_text,
            "note": note,
        },
        columns=OUTPUT_COLUMNS,
    )
    for column in ("target_kind_final", "mode", "status", "trend", "note"):
        out[column] = out[column].astype("str")
    return out
