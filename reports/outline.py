"""The report as a sequence of blocks, written the same way by the DOCX and the PDF writers.

Headings follow the numbering of official documents (公文): 一、 for sections, （一） for sub-sections,
1. for items. The table is 表1 主要指标完成情况表; figures are numbered 图1, 图2 … in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports import wording
from reports.context import TABLE_TITLE, Chart, ParkReport, Row

CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass
class Block:
    kind: str  # title | meta | h1 | h2 | h3 | para | table | chart | note
    text: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)  # meta: (label, value)
    chart: Chart | None = None
    number: int = 0  # 图 number of a chart
    src: str = ""  # the chart as a data URI (PDF)
    report: ParkReport | None = None  # table: whose 主要指标完成情况表
    header: list[str] = field(default_factory=list)  # grid: a plain table's header …
    rows: list[list[str]] = field(default_factory=list)  # … and rows
    aligns: list[str] = field(default_factory=list)


def numeral(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{CHINESE_NUMERALS[tens - 1] if tens > 1 else ''}十{CHINESE_NUMERALS[ones - 1] if ones else ''}"


@dataclass
class TableColumn:
    label: str
    key: str
    align: str = "center"
    width: int = 8  # per cent of the table's width


def milestone_years(report: ParkReport) -> list[int]:
    return sorted({int(r.final_year) for r in report.rows if not wording.missing(r.final_year)})


def table_columns(report: ParkReport) -> list[TableColumn]:
    years = milestone_years(report)
    milestone = f"节点目标（{years[0]}年）" if len(years) == 1 else "节点目标"
    return [
        TableColumn("序号", "order", width=5),
        TableColumn("指标名称", "name", "left", width=23),
        TableColumn("单位", "unit", width=8),
        TableColumn(f"基期值（{report.plan.base_year}年）", "base_value", "right", width=9),
        TableColumn(f"{report.year}年目标", "target_year", "right", width=8),
        TableColumn(milestone, "target_final", "right", width=9),
        TableColumn(f"{report.year}年实际", "actual", "right", width=8),
        TableColumn("完成率", "completion_rate", "right", width=8),
        TableColumn("实际年均增长", "cagr_actual", "right", width=7),
        TableColumn("要求年均增长", "cagr_required", "right", width=7),
        TableColumn("状态", "status", width=8),
    ]


def cell_text(row: Row, key: str, *, one_milestone: bool = True) -> str:
    """What the table prints in one cell (the same text in DOCX and PDF); a milestone target names its
    year when the plan's rows have different milestones."""
    if key == "order":
        return str(row.order)
    if key == "name":
        return row.name
    if key == "unit":
        return row.unit
    if key == "status":
        return row.status_label
    if key in ("completion_rate", "cagr_actual", "cagr_required"):
        return wording.percent(getattr(row, key))
    value = getattr(row, key)
    if key == "target_final" and not one_milestone and not wording.missing(value):
        return f"{wording.amount(value)}（{int(row.final_year)}年）"
    return wording.amount(value)


def table_rows(report: ParkReport) -> list[tuple[str, object]]:
    """("category", name) and ("row", Row) in printed order; categories only when the plan prints them."""
    out: list[tuple[str, object]] = []
    current = None
    for row in report.rows:
        if report.table_has_categories and row.category != current:
            current = row.category
            out.append(("category", current or "—"))
        out.append(("row", row))
    return out


