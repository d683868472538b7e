"""Plotly figures for the dashboards and the reports: DataFrame in, ``go.Figure`` out; no ORM here.

They live in progress/ because the dashboards and the reports sit side by side above it and may not import
each other; dashboards/charts.py re-exports them. The reports render the same figures to PNG (kaleido).

Every figure has a title, axis titles with units, hover text with the exact stored values (pre-formatted
into ``customdata`` by progress.formatting, so the hover shows 522.8, not 522.80000001), and the status
colours of progress.colors. A figure whose data include synthetic demo data says so in its subtitle
(``SYNTHETIC_LABEL``), which also appears in the PNG download. Pages embed ``figure_json(fig)`` and
static/dashboards/charts.js draws it with the plotly.js copied from the pinned plotly package.

Each figure is built in one go (trace dicts and one layout dict passed to ``go.Figure``), without
plotly.py's property validation (``VALIDATE``): validating costs more than everything else a page does.
The tests build every figure type again with validation on, so a misspelt property still fails there.
The empty template keeps plotly.py's default theme (and its 7 kB) out of the JSON.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import gettext as _

from progress import formatting as fmt
from progress.colors import (
    FONT_FAMILY,
    NEUTRAL,
    STATUS_COLORS,
    STATUS_GLYPHS,
    STATUS_ORDER,
    TARGET,
    status_label,
)

SYNTHETIC_LABEL = "含合成演示数据 / includes synthetic demo data"
SYNTHETIC_INK = "#8A5A00"
GRID = "#E4E7EB"
INK = "#1F2933"
MUTED = "#616E7C"
LABEL_MAX = 22  # characters of an indicator name on an axis; the hover shows the whole name
NARROW_LABEL = 10  # … on a phone
ROW_HEIGHT = 26
VALIDATE = False  # see the module docstring; tests/dashboards/test_charts.py validates every figure type


# --- shared -----------------------------------------------------------------------------------------


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON that is safe inside <script type="application/json">: no "<", ">" or "&" in
    the text (they are escaped as \\u003c etc., which JSON.parse turns back into the characters)."""
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _figure(
    traces: list[dict],
    *,
    title: str,
    x_title: str,
    y_title: str,
    height: float,
    synthetic: bool = False,
    legend: bool = True,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    annotations: list[dict] | None = None,
    shapes: list[dict] | None = None,
    narrow: dict | None = None,
    narrow_traces: list[dict] | None = None,
    **extra,
) -> go.Figure:
    """One figure with the house layout: title (and the synthetic-data subtitle) top left, legend at the
    bottom, axis titles, the CJK font stack, and ``meta.narrow``: overrides charts.js applies when the
    chart is drawn narrower than 480 px (a phone)."""
    title_spec = {
        "text": title,
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "y": 1,
        "yanchor": "top",
        "yref": "container",
        "pad": {"t": 10, "l": 8},
        "font": {"size": 16},
    }
    if synthetic:
        title_spec["subtitle"] = {"text": SYNTHETIC_LABEL, "font": {"size": 12, "color": SYNTHETIC_INK}}
    axis = {"gridcolor": GRID, "zeroline": False, "automargin": True}
    meta = {"narrow": {"title": {"font": {"size": 13}}, "margin": {"l": 4, "r": 8}, **(narrow or {})}}
    if narrow_traces:
        meta["narrow_traces"] = narrow_traces
    layout = {
        "template": {},
        "title": title_spec,
        "font": {"family": FONT_FAMILY, "size": 12, "color": INK},
        "xaxis": {**axis, "title": {"text": x_title}, **(xaxis or {})},
        "yaxis": {**axis, "title": {"text": y_title}, **(yaxis or {})},
        "margin": {"l": 10, "r": 20, "t": 78 if synthetic else 56, "b": 10, "autoexpand": True},
        "height": round(height),
        "showlegend": legend,
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 0,
            "yanchor": "bottom",
            "yref": "container",
            "traceorder": "normal",
        },
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 13}, "align": "left"},
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "separators": ".,",
        "annotations": annotations or [],
        "shapes": shapes or [],
        "meta": meta,
        **extra,
    }
    return go.Figure(data=traces, layout=layout, _validate=VALIDATE)


