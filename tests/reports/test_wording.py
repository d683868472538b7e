"""The report's Chinese: official rounding, units in running text, and sentences from stored figures."""

from __future__ import annotations

import pytest

from reports import wording
from reports.context import report_kind


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (522.8 / 530, "98.6%"),
        (0.98650, "98.7%"),  # half up on the printed decimal, not banker's rounding
        (0.98649999, "98.6%"),
        (-0.0004, "0.0%"),  # never "-0.0%"
        (1.35013333, "135.0%"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_percentages_round_half_up_to_one_decimal(fraction, text):
    assert wording.percent(fraction) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (522.8, "522.8"),
        (60756.0, "60756"),
        (-7.2, "-7.2"),
        (0.0585, "0.0585"),
        (601.89564, "601.9"),
        (0.0123456, "0.0123"),
    ],
)
def test_values_print_as_entered_or_rounded_when_derived(value, text):
    assert wording.amount(value) == text


@pytest.mark.parametrize(
    ("name", "unit", "plain"),
    [
        ("地区生产总值（亿元，含烟）", "亿元", "地区生产总值（含烟）"),
        ("一般公共预算收入（亿元）", "亿元", "一般公共预算收入"),
        (
            "研究与试验发展（R&D）经费投入占生产总值比重（%，非烟）",
            "%",
            "研究与试验发展（R&D）经费投入占生产总值比重（非烟）",
        ),
        ("——国家级研发机构数（家）", "家", "国家级研发机构数"),
        ("全口径地区生产总值", "亿元", "全口径地区生产总值"),
    ],
)
def test_running_text_drops_the_unit_printed_inside_a_name(name, unit, plain):
    assert wording.plain_name(name, unit) == plain


GDP = {
    "name": "全口径地区生产总值",
    "unit": "亿元",
    "measure": "level",
    "direction": 1,
    "actual": 522.8,
    "target_year": 530.0,
    "target_final": 530.0,
    "final_year": 2020,
    "completion_rate": 522.8 / 530,
    "gap_final": -7.2,
    "cagr_actual": 0.02078,
    "cagr_required": 0.02364,
    "cagr_remaining": None,
    "status": "lagging",
}


def test_a_lagging_indicator_in_its_milestone_year():
    assert wording.indicator_sentence(GDP, year=2020) == (
        "全口径地区生产总值完成522.8亿元，为目标的98.6%，年均增长2.1%，低于规划要求的2.4%，进度滞后，与目标相差7.2亿元。"
    )


def test_a_lagging_indicator_before_its_milestone_names_the_growth_now_required():
    row = {**GDP, "final_year": 2025, "target_year": 580.0, "completion_rate": 0.95, "cagr_remaining": 0.0612}
    assert wording.indicator_sentence(row, year=2023) == (
        "全口径地区生产总值完成522.8亿元，为年度目标的95.0%，年均增长2.1%，低于规划要求的2.4%，进度滞后，"
        "今后2年需年均增长6.1%方能完成2025年目标。"
    )


def test_shares_compare_in_percentage_points_and_counts_reach():
    share = {
        **GDP,
        "name": "R&D经费投入占比（%）",
        "unit": "%",
        "measure": "share",
        "actual": 2.1,
        "target_year": 2.0,
    }
    share |= {"gap_year": 0.1, "cagr_actual": None, "status": "ahead", "final_year": 2025}
    assert (
        wording.indicator_sentence(share, year=2023)
        == "R&D经费投入占比达到2.1%，高于年度目标（2%）0.1个百分点，进度超前。"
    )
    count = {**share, "name": "高新技术企业数（家）", "unit": "家", "measure": "annual_flow", "actual": 12.0}
    count |= {"target_year": 15.0, "completion_rate": 0.8, "status": "lagging", "cagr_remaining": None}
    assert (
        wording.indicator_sentence(count, year=2023)
        == "高新技术企业数达到12家，为年度目标的80.0%，进度滞后。"
    )


def test_without_an_actual_the_sentence_says_so():
    assert wording.indicator_sentence({**GDP, "actual": None, "status": "insufficient_data"}, year=2021) == (
        "全口径地区生产总值暂无2021年已审核数据，无法判断进度。"
    )


def test_summary_counts_in_the_words_evaluations_use():
    order = [
        "achieved",
        "ahead",
        "on_track",
        "lagging",
        "severely_lagging",
        "regressing",
        "no_target",
        "insufficient_data",
    ]
    counts = dict.fromkeys(order, 0) | {"achieved": 3, "lagging": 2, "insufficient_data": 1}
    assert (
        wording.status_counts_line(counts, total=6, order=order)
        == "6项指标中，3项已完成、2项滞后、1项暂无数据。"
    )
    assert (
        wording.status_counts_line(dict.fromkeys(order, 0) | {"ahead": 1}, total=1, order=order)
        == "1项指标超前。"
    )


def test_time_and_task_progress_reading():
    text = wording.time_progress_reading(
        year=2023, base_year=2020, end_year=2025, task_progress=[0.7, 0.6, 0.3, None]
    )
    assert text == (
        "截至2023年，规划期已过去3年，时间进度为60.0%。在可计算任务进度的3项指标中，2项任务进度达到或超过时间进度，"
        "1项低于时间进度，总体实现“时间过半、任务过半”。"
    )
    behind = wording.time_progress_reading(
        year=2023, base_year=2020, end_year=2025, task_progress=[0.2, 0.3, 0.9]
    )
    assert behind.endswith("总体未实现“时间过半、任务过半”。")


class _Plan:
    start_year, end_year = 2021, 2025


@pytest.mark.parametrize(
    ("year", "kind"),
    [(2021, "annual"), (2022, "annual"), (2023, "midterm"), (2024, "midterm"), (2025, "final")],
)
def test_the_year_decides_the_kind_of_report(year, kind):
    assert report_kind(_Plan, year) == kind
