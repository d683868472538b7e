"""Figures from small DataFrames: assertions on the traces' data, titles, axis titles and hover text."""

import json

import pandas as pd
import pytest

from dashboards import charts
from dashboards.colors import STATUS_COLORS

GDP_2020 = {
    "pi_id": 1,
    "order": 1,
    "label": "全口径地区生产总值",
    "unit_label": "亿元",
    "category": "经济发展",
    "actual": 522.8,
    "target_year": 530.0,
    "completion_rate": 522.8 / 530,
    "gap_year": -7.2,
    "gap_year_pct": -7.2 / 530,
    "status": "lagging",
    "year": 2020,
}
TRADE_2020 = {
    **GDP_2020,
    "pi_id": 12,
    "order": 12,
    "label": "外贸进出口总额",
    "unit_label": "万美元",
    "category": "开放协同",
    "actual": 60756.0,
    "target_year": 45000.0,
    "completion_rate": 60756 / 45000,
    "gap_year": 15756.0,
    "gap_year_pct": 15756 / 45000,
    "status": "achieved",
}
NO_DATA = {
    **GDP_2020,
    "pi_id": 4,
    "order": 4,
    "label": "主营业务收入",
    "actual": None,
    "completion_rate": None,
    "gap_year": None,
    "gap_year_pct": None,
    "status": "insufficient_data",
    "category": "经济发展",
}


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def by_name(fig):
    return {trace.name: trace for trace in fig.data}


def test_status_by_category_stacks_counts_per_status_in_plan_order():
    fig = charts.status_by_category(frame(GDP_2020, TRADE_2020, NO_DATA), year=2020)
    traces = by_name(fig)
    assert [t.type for t in fig.data] == ["bar"] * 3
    assert list(traces) == ["★ 已完成", "▽ 滞后", "— 数据不足"]  # best first, the STATUS_ORDER
    assert list(traces["▽ 滞后"].y) == ["经济发展", "开放协同"]
    assert list(traces["▽ 滞后"].x) == [1, 0]
    assert list(traces["★ 已完成"].x) == [0, 1]
    assert list(traces["— 数据不足"].x) == [1, 0]
    assert traces["▽ 滞后"].marker.color == STATUS_COLORS["lagging"]
    assert fig.layout.barmode == "stack"
    assert fig.layout.title.text == "各类别指标状态（2020年）"
    assert fig.layout.xaxis.title.text == "指标数（项）"
    assert fig.layout.yaxis.title.text == "类别"
    assert "%{x} 项" in traces["▽ 滞后"].hovertemplate
    assert not charts.is_marked_synthetic(fig)


def test_completion_bars_show_the_exact_values_and_the_100_percent_line():
    fig = charts.completion_bars(frame(GDP_2020, TRADE_2020, NO_DATA), year=2020)
    traces = by_name(fig)
    assert {t.type for t in fig.data} == {"bar"}
    lagging = traces["▽ 滞后"]
    assert list(lagging.y) == ["1. 全口径地区生产总值"]
    assert list(lagging.x) == [pytest.approx(98.64150943)]
    # The hover shows what was stored, not float noise: 522.8 亿元 against 530 亿元, 98.64%, −7.2 亿元.
    assert list(lagging.customdata[0]) == [
        "1. 全口径地区生产总值",
        "522.8 亿元",
        "530 亿元",
        "98.64%",
        "-7.2 亿元（-1.36%）",
        "滞后",
    ]
    assert "%{customdata[1]}" in lagging.hovertemplate and "实际值" in lagging.hovertemplate
    assert list(traces["★ 已完成"].customdata[0][1:4]) == ["60756 万美元", "45000 万美元", "135.01%"]
    # 主营业务收入 has no actual: no bar, and it is not drawn as zero.
    assert all("主营业务收入" not in label for t in fig.data for label in t.y)
    assert list(fig.layout.yaxis.categoryarray) == ["1. 全口径地区生产总值", "12. 外贸进出口总额"]
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(100, 100)]
    assert fig.layout.title.text == "当年目标完成率（2020年）"
    assert fig.layout.xaxis.title.text == "完成率（%）"


def test_completion_bars_without_actuals_say_insufficient_data():
    fig = charts.completion_bars(frame(NO_DATA), year=2025)
    assert fig.data == ()
    assert "本年度尚无实际值：数据不足" in [a.text for a in fig.layout.annotations]
    assert fig.layout.xaxis.title.text == "完成率（%）"


def test_synthetic_figures_are_labelled_in_their_subtitle():
    fig = charts.completion_bars(frame(GDP_2020), year=2020, synthetic=True)
    assert fig.layout.title.subtitle.text == "含合成演示数据 / includes synthetic demo data"
    assert charts.is_marked_synthetic(fig)