def is_marked_synthetic(fig: go.Figure) -> bool:
    """Whether the figure carries the synthetic-data label (its subtitle)."""
    subtitle = fig.layout.title.subtitle
    return bool(subtitle and subtitle.text == SYNTHETIC_LABEL)


def _no_data(text: str, *, y: float = 0.5) -> dict:
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": y,
        "showarrow": False,
        "font": {"size": 14, "color": MUTED},
        "bgcolor": STATUS_COLORS["insufficient_data"],
        "borderpad": 6,
        "name": "no-data",
    }


def _narrow_axis(labels: list[str]) -> dict:
    return {
        "tickmode": "array",
        "tickvals": labels,
        "ticktext": [short(label, NARROW_LABEL) for label in labels],
        "tickfont": {"size": 10},
        "title": {"text": ""},
    }


def short(label: str, limit: int = LABEL_MAX) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def row_label(order, label: str) -> str:
    """ "4. 主营业务收入（亿元）": the plan's order makes every axis label unique and ties it to the table."""
    return f"{int(order)}. {label}"


def with_unit(label: str, unit: str) -> str:
    """ "地区生产总值（亿元）", unless the printed name already names its unit ("…（亿元，含烟）")."""
    if not unit or re.search(rf"[（(，,]\s*{re.escape(unit)}\s*[）)，,]", label):
        return label
    return f"{label}（{unit}）"


def status_name(status: str) -> str:
    """ "▽ 滞后": the glyph and the label, so colour is never the only cue."""
    return f"{STATUS_GLYPHS[status]} {status_label(status)}"


def _year_text(year) -> str:
    return _("%(year)s年") % {"year": year}


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _value(value):
    return None if _missing(value) else float(value)


class Row(dict):
    """A record with attribute access (``r.status``): plain dicts are much faster than pandas'
    row iteration for the few dozen rows a chart has."""

    __getattr__ = dict.__getitem__


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[Row]:
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    return [Row(r) for r in frame.to_dict("records")]


def _hover(*lines: str) -> str:
    return "<br>".join(lines) + "<extra></extra>"


# --- park overview ----------------------------------------------------------------------------------


def _status_stack(labels: list[str], counts: dict[str, list[int]], *, axis_title: str) -> list[dict]:
    traces = []
    for status in STATUS_ORDER:
        values = counts[status]
        if not any(values):
            continue
        label = status_label(status)
        traces.append(
            {
                "type": "bar",
                "name": status_name(status),
                "y": labels,
                "x": values,
                "orientation": "h",
                "marker": {"color": STATUS_COLORS[status], "line": {"color": "#FFFFFF", "width": 1}},
                "text": [v or "" for v in values],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "hovertemplate": _hover("%{y}" + axis_title, label + _("：%{x} 项")),
                "legendrank": STATUS_ORDER.index(status),
            }
        )
    return traces


def status_by_category(rows: pd.DataFrame, *, year: int | None, synthetic: bool = False) -> go.Figure:
    """Stacked bars: per category (in the plan's order), how many indicators have each status.

    ``rows``: one row per plan indicator with ``category`` and ``status``.
    """
    categories = list(dict.fromkeys(rows["category"]))
    counted = rows.groupby(["category", "status"]).size()
    counts = {s: [int(counted.get((c, s), 0)) for c in categories] for s in STATUS_ORDER}
    return _figure(
        _status_stack(categories, counts, axis_title=""),
        title=_("各类别指标状态（%(year)s）") % {"year": _year_text(year) if year else "—"},
        x_title=_("指标数（项）"),
        y_title=_("类别"),
        height=max(260, 120 + ROW_HEIGHT * 1.6 * len(categories)),
        synthetic=synthetic,
        barmode="stack",
        xaxis={"rangemode": "tozero", **({"dtick": 1} if len(rows) <= 12 else {})},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": categories},
        annotations=[] if len(rows) else [_no_data(_("该规划没有指标"))],
    )


