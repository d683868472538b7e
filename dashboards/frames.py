"""Shaping the stored results for the pages: pure pandas, nothing from Django.

These functions pick, join, count and sort what the selectors read; they never derive a progress figure
(that is the engine's job, done when data changes, not when a page is opened).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from dashboards.colors import BEHIND, STATUS_ORDER

UNCATEGORISED = "—"
# Worst first: sorting the table by status ascending puts what needs attention at the top.
SEVERITY = {
    status: rank
    for rank, status in enumerate(
        [
            "regressing",
            "severely_lagging",
            "lagging",
            "on_track",
            "ahead",
            "achieved",
            "no_target",
            "insufficient_data",
        ]
    )
}
SORT_KEYS = {
    "order": "order",
    "name": "label",
    "actual": "actual",
    "completion": "completion_rate",
    "gap": "gap_year_pct",
    "required": "required_growth",
    "status": "severity",
}


def pick_year(results: pd.DataFrame, *, requested: int | None, today_year: int) -> int | None:
    """The year to show: the one asked for if the plan has results for it; else the latest year with an
    actual; else (no actual at all) the latest year up to now that has results, or the first one."""
    if results.empty:
        return None
    years = sorted({int(y) for y in results["year"].dropna()})
    if requested is not None and requested in years:
        return requested
    with_data = results.loc[results["actual"].notna(), "year"]
    if not with_data.empty:
        return int(with_data.max())
    past = [y for y in years if y <= today_year]
    return past[-1] if past else years[0]


def has_actuals(results: pd.DataFrame) -> bool:
    return bool(not results.empty and results["actual"].notna().any())


def labelled(pis: pd.DataFrame, *, english: bool) -> pd.DataFrame:
    """Add ``label`` (the name to show), ``category`` and ``unit_label`` in the active language.

    Chinese shows the plan's printed name and category; English shows the catalogue's English names where
    there are any, since the printed names exist only in Chinese.
    """
    pis = pis.copy()
    printed_category = pis["category_printed"].where(pis["category_printed"].astype(bool), pis["category_zh"])
    printed_category = printed_category.fillna(UNCATEGORISED).replace("", UNCATEGORISED)
    if english:
        same = printed_category == pis["category_zh"]
        english_category = pis["category_en"].where(same & pis["category_en"].fillna("").astype(bool))
        pis["category"] = english_category.fillna(printed_category)
        name = pis["indicator_en"].where(pis["indicator_en"].fillna("").astype(bool), pis["name"])
        zone = pis["zone_en"].where(pis["zone_en"].fillna("").astype(bool), pis["zone_zh"])
        pis["label"] = name.where(pis["zone_id"].isna(), zone.fillna("") + ": " + name)
        pis["unit_label"] = pis["unit_en"].where(pis["unit_en"].fillna("").astype(bool), pis["unit"])
    else:
        pis["category"] = printed_category
        pis["label"] = pis["name"]
        pis["unit_label"] = pis["unit"]
    pis["unit_label"] = pis["unit_label"].fillna("")
    return pis


def year_rows(pis: pd.DataFrame, results: pd.DataFrame, *, year: int | None) -> pd.DataFrame:
    """One row per plan indicator with its stored result for ``year``.

    A plan indicator with no stored row for the year has neither a target nor an actual that year, so it
    is shown as 数据不足 (insufficient_data: no actual for the year), with its milestone target taken from
    any of its years.
    """
    chosen = results[results["year"] == year] if year is not None else results.iloc[0:0]
    chosen = chosen.drop_duplicates("pi_id")
    rows = pis.merge(chosen, on="pi_id", how="left", suffixes=("", "_result"))
    milestone = (
        results.dropna(subset=["target_final"])
        .sort_values("year")
        .groupby("pi_id")[["target_final", "final_year"]]
        .last()
        .rename(columns={"target_final": "any_target_final", "final_year": "any_final_year"})
    )
    rows = rows.join(milestone, on="pi_id")
    rows["target_final"] = rows["target_final"].fillna(rows["any_target_final"])
    rows["final_year"] = rows["final_year"].fillna(rows["any_final_year"])
    rows = rows.drop(columns=["any_target_final", "any_final_year"])
    rows["status"] = rows["status"].fillna("insufficient_data")
    rows["synthetic"] = rows["synthetic"].fillna(False).astype(bool) | rows["zone_synthetic"].astype(bool)
    # The growth it now takes: from this year's actual when there is one, else from the base.
    rows["required_growth"] = rows["cagr_remaining"].fillna(rows["cagr_required"])
    rows["severity"] = rows["status"].map(SEVERITY)
    rows["behind"] = rows["status"].isin(BEHIND)
    return rows


def filter_rows(rows: pd.DataFrame, *, category: str = "", status: str = "") -> pd.DataFrame:
    if category:
        rows = rows[rows["category"] == category]
    if status:
        rows = rows[rows["status"] == status]
    return rows


def sort_rows(rows: pd.DataFrame, *, key: str, descending: bool) -> pd.DataFrame:
    """Sort by a column of SORT_KEYS; rows without a value go last either way; ties keep plan order."""
    column = SORT_KEYS.get(key, "order")
    ranked = rows.assign(_missing=rows[column].isna())
    return ranked.sort_values(
        ["_missing", column, "order"], ascending=[True, not descending, True], kind="stable"
    ).drop(columns="_missing")


def status_counts(rows: pd.DataFrame) -> dict[str, int]:
    """How many rows have each status, every status present (zeros included), in STATUS_ORDER."""
    counts = rows["status"].value_counts()
    return {status: int(counts.get(status, 0)) for status in STATUS_ORDER}


def series_by_indicator(pis: pd.DataFrame, results: pd.DataFrame, *, base_year: int) -> dict[int, dict]:
    """Per plan indicator: years, actuals and targets from the base year on (for sparklines)."""
    out: dict[int, dict] = {}
    rows = results.sort_values("year")[["pi_id", "year", "actual", "target_year", "base_value"]]
    for pi_id, year, actual, target, base in rows.itertuples(index=False, name=None):
        series = out.get(int(pi_id))
        if series is None:
            base = _none(base)
            series = out[int(pi_id)] = {
                "years": [base_year] if base is not None else [],
                "actual": [base] if base is not None else [],
                "target": [base] if base is not None else [],
            }
        series["years"].append(int(year))
        series["actual"].append(_none(actual))
        series["target"].append(_none(target))
    return out


def _none(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def compare_rows(
    frame: pd.DataFrame, *, year: int | None, level: str = "", english: bool = False
) -> pd.DataFrame:
    """One row per park for ``year``, with the name to show; a zone takes its park's level."""
    if frame.empty or year is None:
        return frame.iloc[0:0].assign(label=pd.Series(dtype="object"))
    rows = frame[frame["year"] == year].copy()
    rows["level"] = rows["level"].where(rows["level"].astype(bool), rows["parent_level"].fillna(""))
    if level:
        rows = rows[rows["level"] == level]
    name = (
        rows["park_en"].where(rows["park_en"].astype(bool), rows["park_zh"]) if english else rows["park_zh"]
    )
    parent = rows["parent_en"].where(rows["parent_en"].fillna("").astype(bool), rows["parent_zh"])
    parent = parent if english else rows["parent_zh"]
    rows["label"] = name.where(rows["parent_id"].isna(), parent.fillna("") + " · " + name)
    return rows.reset_index(drop=True)


