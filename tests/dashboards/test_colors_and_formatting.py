"""Status colours (one palette, colour-blind safe, readable badges), number formatting, sparklines and the
pure frame shaping behind the pages."""

import itertools
import math

import pandas as pd
import pytest

from dashboards import colors, formatting, frames
from dashboards.sparklines import sparkline
from progress.models import ProgressResult

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
SIMULATIONS = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
MIN_DELTA_E = 12  # CIE76; ~2.3 is "just noticeable", 10+ reads as a different colour at a glance


def _lab(hex_colour: str, matrix=None) -> tuple[float, float, float]:
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    if matrix:
        rgb = [min(1, max(0, sum(matrix[i][j] * rgb[j] for j in range(3)))) for i in range(3)]
    r, g, b = rgb
    x, y, z = (
        0.4124 * r + 0.3576 * g + 0.1805 * b,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        0.0193 * r + 0.1192 * g + 0.9505 * b,
    )

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x / 0.95047), f(y), f(z / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def test_every_status_has_one_colour_glyph_and_label():
    assert [s.value for s in ProgressResult.Status] == colors.STATUS_ORDER
    assert set(colors.STATUS_COLORS) == set(colors.STATUS_GLYPHS) == set(colors.STATUS_ORDER)
    assert len(set(colors.STATUS_COLORS.values())) == len(colors.STATUS_ORDER)
    assert colors.status_label("severely_lagging") == "严重滞后"


@pytest.mark.parametrize("vision", [None, *SIMULATIONS])
def test_status_colours_stay_apart_for_colour_blind_readers(vision):
    matrix = SIMULATIONS.get(vision)
    distances = {
        (a, b): math.dist(_lab(colors.STATUS_COLORS[a], matrix), _lab(colors.STATUS_COLORS[b], matrix))
        for a, b in itertools.combinations(colors.STATUS_ORDER, 2)
    }
    closest = min(distances, key=distances.get)
    assert distances[closest] >= MIN_DELTA_E, (vision, closest, distances[closest])


def test_badge_text_is_readable_on_every_status_colour():
    for status, colour in colors.STATUS_COLORS.items():
        assert colors.contrast_ratio(colour, colors.text_colour(colour)) >= 4.5, status


def test_status_css_is_generated_from_the_palette():
    text = colors.CSS_PATH.read_text(encoding="utf-8")
    assert text == colors.status_css(), (
        "regenerate static/dashboards/status.css with colors.write_status_css()"
    )
    assert ".status-lagging { background-color: #E69F00; color: #000000;" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (522.8, "522.8"),
        (60756.0, "60756"),
        (-7.2000000000000455, "-7.2"),
        (0.078, "0.078"),
        (None, "—"),
        (float("nan"), "—"),
        (-0.0, "0"),
    ],
)
def test_number_prints_the_stored_value(value, text):
    assert formatting.number(value) == text


def test_percent_gap_and_unit():
    assert formatting.percent(522.8 / 530) == "98.64%"
    assert formatting.percent(0.0208, signed=True) == "+2.08%"
    assert formatting.with_unit(530.0, "亿元") == "530 亿元"
    assert formatting.gap(-7.2, "亿元", -7.2 / 530) == "-7.2 亿元（-1.36%）"
    assert formatting.gap(None, "亿元", None) == "—"


def test_sparkline_splits_at_missing_years_and_marks_the_latest_actual():
    line = sparkline([2020, 2021, 2022, 2023], [10.0, None, 12.0, 13.0], [10.0, 11.0, 12.0, 13.0])
    assert len(line.actual) == 2 and len(line.target) == 1
    assert line.last == (93.0, 3.0)  # right edge, top
    assert sparkline([2020], [None], [None]) is None


def results_frame(rows) -> pd.DataFrame:
    columns = [
        "pi_id",
        "year",
        "actual",
        "base_value",
        "target_year",
        "target_final",
        "final_year",
        "status",
        "cagr_required",
        "cagr_remaining",
        "synthetic",
        "completion_rate",
        "gap_year_pct",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"actual": "float64", "target_year": "float64", "cagr_remaining": "float64"})


def test_pick_year_prefers_the_latest_year_with_an_actual():
    results = results_frame(
        [
            (1, 2021, 560.0, 522.8, 550, 680, 2025, "ahead", 0.05, 0.04, False, 1.02, 0.02),
            (1, 2022, None, 522.8, 580, 680, 2025, "insufficient_data", 0.05, None, False, None, None),
        ]
    )
    assert frames.pick_year(results, requested=None, today_year=2026) == 2021
    assert frames.pick_year(results, requested=2022, today_year=2026) == 2022
    assert frames.pick_year(results, requested=1999, today_year=2026) == 2021
    no_actuals = results.assign(actual=None)
    assert frames.pick_year(no_actuals, requested=None, today_year=2026) == 2022
    assert frames.pick_year(no_actuals, requested=None, today_year=2021) == 2021


def test_year_rows_show_plan_indicators_without_a_row_as_insufficient_data():
    pis = pd.DataFrame(
        [{"pi_id": 1, "order": 1, "zone_synthetic": False}, {"pi_id": 2, "order": 2, "zone_synthetic": False}]
    )
    results = results_frame(
        [
            (1, 2021, 560.0, 522.8, 550, 680, 2025, "ahead", 0.05, 0.04, True, 1.02, 0.02),
            (2, 2025, None, None, 630, 630, 2025, "insufficient_data", None, None, False, None, None),
        ]
    )
    rows = frames.year_rows(pis, results, year=2021)
    assert list(rows["status"]) == ["ahead", "insufficient_data"]
    assert list(rows["target_final"]) == [680, 630]  # the milestone target, from any year
    assert list(rows["synthetic"]) == [True, False]
    assert rows["required_growth"].iloc[0] == 0.04
    assert frames.status_counts(rows)["insufficient_data"] == 1


def test_sort_rows_puts_missing_values_last_and_worst_status_first():
    rows = pd.DataFrame(
        {
            "order": [1, 2, 3],
            "completion_rate": [0.9, None, 1.1],
            "status": ["lagging", "insufficient_data", "regressing"],
        }
    ).assign(severity=lambda f: f["status"].map(frames.SEVERITY))
    assert list(frames.sort_rows(rows, key="completion", descending=False)["order"]) == [1, 3, 2]
    assert list(frames.sort_rows(rows, key="completion", descending=True)["order"]) == [3, 1, 2]
    assert list(frames.sort_rows(rows, key="status", descending=False)["order"]) == [3, 1, 2]