def completion_bars(rows: pd.DataFrame, *, year: int | None, synthetic: bool = False) -> go.Figure:
    """Horizontal bars of this year's completion rate (完成率) per indicator, coloured by status, with the
    100% line: which indicators lag and by how much.

    ``rows``: order, label, unit_label, actual, target_year, completion_rate, gap_year, gap_year_pct, status.
    """
    rows = rows[rows["completion_rate"].notna()]
    labels = [row_label(o, short(lbl)) for o, lbl in zip(rows["order"], rows["label"], strict=True)]
    recs = records(
        rows.assign(axis_label=labels),
        [
            "order",
            "label",
            "axis_label",
            "unit_label",
            "actual",
            "target_year",
            "completion_rate",
            "gap_year",
            "gap_year_pct",
            "status",
        ],
    )
    traces = []
    for status in STATUS_ORDER:
        part = [r for r in recs if r.status == status]
        if not part:
            continue
        traces.append(
            {
                "type": "bar",
                "name": status_name(status),
                "y": [r.axis_label for r in part],
                "x": [round(r.completion_rate * 100, 6) for r in part],
                "orientation": "h",
                "marker": {"color": STATUS_COLORS[status]},
                "customdata": [
                    [
                        row_label(r.order, r.label),
                        fmt.with_unit(r.actual, r.unit_label),
                        fmt.with_unit(r.target_year, r.unit_label),
                        fmt.percent(r.completion_rate),
                        fmt.gap(r.gap_year, r.unit_label, r.gap_year_pct),
                        status_label(status),
                    ]
                    for r in part
                ],
                "hovertemplate": _hover(
                    "<b>%{customdata[0]}</b>",
                    _("实际值") + "：%{customdata[1]}",
                    _("当年目标") + "：%{customdata[2]}",
                    _("完成率") + "：%{customdata[3]}",
                    _("差距") + "：%{customdata[4]}",
                    _("状态") + "：%{customdata[5]}",
                ),
                "legendrank": STATUS_ORDER.index(status),
            }
        )
    annotations = [
        {
            "x": 100,
            "y": 1,
            "xref": "x",
            "yref": "paper",
            "yanchor": "bottom",
            "text": _("目标 100%"),
            "showarrow": False,
            "font": {"size": 11},
            "name": "target-line",
        }
    ]
    if rows.empty:
        annotations.append(_no_data(_("本年度尚无实际值：数据不足")))
    return _figure(
        traces,
        title=_("当年目标完成率（%(year)s）") % {"year": _year_text(year) if year else "—"},
        x_title=_("完成率（%）"),
        y_title=_("指标"),
        height=max(280, 130 + ROW_HEIGHT * len(rows)),
        synthetic=synthetic,
        xaxis={"range": [0, 120]} if rows.empty else {"rangemode": "tozero"},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels}
        if labels
        else {"showticklabels": False, "showgrid": False},
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "line": {"color": INK, "width": 1, "dash": "dash"},
                "name": "target-line",
            }
        ],
        annotations=annotations,
        narrow={"yaxis": _narrow_axis(labels)},
    )


