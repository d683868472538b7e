"""A region's report: every park of a province (or prefecture) for one year, each judged against the plan
in force that year, with a ranking table and each park's summary and lagging indicators.

Ranking: by the share of judged indicators that are achieved, ahead or on track (进度正常率), then by the
mean completion rate of the indicators that have one; equal figures share a rank. Indicators without a
judgement (no target, no data) are counted but not ranked.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from django.utils import timezone

from progress import charts as figures
from reports import wording
from reports.context import Chart, ParkReport, park_report
from reports.outline import Block, numeral
from reports.selectors import plan_for_year, region_parks

GOOD = ("achieved", "ahead", "on_track")


@dataclass
class RankRow:
    rank: int | None
    report: ParkReport
    judged: int
    good_share: float | None
    mean_completion: float | None


@dataclass
class RegionReport:
    region: str
    year: int
    generated_on: datetime.date
    parks: list[ParkReport]
    without_plan: list[str]
    ranking: list[RankRow]
    charts: list[Chart] = field(default_factory=list)
    charts_missing: str = ""

    @property
    def title(self) -> str:
        return f"{self.region}开发区规划实施情况{self.year}年度监测汇总报告"

    @property
    def draft(self) -> bool:
        return any(p.draft for p in self.parks)

    @property
    def synthetic(self) -> bool:
        return any(p.synthetic for p in self.parks)

    def outline(self) -> list[Block]:
        return region_blocks(self)


def _rank(reports: list[ParkReport]) -> list[RankRow]:
    rows = []
    for report in reports:
        judged = sum(report.counts[s] for s in wording.JUDGED)
        good = sum(report.counts[s] for s in GOOD)
        rates = [r.completion_rate for r in report.rows if not wording.missing(r.completion_rate)]
        rows.append(
            RankRow(
                rank=None,
                report=report,
                judged=judged,
                good_share=good / judged if judged else None,
                mean_completion=statistics.fmean(rates) if rates else None,
            )
        )

    def key(row: RankRow):
        return (
            row.good_share is None,
            -(row.good_share or 0),
            -(row.mean_completion or 0),
            row.report.park.code,
        )

    rows.sort(key=key)
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.good_share is None:
            continue
        figure = (row.good_share, row.mean_completion)
        if figure != previous:
            rank, previous = position, figure
        row.rank = rank
    return rows


def region_report(
    *,
    user,
    province: str,
    prefecture: str = "",
    year: int,
    progress: Callable[[int, int], None] | None = None,
) -> RegionReport:
    """Every readable park of the region in ``year``. ``progress(done, total)`` is called after each park
    (the task's progress bar)."""
    parks = region_parks(user=user, province=province, prefecture=prefecture)
    reports, without_plan = [], []
    for done, park in enumerate(parks, start=1):
        plan = plan_for_year(park, year)
        if plan is None:
            without_plan.append(park.name_zh)
        else:
            reports.append(park_report(user=user, park=park, plan=plan, year=year))
        if progress is not None:
            progress(done, len(parks))
    return RegionReport(
        region=f"{province}{prefecture}",
        year=year,
        generated_on=timezone.localdate(),
        parks=reports,
        without_plan=without_plan,
        ranking=_rank(reports),
    )


def region_figures(report: RegionReport) -> list[Chart]:
    """The dashboards' region chart: per park (in ranking order), how many indicators have each status."""
    if not report.parks:
        return []
    rows = pd.DataFrame.from_records(
        [
            {
                "label": row.report.park.name_zh,
                "plan_year": f"{row.report.plan.name} · {report.year}",
                **{s: row.report.counts[s] for s in wording.COUNT_WORDS},
            }
            for row in report.ranking
        ]
    )
    fig = figures.region_summary(rows, region=report.region, synthetic=report.synthetic)
    return [Chart("region", f"{report.year}年各园区指标状态", fig)]


def region_blocks(report: RegionReport) -> list[Block]:
    out = [Block("title", report.title)]
    meta = [
        ("地区", report.region),
        ("评估年度", f"{report.year}年"),
        ("园区数", f"{len(report.parks)}个（有规划在实施）"),
        ("生成日期", f"{report.generated_on.year}年{report.generated_on.month}月{report.generated_on.day}日"),
        ("数据状态", "本报告的数据均为已审核数值；进度结果由系统按已审核数值计算。"),
    ]
    if report.synthetic:
        meta.append(("注意", "本报告含合成演示数据（由 demo_data 生成），不是园区填报的数据。"))
    out.append(Block("meta", lines=meta))
    out.append(Block("h1", "一、总体情况"))
    total = sum(len(p.rows) for p in report.parks)
    counts = {s: sum(p.counts[s] for p in report.parks) for s in wording.COUNT_WORDS}
    line = wording.status_counts_line(counts, total=total, order=list(wording.COUNT_WORDS))
    out.append(Block("para", f"{report.region}{len(report.parks)}个园区{report.year}年共监测{line}"))
    if report.without_plan:
        out.append(
            Block("para", "、".join(report.without_plan) + f"{report.year}年无实施中的规划，未纳入本报告。")
        )
    out.append(Block("h1", "二、园区排名"))
    out.append(
        Block(
            "para",
            "按进度正常率（已完成、超前、符合预期的指标占可判定指标的比例）排序，相同时按平均完成率排序。",
        )
    )
    header = [
        "名次",
        "园区",
        "规划",
        "指标数",
        "已完成",
        "超前",
        "符合预期",
        "滞后",
        "数据不足等",
        "进度正常率",
        "平均完成率",
    ]
    rows = []
    for row in report.ranking:
        c = row.report.counts
        behind = c["lagging"] + c["severely_lagging"] + c["regressing"]
        rows.append(
            [
                str(row.rank) if row.rank is not None else "—",
                row.report.park.name_zh,
                row.report.plan.name,
                str(len(row.report.rows)),
                str(c["achieved"]),
                str(c["ahead"]),
                str(c["on_track"]),
                str(behind),
                str(c["no_target"] + c["insufficient_data"]),
                wording.percent(row.good_share),
                wording.percent(row.mean_completion),
            ]
        )
    aligns = ["center", "left", "left", *["right"] * 8]
    out.append(Block("grid", "表1  园区进度排名", header=header, rows=rows, aligns=aligns))
    for figure, chart in enumerate(report.charts, start=1):
        out.append(Block("chart", chart.caption, chart=chart, number=figure))
    if report.charts_missing:
        out.append(Block("para", report.charts_missing))
    out.append(Block("h1", "三、各园区情况"))
    for index, park in enumerate(report.parks, start=1):
        out.append(Block("h2", f"（{numeral(index)}）{park.park.name_zh}"))
        out.append(Block("para", f"《{park.plan.name}》{park.year}年：{park.summary_line}"))
        if park.time_reading:
            out.append(Block("para", park.time_reading))
        out.append(Block("table", f"表{index + 1}  {park.park.name_zh}主要指标完成情况表", report=park))
        lagging = park.lagging
        if lagging:
            out.append(Block("para", "滞后指标：" + "".join(r.sentence for r in lagging)))
    return out
