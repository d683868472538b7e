"""The odds of meeting a milestone target (progress/odds.py, docs/progress-method.md §11): series whose
answer is known, the pooled fallback, too little data, the interval; then the stored rows, the API and
the indicator page."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from progress.engine import compute_progress
from progress.odds import (
    NOTE_FEW_CHANGES,
    NOTE_NO_CHANGE,
    NOTE_NOT_POSITIVE,
    Z_INTERVAL,
    compute_odds,
    normal_cdf,
    pooled_sigma,
)

# --------------------------------------------------------------------------------- the pure function


def run(series: dict[int, dict], *, pooled=None, base_year=2020, end_year=2025, milestones=(2025,)):
    """``series``: key → {"values": {year: value}, "target": T at the last milestone, optional "measure",
    "direction", "kind"}. Returns the engine's rows with the odds beside them, indexed by (key, year)."""
    items = pd.DataFrame(
        [
            {
                "key": key,
                "base_year": base_year,
                "start_year": base_year + 1,
                "end_year": end_year,
                "direction": s.get("direction", 1),
                "measure": s.get("measure", "level"),
                "nature": "anticipatory",
            }
            for key, s in series.items()
        ]
    )
    actuals = pd.DataFrame(
        [(key, year, value) for key, s in series.items() for year, value in s["values"].items()],
        columns=["key", "year", "value"],
    )
    targets = pd.DataFrame(
        [(key, milestones[-1], s.get("kind", "level"), s["target"]) for key, s in series.items()],
        columns=["key", "year", "kind", "value"],
    )
    stones = pd.DataFrame([(key, year) for key in series for year in milestones], columns=["key", "year"])
    result = compute_progress(items, targets, actuals, stones)
    odds = compute_odds(items, actuals, result, pooled)
    assert list(odds.index) == list(result.index)
    return pd.concat([result, odds], axis=1).set_index(["key", "year"])


def steady(base: float, growth: float, years=range(2020, 2024)) -> dict[int, float]:
    return {y: base * (1 + growth) ** (y - 2020) for y in years}


def test_constant_growth_is_certain_either_way():
    values = steady(100, 0.10)  # 100 … 133.1 in 2023; 161.051 in 2025 at the same pace
    rows = run({1: {"values": values, "target": 150}, 2: {"values": values, "target": 170}})
    met, missed = rows.loc[(1, 2023)], rows.loc[(2, 2023)]
    assert met["odds_basis"] == missed["odds_basis"] == "own"
    assert met["odds_probability"] == 1.0 and missed["odds_probability"] == 0.0
    # No volatility: the interval is the one projected value, the engine's projected_final.
    assert met["odds_low"] == pytest.approx(161.051) and met["odds_high"] == pytest.approx(161.051)
    assert met["odds_low"] == pytest.approx(met["projected_final"])


def test_a_constant_path_that_lands_on_the_target_meets_it():
    rows = run({1: {"values": steady(100, 0.10), "target": 161.051}})
    assert rows.loc[(1, 2023), "odds_probability"] == 1.0  # met at T, as "achieved" is


def test_direction_turns_the_odds_round():
    falling = steady(0.08, -0.05)  # an intensity falling 5% a year: 0.0686 in 2023, 0.0619 in 2025
    rows = run(
        {
            1: {"values": falling, "target": 0.065, "measure": "intensity", "direction": -1},
            2: {"values": falling, "target": 0.06, "measure": "intensity", "direction": -1},
            # A higher-is-better level judged against an at_most milestone target is lower-is-better.
            3: {"values": steady(100, 0.10), "target": 170, "kind": "at_most"},
            4: {"values": steady(100, 0.10), "target": 150, "kind": "at_most"},
        }
    )
    assert rows.loc[(1, 2023), "odds_probability"] == 1.0
    assert rows.loc[(2, 2023), "odds_probability"] == 0.0
    assert rows.loc[(3, 2023), "odds_probability"] == 1.0
    assert rows.loc[(4, 2023), "odds_probability"] == 0.0


def test_a_symmetric_case_is_even():
    zigzag = {2020: 100, 2021: 110, 2022: 100, 2023: 110, 2024: 100}  # no drift, 2024 back at 100
    noisy = {2020: 100.0, 2021: 112.0, 2022: 115.0, 2023: 131.0}
    share = {2020: 20.0, 2021: 21.0, 2022: 20.0, 2023: 21.0, 2024: 20.0}
    probe = run({3: {"values": noisy, "target": 1}})
    median = probe.loc[(3, 2023), "projected_final"]  # the median of the projection
    rows = run(
        {
            1: {"values": zigzag, "target": 100},
            2: {"values": zigzag, "target": 100, "direction": -1},
            3: {"values": noisy, "target": median},
            4: {"values": share, "target": 20, "measure": "share"},
        }
    )
    for key in (1, 2, 4):
        assert rows.loc[(key, 2024), "odds_probability"] == pytest.approx(0.5, abs=1e-6)
    assert rows.loc[(3, 2023), "odds_probability"] == pytest.approx(0.5, abs=1e-6)
    # The interval is symmetric around the median: in logs for a level, in points for a share.
    low, high = rows.loc[(3, 2023), ["odds_low", "odds_high"]]
    assert math.sqrt(low * high) == pytest.approx(median)
    low, high = rows.loc[(4, 2024), ["odds_low", "odds_high"]]
    assert (low + high) / 2 == pytest.approx(20)