def test_heatmap_colours_each_cell_by_status_with_its_label():
    rows = frame(
        GDP_2020,
        {
            **GDP_2020,
            "year": 2021,
            "status": "ahead",
            "actual": 560.0,
            "target_year": 550.0,
            "completion_rate": 560 / 550,
        },
        TRADE_2020,
    )
    fig = charts.status_heatmap(rows, years=[2020, 2021], title="玉溪：指标状态热力图")
    heatmap = fig.data[0]
    assert heatmap.type == "heatmap"
    assert list(heatmap.x) == ["2020", "2021"]
    assert list(heatmap.y) == ["1. 全口径地区生产总值", "12. 外贸进出口总额"]
    # z indexes STATUS_ORDER; the colour scale maps index k to STATUS_COLORS[STATUS_ORDER[k]].
    assert [list(r) for r in heatmap.z] == [[3, 1], [0, None]]
    assert [list(r) for r in heatmap.text] == [["▽ 滞后", "▲ 超前"], ["★ 已完成", ""]]
    scale = {tuple(stop)[1] for stop in heatmap.colorscale}
    assert STATUS_COLORS["lagging"] in scale and STATUS_COLORS["ahead"] in scale
    assert (heatmap.zmin, heatmap.zmax) == (-0.5, 7.5)
    assert list(heatmap.customdata[0][1][:5]) == [
        "1. 全口径地区生产总值",
        "超前",
        "560 亿元",
        "550 亿元",
        "101.82%",
    ]
    legend = [t.name for t in fig.data[1:]]
    assert legend == ["★ 已完成", "▲ 超前", "▽ 滞后"]
    assert {t.type for t in fig.data[1:]} == {"scatter"}
    assert fig.layout.title.text == "玉溪：指标状态热力图"
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("年份", "指标")
    # On a phone the cells show the glyph only.
    assert fig.layout.meta["narrow_traces"][0]["text"] == [["▽", "▲"], ["★", ""]]


def trajectory_rows(**overrides) -> pd.DataFrame:
    row = {
        "year": 2022,
        "actual": 580.0,
        "base_value": 522.8,
        "target_year": 580.0,
        "target_final": 680.0,
        "final_year": 2025,
        "cagr_actual": (580 / 522.8) ** 0.5 - 1,
        "cagr_remaining": (680 / 580) ** (1 / 3) - 1,
        "projected_final": 580 * (580 / 522.8) ** 1.5,
        "yoy_growth": 0.03,
        "status": "on_track",
        **overrides,
    }
    base = {
        **row,
        "year": 2021,
        "actual": 563.1,
        "target_year": 550.0,
        "yoy_growth": 563.1 / 522.8 - 1,
        "status": "ahead",
    }
    return pd.DataFrame([base, row])


def test_trajectory_draws_target_path_actuals_projection_required_path_and_milestone():
    fig = charts.trajectory(
        trajectory_rows(), label="地区生产总值（亿元，含烟）", unit="亿元", base_year=2020
    )
    traces = by_name(fig)
    target = traces["规划目标路径"]
    assert (list(target.x), list(target.y)) == ([2020, 2021, 2022], [522.8, 550.0, 580.0])
    actual = traces["实际值"]
    assert (list(actual.x), list(actual.y)) == ([2020, 2021, 2022], [522.8, 563.1, 580.0])
    assert list(actual.marker.color[1:]) == [STATUS_COLORS["ahead"], STATUS_COLORS["on_track"]]
    projection = next(t for name, t in traces.items() if name.startswith("按实际年均增速"))
    assert list(projection.x) == [2022, 2023, 2024, 2025]
    assert projection.y[0] == 580.0 and projection.y[-1] == pytest.approx(580 * (580 / 522.8) ** 1.5)
    required = next(t for name, t in traces.items() if name.startswith("完成目标所需路径"))
    assert list(required.x) == [2022, 2023, 2024, 2025]
    assert required.y[-1] == 680.0 and required.y[1] == pytest.approx(580 * (680 / 580) ** (1 / 3))
    milestone = traces["节点目标"]
    assert (list(milestone.x), list(milestone.y)) == ([2025], [680.0])
    assert list(milestone.customdata) == ["680 亿元"]
    assert {t.type for t in fig.data} == {"scatter"}
    assert fig.layout.title.text == "地区生产总值（亿元，含烟）：实际与目标"
    # The printed name already carries its unit, so the axis title does not repeat it.
    assert fig.layout.yaxis.title.text == "地区生产总值（亿元，含烟）"
    assert fig.layout.xaxis.title.text == "年份"