def zone_bars(rows: pd.DataFrame, *, year: int | None, synthetic: bool = False) -> go.Figure:
    """Zones (片区) of one indicator: each zone's milestone target beside its actual of ``year``.

    ``rows``: one indicator's zone rows with zone_label, indicator_label, unit_label, actual, target_final,
    final_year, completion_rate, status.
    """
    unit = rows["unit_label"].iloc[0] if not rows.empty else ""
    indicator = rows["indicator_label"].iloc[0] if not rows.empty else ""
    zones = list(rows["zone_label"])
    final_years = {int(y) for y in rows["final_year"].dropna()}
    target_name = (
        _("目标值（%(year)s）") % {"year": _year_text(min(final_years))} if final_years else _("目标值")
    )
    actual_name = _("实际值（%(year)s）") % {"year": _year_text(year)} if year else _("实际值")
    targets = list(rows["target_final"])
    traces = [
        {
            "type": "bar",
            "name": target_name,
            "x": zones,
            "y": [_value(v) for v in targets],
            "marker": {"color": "#FFFFFF", "line": {"color": TARGET, "width": 2}},
            "customdata": [[fmt.with_unit(v, unit), z] for v, z in zip(targets, zones, strict=True)],
            "hovertemplate": _hover("%{customdata[1]}", target_name + "：%{customdata[0]}"),
        },
        {
            "type": "bar",
            "name": actual_name,
            "x": zones,
            "y": [_value(v) for v in rows["actual"]],
            "marker": {"color": [STATUS_COLORS[s] for s in rows["status"]]},
            "customdata": [
                [fmt.with_unit(a, unit), z, status_name(s), fmt.percent(c)]
                for a, z, s, c in zip(
                    rows["actual"], zones, rows["status"], rows["completion_rate"], strict=True
                )
            ],
            "hovertemplate": _hover(
                "%{customdata[1]}", actual_name + "：%{customdata[0]}", _("状态") + "：%{customdata[2]}"
            ),
        },
    ]
    annotations = []
    if rows["actual"].isna().all():
        annotations.append(_no_data(_("片区尚无实际值：数据不足"), y=0.9))
    return _figure(
        traces,
        title=_("片区：%(indicator)s") % {"indicator": indicator},
        x_title=_("片区"),
        y_title=with_unit(indicator, unit),
        height=360,
        synthetic=synthetic,
        barmode="group",
        annotations=annotations,
    )


def status_heatmap(
    rows: pd.DataFrame, *, years: list[int], synthetic: bool = False, title: str = ""
) -> go.Figure:
    """Indicators × years, each cell coloured by the year's status and labelled with it.

    ``rows``: one row per (plan indicator, year) with pi_id, order, label, year, status, actual,
    target_year, completion_rate, unit_label, synthetic; plan indicators without a row in a year get an
    empty cell (the plan set no target and there is no actual).
    """
    indicators = rows.drop_duplicates("pi_id").sort_values("order")
    y_labels = [
        row_label(o, short(lbl)) for o, lbl in zip(indicators["order"], indicators["label"], strict=True)
    ]
    index = {pi: i for i, pi in enumerate(indicators["pi_id"])}
    columns = {y: j for j, y in enumerate(years)}
    n = len(STATUS_ORDER)
    z = [[None] * len(years) for _row in index]
    text = [[""] * len(years) for _row in index]
    glyphs = [[""] * len(years) for _row in index]
    custom = [[["", "", "", "", "", ""] for _year in years] for _row in index]
    fields = [
        "pi_id",
        "order",
        "label",
        "year",
        "status",
        "actual",
        "target_year",
        "completion_rate",
        "unit_label",
    ]
    for r in records(rows, [*fields, "synthetic"]):
        if _missing(r.year) or int(r.year) not in columns or _missing(r.status):
            continue
        i, j = index[r.pi_id], columns[int(r.year)]
        z[i][j] = STATUS_ORDER.index(r.status)
        text[i][j] = status_name(r.status)
        glyphs[i][j] = STATUS_GLYPHS[r.status]
        custom[i][j] = [
            row_label(r.order, r.label),
            status_label(r.status),
            fmt.with_unit(r.actual, r.unit_label),
            fmt.with_unit(r.target_year, r.unit_label),
            fmt.percent(r.completion_rate),
            _("（含合成演示数据）") if r.get("synthetic") else "",
        ]
    colorscale = []
    for k, status in enumerate(STATUS_ORDER):
        colorscale += [[k / n, STATUS_COLORS[status]], [(k + 1) / n, STATUS_COLORS[status]]]
    traces = [
        {
            "type": "heatmap",
            "z": z,
            "x": [str(y) for y in years],
            "y": y_labels,
            "text": text,
            "texttemplate": "%{text}",
            "textfont": {"size": 11},
            "customdata": custom,
            "colorscale": colorscale,
            "zmin": -0.5,
            "zmax": n - 0.5,
            "showscale": False,
            "xgap": 2,
            "ygap": 2,
            "hoverongaps": False,
            "hovertemplate": _hover(
                "<b>%{customdata[0]}</b>",
                "%{x}：%{customdata[1]}%{customdata[5]}",
                _("实际值") + "：%{customdata[2]}",
                _("当年目标") + "：%{customdata[3]}",
                _("完成率") + "：%{customdata[4]}",
            ),
            "name": _("状态"),
        }
    ]
    # Legend entries (a heatmap has none of its own): one invisible point per status shown.
    for status in STATUS_ORDER:
        if not (rows["status"] == status).any():
            continue
        traces.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "marker": {"symbol": "square", "size": 12, "color": STATUS_COLORS[status]},
                "name": status_name(status),
                "hoverinfo": "skip",
                "legendrank": STATUS_ORDER.index(status),
            }
        )
    return _figure(
        traces,
        title=title or _("指标状态热力图"),
        x_title=_("年份"),
        y_title=_("指标"),
        height=max(300, 150 + ROW_HEIGHT * len(y_labels)),
        synthetic=synthetic,
        xaxis={"type": "category", "side": "bottom", "showgrid": False},
        yaxis={"autorange": "reversed", "type": "category", "showgrid": False},
        annotations=[] if y_labels else [_no_data(_("该规划没有指标"))],
        narrow={"yaxis": _narrow_axis(y_labels)},
        narrow_traces=[{"text": glyphs}],
    )