def test_the_interval_and_the_probability_by_hand():
    values = {2020: 100.0, 2021: 112.0, 2022: 115.0, 2023: 131.0}
    rows = run({1: {"values": values, "target": 150}})
    row = rows.loc[(1, 2023)]
    steps = np.diff(np.log(list(values.values())))
    mu, sigma = steps.mean(), steps.std(ddof=1)  # 3 yearly changes: the series' own
    h, k = 2, 3
    center = math.log(131) + h * mu
    spread = sigma * math.sqrt(h * (1 + h / k))
    assert row["odds_basis"] == "own"
    assert row["odds_probability"] == pytest.approx(
        normal_cdf(np.array([(center - math.log(150)) / spread]))[0]
    )
    assert row["odds_probability"] == pytest.approx(
        0.5 * math.erfc(-(center - math.log(150)) / spread / 2**0.5)
    )
    assert row["odds_low"] == pytest.approx(math.exp(center - Z_INTERVAL * spread))
    assert row["odds_high"] == pytest.approx(math.exp(center + Z_INTERVAL * spread))
    # The bounds are the 10% and 90% quantiles: a target at the low bound is met 90% of the time.
    at_bounds = run(
        {1: {"values": values, "target": row["odds_low"]}, 2: {"values": values, "target": row["odds_high"]}}
    )
    assert at_bounds.loc[(1, 2023), "odds_probability"] == pytest.approx(0.9, abs=1e-6)
    assert at_bounds.loc[(2, 2023), "odds_probability"] == pytest.approx(0.1, abs=1e-6)


def test_a_gap_is_one_change_over_its_years():
    values = {2020: 100.0, 2021: 110.0, 2023: 121.0, 2024: 140.0}  # 2022 missing
    row = run({1: {"values": values, "target": 150}}).loc[(1, 2024)]
    assert row["odds_basis"] == "own"  # three changes: 1, 2 and 1 years long
    mu = math.log(140 / 100) / 4
    delta = np.log([1.1, 1.1, 140 / 121])
    k = np.array([1.0, 2.0, 1.0])
    sigma = math.sqrt(((delta - mu * k) ** 2 / k).sum() / 2)
    center, spread = math.log(140) + mu, sigma * math.sqrt(1 * (1 + 1 / 4))
    assert row["odds_low"] == pytest.approx(math.exp(center - Z_INTERVAL * spread))


def test_fewer_than_three_changes_take_the_pooled_volatility_from_five_parks():
    values = {2020: 100.0, 2021: 110.0, 2022: 118.0}  # 2 changes
    pooled = pd.DataFrame({"key": [1, 2], "parks": [5, 4], "sigma": [0.05, 0.05]})
    rows = run({1: {"values": values, "target": 140}, 2: {"values": values, "target": 140}}, pooled=pooled)
    row = rows.loc[(1, 2022)]
    assert row["odds_basis"] == "pooled" and row["odds_note"] == "odds: volatility pooled across 5 parks"
    mu = math.log(118 / 100) / 2  # the drift is still the series' own
    center, spread = math.log(118) + 3 * mu, 0.05 * math.sqrt(3 * (1 + 3 / 2))
    assert row["odds_probability"] == pytest.approx(
        0.5 * math.erfc(-(center - math.log(140)) / spread / 2**0.5)
    )
    assert row["odds_high"] == pytest.approx(math.exp(center + Z_INTERVAL * spread))
    assert rows.loc[(1, 2021), "odds_basis"] == "pooled"  # one change is enough for a drift
    # Four parks are too few.
    assert rows.loc[(2, 2022), "odds_basis"] == "insufficient"
    assert rows.loc[(2, 2022), "odds_note"] == NOTE_FEW_CHANGES
    assert np.isnan(rows.loc[(2, 2022), ["odds_probability", "odds_low", "odds_high"]].astype(float)).all()


def test_own_changes_win_over_the_pool():
    values = {2020: 100.0, 2021: 112.0, 2022: 115.0, 2023: 131.0}
    pooled = pd.DataFrame({"key": [1], "parks": [9], "sigma": [0.5]})
    with_pool = run({1: {"values": values, "target": 150}}, pooled=pooled).loc[(1, 2023)]
    alone = run({1: {"values": values, "target": 150}}).loc[(1, 2023)]
    assert with_pool["odds_basis"] == "own"
    assert with_pool["odds_probability"] == alone["odds_probability"]


