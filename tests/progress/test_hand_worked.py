"""Hand-worked cases of the progress method (docs/progress-method.md), one per target kind and measure.

Each test works the figures out by hand in its comments (B base value, A actual, T_y this year's target,
T the milestone target, t and n years since the base, d direction) and asserts the engine's figures to
those numbers, written out to six decimals. The pure engine is fed small frames; the last tests go
through the real doors (``import_observations``, the selectors, the store, the API and the indicator
page) on the seeded database.
"""

import csv
import json
import math
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from indicators.models import Indicator, Observation
from parks.models import Park
from progress.models import ProgressResult
from progress.services import progress_recompute
from tests.progress.test_engine import row, run, yearly


def near(value: float):
    """The hand-worked figure, to the six decimals written in the test."""
    return pytest.approx(value, abs=1e-6)


def nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# ----------------------------------------------------------------------------- target kinds on a level


def test_level_yearly_path_index_mode():
    # B(2020) = 100, T_2023 = 130 on the plan's path, T(2025) = 150, A_2023 = 125, t = 3, n = 5.
    # completion 125/130 = 0.961538; gap_year 125 − 130 = −5 (−5/130 = −0.038462);
    # gap_final 125 − 150 = −25 (−25/150 = −0.166667).
    # P = (125 − 100)/(150 − 100) = 0.5; E = (130 − 100)/(150 − 100) = 0.6; I = 0.5/0.6 = 0.833333
    # → index mode, 0.60 ≤ I < 0.95: lagging.
    # CAGR actual 1.25^(1/3) − 1 = 0.077217, required 1.5^(1/5) − 1 = 0.084472, pace 0.914120,
    # remaining (150/125)^(1/2) − 1 = 0.095445, projected 125·1.077217² = 145.049651.
    out = run(
        [{"key": 1}], targets=yearly(1, [110, 120, 130, 140, 150]), actuals=[(1, 2020, 100), (1, 2023, 125)]
    )
    r = row(out, 1, 2023)
    assert (r["base_value"], r["target_year"], r["target_final"], r["final_year"]) == (100, 130, 150, 2025)
    assert r["compared_actual"] == 125
    assert r["completion_rate"] == near(0.961538)
    assert r["gap_year"] == near(-5) and r["gap_year_pct"] == near(-0.038462)
    assert r["gap_final"] == near(-25) and r["gap_final_pct"] == near(-0.166667)
    assert r["task_progress"] == near(0.5)
    assert r["expected_progress"] == near(0.6)
    assert r["progress_index"] == near(0.833333)
    assert r["cagr_actual"] == near(0.077217)
    assert r["cagr_required"] == near(0.084472)
    assert r["pace"] == near(0.914120)
    assert r["cagr_remaining"] == near(0.095445)
    assert r["projected_final"] == near(145.049651)
    assert (r["mode"], r["status"], r["trend"]) == ("index", "lagging", "significant_progress")


def test_at_least_judged_like_level_and_met_at_the_number():
    # "突破680": B = 500, T(2025) = 680 at_least, no yearly targets.
    # 2023: A = 600, no T_y: completion rate null; gap_final 600 − 680 = −80 (−80/680 = −0.117647);
    # P = (600 − 500)/(680 − 500) = 0.555556; E = time progress 3/5 = 0.6; I = 0.925926 → lagging.
    # 2025: A = 680 exactly: gap_final 0 → achieved; completion 680/680 = 1; P = E = 1, I = 1.
    out = run(
        [{"key": 1}],
        targets=[(1, 2025, "at_least", 680)],
        actuals=[(1, 2020, 500), (1, 2023, 600), (1, 2025, 680)],
    )
    r = row(out, 1, 2023)
    assert nan(r["completion_rate"]) and nan(r["gap_year"])
    assert r["target_kind_final"] == "at_least"
    assert r["gap_final"] == near(-80) and r["gap_final_pct"] == near(-0.117647)
    assert r["task_progress"] == near(0.555556)
    assert r["expected_progress"] == near(0.6)
    assert r["progress_index"] == near(0.925926)
    assert (r["mode"], r["status"]) == ("index", "lagging")
    assert "expected progress = time progress t/n" in r["note"]
    final = row(out, 1, 2025)
    assert final["completion_rate"] == near(1) and final["gap_final"] == near(0)
    assert final["progress_index"] == near(1)
    assert (final["mode"], final["status"]) == ("index", "achieved")