# --- one indicator ----------------------------------------------------------------------------------


def _path(start_year: int, start_value: float, rate: float, end_year: int, end_value: float) -> list[float]:
    """Yearly points from a value growing at ``rate``; the last point is the stored end value itself."""
    return [start_value * (1 + rate) ** (y - start_year) for y in range(start_year, end_year)] + [end_value]


def trajectory(
    results: pd.DataFrame,
    *,
    label: str,
    unit: str,
    base_year: int,
    synthetic: bool = False,
) -> go.Figure:
    """Actual against target from the base year to the milestone(s): the plan's target path, the actuals,
    the path at the actual average growth projected to the milestone, and the path now required.

    ``results``: one plan indicator's stored rows (year, actual, base_value, target_year, target_final,
    final_year, cagr_actual, cagr_remaining, projected_final, status). The two projected paths join the
    latest actual to the engine's stored figures (projected_final, target_final) at the stored rates.
    """
    results = results.sort_values("year")
    base = results["base_value"].dropna()
    base_value = float(base.iloc[0]) if not base.empty else None
    has_base = base_value is not None
    year_hover = _("%{x}年")

    targets = results[results["target_year"].notna()]
    tx = ([base_year] if has_base else []) + [int(y) for y in targets["year"]]
    ty = ([base_value] if has_base else []) + [float(v) for v in targets["target_year"]]
    tnames = ([_("基期值")] if has_base else []) + [_("规划目标")] * len(targets)
    traces = [
        {
            "type": "scatter",
            "name": _("规划目标路径"),
            "x": tx,
            "y": ty,
            "mode": "lines+markers",
            "line": {"color": TARGET, "dash": "dash", "width": 2},
            "marker": {"symbol": "circle-open", "size": 8, "color": TARGET},
            "customdata": [[fmt.with_unit(v, unit), t] for v, t in zip(ty, tnames, strict=True)],
            "hovertemplate": _hover(year_hover + " %{customdata[1]}：%{customdata[0]}"),
        }
    ]

    actuals = results[results["actual"].notna()]
    ax = ([base_year] if has_base else []) + [int(y) for y in actuals["year"]]
    ay = ([base_value] if has_base else []) + [float(v) for v in actuals["actual"]]
    statuses = ([None] if has_base else []) + list(actuals["status"])
    traces.append(
        {
            "type": "scatter",
            "name": _("实际值"),
            "x": ax,
            "y": ay,
            "mode": "lines+markers",
            "line": {"color": NEUTRAL, "width": 3},
            "marker": {
                "size": 11,
                "color": [NEUTRAL if s is None else STATUS_COLORS[s] for s in statuses],
                "line": {"color": NEUTRAL, "width": 1.5},
            },
            "customdata": [
                [fmt.with_unit(v, unit), _("基期") if s is None else status_name(s)]
                for v, s in zip(ay, statuses, strict=True)
            ],
            "hovertemplate": _hover(
                year_hover + " " + _("实际值") + "：%{customdata[0]}（%{customdata[1]}）"
            ),
        }
    )

    if not actuals.empty:
        last = actuals.iloc[-1]
        start_year, start_value = int(last["year"]), float(last["actual"])
        final_year = None if _missing(last["final_year"]) else int(last["final_year"])
        if final_year and final_year > start_year:
            steps = list(range(start_year, final_year + 1))
            if not _missing(last["cagr_actual"]) and not _missing(last["projected_final"]):
                rate = float(last["cagr_actual"])
                py = _path(start_year, start_value, rate, final_year, float(last["projected_final"]))
                traces.append(
                    {
                        "type": "scatter",
                        "name": _("按实际年均增速（%(rate)s）预测") % {"rate": fmt.percent(rate)},
                        "x": steps,
                        "y": py,
                        "mode": "lines",
                        "line": {"color": STATUS_COLORS["on_track"], "dash": "dot", "width": 2},
                        "customdata": [fmt.with_unit(round(v, 2), unit) for v in py],
                        "hovertemplate": _hover(year_hover + " " + _("按现速度预计") + "：%{customdata}"),
                    }
                )
            if not _missing(last["cagr_remaining"]) and not _missing(last["target_final"]):
                rate = float(last["cagr_remaining"])
                ry = _path(start_year, start_value, rate, final_year, float(last["target_final"]))
                traces.append(
                    {
                        "type": "scatter",
                        "name": _("完成目标所需路径（年均 %(rate)s）") % {"rate": fmt.percent(rate)},
                        "x": steps,
                        "y": ry,
                        "mode": "lines",
                        "line": {"color": STATUS_COLORS["severely_lagging"], "dash": "dashdot", "width": 2},
                        "customdata": [fmt.with_unit(round(v, 2), unit) for v in ry],
                        "hovertemplate": _hover(year_hover + " " + _("所需路径") + "：%{customdata}"),
                    }
                )

    milestones = results.dropna(subset=["final_year", "target_final"]).drop_duplicates("final_year")
    if not milestones.empty:
        my = [float(v) for v in milestones["target_final"]]
        traces.append(
            {
                "type": "scatter",
                "name": _("节点目标"),
                "x": [int(y) for y in milestones["final_year"]],
                "y": my,
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 16,
                    "color": STATUS_COLORS["lagging"],
                    "line": {"color": INK, "width": 1},
                },
                "customdata": [fmt.with_unit(v, unit) for v in my],
                "hovertemplate": _hover(year_hover + " " + _("节点目标") + "：%{customdata}"),
            }
        )
    return _figure(
        traces,
        title=_("%(label)s：实际与目标") % {"label": label},
        x_title=_("年份"),
        y_title=with_unit(label, unit),
        height=420,
        synthetic=synthetic,
        xaxis={"dtick": 1, "tickformat": "d"},
        annotations=[_no_data(_("尚无实际值：数据不足"))] if actuals.empty else [],
    )