def test_trajectory_without_actuals_shows_the_plan_path_and_says_so():
    rows = trajectory_rows(actual=None, cagr_actual=None, cagr_remaining=None, projected_final=None)
    rows["actual"] = None
    fig = charts.trajectory(rows, label="地区生产总值", unit="亿元", base_year=2020)
    assert [t.name for t in fig.data] == ["规划目标路径", "实际值", "节点目标"]
    assert list(fig.data[1].x) == [2020]  # the base value only
    assert "尚无实际值：数据不足" in [a.text for a in fig.layout.annotations]
    assert fig.layout.yaxis.title.text == "地区生产总值（亿元）"


def test_yoy_bars_in_percent_with_the_required_growth_line():
    fig = charts.yoy_bars(trajectory_rows(), label="地区生产总值", cagr_required=0.0545)
    bars = fig.data[0]
    assert bars.type == "bar"
    assert list(bars.x) == [2021, 2022]
    assert list(bars.y) == [pytest.approx((563.1 / 522.8 - 1) * 100), 3.0]
    assert list(bars.customdata[1]) == ["+3.00%", "● 符合预期"]
    assert [s.y0 for s in fig.layout.shapes] == [5.45]
    assert fig.layout.yaxis.title.text == "同比增长（%）"
    assert fig.layout.title.text == "地区生产总值：同比增长"


def compare_rows() -> pd.DataFrame:
    base = {"plan_name": "规划", "target_year": 100.0, "cagr_remaining": 0.1}
    return pd.DataFrame(
        [
            {
                **base,
                "label": "甲园区",
                "actual": 90.0,
                "completion_rate": 0.9,
                "status": "lagging",
                "cagr_actual": 0.05,
                "cagr_required": 0.08,
            },
            {
                **base,
                "label": "乙园区",
                "actual": 120.0,
                "completion_rate": 1.2,
                "status": "ahead",
                "cagr_actual": 0.12,
                "cagr_required": 0.1,
            },
            {
                **base,
                "label": "丙园区",
                "actual": None,
                "completion_rate": None,
                "status": "insufficient_data",
                "cagr_actual": None,
                "cagr_required": 0.1,
            },
        ]
    )


def test_compare_ranking_orders_parks_by_completion():
    fig = charts.compare_ranking(
        compare_rows(), metric="completion", indicator="地区生产总值", unit="亿元", year=2024
    )
    assert list(fig.layout.yaxis.categoryarray) == ["乙园区", "甲园区"]
    traces = by_name(fig)
    assert list(traces["▲ 超前"].x) == [120.0] and list(traces["▽ 滞后"].x) == [90.0]
    assert list(traces["▽ 滞后"].customdata[0][2:5]) == ["90 亿元", "100 亿元", "90.00%"]
    assert fig.layout.title.text == "地区生产总值：各园区排名（2024年）"
    assert fig.layout.xaxis.title.text == "完成率（%）"


def test_compare_ranking_by_actual_adds_target_markers_and_unit_axis():
    fig = charts.compare_ranking(
        compare_rows(), metric="actual", indicator="地区生产总值", unit="亿元", year=2024
    )
    assert list(fig.layout.yaxis.categoryarray) == ["乙园区", "甲园区"]
    target = by_name(fig)["当年目标"]
    assert target.type == "scatter" and list(target.x) == [100.0, 100.0]
    assert fig.layout.xaxis.title.text == "地区生产总值（亿元）"


def test_compare_scatter_plots_actual_against_required_growth_with_the_diagonal():
    fig = charts.compare_scatter(compare_rows(), indicator="地区生产总值", year=2024)
    traces = by_name(fig)
    assert (list(traces["▽ 滞后"].x), list(traces["▽ 滞后"].y)) == ([5.0], [8.0])
    assert (list(traces["▲ 超前"].x), list(traces["▲ 超前"].y)) == ([12.0], [10.0])
    diagonal = traces["实际增速 = 所需增速"]
    assert list(diagonal.x) == list(diagonal.y)
    assert list(traces["▽ 滞后"].customdata[0]) == ["甲园区", "5.00%", "8.00%", "10.00%", "滞后"]
    assert fig.layout.xaxis.title.text == "实际年均增长（%，自基期）"
    assert fig.layout.yaxis.title.text == "规划要求年均增长（%）"