def test_at_most_turns_a_higher_is_better_series_lower_is_better():
    # Catalogue direction +1, but the 2025 target is "不高于10" (at_most): d = −1.
    # B = 14, T_2023 = 11 (a plain level on the path), T = 10, A_2023 = 12.
    # completion T_y/A = 11/12 = 0.916667; gap_year −(12 − 11) = −1 (−1/11 = −0.090909);
    # gap_final −(12 − 10) = −2 (−0.2). P = (12 − 14)/(10 − 14) = 0.5; E = (11 − 14)/(10 − 14) = 0.75;
    # I = 0.666667 → lagging. CAGR actual (12/14)^(1/3) − 1 = −0.050086, required (10/14)^(1/5) − 1 =
    # −0.065080; pace d·actual/|required| = 0.050086/0.065080 = 0.769601 (falling is progress here).
    out = run(
        [{"key": 1}],
        targets=[(1, 2023, "level", 11), (1, 2025, "at_most", 10)],
        actuals=[(1, 2020, 14), (1, 2023, 12)],
    )
    r = row(out, 1, 2023)
    assert r["completion_rate"] == near(0.916667)
    assert r["gap_year"] == near(-1) and r["gap_year_pct"] == near(-0.090909)
    assert r["gap_final"] == near(-2) and r["gap_final_pct"] == near(-0.2)
    assert r["task_progress"] == near(0.5)
    assert r["expected_progress"] == near(0.75)
    assert r["progress_index"] == near(0.666667)
    assert r["cagr_actual"] == near(-0.050086) and r["cagr_required"] == near(-0.065080)
    assert r["pace"] == near(0.769601)
    assert (r["mode"], r["status"]) == ("index", "lagging")
    assert "at_most target: judged lower-is-better" in r["note"]


def test_cagr_target_growth_shaped():
    # "年均增长10%": B = 100, T = 100·1.1^5 = 161.051, A_2023 = 130, no yearly target.
    # gap_final 130 − 161.051 = −31.051 (−0.192802).
    # P = ln(130/100)/ln(161.051/100) = 0.262364/0.476551 = 0.550548; E = t/n = 0.6; I = 0.917580
    # → lagging. CAGR actual 1.3^(1/3) − 1 = 0.091393, required 0.1, pace 0.913929,
    # remaining (161.051/130)^(1/2) − 1 = 0.113038.
    out = run([{"key": 1}], targets=[(1, 2025, "cagr", 0.1)], actuals=[(1, 2020, 100), (1, 2023, 130)])
    r = row(out, 1, 2023)
    assert r["target_final"] == near(161.051)
    assert nan(r["completion_rate"])
    assert r["gap_final"] == near(-31.051) and r["gap_final_pct"] == near(-0.192802)
    assert r["task_progress"] == near(0.550548)
    assert r["expected_progress"] == near(0.6)
    assert r["progress_index"] == near(0.917580)
    assert r["cagr_actual"] == near(0.091393) and r["cagr_required"] == near(0.1)
    assert r["pace"] == near(0.913929) and r["cagr_remaining"] == near(0.113038)
    assert (r["mode"], r["status"]) == ("index", "lagging")


def test_pp_change_on_a_share_in_percentage_points():
    # R&D share: B = 2.0 %, "提高1.5个百分点" by 2025 → T = 3.5 %; T_2022 = 2.6 % (path); A_2022 = 2.45 %.
    # completion 2.45/2.6 = 0.942308; gap_year −0.15 points (−0.15/2.6 = −0.057692);
    # gap_final −1.05 points (−1.05/3.5 = −0.3). P = 0.45/1.5 = 0.3; E = 0.6/1.5 = 0.4; I = 0.75 → lagging.
    out = run(
        [{"key": 1, "measure": "share"}],
        targets=[(1, 2022, "level", 2.6), (1, 2025, "pp_change", 1.5)],
        actuals=[(1, 2020, 2.0), (1, 2022, 2.45)],
    )
    r = row(out, 1, 2022)
    assert r["target_final"] == near(3.5)
    assert r["completion_rate"] == near(0.942308)
    assert r["gap_year"] == near(-0.15) and r["gap_year_pct"] == near(-0.057692)
    assert r["gap_final"] == near(-1.05) and r["gap_final_pct"] == near(-0.3)
    assert r["task_progress"] == near(0.3)
    assert r["expected_progress"] == near(0.4)
    assert r["progress_index"] == near(0.75)
    assert (r["mode"], r["status"]) == ("index", "lagging")