def yoy_bars(
    results: pd.DataFrame, *, label: str, cagr_required: float | None = None, synthetic: bool = False
) -> go.Figure:
    """Year-on-year growth per year (bars coloured by the year's status), with the average yearly growth
    the plan requires as a line."""
    rows = results[results["yoy_growth"].notna()].sort_values("year")
    traces = [
        {
            "type": "bar",
            "name": _("同比增长"),
            "x": [int(y) for y in rows["year"]],
            "y": [round(v * 100, 6) for v in rows["yoy_growth"]],
            "marker": {"color": [STATUS_COLORS[s] for s in rows["status"]]},
            "customdata": [
                [fmt.percent(v, signed=True), status_name(s)]
                for v, s in zip(rows["yoy_growth"], rows["status"], strict=True)
            ],
            "hovertemplate": _hover(
                _("%{x}年") + " " + _("同比增长") + "：%{customdata[0]}（%{customdata[1]}）"
            ),
        }
    ]
    shapes, annotations = [], []
    if not _missing(cagr_required):
        required = round(float(cagr_required) * 100, 6)
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": required,
                "y1": required,
                "line": {"color": TARGET, "dash": "dash", "width": 2},
                "name": "required",
            }
        )
        annotations.append(
            {
                "x": 1,
                "xref": "paper",
                "y": required,
                "yref": "y",
                "xanchor": "right",
                "yanchor": "bottom",
                "text": _("规划要求年均增长 %(rate)s") % {"rate": fmt.percent(cagr_required)},
                "showarrow": False,
                "font": {"size": 11, "color": INK},
                "name": "required",
            }
        )
    if rows.empty:
        annotations.append(_no_data(_("需要相邻两年的实际值才能计算同比增长")))
    return _figure(
        traces,
        title=_("%(label)s：同比增长") % {"label": label},
        x_title=_("年份"),
        y_title=_("同比增长（%）"),
        height=320,
        synthetic=synthetic,
        legend=False,
        xaxis={"dtick": 1, "tickformat": "d"},
        shapes=shapes,
        annotations=annotations,
    )


