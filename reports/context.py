"""What a report says, gathered once and written by both writers (reports/docx.py, reports/pdf.py).

Every figure comes from the stored progress results (``progress.selectors.progress_records``: the same
rows the API serves), so a report and the API can never disagree. The stored results count approved
values only; what is not approved yet is only named (for the park's staff) and marks the report as a
draft. Commentary and responsible units come verbatim from what staff entered; a reader who may not see
drafts gets only the commentary of approved values, as it stood when the value was approved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from core import commentary as commentary_source
from indicators.models import Observation
from indicators.selectors import IN_FORCE, staff_on
from parks.models import Park
from parks.selectors import park_tree
from plans.models import Plan, PlanIndicator
from plans.selectors import revised_target_phrases
from progress.colors import STATUS_ORDER
from progress.engine import FIGURE_COLUMNS
from progress.models import ProgressResult
from progress.selectors import progress_records
from reports import footnotes as footnote_source
from reports import wording

ANNUAL, MIDTERM, FINAL = "annual", "midterm", "final"
KINDS = (ANNUAL, MIDTERM, FINAL)
KIND_LABELS = {ANNUAL: "年度监测报告", MIDTERM: "中期评估报告", FINAL: "终期评估报告"}
UNCATEGORISED = "其他指标"
STATUS_LABELS = {value: str(label) for value, label in ProgressResult.Status.choices}
TABLE_TITLE = "主要指标完成情况表"


def report_kind(plan: Plan, year: int) -> str:
    """终期评估 in (or after) the plan's end year; 中期评估 at or past the middle of the plan period;
    otherwise 年度监测报告."""
    if year >= plan.end_year:
        return FINAL
    if year >= plan.start_year + (plan.end_year - plan.start_year) / 2:
        return MIDTERM
    return ANNUAL


@dataclass
class Row:
    """One plan indicator in the report year: as printed, with its stored figures."""

    order: int
    name: str
    unit: str
    category: str  # the printed category ("" when the plan prints none)
    group: str  # the category its paragraph belongs to (printed, else the catalogue's)
    measure: str
    direction: int
    indicator_id: int
    plan_indicator_id: int
    figures: dict  # the stored record of the year (progress_records), or {} when there is none
    history: list[dict]  # the stored records of every year, oldest first (for the trajectory chart)
    responsible_unit: str = ""
    commentary: dict = field(default_factory=dict)  # progress, reasons, measures (verbatim)
    sentence: str = ""
    footnotes: list[int] = field(default_factory=list)

    def __getattr__(self, name):  # the stored figures as attributes: row.completion_rate
        figures = self.__dict__.get("figures", {})
        if name in figures:
            return figures[name]
        if name in FIGURE_COLUMNS:
            return None
        raise AttributeError(name)

    @property
    def status(self) -> str:
        return self.figures.get("status") or "insufficient_data"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_sub(self) -> bool:
        return wording.is_sub_indicator(self.name)

    def wording_row(self) -> dict:
        return {
            **self.figures,
            "name": self.name,
            "unit": self.unit,
            "measure": self.measure,
            "direction": self.direction,
            "status": self.status,
        }


@dataclass
class Group:
    name: str
    rows: list[Row]
    counts_line: str
    paragraph: str


@dataclass
class Footnote:
    number: int
    text: str


@dataclass
class Chart:
    """A figure to embed: built by progress.charts, drawn to PNG by reports.images."""

    key: str  # completion | status | trajectory-<order>
    caption: str
    figure: object  # plotly.graph_objects.Figure
    png: bytes = b""
    width: int = 900


@dataclass
class ParkReport:
    park: Park
    plan: Plan
    year: int
    kind: str
    title: str
    generated_on: datetime.date
    data_as_of: datetime.datetime | None
    staff: bool  # the reader is staff of the park (sees what is not approved yet)
    unapproved: dict[str, int]  # status → number of values in scope not approved yet
    unapproved_names: list[str]
    synthetic: bool
    rows: list[Row]
    groups: list[Group]
    summary_line: str
    time_reading: str  # 时间过半、任务过半 (mid-term reports; empty otherwise)
    counts: dict[str, int]
    footnotes: list[Footnote]
    charts: list[Chart] = field(default_factory=list)
    charts_missing: str = ""  # why the report has no charts, when it has none
    table_has_categories: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def draft(self) -> bool:
        """Marked 草稿 while a value in scope is not approved (shown to the park's staff only: other
        readers are not told that unapproved values exist)."""
        return self.staff and any(self.unapproved.values())

    @property
    def lagging(self) -> list[Row]:
        return [r for r in self.rows if r.status in wording.BEHIND]

    @property
    def approval_statement(self) -> str:
        text = "本报告的数据均为已审核数值；进度结果由系统按已审核数值计算。"
        if self.draft:
            pending = "、".join(
                f"{label}{self.unapproved[s]}项"
                for s, label in (("draft", "草稿"), ("submitted", "待审核"), ("returned", "已退回"))
                if self.unapproved.get(s)
            )
            text += f"评估范围内尚有未审核数值（{pending}），未计入本报告，故本报告为草稿。"
        return text


def _title(park: Park, plan: Plan, year: int, kind: str) -> str:
    name = plan.name if park.pk == plan.park_id else f"{park.name_zh}（{plan.name}）"
    if kind == ANNUAL:
        return f"{name}{year}年度监测报告"
    if kind == MIDTERM:
        return f"{name}实施情况中期评估报告（{year}年）"
    return f"{name}实施情况终期评估报告（{year}年）"


def _plan_indicators(plan: Plan, park: Park) -> list[PlanIndicator]:
    """The plan's rows that belong to ``park``: its own when it is the plan's park (without a group
    plan's rows for its members), the rows a group plan sets for each member when ``park`` is one, else
    the rows the plan sets for that zone."""
    pis = PlanIndicator.objects.filter(plan=plan).select_related("indicator__category", "unit")
    members = PlanIndicator.AppliesTo.MEMBERS
    if park.pk == plan.park_id:
        pis = pis.filter(park__isnull=True).exclude(applies_to=members)
    elif plan.members.filter(park=park).exists():
        pis = pis.filter(applies_to=members)
    else:
        pis = pis.filter(park=park)
    return list(pis.order_by("order"))


def _scope_parks(park: Park) -> list[int]:
    """The park and its zones: their values roll up into the park's figures."""
    return sorted(park_tree().descendants_and_self([park.pk]))


def park_report(
    *, user, park: Park, plan: Plan, year: int, kind: str | None = None, staff: bool | None = None
) -> ParkReport:
    """Everything one park's report says about ``plan`` in ``year`` (the caller checked that ``user``
    may read the park). ``kind`` defaults to ``report_kind(plan, year)``; ``staff`` (whether the reader
    sees what is not approved yet) defaults to whether ``user`` is staff of the park."""
    kind = kind or report_kind(plan, year)
    staff = staff_on(user, park) if staff is None else staff
    pis = _plan_indicators(plan, park)
    records = progress_records(plan=plan, park=park)
    by_order: dict[int, list[dict]] = {}
    for record in records:
        by_order.setdefault(record["order"], []).append(record)
    notes = commentary_source.commentary_for(
        park_id=park.pk, indicator_ids=[pi.indicator_id for pi in pis], year=year, public=not staff
    )
    revised_targets = revised_target_phrases(plan_indicator_ids=[pi.pk for pi in pis], year=year)
    rows = []
    for pi in pis:
        history = by_order.get(pi.order, [])
        figures = next((r for r in history if r["year"] == year), {})
        if not figures and history:  # no row this year: keep the milestone the other years name
            latest = history[-1]
            figures = {"target_final": latest["target_final"], "final_year": latest["final_year"]}
        category = pi.indicator.category
        row = Row(
            order=pi.order,
            name=pi.name_printed,
            unit=pi.unit.symbol,
            category=pi.category_printed,
            group=pi.category_printed or (category.name_zh if category else UNCATEGORISED),
            measure=pi.indicator.measure,
            direction=pi.indicator.direction,
            indicator_id=pi.indicator_id,
            plan_indicator_id=pi.pk,
            figures=figures,
            history=[r for r in history if r["year"] <= year],
            responsible_unit=getattr(pi, "responsible_unit", "") or "",
            commentary=notes.get(pi.indicator_id, {}),
        )
        row.sentence = wording.indicator_sentence(row.wording_row(), year=year)
        final_year = figures.get("final_year")
        if final_year is not None and not wording.missing(final_year):
            revised = revised_targets.get((pi.pk, int(final_year)))
            if revised:  # the milestone target judged is a revised one: say what it was (规划调整)
                row.sentence += f"{revised}。"
        rows.append(row)

    counts = {s: sum(1 for r in rows if r.status == s) for s in STATUS_ORDER}
    groups = []
    for name in dict.fromkeys(r.group for r in rows):
        members = [r for r in rows if r.group == name]
        group_counts = {s: sum(1 for r in members if r.status == s) for s in STATUS_ORDER}
        groups.append(
            Group(
                name=name,
                rows=members,
                counts_line=wording.status_counts_line(group_counts, total=len(members), order=STATUS_ORDER),
                paragraph="".join(r.sentence for r in members),
            )
        )
    time_reading = ""
    if kind == MIDTERM:
        time_reading = wording.time_progress_reading(
            year=year,
            base_year=plan.base_year,
            end_year=plan.end_year,
            task_progress=[r.figures.get("task_progress") for r in rows],
        )

    scope = _scope_parks(park)
    indicator_ids = sorted({pi.indicator_id for pi in pis})
    in_scope = Observation.objects.filter(
        park_id__in=scope, indicator_id__in=indicator_ids, year__gte=plan.base_year, year__lte=year
    )
    unapproved: dict[str, int] = {}
    unapproved_names: list[str] = []
    if staff:
        names = {pi.indicator_id: pi.name_printed for pi in pis}
        for indicator_id, obs_year, status in in_scope.exclude(
            status=Observation.Status.APPROVED
        ).values_list("indicator_id", "year", "status"):
            unapproved[status] = unapproved.get(status, 0) + 1
            unapproved_names.append(f"{names[indicator_id]}（{obs_year}年）")
    synthetic = (
        plan.is_synthetic or park.is_synthetic or in_scope.filter(IN_FORCE, is_synthetic=True).exists()
    )
    as_of = ProgressResult.objects.filter(plan=plan, park=park, year__lte=year).aggregate(Max("updated_at"))

    footnotes = footnote_source.disagreements(plan=plan, rows=rows, year=year)

    return ParkReport(
        park=park,
        plan=plan,
        year=year,
        kind=kind,
        title=_title(park, plan, year, kind),
        generated_on=timezone.localdate(),
        data_as_of=timezone.localtime(as_of["updated_at__max"]) if as_of["updated_at__max"] else None,
        staff=staff,
        unapproved=unapproved,
        unapproved_names=unapproved_names,
        synthetic=synthetic,
        rows=rows,
        groups=groups,
        summary_line=wording.status_counts_line(counts, total=len(rows), order=STATUS_ORDER),
        time_reading=time_reading,
        counts=counts,
        footnotes=footnotes,
        table_has_categories=any(r.category for r in rows),
    )