def test_multiple_doubling_growth_shaped():
    # "翻番": B = 35, T = 2·35 = 70, A_2023 = 49.
    # gap_final 49 − 70 = −21 (−0.3). P = ln(49/35)/ln 2 = ln 1.4/ln 2 = 0.485427; E = 0.6;
    # I = 0.809045 → lagging. CAGR actual 1.4^(1/3) − 1 = 0.118689; required 2^(1/5) − 1 = 0.148698.
    out = run([{"key": 1}], targets=[(1, 2025, "multiple", 2)], actuals=[(1, 2020, 35), (1, 2023, 49)])
    r = row(out, 1, 2023)
    assert r["target_final"] == near(70)
    assert r["gap_final"] == near(-21) and r["gap_final_pct"] == near(-0.3)
    assert r["task_progress"] == near(0.485427)
    assert r["expected_progress"] == near(0.6)
    assert r["progress_index"] == near(0.809045)
    assert r["cagr_actual"] == near(0.118689) and r["cagr_required"] == near(0.148698)
    assert (r["mode"], r["status"]) == ("index", "lagging")


def test_reduction_lower_is_better_growth_shaped():
    # "下降15%", lower is better: B = 80, T = 80·0.85 = 68, A_2022 = 76, t = 2.
    # gap_final −(76 − 68) = −8 (−8/68 = −0.117647). P = ln(76/80)/ln(68/80) = ln 0.95/ln 0.85 = 0.315614;
    # E = 2/5 = 0.4; I = 0.789036 → lagging.
    # CAGR actual 0.95^(1/2) − 1 = −0.025321, required 0.85^(1/5) − 1 = −0.031981;
    # pace d·actual/|required| = 0.791732; trend on d·CAGR = +0.025321 ≥ 0.015: significant progress.
    out = run(
        [{"key": 1, "direction": -1}],
        targets=[(1, 2025, "reduction", 0.15)],
        actuals=[(1, 2020, 80), (1, 2022, 76)],
    )
    r = row(out, 1, 2022)
    assert r["target_final"] == near(68)
    assert r["gap_final"] == near(-8) and r["gap_final_pct"] == near(-0.117647)
    assert r["task_progress"] == near(0.315614)
    assert r["expected_progress"] == near(0.4)
    assert r["progress_index"] == near(0.789036)
    assert r["cagr_actual"] == near(-0.025321) and r["cagr_required"] == near(-0.031981)
    assert r["pace"] == near(0.791732)
    assert (r["mode"], r["status"], r["trend"]) == ("index", "lagging", "significant_progress")


def test_keep_judged_on_completion_against_the_base():
    # "保持": T = B = 100; T − B = 0, so no task progress: completion mode against T.
    # Key 1 (higher is better), A_2023 = 101: gap_final +1 → achieved.
    # Key 2 (higher is better), A_2023 = 97: completion vs T = 97/100 = 0.97 → on_track; gap_final −3 (−0.03).
    # Key 3 (lower is better), A_2023 = 103: completion T/A = 100/103 = 0.970874 → on_track; gap −3.
    out = run(
        [{"key": 1}, {"key": 2}, {"key": 3, "direction": -1}],
        targets=[(k, 2025, "keep", math.nan) for k in (1, 2, 3)],
        actuals=[
            (1, 2020, 100),
            (1, 2023, 101),
            (2, 2020, 100),
            (2, 2023, 97),
            (3, 2020, 100),
            (3, 2023, 103),
        ],
    )
    met = row(out, 1, 2023)
    assert met["target_final"] == 100 and met["gap_final"] == near(1)
    assert met["status"] == "achieved"
    for key, gap in ((2, -3), (3, -3)):
        r = row(out, key, 2023)
        assert r["gap_final"] == near(gap) and r["gap_final_pct"] == near(gap / 100)
        assert nan(r["completion_rate"])  # no target for 2023 itself
        assert nan(r["task_progress"]) and nan(r["progress_index"])
        assert r["expected_progress"] == near(0.6)
        assert (r["mode"], r["status"]) == ("completion", "on_track")
        assert "completion mode: target equals base" in r["note"]
    # (the completion against T that decided it: 0.97 and 0.970874, both in [0.95, 1))


def test_lower_is_better_level_with_a_yearly_path():
    # A lower-is-better level (e.g. accidents): B = 20, T_2022 = 16, T(2025) = 10, A_2022 = 17; d = −1.
    # completion T_y/A = 16/17 = 0.941176; gap_year −(17 − 16) = −1 (−1/16 = −0.0625);
    # gap_final −(17 − 10) = −7 (−0.7). P = (17 − 20)/(10 − 20) = 0.3; E = (16 − 20)/(10 − 20) = 0.4;
    # I = 0.75 → lagging. CAGR actual 0.85^(1/2) − 1 = −0.078046, required 0.5^(1/5) − 1 = −0.129449,
    # pace 0.078046/0.129449 = 0.602904; trend: d·CAGR = +0.078 → significant progress.
    out = run(
        [{"key": 1, "direction": -1}],
        targets=yearly(1, [18, 16, 14, 12, 10]),
        actuals=[(1, 2020, 20), (1, 2022, 17)],
    )
    r = row(out, 1, 2022)
    assert r["completion_rate"] == near(0.941176)
    assert r["gap_year"] == near(-1) and r["gap_year_pct"] == near(-0.0625)
    assert r["gap_final"] == near(-7) and r["gap_final_pct"] == near(-0.7)
    assert r["task_progress"] == near(0.3)
    assert r["expected_progress"] == near(0.4)
    assert r["progress_index"] == near(0.75)
    assert r["cagr_actual"] == near(-0.078046) and r["cagr_required"] == near(-0.129449)
    assert r["pace"] == near(0.602904)
    assert (r["mode"], r["status"], r["trend"]) == ("index", "lagging", "significant_progress")