def pick_compare_year(frame: pd.DataFrame, *, requested: int | None, today_year: int) -> int | None:
    """The year asked for if any park has a row for it; else the latest year in which the most parks
    have an actual; else the latest year up to now."""
    if frame.empty:
        return None
    years = sorted({int(y) for y in frame["year"].dropna()})
    if requested in years:
        return requested
    with_actual = frame[frame["actual"].notna()]
    if not with_actual.empty:
        per_year = with_actual.groupby("year")["park_id"].nunique()
        best = per_year.max()
        return int(max(y for y, n in per_year.items() if n == best))
    past = [y for y in years if y <= today_year]
    return past[-1] if past else years[0]


def summary_for_plans(summary: pd.DataFrame, plan_years: dict[int, int | None]) -> dict[int, dict]:
    """Per plan: {"year", "counts" {status: n}, "total", "synthetic", "has_actuals"} at the chosen year.

    Vectorised over every plan at once (one merge, one group-by): a province's region page summarises
    hundreds of plans, and filtering the summary once per plan made it quadratic."""
    chosen = pd.DataFrame(
        [(pid, year) for pid, year in plan_years.items() if year is not None], columns=["plan_id", "year"]
    )
    rows = summary.merge(chosen.astype({"plan_id": "int64", "year": "int64"}), on=["plan_id", "year"])
    counts = rows.groupby(["plan_id", "status"])["n"].sum()
    per_plan = rows.groupby("plan_id").agg(
        total=("n", "sum"), synthetic=("synthetic", "any"), n_actual=("n_actual", "sum")
    )
    out: dict[int, dict] = {}
    for plan_id, year in plan_years.items():
        known = year is not None and plan_id in per_plan.index
        out[plan_id] = {
            "year": year,
            "counts": {
                status: int(counts.get((plan_id, status), 0)) if known else 0 for status in STATUS_ORDER
            },
            "total": int(per_plan.at[plan_id, "total"]) if known else 0,
            "synthetic": bool(per_plan.at[plan_id, "synthetic"]) if known else False,
            "has_actuals": bool(per_plan.at[plan_id, "n_actual"] > 0) if known else False,
        }
    return out


def summary_years(
    summary: pd.DataFrame, plan_ids: Iterable[int], *, requested: int | None, today_year: int
) -> dict[int, int | None]:
    """The year to summarise each plan at (the same rule as ``pick_year``: the requested year if the plan
    has results for it, else its latest year with an actual, else its latest year up to now, else its
    first), for every plan at once."""
    years = summary[["plan_id", "year"]].astype("int64")
    first = years.groupby("plan_id")["year"].min()
    with_actual = years[summary["n_actual"].to_numpy() > 0].groupby("plan_id")["year"].max()
    past = years[years["year"] <= today_year].groupby("plan_id")["year"].max()
    asked = set(years.loc[years["year"] == requested, "plan_id"]) if requested is not None else set()
    out: dict[int, int | None] = {}
    for plan_id in plan_ids:
        if plan_id not in first.index:
            out[plan_id] = None
        elif plan_id in asked:
            out[plan_id] = requested
        elif plan_id in with_actual.index:
            out[plan_id] = int(with_actual[plan_id])
        else:
            out[plan_id] = int(past[plan_id]) if plan_id in past.index else int(first[plan_id])
    return out