# --- across parks -----------------------------------------------------------------------------------


def compare_ranking(
    rows: pd.DataFrame, *, metric: str, indicator: str, unit: str, year: int | None, synthetic: bool = False
) -> go.Figure:
    """Parks ranked by completion rate (``metric="completion"``) or by actual value (``"actual"``, with
    the target as a marker); bars coloured by status.

    ``rows``: one row per park with label, plan_name, actual, target_year, completion_rate, status.
    """
    column = "completion_rate" if metric == "completion" else "actual"
    rows = rows[rows[column].notna()].sort_values(column, ascending=False, kind="stable")
    labels = list(rows["label"])
    scale = 100 if metric == "completion" else 1
    recs = records(rows)
    traces = []
    for status in STATUS_ORDER:
        part = [r for r in recs if r.status == status]
        if not part:
            continue
        traces.append(
            {
                "type": "bar",
                "name": status_name(status),
                "y": [r.label for r in part],
                "x": [round(r[column] * scale, 8) for r in part],
                "orientation": "h",
                "marker": {"color": STATUS_COLORS[status]},
                "customdata": [
                    [
                        r.label,
                        r.plan_name,
                        fmt.with_unit(r.actual, unit),
                        fmt.with_unit(r.target_year, unit),
                        fmt.percent(r.completion_rate),
                        status_label(status),
                    ]
                    for r in part
                ],
                "hovertemplate": _hover(
                    "<b>%{customdata[0]}</b>",
                    "%{customdata[1]}",
                    _("实际值") + "：%{customdata[2]}",
                    _("当年目标") + "：%{customdata[3]}",
                    _("完成率") + "：%{customdata[4]}",
                    _("状态") + "：%{customdata[5]}",
                ),
                "legendrank": STATUS_ORDER.index(status),
            }
        )
    shapes = []
    if metric == "actual":
        with_target = rows[rows["target_year"].notna()]
        traces.append(
            {
                "type": "scatter",
                "name": _("当年目标"),
                "y": list(with_target["label"]),
                "x": [float(v) for v in with_target["target_year"]],
                "mode": "markers",
                "marker": {
                    "symbol": "diamond",
                    "size": 11,
                    "color": "#FFFFFF",
                    "line": {"color": INK, "width": 2},
                },
                "customdata": [fmt.with_unit(v, unit) for v in with_target["target_year"]],
                "hovertemplate": _hover("%{y}", _("当年目标") + "：%{customdata}"),
            }
        )
        x_title = with_unit(indicator, unit)
    else:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "line": {"color": INK, "width": 1, "dash": "dash"},
                "name": "target-line",
            }
        )
        x_title = _("完成率（%）")
    return _figure(
        traces,
        title=_("%(indicator)s：各园区排名（%(year)s）")
        % {"indicator": indicator, "year": _year_text(year) if year else "—"},
        x_title=x_title,
        y_title=_("园区"),
        height=max(280, 140 + ROW_HEIGHT * len(labels)),
        synthetic=synthetic,
        barmode="overlay",
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels},
        shapes=shapes,
        annotations=[_no_data(_("所选年份没有园区的实际值：数据不足"))] if rows.empty else [],
        narrow={"yaxis": _narrow_axis(labels)},
    )