# ------------------------------------------------------------------------------------------- measures


WENSHAN = {"base_year": 2021, "start_year": 2022, "end_year": 2025}


@pytest.mark.parametrize("base_rate", [None, 12.0], ids=["no base value", "with a base value"])
def test_rate_judged_on_the_mean_of_its_rates_with_or_without_a_base(base_rate):
    # Wenshan "研发经费投入年均增长16.7%以上" (base year 2021, one target: T(2025) = 16.7, at_least).
    # Rates 2022 = 15.2, 2023 = 17.0, 2024 = 18.0, 2025 = 17.2; the base year's rate never counts.
    # 2022: mean 15.2; completion vs T 15.2/16.7 = 0.910180 → lagging; gap_final −1.5 (−0.089820).
    # 2023: mean (15.2 + 17.0)/2 = 16.1; completion vs T 16.1/16.7 = 0.964072 → on_track;
    #       gap_final −0.6 (−0.6/16.7 = −0.035928); no P, no index; E = t/n = 2/4 = 0.5 (reported only).
    # 2025 (milestone): mean 67.4/4 = 16.85; completion 16.85/16.7 = 1.008982 → achieved.
    # The same with or without a 2021 value: a rate needs no base (like a cumulative flow).
    actuals = [(1, 2022, 15.2), (1, 2023, 17.0), (1, 2024, 18.0), (1, 2025, 17.2)]
    if base_rate is not None:
        actuals.append((1, 2021, base_rate))
    out = run(
        [{"key": 1, "measure": "rate", **WENSHAN}], targets=[(1, 2025, "at_least", 16.7)], actuals=actuals
    )
    first = row(out, 1, 2022)
    assert first["compared_actual"] == near(15.2)
    assert first["gap_final"] == near(-1.5) and first["gap_final_pct"] == near(-0.089820)
    assert (first["mode"], first["status"]) == ("completion", "lagging")
    r = row(out, 1, 2023)
    assert r["actual"] == 17.0 and r["compared_actual"] == near(16.1)
    assert nan(r["completion_rate"])  # no target for 2023 itself: judged against T
    assert r["gap_final"] == near(-0.6) and r["gap_final_pct"] == near(-0.035928)
    assert nan(r["task_progress"]) and nan(r["progress_index"])
    assert r["expected_progress"] == near(0.5)
    for column in ("yoy_growth", "cagr_actual", "cagr_required", "pace"):
        assert nan(r[column]), column
    assert (r["mode"], r["status"]) == ("completion", "on_track")
    assert "completion mode: measure judged on completion rate" in r["note"]
    assert "judged on completion against milestone target" in r["note"]
    final = row(out, 1, 2025)
    assert final["compared_actual"] == near(16.85)
    assert final["completion_rate"] == near(1.008982)
    assert final["status"] == "achieved"
    assert ("no base value" in r["note"]) is (base_rate is None)


def test_rate_with_a_target_that_needs_a_base_has_no_level_without_one():
    # "提高2个百分点" of a growth rate needs B: without a 2021 rate T has no level → insufficient data.
    out = run(
        [{"key": 1, "measure": "rate", **WENSHAN}],
        targets=[(1, 2025, "pp_change", 2)],
        actuals=[(1, 2022, 15.2)],
    )
    r = row(out, 1, 2022)
    assert nan(r["target_final"]) and r["target_kind_final"] == "pp_change"
    assert (r["mode"], r["status"]) == ("", "insufficient_data")
    assert "no base value" in r["note"]