def blocks(report: ParkReport) -> list[Block]:
    """The report from title to notes."""
    plan, year = report.plan, report.year
    out = [Block("title", report.title)]
    meta = [
        ("园区", report.park.name_zh),
        ("规划", f"{plan.name}（规划期{plan.start_year}—{plan.end_year}年，基期{plan.base_year}年）"),
        ("评估年度", f"{year}年"),
        ("报告类型", report.kind_label.removesuffix("报告")),
        ("生成日期", _date(report.generated_on)),
        ("数据截至", _date(report.data_as_of) if report.data_as_of else "尚无进度结果"),
        ("数据状态", report.approval_statement),
    ]
    if report.synthetic:
        meta.append(("注意", "本报告含合成演示数据（由 demo_data 生成），不是园区填报的数据。"))
    out.append(Block("meta", lines=meta))

    section = 0

    def h1(text: str) -> None:
        nonlocal section
        section += 1
        out.append(Block("h1", f"{numeral(section)}、{text}"))

    charts = {c.key: c for c in report.charts}
    figure = 0

    def chart(key: str) -> None:
        nonlocal figure
        if key in charts:
            figure += 1
            out.append(Block("chart", charts[key].caption, chart=charts[key], number=figure))

    h1("总体情况")
    overview = f"《{plan.name}》共设{len(report.rows)}项主要指标。截至{year}年，{report.summary_line}"
    out.append(Block("para", overview))
    if report.time_reading:
        out.append(Block("para", report.time_reading))
    if report.kind == "final":
        judged = sum(report.counts[s] for s in wording.JUDGED)
        done = report.counts["achieved"]
        out.append(Block("para", f"规划期已结束，在可判定的{judged}项指标中，{done}项完成规划目标。"))
    if report.draft and report.unapproved_names:
        out.append(
            Block("para", "尚未审核、未计入本报告的数值：" + "、".join(report.unapproved_names) + "。")
        )

    h1("主要指标完成情况")
    out.append(Block("para", f"{year}年各项指标完成情况见表1。"))
    out.append(Block("table", f"表1  {TABLE_TITLE}", report=report))
    if report.charts_missing:
        out.append(Block("para", report.charts_missing))
    chart("completion")
    chart("status")

    h1("分领域进展")
    for index, group in enumerate(report.groups, start=1):
        out.append(Block("h2", f"（{numeral(index)}）{group.name}"))
        out.append(Block("para", f"本领域{group.counts_line}{group.paragraph}"))
        item = 0
        for row in group.rows:
            if not (row.commentary or row.responsible_unit):
                continue
            item += 1
            out.append(Block("h3", f"{item}. {wording.plain_name(row.name, row.unit)}"))
            for key, label in (("progress", "进展说明"), ("reasons", "原因分析"), ("measures", "下一步措施")):
                if row.commentary.get(key):
                    out.append(Block("para", f"{label}：{row.commentary[key]}"))
            if row.responsible_unit:
                out.append(Block("para", f"责任单位：{row.responsible_unit}"))

    lagging = report.lagging
    if lagging:
        h1("滞后指标分析")
        out.append(
            Block(
                "para",
                f"{len(lagging)}项指标进度滞后："
                + "、".join(wording.plain_name(r.name, r.unit) for r in lagging)
                + "。各指标实际值与规划目标路径的对比如下。",
            )
        )
        for index, row in enumerate(lagging, start=1):
            out.append(Block("h3", f"{index}. {wording.plain_name(row.name, row.unit)}"))
            clause = wording.remaining_clause(row.wording_row(), year=year)
            phrase = wording.STATUS_PHRASES[row.status]
            text = f"{phrase}，{clause}。" if clause else f"{phrase}。"
            if row.responsible_unit:
                text += f"责任单位：{row.responsible_unit}。"
            out.append(Block("para", text))
            chart(f"trajectory-{row.order}")

    h1("数据说明")
    out.append(
        Block(
            "para",
            "表中数值均取自系统存储的进度结果，与数据接口一致。完成率为实际值与当年目标之比（越低越好的指标为目标与"
            "实际值之比）；实际年均增长为自基期以来的年均增长，要求年均增长为完成节点目标所需的年均增长；状态按"
            "《进度判定方法》判定。百分比四舍五入保留一位小数。",
        )
    )
    return out


def _date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def document_blocks(report) -> list[Block]:
    """The blocks of any report: a region's knows its own outline, a park's is ``blocks``."""
    return report.outline() if hasattr(report, "outline") else blocks(report)