def compare_scatter(
    rows: pd.DataFrame, *, indicator: str, year: int | None, synthetic: bool = False
) -> go.Figure:
    """Actual average growth since the base year (x) against the growth the plan requires (y), one point
    per park coloured by status; points above the diagonal grow slower than their plan needs."""
    rows = rows[rows["cagr_actual"].notna() & rows["cagr_required"].notna()]
    recs = records(rows)
    traces = []
    for status in STATUS_ORDER:
        part = [r for r in recs if r.status == status]
        if not part:
            continue
        traces.append(
            {
                "type": "scatter",
                "name": status_name(status),
                "x": [round(r.cagr_actual * 100, 8) for r in part],
                "y": [round(r.cagr_required * 100, 8) for r in part],
                "mode": "markers",
                "marker": {"size": 13, "color": STATUS_COLORS[status], "line": {"color": INK, "width": 1}},
                "customdata": [
                    [
                        r.label,
                        fmt.percent(r.cagr_actual),
                        fmt.percent(r.cagr_required),
                        fmt.percent(r.cagr_remaining),
                        status_label(status),
                    ]
                    for r in part
                ],
                "hovertemplate": _hover(
                    "<b>%{customdata[0]}</b>",
                    _("实际年均增长") + "：%{customdata[1]}",
                    _("规划要求年均增长") + "：%{customdata[2]}",
                    _("剩余年份所需年均增长") + "：%{customdata[3]}",
                    _("状态") + "：%{customdata[4]}",
                ),
                "legendrank": STATUS_ORDER.index(status),
            }
        )
    annotations = []
    if rows.empty:
        annotations.append(_no_data(_("需要基期值和实际值才能比较增速：数据不足")))
    else:
        values = [*(rows["cagr_actual"] * 100), *(rows["cagr_required"] * 100), 0.0]
        low, high = min(values), max(values)
        pad = (high - low) * 0.1 or 1
        line = [low - pad, high + pad]
        traces.append(
            {
                "type": "scatter",
                "name": _("实际增速 = 所需增速"),
                "x": line,
                "y": line,
                "mode": "lines",
                "line": {"color": TARGET, "dash": "dash", "width": 1},
                "hoverinfo": "skip",
            }
        )
        annotations.append(
            {
                "text": _("对角线以上：增速低于规划所需"),
                "xref": "paper",
                "yref": "paper",
                "x": 0.02,
                "y": 0.98,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 11, "color": MUTED},
                "name": "hint",
            }
        )
    return _figure(
        traces,
        title=_("%(indicator)s：实际增速与所需增速（%(year)s）")
        % {"indicator": indicator, "year": _year_text(year) if year else "—"},
        x_title=_("实际年均增长（%，自基期）"),
        y_title=_("规划要求年均增长（%）"),
        height=440,
        synthetic=synthetic,
        annotations=annotations,
    )


def region_summary(rows: pd.DataFrame, *, region: str, synthetic: bool = False) -> go.Figure:
    """Stacked bars: per park, how many of its current plan's indicators have each status.

    ``rows``: one row per park with ``label``, ``plan_year`` (hover) and one count column per status.
    """
    labels = list(rows["label"])
    counts = {s: [int(v) for v in rows[s]] for s in STATUS_ORDER}
    traces = _status_stack(labels, counts, axis_title="<br>%{customdata}")
    for trace in traces:
        trace["customdata"] = list(rows["plan_year"])
    return _figure(
        traces,
        title=_("%(region)s：各园区指标状态") % {"region": region},
        x_title=_("指标数（项）"),
        y_title=_("园区"),
        height=max(280, 140 + ROW_HEIGHT * 1.6 * len(labels)),
        synthetic=synthetic,
        barmode="stack",
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels},
        annotations=[] if traces else [_no_data(_("该地区园区尚无进度结果"))],
        narrow={"yaxis": _narrow_axis(labels)},
    )