def test_annual_flow_year_by_year():
    # 当年净增: T_y = 53, 59, 65, 72, 80 (2021–2025); A_2022 = 56, A_2024 = 85, A_2025 = 80.
    # 2022: completion 56/59 = 0.949153 → lagging (just under 0.95); gap_year −3 (−0.050847);
    #       gap_final against the 2025 figure 56 − 80 = −24 (−0.3); no P and no index (completion mode).
    # 2024: 85 ≥ 80 but only the milestone year can be achieved: completion 85/72 ≥ 1 → ahead.
    # 2025: 80/80 = 1 at the milestone → achieved.
    out = run(
        [{"key": 1, "measure": "annual_flow"}],
        targets=yearly(1, [53, 59, 65, 72, 80]),
        actuals=[(1, 2022, 56), (1, 2024, 85), (1, 2025, 80)],
    )
    r = row(out, 1, 2022)
    assert r["completion_rate"] == near(0.949153)
    assert r["gap_year"] == near(-3) and r["gap_year_pct"] == near(-0.050847)
    assert r["gap_final"] == near(-24) and r["gap_final_pct"] == near(-0.3)
    assert nan(r["task_progress"]) and nan(r["progress_index"]) and nan(r["cagr_actual"])
    assert (r["mode"], r["status"]) == ("completion", "lagging")
    assert row(out, 1, 2024)["status"] == "ahead"
    assert row(out, 1, 2025)["status"] == "achieved"


def test_cumulative_flow_without_a_base_value():
    # Wenshan "新增创新创业载体10家以上" (base year 2021, no 2021 value): 2022 = 3, 2023 = 4.
    # 2023: ΣA = 7; P = 7/10 = 0.7; E = t/n = 2/4 = 0.5; I = 1.4 → ahead (index mode, no base needed);
    # gap_final 7 − 10 = −3 (−0.3); completion rate null (no target for 2023 itself).
    out = run(
        [{"key": 1, "measure": "cumulative_flow", **WENSHAN}],
        targets=[(1, 2025, "at_least", 10)],
        actuals=[(1, 2022, 3), (1, 2023, 4)],
    )
    r = row(out, 1, 2023)
    assert nan(r["base_value"]) and r["compared_actual"] == 7
    assert nan(r["completion_rate"])
    assert r["gap_final"] == near(-3) and r["gap_final_pct"] == near(-0.3)
    assert r["task_progress"] == near(0.7)
    assert r["expected_progress"] == near(0.5)
    assert r["progress_index"] == near(1.4)
    assert (r["mode"], r["status"]) == ("index", "ahead")


YUXI_ENERGY_PATH = [0.078, 0.075, 0.07, 0.065]  # 表2 单位增加值综合能耗, 2021–2024; 2025: 降低至0.06


def test_intensity_takes_the_growth_shape_whatever_the_wording():
    # Yuxi 表2 单位增加值综合能耗 (吨标准煤/万元), lower is better: B(2020) = 0.08, T_2023 = 0.07,
    # T(2025) = 0.06 ("降低至0.06": at_most), A_2023 = 0.0705. The same series as a plain level (key 2).
    # completion T_y/A = 0.07/0.0705 = 0.992908; gap_year −(0.0705 − 0.07) = −0.0005 (−0.007143);
    # gap_final −(0.0705 − 0.06) = −0.0105 (−0.175).
    # Intensity (statistics bureau): P = ln(0.0705/0.08)/ln(0.06/0.08) = 0.439422,
    #   E = ln(0.07/0.08)/ln(0.06/0.08) = 0.464163, I = 0.946698 → lagging.
    # Linear (a level): P = 0.0095/0.02 = 0.475, E = 0.01/0.02 = 0.5, I = 0.95 → on_track.
    # CAGR actual (0.0705/0.08)^(1/3) − 1 = −0.041263; required 0.75^(1/5) − 1 = −0.055912;
    # remaining (0.06/0.0705)^(1/2) − 1 = −0.077469.
    targets = [*yearly(1, YUXI_ENERGY_PATH), (1, 2025, "at_most", 0.06)]
    targets += [(2, y, k, v) for _, y, k, v in targets]
    out = run(
        [{"key": 1, "direction": -1, "measure": "intensity"}, {"key": 2, "direction": -1}],
        targets=targets,
        actuals=[(k, y, v) for k in (1, 2) for y, v in ((2020, 0.08), (2023, 0.0705))],
    )
    r = row(out, 1, 2023)
    assert r["completion_rate"] == near(0.992908)
    assert r["gap_year"] == near(-0.0005) and r["gap_year_pct"] == near(-0.007143)
    assert r["gap_final"] == near(-0.0105) and r["gap_final_pct"] == near(-0.175)
    assert r["task_progress"] == near(0.439422)
    assert r["expected_progress"] == near(0.464163)
    assert r["progress_index"] == near(0.946698)
    assert r["cagr_actual"] == near(-0.041263) and r["cagr_required"] == near(-0.055912)
    assert r["cagr_remaining"] == near(-0.077469)
    assert (r["mode"], r["status"], r["trend"]) == ("index", "lagging", "significant_progress")
    linear = row(out, 2, 2023)
    assert linear["completion_rate"] == near(0.992908)  # the same completion and gaps
    assert linear["task_progress"] == near(0.475)
    assert linear["expected_progress"] == near(0.5)
    assert linear["progress_index"] == near(0.95)
    assert (linear["mode"], linear["status"]) == ("index", "on_track")