def test_region_summary_stacks_each_parks_statuses():
    rows = pd.DataFrame(
        [
            {
                "label": "玉溪高新区",
                "plan_year": "十三五（2020）",
                "achieved": 5,
                "ahead": 0,
                "on_track": 1,
                "lagging": 4,
                "severely_lagging": 2,
                "regressing": 0,
                "no_target": 0,
                "insufficient_data": 0,
            },
        ]
    )
    fig = charts.region_summary(rows, region="云南省玉溪市", synthetic=True)
    traces = by_name(fig)
    assert list(traces) == ["★ 已完成", "● 符合预期", "▽ 滞后", "▼ 严重滞后"]
    assert list(traces["▽ 滞后"].x) == [4] and list(traces["▽ 滞后"].y) == ["玉溪高新区"]
    assert fig.layout.title.text == "云南省玉溪市：各园区指标状态"
    assert charts.is_marked_synthetic(fig)


def test_zone_bars_put_each_zones_target_beside_its_actual():
    rows = pd.DataFrame(
        [
            {
                "zone_label": "南片区",
                "indicator_label": "主营业务收入",
                "unit_label": "亿元",
                "actual": 150.0,
                "target_final": 200.0,
                "final_year": 2025,
                "completion_rate": None,
                "status": "insufficient_data",
            },
            {
                "zone_label": "九龙片区",
                "indicator_label": "主营业务收入",
                "unit_label": "亿元",
                "actual": None,
                "target_final": 400.0,
                "final_year": 2025,
                "completion_rate": None,
                "status": "insufficient_data",
            },
        ]
    )
    fig = charts.zone_bars(rows, year=2024)
    target, actual = fig.data
    assert (target.name, list(target.x), list(target.y)) == (
        "目标值（2025年）",
        ["南片区", "九龙片区"],
        [200.0, 400.0],
    )
    assert (actual.name, list(actual.y)) == ("实际值（2024年）", [150.0, None])
    assert fig.layout.yaxis.title.text == "主营业务收入（亿元）"


def test_figure_json_is_safe_inside_a_script_element():
    fig = charts.completion_bars(frame({**GDP_2020, "label": "</script><b>x & y</b>"}), year=2020)
    text = charts.figure_json(fig)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["data"][0]["customdata"][0][0] == "1. </script><b>x & y</b>"


def test_figures_carry_no_plotly_theme():
    fig = charts.status_by_category(frame(GDP_2020), year=2020)
    assert "scatter" not in json.loads(fig.to_json())["layout"].get("template", {}).get("layout", {})
    assert len(fig.to_json()) < 4000


def test_with_unit_adds_the_unit_only_when_the_name_lacks_it():
    assert charts.with_unit("地区生产总值", "亿元") == "地区生产总值（亿元）"
    assert charts.with_unit("地区生产总值（亿元，含烟）", "亿元") == "地区生产总值（亿元，含烟）"
    assert charts.with_unit("国家级研发机构数", "家") == "国家级研发机构数（家）"
    assert charts.with_unit("研发经费投入占比（%）", "%") == "研发经费投入占比（%）"


def test_every_figure_type_passes_plotly_validation():
    """Pages build figures without plotly.py's (slow) validation; here every type is validated."""
    import plotly.graph_objects as go

    rows = frame(GDP_2020, TRADE_2020, NO_DATA)
    zones = pd.DataFrame(
        [
            {
                "zone_label": "南片区",
                "indicator_label": "主营业务收入",
                "unit_label": "亿元",
                "actual": 150.0,
                "target_final": 200.0,
                "final_year": 2025,
                "completion_rate": None,
                "status": "insufficient_data",
            }
        ]
    )
    counts = dict.fromkeys(STATUS_COLORS, 1)
    region = pd.DataFrame([{"label": "玉溪", "plan_year": "十三五（2020）", **counts}])
    figures = [
        charts.status_by_category(rows, year=2020, synthetic=True),
        charts.completion_bars(rows, year=2020),
        charts.completion_bars(frame(NO_DATA), year=2020),
        charts.status_heatmap(rows, years=[2020], synthetic=True),
        charts.zone_bars(zones, year=2024),
        charts.trajectory(trajectory_rows(), label="地区生产总值", unit="亿元", base_year=2020),
        charts.yoy_bars(trajectory_rows(), label="地区生产总值", cagr_required=0.05),
        charts.compare_ranking(compare_rows(), metric="actual", indicator="x", unit="亿元", year=2024),
        charts.compare_ranking(compare_rows(), metric="completion", indicator="x", unit="亿元", year=2024),
        charts.compare_scatter(compare_rows(), indicator="x", year=2024),
        charts.region_summary(region, region="云南省"),
    ]
    for fig in figures:
        validated = go.Figure(json.loads(fig.to_json()))  # raises on any unknown property or bad value
        assert len(validated.data) == len(fig.data)
        assert validated.layout.title.text == fig.layout.title.text