def test_too_little_data_says_so():
    rows = run(
        {
            1: {"values": {2020: 100.0, 2022: 120.0}, "target": 150},  # one change, no pool
            2: {"values": {2023: 120.0}, "target": 150},  # no base, a single value: no drift
            3: {"values": {2019: 90.0, 2023: 120.0}, "target": 150},  # before the base year: not counted
        },
        pooled=pd.DataFrame({"key": [2, 3], "parks": [9, 9], "sigma": [0.1, 0.1]}),
    )
    assert rows.loc[(1, 2022), "odds_basis"] == "insufficient"
    assert rows.loc[(1, 2022), "odds_note"] == NOTE_FEW_CHANGES
    for key in (2, 3):
        assert rows.loc[(key, 2023), "odds_basis"] == "insufficient"
        assert rows.loc[(key, 2023), "odds_note"] == NOTE_NO_CHANGE


def test_zero_and_negative_values_are_never_forced_through_a_logarithm():
    rows = run(
        {
            1: {"values": {2020: 10.0, 2021: 5.0, 2022: 0.0, 2023: 0.0}, "target": 10},
            2: {"values": {2020: 0.0, 2021: 100.0, 2022: 110.0, 2023: 121.0, 2024: 133.1}, "target": 140},
        }
    )
    assert rows.loc[(1, 2023), "odds_basis"] == "insufficient"
    assert rows.loc[(1, 2023), "odds_note"] == NOTE_NOT_POSITIVE
    # A zero earlier in the series is left out like a missing year: 2021–2024 are three changes of 10%.
    assert rows.loc[(2, 2024), "odds_basis"] == "own"
    assert rows.loc[(2, 2024), "odds_low"] == pytest.approx(146.41)
    assert rows.loc[(2, 2024), "odds_probability"] == 1.0


def test_no_odds_for_flows_rates_or_at_the_milestone():
    values = {2020: 10.0, 2021: 11.0, 2022: 12.0, 2023: 13.0, 2024: 14.0, 2025: 15.0}
    rows = run(
        {
            1: {"values": values, "target": 14, "measure": "annual_flow"},
            2: {"values": values, "target": 60, "measure": "cumulative_flow"},
            3: {"values": values, "target": 14, "measure": "rate"},
            4: {"values": values, "target": 14},
        }
    )
    for key in (1, 2, 3):
        assert (rows.loc[key, "odds_basis"] == "").all() and rows.loc[key, "odds_probability"].isna().all()
    assert rows.loc[(4, 2024), "odds_basis"] == "own"
    assert (
        rows.loc[(4, 2025), "odds_basis"] == "" and rows.loc[(4, 2025), "odds_note"] == ""
    )  # status says it


def test_each_milestone_is_projected_to_its_own_year():
    values = steady(100, 0.10, range(2020, 2028))
    series = {1: {"values": values, "target": 300}}
    item = {"key": 1, "base_year": 2020, "start_year": 2021, "end_year": 2030, "direction": 1}
    items = pd.DataFrame([{**item, "measure": "level", "nature": "anticipatory"}])
    actuals = pd.DataFrame(
        [(1, y, v) for y, v in series[1]["values"].items()], columns=["key", "year", "value"]
    )
    targets = pd.DataFrame(
        [(1, 2025, "level", 160.0), (1, 2030, "level", 300.0)], columns=["key", "year", "kind", "value"]
    )
    result = compute_progress(items, targets, actuals, pd.DataFrame({"key": [1, 1], "year": [2025, 2030]}))
    rows = pd.concat([result, compute_odds(items, actuals, result)], axis=1).set_index("year")
    assert rows.loc[2024, "final_year"] == 2025 and rows.loc[2024, "odds_probability"] == 1.0  # 161.05 ≥ 160
    assert rows.loc[2027, "final_year"] == 2030 and rows.loc[2027, "odds_probability"] == 0.0  # 259.4 < 300
    assert rows.loc[2027, "odds_low"] == pytest.approx(100 * 1.1**10)


def test_the_pooled_volatility_from_its_sums():
    sigma = pooled_sigma(np.array([5, 5, 0]), np.array([0.02, 1e-30, 0.0]), np.array([8, 8, 0]))
    assert sigma[0] == pytest.approx(math.sqrt(0.02 / 8), rel=1e-12)
    assert sigma[1] == pytest.approx(math.sqrt(1e-30 / 8), rel=1e-11)
    assert np.isnan(sigma[2])
    # Twelve significant digits: a sum taken in another order gives the same figure.
    assert pooled_sigma([5], [0.02 * (1 + 1e-15)], [8])[0] == sigma[0]


def test_normal_cdf():
    assert normal_cdf(np.array([0.0]))[0] == 0.5
    assert normal_cdf(np.array([1.2815515655446004]))[0] == pytest.approx(0.9, abs=1e-12)
    assert normal_cdf(np.array([-40.0, 40.0, np.inf, -np.inf])).tolist() == [0.0, 1.0, 1.0, 0.0]


def test_missing_columns_are_an_error():
    with pytest.raises(ValueError, match="lacks column"):
        compute_odds(pd.DataFrame({"key": [1]}), pd.DataFrame(), pd.DataFrame())