def test_intensity_against_time_progress_and_with_a_zero_actual():
    # No yearly path: B = 0.08, T(2025) = 0.06 (at_most), A_2023 = 0.07.
    # P = ln(0.875)/ln(0.75) = 0.464163; E = t/n = 0.6; I = 0.773605 → lagging (linear would say 0.833333).
    # A_2024 = 0 (the energy-using plant closed): ln 0 is undefined, so P falls back to the linear
    # (0 − 0.08)/(0.06 − 0.08) = 4 and says so; 0 ≤ 0.06 → achieved.
    out = run(
        [{"key": 1, "direction": -1, "measure": "intensity"}],
        targets=[(1, 2025, "at_most", 0.06)],
        actuals=[(1, 2020, 0.08), (1, 2023, 0.07), (1, 2024, 0)],
    )
    r = row(out, 1, 2023)
    assert nan(r["completion_rate"])
    assert r["gap_final"] == near(-0.01)
    assert r["task_progress"] == near(0.464163)
    assert r["expected_progress"] == near(0.6)
    assert r["progress_index"] == near(0.773605)
    assert (r["mode"], r["status"]) == ("index", "lagging")
    zero = row(out, 1, 2024)
    assert zero["task_progress"] == near(4)
    assert "task progress: growth shape undefined, linear used" in zero["note"]
    assert nan(zero["cagr_actual"])
    assert zero["status"] == "achieved"


def test_intensity_reduction_is_the_statistics_bureaus_example():
    # "单位增加值能耗下降15%": B = 1.0, T = 0.85, after three years A = 0.9.
    # P = ln 0.9/ln 0.85 = 0.648297 (linear: 0.1/0.15 = 0.666667); E = 0.6; I = 1.080495 → ahead.
    out = run(
        [{"key": 1, "direction": -1, "measure": "intensity"}],
        targets=[(1, 2025, "reduction", 0.15)],
        actuals=[(1, 2020, 1.0), (1, 2023, 0.9)],
    )
    r = row(out, 1, 2023)
    assert r["target_final"] == near(0.85)
    assert r["task_progress"] == near(0.648297)
    assert r["progress_index"] == near(1.080495)
    assert (r["mode"], r["status"]) == ("index", "ahead")


# ----------------------------------------------------------------------------------------- edge cases


def test_missing_year_is_not_interpolated():
    # B = 100; T_y = 110, 120, 130, 140, 150; actuals 2021 = 108, 2023 = 131, nothing for 2022.
    # 2022: the target exists but no actual → insufficient data, nothing judged (mode "").
    # 2023: t = 3 (the real distance): completion 131/130 = 1.007692; gap_year +1 (0.007692);
    #       gap_final −19 (−0.126667); P = 31/50 = 0.62, E = 30/50 = 0.6, I = 1.033333 → ahead;
    #       CAGR actual 1.31^(1/3) − 1 = 0.094184; remaining (150/131)^(1/2) − 1 = 0.070065;
    #       no year-on-year growth (2022 is missing, the gap is not bridged).
    out = run(
        [{"key": 1}],
        targets=yearly(1, [110, 120, 130, 140, 150]),
        actuals=[(1, 2020, 100), (1, 2021, 108), (1, 2023, 131)],
    )
    gap = row(out, 1, 2022)
    assert nan(gap["actual"]) and gap["target_year"] == 120
    assert nan(gap["completion_rate"]) and nan(gap["progress_index"])
    assert (gap["mode"], gap["status"]) == ("", "insufficient_data")
    assert "no actual for this year" in gap["note"]
    r = row(out, 1, 2023)
    assert r["completion_rate"] == near(1.007692)
    assert r["gap_year"] == near(1) and r["gap_year_pct"] == near(0.007692)
    assert r["gap_final"] == near(-19) and r["gap_final_pct"] == near(-0.126667)
    assert r["task_progress"] == near(0.62)
    assert r["expected_progress"] == near(0.6)
    assert r["progress_index"] == near(1.033333)
    assert r["cagr_actual"] == near(0.094184) and r["cagr_remaining"] == near(0.070065)
    assert nan(r["yoy_growth"]) and "no actual for previous year" in r["note"]
    assert (r["mode"], r["status"]) == ("index", "ahead")


