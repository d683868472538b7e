"""The progress engine (progress/engine.py): hand-worked cases from the seed plans, edge cases, properties.

Pure pandas: no database. Values are asserted, not just shapes.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

from progress.engine import OUTPUT_COLUMNS, STATUSES, compute_progress

ITEM_DEFAULTS = {
    "base_year": 2020,
    "start_year": 2021,
    "end_year": 2025,
    "direction": 1,
    "measure": "level",
    "nature": "anticipatory",
}


def run(items, targets=(), actuals=(), milestones=None):
    """Build the four frames from plain tuples and run the engine.

    items: list of dicts (``key`` required, the rest defaults to ITEM_DEFAULTS);
    targets: (key, year, kind, value); actuals: (key, year, value); milestones: (key, year),
    by default each item's end year.
    """
    items_df = pd.DataFrame([{**ITEM_DEFAULTS, **item} for item in items])
    if milestones is None:
        milestones = [(int(r.key), int(r.end_year)) for r in items_df.itertuples()]
    targets_df = pd.DataFrame(list(targets), columns=["key", "year", "kind", "value"]).astype(
        {"key": "int64", "year": "int64", "value": "float64"}
    )
    actuals_df = pd.DataFrame(list(actuals), columns=["key", "year", "value"]).astype(
        {"key": "int64", "year": "int64", "value": "float64"}
    )
    milestones_df = pd.DataFrame(list(milestones), columns=["key", "year"]).astype("int64")
    return compute_progress(items_df, targets_df, actuals_df, milestones_df)


def row(out, key, year):
    match = out[(out["key"] == key) & (out["year"] == year)]
    assert len(match) == 1, f"expected one row for ({key}, {year}), got {len(match)}"
    return match.iloc[0]


def yearly(key, values, kind="level", first_year=2021):
    return [(key, first_year + i, kind, v) for i, v in enumerate(values)]


# ------------------------------------------------------------------------ Yuxi 13th plan (表1), 2015 → 2020

YUXI_13 = {"base_year": 2015, "start_year": 2016, "end_year": 2020}


def test_yuxi_gdp_2020_is_lagging_with_standard_figures():
    out = run(
        [{"key": 1, **YUXI_13}],
        targets=[(1, 2020, "level", 530)],
        actuals=[(1, 2015, 471.6), (1, 2020, 522.8)],
    )
    r = row(out, 1, 2020)
    assert r["base_value"] == 471.6
    assert r["target_year"] == 530 and r["target_final"] == 530 and r["final_year"] == 2020
    assert r["target_kind_final"] == "level"
    assert r["completion_rate"] == pytest.approx(522.8 / 530)
    assert r["gap_year"] == pytest.approx(-7.2)
    assert r["gap_final_pct"] == pytest.approx(-7.2 / 530)
    cagr_actual = (522.8 / 471.6) ** (1 / 5) - 1
    cagr_required = (530 / 471.6) ** (1 / 5) - 1
    assert r["cagr_actual"] == pytest.approx(cagr_actual)
    assert r["cagr_actual"] == pytest.approx(0.0208, abs=1e-4)  # a fraction, not 2.08
    assert r["cagr_required"] == pytest.approx(cagr_required)
    assert r["pace"] == pytest.approx(cagr_actual / cagr_required)
    assert math.isnan(r["cagr_remaining"])  # n − t = 0
    assert r["projected_final"] == pytest.approx(522.8)
    assert r["task_progress"] == pytest.approx(51.2 / 58.4)
    assert r["expected_progress"] == 1.0
    assert r["progress_index"] == pytest.approx(51.2 / 58.4)
    assert r["mode"] == "index"
    assert r["status"] == "lagging"
    assert r["trend"] == "significant_progress"
    assert len(out) == 1  # the 2015 base row is outside the plan years


def test_yuxi_industrial_value_added_target_below_base_is_achieved():
    out = run(
        [{"key": 1, **YUXI_13}],
        targets=[(1, 2020, "level", 435)],
        actuals=[(1, 2015, 447.5), (1, 2020, 472.2)],
    )
    r = row(out, 1, 2020)
    assert r["status"] == "achieved"
    assert r["gap_final"] == pytest.approx(37.2)
    assert r["completion_rate"] == pytest.approx(472.2 / 435)
    assert r["cagr_required"] == pytest.approx((435 / 447.5) ** 0.2 - 1)
    assert r["cagr_required"] < 0


# ------------------------------------------------------------------------ Yuxi 14th plan (表2), 2020 → 2025


def test_yuxi_plan_path_below_base_judged_on_completion():
    out = run(
        [{"key": 7}],
        targets=yearly(7, [440, 460, 480, 500, 520]),
        actuals=[(7, 2020, 472.2), (7, 2021, 450)],
    )
    r = row(out, 7, 2021)
    assert r["expected_progress"] == pytest.approx((440 - 472.2) / (520 - 472.2))
    assert r["expected_progress"] < 0
    assert r["mode"] == "completion"
    assert math.isnan(r["progress_index"])
    assert r["task_progress"] == pytest.approx((450 - 472.2) / (520 - 472.2))  # still reported
    assert r["completion_rate"] == pytest.approx(450 / 440)
    assert r["status"] == "ahead"
    assert "expected progress <= 0" in r["note"]
    assert r["yoy_growth"] == pytest.approx(450 / 472.2 - 1)
    # the years with a target but no actual are rows too, and say why they cannot be judged
    assert list(out["year"]) == [2021, 2022, 2023, 2024, 2025]
    later = row(out, 7, 2023)
    assert later["status"] == "insufficient_data"
    assert later["mode"] == ""
    assert "no actual for this year" in later["note"]
    assert later["target_year"] == 480


def test_yuxi_revenue_without_base_judged_on_completion():
    out = run(
        [{"key": 3}],
        targets=yearly(3, [1200, 1400, 1600, 1900, 2200]),
        actuals=[(3, 2022, 1300)],
    )
    r = row(out, 3, 2022)
    assert math.isnan(r["base_value"])
    assert r["mode"] == "completion"
    assert r["completion_rate"] == pytest.approx(1300 / 1400)
    assert r["completion_rate"] == pytest.approx(0.9286, abs=1e-4)
    assert r["status"] == "lagging"
    for column in ("cagr_actual", "cagr_required", "pace", "task_progress", "progress_index"):
        assert math.isnan(r[column]), column
    assert "no base value" in r["note"]
    assert "completion mode: no base value" in r["note"]


def test_energy_intensity_lower_is_better_on_the_log_scale():
    out = run(
        [{"key": 5, "direction": -1, "measure": "intensity"}],
        targets=yearly(5, [0.078, 0.075, 0.07, 0.065, 0.06]),
        actuals=[(5, 2020, 0.08), (5, 2023, 0.072)],
    )
    r = row(out, 5, 2023)
    assert r["completion_rate"] == pytest.approx(0.07 / 0.072)
    assert r["gap_year"] == pytest.approx(-0.002)
    assert r["gap_final"] == pytest.approx(-0.012)
    # An intensity is growth-shaped whatever the wording (here plain levels): ln(A/B)/ln(T/B).
    assert r["task_progress"] == pytest.approx(math.log(0.072 / 0.08) / math.log(0.06 / 0.08))
    assert r["expected_progress"] == pytest.approx(math.log(0.07 / 0.08) / math.log(0.06 / 0.08))
    assert r["progress_index"] == pytest.approx(math.log(0.9) / math.log(0.875))
    assert r["status"] == "lagging"
    assert r["cagr_actual"] < 0
    assert r["pace"] == pytest.approx(-r["cagr_actual"] / abs(r["cagr_required"]))
    assert r["trend"] == "significant_progress"  # falling energy use is progress


def test_lower_is_better_level_is_judged_on_the_linear_form():
    out = run(
        [{"key": 5, "direction": -1}],
        targets=yearly(5, [0.078, 0.075, 0.07, 0.065, 0.06]),
        actuals=[(5, 2020, 0.08), (5, 2023, 0.072)],
    )
    r = row(out, 5, 2023)
    assert r["task_progress"] == pytest.approx((0.072 - 0.08) / (0.06 - 0.08))
    assert r["expected_progress"] == pytest.approx((0.07 - 0.08) / (0.06 - 0.08))
    assert r["progress_index"] == pytest.approx(0.4 / 0.5)


def test_intensity_falling_at_a_constant_rate_is_on_its_path_every_year():
    # A_y = B·(T/B)^(t/n): P = t/n = E (time progress) in every year, so I = 1 → ahead (I ≥ 1).
    path = [(5, 2020 + t, 0.08 * (0.06 / 0.08) ** (t / 5)) for t in range(0, 5)]
    out = run(
        [{"key": 5, "direction": -1, "measure": "intensity"}],
        targets=[(5, 2025, "at_most", 0.06)],
        actuals=path,
    )
    years = out[out["year"] < 2025]
    assert list(years["progress_index"]) == pytest.approx([1.0] * 4)
    assert set(years["status"]) == {"ahead"}
    assert set(years["mode"]) == {"index"}


# ------------------------------------------------------------------------------------- target kinds


def test_cagr_target_is_growth_shaped():
    out = run([{"key": 1}], targets=[(1, 2025, "cagr", 0.15)], actuals=[(1, 2020, 100), (1, 2023, 140)])
    r = row(out, 1, 2023)
    target = 100 * 1.15**5
    assert r["target_final"] == pytest.approx(target)
    assert r["target_kind_final"] == "cagr"
    assert math.isnan(r["target_year"])
    assert r["cagr_required"] == pytest.approx(0.15)
    assert r["cagr_actual"] == pytest.approx(1.4 ** (1 / 3) - 1)
    assert r["cagr_remaining"] == pytest.approx((target / 140) ** 0.5 - 1)
    assert r["projected_final"] == pytest.approx(140 * 1.4 ** (2 / 3))
    assert r["pace"] == pytest.approx((1.4 ** (1 / 3) - 1) / 0.15)
    assert r["task_progress"] == pytest.approx(math.log(1.4) / math.log(1.15**5))
    assert r["expected_progress"] == pytest.approx(0.6)
    assert r["progress_index"] == pytest.approx(math.log(1.4) / (5 * math.log(1.15)) / 0.6)
    assert r["status"] == "lagging"
    assert "time progress t/n" in r["note"]


def test_cagr_yearly_targets_give_growth_shaped_expected_progress():
    out = run(
        [{"key": 1}],
        targets=yearly(1, [0.1] * 5, kind="cagr"),
        actuals=[(1, 2020, 100), (1, 2022, 121)],
    )
    r = row(out, 1, 2022)
    assert r["target_year"] == pytest.approx(121)
    assert r["expected_progress"] == pytest.approx(0.4)  # ln(1.1²)/ln(1.1⁵), not the linear 0.344
    assert r["task_progress"] == pytest.approx(0.4)
    assert r["progress_index"] == pytest.approx(1.0)
    assert r["status"] == "ahead"


def test_multiple_doubling():
    out = run(
        [{"key": 1}],
        targets=[(1, 2025, "multiple", 2)],
        actuals=[(1, 2020, 50), (1, 2024, 80), (1, 2025, 100)],
    )
    r = row(out, 1, 2024)
    assert r["target_final"] == 100
    assert r["task_progress"] == pytest.approx(math.log(1.6) / math.log(2))
    assert r["expected_progress"] == pytest.approx(0.8)
    assert r["progress_index"] == pytest.approx(math.log(1.6) / math.log(2) / 0.8)
    assert r["status"] == "lagging"
    assert row(out, 1, 2025)["status"] == "achieved"


def test_pp_change_share_gap_in_points():
    out = run(
        [{"key": 1, "measure": "share"}],
        targets=[(1, 2025, "pp_change", 5)],
        actuals=[(1, 2020, 24.2), (1, 2023, 27.0)],
    )
    r = row(out, 1, 2023)
    assert r["target_final"] == pytest.approx(29.2)
    assert r["gap_final"] == pytest.approx(-2.2)  # percentage points
    assert r["task_progress"] == pytest.approx(2.8 / 5)
    assert r["expected_progress"] == pytest.approx(0.6)
    assert r["progress_index"] == pytest.approx(0.56 / 0.6)
    assert r["status"] == "lagging"


def test_reduction_lower_is_better_growth_shaped():
    out = run(
        [{"key": 1, "direction": -1}],
        targets=[(1, 2025, "reduction", 0.2)],
        actuals=[(1, 2020, 0.5), (1, 2023, 0.45)],
    )
    r = row(out, 1, 2023)
    assert r["target_final"] == pytest.approx(0.4)
    assert r["task_progress"] == pytest.approx(math.log(0.9) / math.log(0.8))
    assert r["progress_index"] == pytest.approx(math.log(0.9) / math.log(0.8) / 0.6)
    assert r["status"] == "lagging"
    assert r["gap_final"] == pytest.approx(-0.05)


def test_keep_target_met_is_achieved_and_missed_is_judged_on_completion():
    out = run(
        [{"key": 1}, {"key": 2}],
        targets=[(1, 2025, "keep", np.nan), (2, 2025, "keep", np.nan)],
        actuals=[(1, 2020, 100), (1, 2023, 101), (2, 2020, 100), (2, 2023, 98)],
    )
    met = row(out, 1, 2023)
    assert met["target_final"] == 100
    assert met["status"] == "achieved"
    missed = row(out, 2, 2023)
    assert missed["mode"] == "completion"
    assert math.isnan(missed["task_progress"])  # T − B = 0
    assert math.isnan(missed["completion_rate"])  # no target for 2023 itself
    assert missed["status"] == "on_track"  # 98 / 100 against the milestone
    assert "target equals base" in missed["note"]
    assert "judged on completion against milestone target" in missed["note"]


def test_at_most_target_judges_lower_is_better():
    out = run(
        [{"key": 1}, {"key": 2}],
        targets=[(1, 2025, "at_most", 10), (2, 2025, "at_most", 10)],
        actuals=[(1, 2020, 14), (1, 2023, 12), (2, 2020, 14), (2, 2023, 9)],
    )
    r = row(out, 1, 2023)
    assert r["gap_final"] == pytest.approx(-2)
    assert r["task_progress"] == pytest.approx(0.5)
    assert r["progress_index"] == pytest.approx(0.5 / 0.6)
    assert r["status"] == "lagging"
    assert r["pace"] == pytest.approx(-r["cagr_actual"] / abs(r["cagr_required"]))
    assert r["pace"] > 0
    assert "at_most target" in r["note"]
    assert row(out, 2, 2023)["status"] == "achieved"


def test_non_level_kind_without_base_has_no_level():
    out = run([{"key": 1}], targets=[(1, 2025, "cagr", 0.15)], actuals=[(1, 2023, 140)])
    r = row(out, 1, 2023)
    assert math.isnan(r["target_final"])
    assert r["target_kind_final"] == "cagr"
    assert r["status"] == "insufficient_data"
    assert "no base value" in r["note"]


# ----------------------------------------------------------------------------------------- measures


def test_cumulative_flow_sums_the_years_since_base():
    wenshan = {
        "key": 1,
        "base_year": 2022,
        "start_year": 2023,
        "end_year": 2025,
        "measure": "cumulative_flow",
    }
    out = run(
        [wenshan],
        targets=[(1, 2025, "at_least", 10)],
        actuals=[(1, 2022, 1), (1, 2023, 3), (1, 2024, 4), (1, 2025, 2)],
    )
    r = row(out, 1, 2024)
    assert r["compared_actual"] == 7  # the base year's own flow is not counted
    assert r["task_progress"] == pytest.approx(0.7)
    assert r["expected_progress"] == pytest.approx(2 / 3)
    assert r["progress_index"] == pytest.approx(1.05)
    assert r["status"] == "ahead"
    assert math.isnan(r["cagr_actual"]) and "flows have no CAGR" in r["note"]
    assert r["yoy_growth"] == pytest.approx(4 / 3 - 1)
    last = row(out, 1, 2025)
    assert last["compared_actual"] == 9
    assert last["gap_final"] == pytest.approx(-1)
    assert last["completion_rate"] == pytest.approx(0.9)
    assert last["progress_index"] == pytest.approx(0.9)
    assert last["status"] == "lagging"


def test_cumulative_flow_plan_to_date_targets_and_missing_year():
    out = run(
        [{"key": 1, "measure": "cumulative_flow"}],
        targets=[(1, 2023, "level", 60), (1, 2025, "level", 100)],
        actuals=[(1, 2020, 30), (1, 2021, 20), (1, 2023, 30), (1, 2025, 45)],
    )
    assert list(out["year"]) == [2021, 2023, 2025]  # 2022 has neither actual nor target
    r = row(out, 1, 2023)
    assert r["compared_actual"] == 50  # 2021 + 2023, 2022 not interpolated
    assert r["completion_rate"] == pytest.approx(50 / 60)
    assert r["expected_progress"] == pytest.approx(0.6)  # the plan's own path: 60 of 100
    assert r["task_progress"] == pytest.approx(0.5)
    assert r["progress_index"] == pytest.approx(0.5 / 0.6)
    assert r["status"] == "lagging"
    final = row(out, 1, 2025)
    assert final["compared_actual"] == 95
    assert final["completion_rate"] == pytest.approx(0.95)
    assert final["progress_index"] == pytest.approx(0.95)
    assert final["status"] == "on_track"


def test_annual_flow_judged_year_by_year():
    out = run(
        [{"key": 1, "measure": "annual_flow"}],
        targets=yearly(1, [53, 59, 65, 72, 80]),
        actuals=[(1, 2020, 50), (1, 2021, 55), (1, 2022, 56), (1, 2024, 85), (1, 2025, 80)],
    )
    first = row(out, 1, 2021)
    assert first["mode"] == "completion"
    assert first["completion_rate"] == pytest.approx(55 / 53)
    assert first["status"] == "ahead"
    assert math.isnan(first["task_progress"]) and math.isnan(first["progress_index"])
    assert math.isnan(first["cagr_actual"])
    assert "measure judged on completion rate" in first["note"]
    assert row(out, 1, 2022)["status"] == "lagging"  # 56 / 59 = 0.949
    above_final_early = row(out, 1, 2024)
    assert above_final_early["status"] == "ahead"  # 85 ≥ 80 but only the final year can be achieved
    assert row(out, 1, 2025)["status"] == "achieved"


def test_rate_indicator_compares_the_mean_of_annual_rates():
    wenshan = {"key": 1, "base_year": 2022, "start_year": 2023, "end_year": 2025, "measure": "rate"}
    out = run(
        [wenshan, {**wenshan, "key": 2}],
        targets=[(1, 2025, "at_least", 16.7), (2, 2025, "at_least", 16.7)],
        actuals=[(1, 2022, 10), (1, 2023, 15), (1, 2024, 18), (1, 2025, 17)]
        + [(2, 2022, 10), (2, 2023, 15), (2, 2024, 18), (2, 2025, 18.5)],
    )
    r = row(out, 1, 2024)
    assert r["compared_actual"] == pytest.approx(16.5)
    assert math.isnan(r["completion_rate"])  # no target for 2024 itself
    assert r["gap_final"] == pytest.approx(-0.2)
    assert r["status"] == "on_track"  # 16.5 / 16.7 = 0.988 against the milestone
    assert r["mode"] == "completion"
    for column in ("yoy_growth", "cagr_actual", "cagr_required", "pace", "task_progress"):
        assert math.isnan(r[column]), column
    assert "no growth of a rate" in r["note"]
    final = row(out, 1, 2025)
    assert final["compared_actual"] == pytest.approx(50 / 3)
    assert final["completion_rate"] == pytest.approx(50 / 3 / 16.7)
    assert final["status"] == "on_track"  # 0.998: not achieved
    assert row(out, 2, 2025)["compared_actual"] == pytest.approx(51.5 / 3)
    assert row(out, 2, 2025)["status"] == "achieved"


# -------------------------------------------------------------------------------------- edge cases


def test_zero_base_has_no_growth_and_uses_linear_progress():
    out = run([{"key": 1}], targets=[(1, 2025, "level", 10)], actuals=[(1, 2020, 0), (1, 2023, 6)])
    r = row(out, 1, 2023)
    assert math.isnan(r["cagr_actual"]) and math.isnan(r["cagr_required"]) and math.isnan(r["pace"])
    assert r["cagr_remaining"] == pytest.approx((10 / 6) ** 0.5 - 1)  # does not need the base
    assert "growth undefined for zero/negative base" in r["note"]
    assert r["trend"] == ""
    assert r["task_progress"] == pytest.approx(0.6)
    assert r["progress_index"] == pytest.approx(1.0)
    assert r["status"] == "ahead"


def test_growth_shaped_target_with_negative_actual_falls_back_to_linear():
    out = run([{"key": 1}], targets=[(1, 2025, "multiple", 2)], actuals=[(1, 2020, 10), (1, 2023, -5)])
    r = row(out, 1, 2023)
    assert r["task_progress"] == pytest.approx(-1.5)
    assert r["status"] == "regressing"
    assert "task progress: growth shape undefined, linear used" in r["note"]
    assert "growth undefined for zero/negative actual or target" in r["note"]


def test_regressing_below_base():
    out = run([{"key": 1}], targets=[(1, 2025, "level", 150)], actuals=[(1, 2020, 100), (1, 2023, 90)])
    r = row(out, 1, 2023)
    assert r["task_progress"] == pytest.approx(-0.2)
    assert r["progress_index"] == pytest.approx(-0.2 / 0.6)
    assert r["status"] == "regressing"
    assert r["trend"] == "deterioration"


def test_binding_on_track_becomes_lagging():
    base = {"targets": [(1, 2025, "level", 200)], "actuals": [(1, 2020, 100), (1, 2023, 158)]}
    anticipatory = row(run([{"key": 1}], **base), 1, 2023)
    binding = row(run([{"key": 1, "nature": "binding"}], **base), 1, 2023)
    assert anticipatory["progress_index"] == pytest.approx(0.58 / 0.6)
    assert anticipatory["status"] == "on_track"
    assert binding["progress_index"] == pytest.approx(0.58 / 0.6)
    assert binding["status"] == "lagging"
    assert "binding" in binding["note"]
    ahead = row(
        run([{"key": 1, "nature": "binding"}], base["targets"], [(1, 2020, 100), (1, 2023, 170)]), 1, 2023
    )
    assert ahead["status"] == "ahead"


def test_cut_off_equal_to_point_95_is_on_track_despite_float_error():
    out = run([{"key": 1}], targets=[(1, 2025, "level", 100)], actuals=[(1, 2020, 0), (1, 2023, 57)])
    r = row(out, 1, 2023)
    assert r["progress_index"] == pytest.approx(0.95)
    assert r["status"] == "on_track"


def test_missing_years_are_not_interpolated():
    out = run(
        [{"key": 1}],
        targets=[(1, 2025, "level", 200)],
        actuals=[(1, 2020, 100), (1, 2021, 110), (1, 2023, 130), (1, 2026, 300), (1, 2019, 90)],
    )
    assert list(out["year"]) == [2021, 2023, 2025]  # 2019 and 2026 lie outside the plan
    r = row(out, 1, 2023)
    assert math.isnan(r["yoy_growth"])
    assert "no actual for previous year" in r["note"]
    assert r["cagr_actual"] == pytest.approx(1.3 ** (1 / 3) - 1)  # real t = 3
    assert row(out, 1, 2021)["yoy_growth"] == pytest.approx(0.1)  # the base year counts as y − 1
    final = row(out, 1, 2025)
    assert final["status"] == "insufficient_data"
    assert math.isnan(final["actual"]) and final["target_year"] == 200


def test_yoy_undefined_after_non_positive_year():
    out = run([{"key": 1}], actuals=[(1, 2020, 5), (1, 2021, -2), (1, 2022, 3)])
    assert math.isnan(row(out, 1, 2021)["yoy_growth"])  # signs differ
    assert math.isnan(row(out, 1, 2022)["yoy_growth"])  # previous value negative
    assert "yoy undefined for zero/negative values" in row(out, 1, 2022)["note"]


def test_no_target_reports_trend_only():
    out = run(
        [{"key": k} for k in (1, 2, 3, 4)],
        actuals=[(k, 2020, 100.0) for k in (1, 2, 3, 4)]
        + [(1, 2021, 102.0), (2, 2021, 101.0), (3, 2021, 100.2), (4, 2021, 99.0)],
    )
    assert list(out["status"]) == ["no_target"] * 4
    assert list(out["trend"]) == [
        "significant_progress",
        "moderate_progress",
        "insufficient_progress",
        "deterioration",
    ]
    assert list(out["mode"]) == [""] * 4
    assert out["final_year"].isna().all()
    assert list(out["target_kind_final"]) == [""] * 4
    assert out["task_progress"].isna().all() and out["completion_rate"].isna().all()


def test_trend_thresholds_are_inclusive():
    out = run(
        [{"key": 1}, {"key": 2}], actuals=[(1, 2020, 100), (1, 2021, 101.5), (2, 2020, 100), (2, 2021, 100.5)]
    )
    assert list(out["trend"]) == ["significant_progress", "moderate_progress"]


def test_milestone_selection_and_fallback():
    master = {"base_year": 2022, "start_year": 2023, "end_year": 2035}
    out = run(
        [{"key": 1, **master}, {"key": 2}],
        targets=[(1, 2025, "level", 120), (1, 2030, "level", 200), (1, 2035, "level", 300)]
        + [(2, 2024, "level", 150)],
        actuals=[(1, 2022, 100), (1, 2025, 115), (1, 2027, 150), (2, 2020, 100), (2, 2022, 120)],
        milestones=[(1, 2025), (1, 2030), (1, 2035), (2, 2025)],
    )
    r2025 = row(out, 1, 2025)
    assert r2025["final_year"] == 2025 and r2025["target_final"] == 120
    r2027 = row(out, 1, 2027)
    assert r2027["final_year"] == 2030 and r2027["target_final"] == 200
    assert r2027["expected_progress"] == pytest.approx(5 / 8)  # t/n with n = 2030 − 2022
    assert r2027["task_progress"] == pytest.approx(0.5)
    fallback = row(out, 2, 2022)
    assert fallback["final_year"] == 2024 and fallback["target_final"] == 150
    assert "latest target year" in fallback["note"]
    assert fallback["expected_progress"] == pytest.approx(0.5)


def test_plan_starting_in_its_base_year_judges_on_completion():
    out = run(
        [{"key": 1, "base_year": 2022, "start_year": 2022, "end_year": 2025}],
        targets=[(1, 2025, "level", 130)],
        actuals=[(1, 2022, 98)],
    )
    r = row(out, 1, 2022)
    assert r["base_value"] == 98
    assert r["expected_progress"] == 0  # t = 0
    assert math.isnan(r["cagr_actual"])
    assert r["mode"] == "completion"
    assert r["status"] == "lagging"  # 98 / 130 = 0.75 against the milestone
    assert "expected progress <= 0" in r["note"]


def test_empty_inputs_give_an_empty_frame_with_the_columns():
    out = run([{"key": 1}])
    assert list(out.columns) == OUTPUT_COLUMNS
    assert out.empty


def test_unknown_keys_are_ignored_and_output_is_sorted():
    out = run(
        [{"key": 9}, {"key": 2}],
        targets=[(9, 2025, "level", 1.0), (2, 2025, "level", 1.0), (42, 2025, "level", 1.0)],
        actuals=[(42, 2021, 1.0), (9, 2022, 1.0)],
    )
    assert list(zip(out["key"], out["year"], strict=True)) == [(2, 2025), (9, 2022), (9, 2025)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"actuals": [(1, 2021, 1.0), (1, 2021, 2.0)]}, "duplicate"),
        ({"targets": [(1, 2025, "level", 1.0), (1, 2025, "cagr", 0.1)]}, "duplicate"),
        ({"targets": [(1, 2025, "double", 1.0)]}, "targets.kind"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run([{"key": 1}], **kwargs)


def test_bad_item_values_raise():
    with pytest.raises(ValueError, match="items.measure"):
        run([{"key": 1, "measure": "stock"}])
    with pytest.raises(ValueError, match="direction"):
        run([{"key": 1, "direction": 0}])
    with pytest.raises(ValueError, match="duplicate key"):
        run([{"key": 1}, {"key": 1}])
    with pytest.raises(ValueError, match="lacks column"):
        compute_progress(pd.DataFrame({"key": [1]}), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())


# ------------------------------------------------------------------------------------------ properties

MEASURE_CHOICES = ["level", "share", "annual_flow", "cumulative_flow", "rate", "intensity"]
RATE_COLUMNS = [
    "cagr_actual",
    "cagr_required",
    "cagr_remaining",
    "yoy_growth",
    "completion_rate",
    "task_progress",
    "expected_progress",
    "progress_index",
    "pace",
]
UNIT_KINDS = {"level", "at_least", "at_most", "pp_change"}  # values in the indicator's unit

values = st.one_of(
    st.integers(min_value=-20, max_value=400).map(float),
    st.floats(min_value=0.5, max_value=500, allow_nan=False).map(lambda v: round(v, 3)),
)
kind_value = {
    "level": values,
    "at_least": values,
    "at_most": values,
    "pp_change": st.integers(min_value=-10, max_value=30).map(float),
    "cagr": st.sampled_from([0.0, 0.05, 0.15, -0.1]),
    "multiple": st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    "reduction": st.sampled_from([0.0, 0.1, 0.2]),
    "keep": st.just(float("nan")),
}


@st.composite
def scenarios(draw, kinds=tuple(kind_value)):
    n_items = draw(st.integers(min_value=1, max_value=4))
    items, targets, actuals, milestones = [], [], [], []
    for key in range(1, n_items + 1):
        items.append(
            {
                "key": key,
                "direction": draw(st.sampled_from([1, -1])),
                "measure": draw(st.sampled_from(MEASURE_CHOICES)),
                "nature": draw(st.sampled_from(["anticipatory", "binding"])),
            }
        )
        for year in draw(st.sets(st.integers(min_value=2021, max_value=2025), max_size=5)):
            kind = draw(st.sampled_from(kinds))
            targets.append((key, year, kind, draw(kind_value[kind])))
        for year in draw(st.sets(st.integers(min_value=2019, max_value=2026), max_size=8)):
            actuals.append((key, year, draw(values)))
        milestones.append((key, 2025))
        if draw(st.booleans()):
            milestones.append((key, 2023))
    return items, targets, actuals, milestones


def _assert_same_rates(left, right):
    assert_series_equal(left["status"], right["status"])
    assert_series_equal(left["mode"], right["mode"])
    for column in RATE_COLUMNS:
        a, b = left[column].to_numpy(), right[column].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), column
        ok = ~np.isnan(a)
        assert a[ok] == pytest.approx(b[ok], rel=1e-6, abs=1e-9), column


@settings(max_examples=50, derandomize=True, deadline=None)
@given(scenarios())
def test_property_unit_scaling_changes_no_rate_and_no_status(scenario):
    items, targets, actuals, milestones = scenario
    factor = 10_000.0
    scaled_targets = [(k, y, kind, v * factor if kind in UNIT_KINDS else v) for k, y, kind, v in targets]
    scaled_actuals = [(k, y, v * factor) for k, y, v in actuals]
    plain = run(items, targets, actuals, milestones)
    scaled = run(items, scaled_targets, scaled_actuals, milestones)
    _assert_same_rates(plain, scaled)
    a, b = plain["gap_final"].to_numpy(), scaled["gap_final"].to_numpy()
    ok = ~np.isnan(a)
    assert b[ok] == pytest.approx(a[ok] * factor, rel=1e-6, abs=1e-6)


@settings(max_examples=50, derandomize=True, deadline=None)
@given(scenarios(kinds=tuple(k for k in kind_value if k != "at_most")))
def test_property_flipping_direction_flips_the_gaps(scenario):
    items, targets, actuals, milestones = scenario
    flipped_items = [{**item, "direction": -item["direction"]} for item in items]
    plain = run(items, targets, actuals, milestones)
    flipped = run(flipped_items, targets, actuals, milestones)
    for column in ("gap_year", "gap_final", "gap_year_pct", "gap_final_pct"):
        assert_series_equal(flipped[column], -plain[column], check_names=False)
    assert_series_equal(flipped["compared_actual"], plain["compared_actual"])


@settings(max_examples=50, derandomize=True, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_property_deterministic_and_independent_of_input_order(scenario, rnd):
    items, targets, actuals, milestones = scenario
    first = run(items, targets, actuals, milestones)
    assert_frame_equal(first, run(items, targets, actuals, milestones))
    shuffled = [list(part) for part in (items, targets, actuals, milestones)]
    for part in shuffled:
        rnd.shuffle(part)
    assert_frame_equal(first, run(*shuffled))


@settings(max_examples=50, derandomize=True, deadline=None)
@given(scenarios())
def test_property_output_invariants(scenario):
    items, targets, actuals, milestones = scenario
    out = run(items, targets, actuals, milestones)
    assert list(out.columns) == OUTPUT_COLUMNS
    keys_years = list(zip(out["key"], out["year"], strict=True))
    assert keys_years == sorted(set(keys_years))
    assert out["year"].between(2021, 2025).all()
    expected_rows = {(k, y) for k, y, *_ in list(targets) + list(actuals) if 2021 <= y <= 2025}
    assert set(keys_years) == expected_rows
    assert set(out["status"]) <= set(STATUSES)
    unjudged = out["status"].isin(["insufficient_data", "no_target"])
    assert (out.loc[unjudged, "mode"] == "").all()
    assert out.loc[~unjudged, "mode"].isin(["index", "completion"]).all()
    assert out.loc[out["mode"] != "index", "progress_index"].isna().all()
    assert out.loc[out["actual"].isna(), "status"].eq("insufficient_data").all()
    binding = out["key"].map({item["key"]: item["nature"] for item in items}) == "binding"
    assert not (binding & (out["status"] == "on_track")).any()