def test_zero_base_uses_the_linear_forms_and_has_no_growth():
    # Key 1, a level: B = 0 (no listed enterprise in 2020), T(2025) = 3, A_2023 = 1.
    #   P = (1 − 0)/(3 − 0) = 0.333333; E = 0.6; I = 0.555556 → severely lagging; gap_final −2 (−0.666667).
    #   No CAGR from a zero base (actual, required, pace, trend null: never 0.001 for zero); the remaining
    #   growth needs no base: (3/1)^(1/2) − 1 = 0.732051.
    # Key 2, a share with "提高2个百分点" from B = 0 %: T = 2; A_2023 = 1.5 %.
    #   P = 1.5/2 = 0.75; E = 0.6; I = 1.25 → ahead.
    out = run(
        [{"key": 1}, {"key": 2, "measure": "share"}],
        targets=[(1, 2025, "level", 3), (2, 2025, "pp_change", 2)],
        actuals=[(1, 2020, 0), (1, 2023, 1), (2, 2020, 0), (2, 2023, 1.5)],
    )
    r = row(out, 1, 2023)
    assert r["base_value"] == 0
    assert r["gap_final"] == near(-2) and r["gap_final_pct"] == near(-0.666667)
    assert r["task_progress"] == near(0.333333)
    assert r["expected_progress"] == near(0.6)
    assert r["progress_index"] == near(0.555556)
    for column in ("cagr_actual", "cagr_required", "pace", "projected_final"):
        assert nan(r[column]), column
    assert r["trend"] == ""
    assert r["cagr_remaining"] == near(0.732051)
    assert (r["mode"], r["status"]) == ("index", "severely_lagging")
    assert "growth undefined for zero/negative base" in r["note"]
    share = row(out, 2, 2023)
    assert share["target_final"] == near(2)
    assert share["task_progress"] == near(0.75)
    assert share["progress_index"] == near(1.25)
    assert (share["mode"], share["status"]) == ("index", "ahead")


# ------------------------------------------------------------- through the real doors (seeded database)


def _csv(tmp_path, *rows) -> str:
    path = tmp_path / "actuals.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["park", "indicator", "year", "value", "unit", "source", "note"])
        writer.writerows(rows)
    return str(path)


def _progress(*args) -> list[dict]:
    out = StringIO()
    call_command("progress", *args, "--recompute", "--format", "json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_trade_entered_in_wan_usd_is_judged_in_yi_usd(tmp_path):
    # Yuxi 表2 外贸进出口总额 (亿美元): B(2020) = 60756 万美元 = 6.0756 亿美元 (seeded from 表1),
    # T_2021 = 7, T(2025) = 13. The 2021 value arrives in 万美元: 82000 万美元 = 8.2 亿美元.
    # completion 8.2/7 = 1.171429; gap_year +1.2 (0.171429); gap_final 8.2 − 13 = −4.8 (−0.369231);
    # P = (8.2 − 6.0756)/(13 − 6.0756) = 2.1244/6.9244 = 0.306799; E = 0.9244/6.9244 = 0.133499;
    # I = 2.298139 → ahead; year-on-year 8.2/6.0756 − 1 = 0.349661 (= CAGR actual, t = 1);
    # required (13/6.0756)^(1/5) − 1 = 0.164316; remaining (13/8.2)^(1/4) − 1 = 0.122102.
    call_command(
        "import_observations",
        _csv(tmp_path, ("yuxi-hitech", "foreign-trade", 2021, "82000", "万美元", "海关", "")),
        stdout=StringIO(),
    )
    stored = Observation.objects.get(park__code="yuxi-hitech", indicator__code="foreign-trade", year=2021)
    assert stored.value == Decimal("8.2") and stored.indicator.unit.symbol == "亿美元"
    [r] = [
        r
        for r in _progress("--park", "yuxi-hitech", "--plan", "yuxi-14th-fyp", "--year", "2021")
        if r["indicator_code"] == "foreign-trade"
    ]
    assert r["unit"] == "亿美元"
    assert (r["actual"], r["base_value"], r["target_year"], r["target_final"]) == (8.2, 6.0756, 7, 13)
    assert r["completion_rate"] == near(1.171429)
    assert r["gap_year"] == 1.2 and r["gap_year_pct"] == near(0.171429)
    assert r["gap_final"] == -4.8 and r["gap_final_pct"] == near(-0.369231)
    assert r["task_progress"] == near(0.306799)
    assert r["expected_progress"] == near(0.133499)
    assert r["progress_index"] == near(2.298139)
    assert r["yoy_growth"] == near(0.349661) and r["cagr_actual"] == near(0.349661)
    assert r["cagr_required"] == near(0.164316) and r["cagr_remaining"] == near(0.122102)
    assert (r["mode"], r["status"]) == ("index", "ahead")


@pytest.mark.django_db
def test_seeded_energy_consumption_is_an_intensity_judged_on_the_log_scale():
    # The catalogue says 单位增加值综合能耗 is an intensity; Yuxi 表2 gives the path of the intensity test
    # above. With B(2020) = 0.08 and A_2023 = 0.0705: P = 0.439422, E = 0.464163, I = 0.946698 → lagging
    # (the linear reading would have said I = 0.95, on track).
    yuxi = Park.objects.get(code="yuxi-hitech")
    energy = Indicator.objects.get(code="energy-per-value-added")
    assert energy.measure == "intensity" and energy.direction == -1
    for year, value in ((2020, "0.08"), (2023, "0.0705")):
        Observation.objects.update_or_create(
            park=yuxi, indicator=energy, year=year, defaults={"value": Decimal(value), "status": "approved"}
        )
    progress_recompute(park_ids=[yuxi.pk])
    r = ProgressResult.objects.get(plan__code="yuxi-14th-fyp", plan_indicator__indicator=energy, year=2023)
    assert r.completion_rate == near(0.992908)
    assert r.task_progress == near(0.439422)
    assert r.expected_progress == near(0.464163)
    assert r.progress_index == near(0.946698)
    assert (r.mode, r.status) == ("index", "lagging")


@pytest.mark.django_db
def test_zones_add_up_for_a_level_but_never_for_an_intensity():
    # Yuxi's four direct zones each report 2021: 非烟地区生产总值 30 + 40 + 50 + 20 = 140 (a level: the
    # park takes the sum); 单位增加值综合能耗 0.07, 0.08, 0.09, 0.06 (an intensity: a sum of 0.30 would be
    # meaningless, so the park has no 2021 value and its row is insufficient data).
    yuxi = Park.objects.get(code="yuxi-hitech")
    zones = list(Park.objects.filter(parent=yuxi).order_by("code"))
    assert len(zones) == 4
    gdp = Indicator.objects.get(code="gdp-excl-tobacco")
    energy = Indicator.objects.get(code="energy-per-value-added")
    for zone, level, intensity in zip(
        zones, ("30", "40", "50", "20"), ("0.07", "0.08", "0.09", "0.06"), strict=True
    ):
        Observation.objects.create(
            park=zone, indicator=gdp, year=2021, value=Decimal(level), status="approved"
        )
        Observation.objects.create(
            park=zone, indicator=energy, year=2021, value=Decimal(intensity), status="approved"
        )
    progress_recompute(park_ids=[yuxi.pk])
    results = ProgressResult.objects.filter(plan__code="yuxi-14th-fyp", park=yuxi, year=2021)
    summed = results.get(plan_indicator__indicator=gdp)
    assert summed.actual == 140 and "sum of the zones" in summed.note
    alone = results.get(plan_indicator__indicator=energy)
    assert alone.actual is None and alone.status == "insufficient_data"


@pytest.mark.django_db
def test_wenshan_rate_row_on_the_api_and_the_indicator_page(client):
    # Wenshan 研发经费投入年均增长 (rate), no 2021 value; 2022 = 15.2 %, 2023 = 17.0 %:
    # 2023 is judged on the mean 16.1 against 16.7 → 0.964072 → 符合预期, by completion.
    wenshan = Park.objects.get(code="wenshan-hitech")
    rate = Indicator.objects.get(code="rd-spending-growth")
    for year, value in ((2022, "15.2"), (2023, "17.0")):
        Observation.objects.create(
            park=wenshan, indicator=rate, year=year, value=Decimal(value), status="approved"
        )
    progress_recompute(park_ids=[wenshan.pk])
    response = client.get(
        "/api/v1/progress/",
        {"plan": "wenshan-hitech-opinions-2022", "indicator": "rd-spending-growth", "year": 2023},
    )
    [r] = response.json()["results"]
    assert (r["actual"], r["base_value"], r["target_final"]) == (17.0, None, 16.7)
    assert r["compared_actual"] == near(16.1)
    assert r["gap_final"] == near(-0.6)
    assert (r["mode"], r["status"], r["status_display"]) == ("completion", "on_track", "符合预期")
    order = ProgressResult.objects.get(
        pk__isnull=False, plan__code="wenshan-hitech-opinions-2022", year=2023, plan_indicator__indicator=rate
    ).plan_indicator.order
    page = client.get(
        f"/dashboards/parks/wenshan-hitech/plans/wenshan-hitech-opinions-2022/indicators/{order}/?year=2023"
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "符合预期" in text and "按完成率判定" in text
    assert (
        "基期后各年平均增速" in text and "16.1 %" in text
    )  # the mean of the rates, compared with the target
