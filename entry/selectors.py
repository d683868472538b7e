"""The yearly data sheet: what one park reports for one year, and how far it has got.

A sheet holds every plan indicator of the plans in force for the park that year (base year to end
year), in the plan's printed order and categories, plus the rows a parent park's plan sets for this
park as a zone. A row's value belongs to the row's park (the plan's park, or the zone the row names)
and is stored in the catalogue indicator's unit; the sheet shows and reads it in the unit the plan
prints. Two rows that are the same value (the same park, indicator and year) share one input: the
later one points to the first.

Reads only, in a fixed number of queries whatever the number of rows.

Who sees what of a value (issue 10): people with a role on the park — an entry (填报员) or reviewer
(审核员) role, directly or through a park it is a zone of — and administrators are its staff
(``staff_on``, ``staff_park_ids``) and see everything: drafts, submitted and returned values, notes,
reasons, reviewers' comments and who did what. Everyone else who may read the park (viewers, region
officials) sees only the approved value in force — during a revision, the previously approved value,
as approved (``public_observation``) — and of its history only the approvals: the value, the year and
the day it was approved (``approvals``); no notes (they are where staff explain a value to the reviewer),
no reasons, no comments, no names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.db.models import Q
from django.utils import timezone

from core.formatting import decimal_str
from entry.checks import DEFAULT_YOY_THRESHOLD, MIN_HISTORY_FOR_RANGE, Check, observation_check_many
from entry.models import ReportingPeriod
from indicators.formulas import describe as formula_describe
from indicators.formulas import formula_graph
from indicators.models import Indicator, Observation, Unit
from indicators.selectors import (
    approvals,
    approved_records,
    public_observation,
)
from indicators.services import compute_one as formula_compute_one
from indicators.units import convert
from parks.models import Park
from parks.selectors import held_roles, is_admin, park_roles, park_tree
from plans.models import LevelTarget, Plan, PlanIndicator, PlanMember, Target
from plans.selectors import TargetVersion, revision_phrase, revisions_by_target, version_in_force
from plans.target_text import target_text
from progress.models import ProgressResult

S = Observation.Status
PENDING_STATUSES = (S.DRAFT, S.SUBMITTED, S.RETURNED)


def default_open_year() -> int:
    """Without a reporting period, the year open for entry is the last calendar year."""
    return timezone.localdate().year - 1


def row_key(park_id: int, indicator_id: int) -> str:
    return f"{park_id}-{indicator_id}"


def to_unit(value: Decimal | None, from_unit: Unit, to: Unit) -> Decimal | None:
    """A stored value shown in another unit of the same dimension (for display; never rounded)."""
    if value is None or from_unit.pk == to.pk:
        return value
    with localcontext() as ctx:
        ctx.prec = 60
        return value * from_unit.factor / to.factor


@dataclass
class SheetRow:
    number: int  # 1-based, as the sheet prints it
    plan: Plan
    plan_indicator: PlanIndicator
    park: Park  # whose value this is
    indicator: Indicator
    unit: Unit  # the unit the row is shown and entered in
    key: str
    observation: Observation | None = None
    last_year: Decimal | None = None  # counted (approved) value of the previous year, in ``unit``
    target: Target | LevelTarget | None = None  # as printed (a member's: its level's, when set)
    # The version of a revised target (规划调整) that judges the year, and the phrase beside it with
    # the original ("原目标…，2023年调整为…"); None and "" when the printed target is in force.
    target_in_force: TargetVersion | None = None
    target_revised: str = ""
    duplicate_of: int | None = None
    check: Check | None = None
    progress: ProgressResult | None = None
    history_low: Decimal | None = None  # range of the other years' approved values, in ``unit``
    history_high: Decimal | None = None
    history_count: int = 0
    # Formula indicators (issue 13): the formula as people read it, and why there is no value.
    formula_text: str = ""
    formula_reason: str = ""
    part_of: int | None = None  # a part no plan row asks for, listed under the formula row number

    @property
    def is_computed(self) -> bool:
        """The row is a formula indicator: computed from its parts, never typed."""
        return bool(self.indicator.formula.strip())

    @property
    def name(self) -> str:
        return self.plan_indicator.name_printed

    @property
    def category(self) -> str:
        return self.plan_indicator.category_printed

    @property
    def is_zone_row(self) -> bool:
        return self.park.pk != self.plan.park_id and not self.is_group_row

    @property
    def is_group_row(self) -> bool:
        """A row a group plan (园区群规划) sets for each of its members: the park's own target, from there."""
        return self.plan_indicator.applies_to == PlanIndicator.AppliesTo.MEMBERS

    @property
    def value(self) -> Decimal | None:
        """The current value in the row's unit."""
        if self.observation is None:
            return None
        return to_unit(self.observation.value, self.indicator.unit, self.unit)

    @property
    def value_text(self) -> str:
        return decimal_str(self.value)

    @property
    def last_year_text(self) -> str:
        return decimal_str(self.last_year)

    @property
    def previous_approved_text(self) -> str:
        if self.observation is None or self.observation.previous_approved_value is None:
            return ""
        return decimal_str(to_unit(self.observation.previous_approved_value, self.indicator.unit, self.unit))

    @property
    def target_text(self) -> str:
        """The target that judges the year: the revision in force, else the printed one."""
        shown = self.target_in_force or self.target
        return target_text(shown.kind, shown.value) if shown else ""

    @property
    def target_wording(self) -> str:
        shown = self.target_in_force or self.target
        return shown.wording if shown else ""

    @property
    def status(self) -> str:
        """missing / draft / submitted / revising / returned / approved."""
        if self.observation is None:
            return "missing"
        if self.observation.status == S.SUBMITTED and self.observation.previous_approved_value is not None:
            return "revising"
        return self.observation.status

    @property
    def editable(self) -> bool:
        """Staff may type into the row (no value yet, a draft, or a returned value); never a computed row."""
        return (
            self.duplicate_of is None
            and not self.is_computed
            and self.status in ("missing", S.DRAFT, S.RETURNED)
        )

    @property
    def version(self) -> int:
        return self.observation.version if self.observation else 0

    @property
    def warnings(self) -> list[dict]:
        return self.check.warnings if self.check else []

    @property
    def yoy_threshold(self) -> str:
        """The year-on-year warning threshold as a fraction (for the browser's echo of the rule)."""
        return decimal_str(self.indicator.yoy_warning_threshold or DEFAULT_YOY_THRESHOLD)

    @property
    def range_low_text(self) -> str:
        return decimal_str(self.history_low) if self.history_count >= MIN_HISTORY_FOR_RANGE else ""

    @property
    def range_high_text(self) -> str:
        return decimal_str(self.history_high) if self.history_count >= MIN_HISTORY_FOR_RANGE else ""

    @property
    def completion_text(self) -> str:
        rate = self.progress.completion_rate if self.progress else None
        return "" if rate is None or rate != rate else f"{rate * 100:.1f}%"

    def to_stored(self, value: Decimal) -> Decimal:
        """A value typed in the row's unit, in the indicator's unit (exact, or UnitConversionError)."""
        return convert(value, self.unit, self.indicator.unit)


@dataclass
class CategoryGroup:
    category: str
    rows: list[SheetRow] = field(default_factory=list)


@dataclass
class PlanSection:
    plan: Plan
    groups: list[CategoryGroup] = field(default_factory=list)


@dataclass
class Sheet:
    park: Park
    year: int
    rows: list[SheetRow]
    sections: list[PlanSection]
    period: ReportingPeriod | None

    @property
    def unique_rows(self) -> list[SheetRow]:
        return [r for r in self.rows if r.duplicate_of is None]

    @property
    def counts(self) -> Counter:
        """Statuses of the values staff type (computed rows follow their parts and are not counted)."""
        return Counter(r.status for r in self.unique_rows if not r.is_computed)

    @property
    def deadline(self):
        return self.period.deadline if self.period else None

    @property
    def is_open(self) -> bool:
        return self.period.is_open if self.period else self.year == default_open_year()

    @property
    def is_future(self) -> bool:
        return self.year > timezone.localdate().year

    def row_by_key(self) -> dict[str, SheetRow]:
        return {r.key: r for r in self.unique_rows}


def _plan_indicators(parks: list[Park], years: list[int] | None = None):
    """Plan indicators of the plans of ``parks``, of the rows other plans set for them as zones, and of
    the rows group plans set for each of their members (``applies_to`` members)."""
    park_ids = [p.pk for p in parks]
    members = PlanIndicator.AppliesTo.MEMBERS
    qs = PlanIndicator.objects.filter(
        Q(plan__park_id__in=park_ids)
        | Q(park_id__in=park_ids)
        | Q(applies_to=members, plan__in=Plan.objects.filter(members__park_id__in=park_ids))
    )
    if years:
        qs = qs.filter(plan__base_year__lte=max(years), plan__end_year__gte=min(years))
    return qs.select_related("plan", "plan__park", "park", "unit", "indicator__unit").order_by(
        "plan__start_year", "plan__code", "order"
    )


@dataclass
class FormulaParts:
    """The formulas of the catalogue as the sheet needs them (issue 13): each formula indicator's parts
    (the indicators, with their units), in the order the formula names them, and the formulas' text
    as people read it. Two queries, one when no indicator has a formula."""

    parts: dict[int, list[Indicator]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    bounds: dict = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, plan_indicators=None) -> FormulaParts:
        """``plan_indicators`` given: nothing is read unless one of them is a formula indicator."""
        if plan_indicators is not None and not any(pi.indicator.formula for pi in plan_indicators):
            return cls()
        catalogue, bounds = formula_graph()
        if not bounds:
            return cls()
        ids = {i for b in bounds.values() for i in b.part_indicator_ids}
        indicators = Indicator.objects.select_related("unit").in_bulk(ids)
        names = {row["code"]: row["name_zh"] for row in catalogue.indicators.values()}
        return cls(
            parts={f: [indicators[i] for i in b.part_indicator_ids] for f, b in bounds.items()},
            texts={f: formula_describe(b.parsed.text, names) for f, b in bounds.items()},
            bounds=bounds,
            names={row["id"]: row["name_zh"] for row in catalogue.indicators.values()},
        )


def part_row(pi: PlanIndicator, part: Indicator) -> PlanIndicator:
    """An unsaved plan row for a part of ``pi``'s formula that no plan prints: listed under the formula,
    named and measured as the catalogue has it (the plan asks for it through the formula)."""
    return PlanIndicator(
        plan=pi.plan,
        indicator=part,
        park=pi.park,
        order=pi.order,
        category_printed=pi.category_printed,
        name_printed=part.name_zh,
        unit=part.unit,
        nature=pi.nature,
        applies_to=pi.applies_to,
    )


def with_formula_parts(plan_indicators, formulas: FormulaParts | None = None) -> list[PlanIndicator]:
    """Plan indicators and, after each formula row, unsaved rows (``part_row``) for the parts its plan
    does not print for the same park (for uploads, which match rows by their printed names)."""
    plan_indicators = list(plan_indicators)
    formulas = formulas or FormulaParts.load(plan_indicators)
    if not formulas.parts:
        return plan_indicators
    printed = {(pi.plan_id, pi.park_id, pi.indicator_id) for pi in plan_indicators}
    result: list[PlanIndicator] = []

    def add(pi: PlanIndicator) -> None:
        result.append(pi)
        for part in formulas.parts.get(pi.indicator_id, []):
            if (pi.plan_id, pi.park_id, part.pk) not in printed:
                printed.add((pi.plan_id, pi.park_id, part.pk))
                add(part_row(pi, part))

    for pi in plan_indicators:
        add(pi)
    return result


def member_plans(parks: Collection[Park], plan_indicators) -> dict[int, set[int]]:
    """park id → the group plans it is a member of, read (one query) only when one of
    ``plan_indicators`` is a row for members."""
    if not any(pi.applies_to == PlanIndicator.AppliesTo.MEMBERS for pi in plan_indicators):
        return {}
    found: dict[int, set[int]] = {}
    for park_id, plan_id in PlanMember.objects.filter(park__in=[p.pk for p in parks]).values_list(
        "park_id", "plan_id"
    ):
        found.setdefault(park_id, set()).add(plan_id)
    return found


def _sheet_rows(
    plan_indicators,
    park: Park,
    year: int,
    formulas: FormulaParts | None = None,
    member_of: Collection[int] = (),
) -> list[SheetRow]:
    """The sheet's rows: the plan rows, and under a formula row the parts of its formula that no row of
    the sheet asks for (staff type the parts; the formula row is computed). A group plan's row for its
    members is on each member's sheet (``member_of``: the group plans the park is a member of), as the
    member's own value, and not on the group's."""
    formulas = formulas or FormulaParts()
    rows: list[SheetRow] = []
    first: dict[str, int] = {}
    selected = []
    for pi in plan_indicators:
        plan = pi.plan
        if not plan.base_year <= year <= plan.end_year:
            continue
        if pi.applies_to == PlanIndicator.AppliesTo.MEMBERS:
            if plan.pk not in member_of:
                continue
        elif not (pi.park_id == park.pk or (plan.park_id == park.pk)):
            continue
        selected.append(pi)

    def owner(pi) -> Park:
        if pi.applies_to == PlanIndicator.AppliesTo.MEMBERS:
            return park
        return pi.park if pi.park_id else pi.plan.park

    planned = {row_key(owner(pi).pk, pi.indicator_id) for pi in selected}

    def add(pi, indicator, unit, part_of=None) -> None:
        value_park = owner(pi)
        key = row_key(value_park.pk, indicator.pk)
        row = SheetRow(
            number=len(rows) + 1,
            plan=pi.plan,
            plan_indicator=pi,
            park=value_park,
            indicator=indicator,
            unit=unit,
            key=key,
            duplicate_of=first.get(key),
            formula_text=formulas.texts.get(indicator.pk, ""),
            part_of=part_of,
        )
        first.setdefault(key, row.number)
        rows.append(row)
        if row.duplicate_of is None and indicator.pk in formulas.parts:
            for part in formulas.parts[indicator.pk]:
                if row_key(value_park.pk, part.pk) in planned | set(first):
                    continue
                add(part_row(pi, part), part, part.unit, part_of=row.number)

    for pi in selected:
        indicator = pi.indicator
        add(pi, indicator, pi.unit if pi.unit.dimension == indicator.unit.dimension else indicator.unit)
    return rows


def sheet_build(*, park: Park, year: int, with_checks: bool = True, staff: bool = True) -> Sheet:
    """Every row of the park's sheet for ``year``, with values, last year, target, checks, progress.

    ``staff=False`` is the sheet of a reader who is not staff of the park: each value is its
    ``public_observation`` (the approved value in force, or none), and there are no checks (they judge
    the value being entered)."""
    plan_indicators = list(_plan_indicators([park], [year]))
    formulas = FormulaParts.load(plan_indicators)
    member_of = member_plans([park], plan_indicators).get(park.pk, set())
    rows = _sheet_rows(plan_indicators, park, year, formulas, member_of)
    park_ids = {r.park.pk for r in rows}
    indicator_ids = {r.indicator.pk for r in rows}
    observations: dict[tuple[int, int, int], Observation] = {}
    if rows:
        found = Observation.objects.filter(
            park_id__in=park_ids, indicator_id__in=indicator_ids, year__in=[year - 1, year]
        )
        for obs in found.select_related("entered_by", "reviewed_by") if staff else found:
            shown = obs if staff else public_observation(obs)
            if shown is not None:
                observations[(obs.park_id, obs.indicator_id, obs.year)] = shown
    with_checks = with_checks and staff
    targets: dict[int, Target | LevelTarget] = {
        t.plan_indicator_id: t
        for t in Target.objects.filter(plan_indicator__in=[r.plan_indicator.pk for r in rows], year=year)
    }
    revisions = revisions_by_target(t.pk for t in targets.values())
    for_members = [
        r.plan_indicator.pk for r in rows if r.plan_indicator.applies_to == PlanIndicator.AppliesTo.MEMBERS
    ]
    if for_members and park.level:  # a group plan's target for parks of this park's level
        targets.update(
            (t.plan_indicator_id, t)
            for t in LevelTarget.objects.filter(
                plan_indicator__in=for_members, year=year, park_level=park.level
            )
        )
    progress = {
        (p.plan_indicator_id, p.park_id): p
        for p in ProgressResult.objects.filter(
            plan_indicator__in=[r.plan_indicator.pk for r in rows], year=year
        )
    }
    for row in rows:
        row.observation = observations.get((row.park.pk, row.indicator.pk, year))
        last = observations.get((row.park.pk, row.indicator.pk, year - 1))
        if last is not None:
            counted = last.value if last.status == S.APPROVED else last.previous_approved_value
            row.last_year = to_unit(counted, row.indicator.unit, row.unit)
        row.target = targets.get(row.plan_indicator.pk)
        if isinstance(row.target, Target) and row.target.pk in revisions:
            in_force = version_in_force(row.target, revisions[row.target.pk], year)
            if not in_force.is_original:
                row.target_in_force = in_force
                row.target_revised = revision_phrase(row.target, in_force, row.plan_indicator.unit.symbol)
        row.progress = progress.get((row.plan_indicator.pk, row.park.pk))
    if with_checks and rows:
        approved: dict[tuple[int, int], list[Decimal]] = {}
        for park_id, indicator_id, value in (
            Observation.objects.filter(
                park_id__in=park_ids, indicator_id__in=indicator_ids, status=S.APPROVED
            )
            .exclude(year=year)
            .values_list("park_id", "indicator_id", "value")
        ):
            approved.setdefault((park_id, indicator_id), []).append(value)
        for row in rows:
            others = approved.get((row.park.pk, row.indicator.pk), [])
            row.history_count = len(others)
            if others:
                row.history_low = to_unit(min(others), row.indicator.unit, row.unit)
                row.history_high = to_unit(max(others), row.indicator.unit, row.unit)
    for row in rows:
        if row.is_computed and row.observation is None and row.indicator.pk in formulas.bounds:
            bound = formulas.bounds[row.indicator.pk]
            parts = {
                i: observations[(row.park.pk, i, year)]
                for i in bound.part_indicator_ids
                if (row.park.pk, i, year) in observations
            }
            row.formula_reason = formula_compute_one(bound, parts, formulas.names)["reason"]
    if with_checks:
        checked = [
            r for r in rows if r.observation is not None and r.duplicate_of is None and not r.is_computed
        ]
        checks = observation_check_many(
            items=[(r.park.pk, r.indicator, year, r.observation.value) for r in checked]
        )
        for row, check in zip(checked, checks, strict=True):
            row.check = check
    period = ReportingPeriod.objects.filter(park=park, year=year).first()
    return Sheet(park=park, year=year, rows=rows, sections=_sections(rows), period=period)


def _sections(rows: list[SheetRow]) -> list[PlanSection]:
    sections: list[PlanSection] = []
    for row in rows:
        if not sections or sections[-1].plan.pk != row.plan.pk:
            sections.append(PlanSection(plan=row.plan))
        groups = sections[-1].groups
        if not groups or groups[-1].category != row.category:
            groups.append(CategoryGroup(category=row.category))
        groups[-1].rows.append(row)
    return sections


@dataclass
class SheetSummary:
    park: Park
    year: int
    total: int
    counts: Counter  # missing / draft / submitted / revising / returned / approved
    missing_names: list[str]
    period: ReportingPeriod | None

    @property
    def to_enter(self) -> int:
        """Values staff still owe: missing, drafts and returned ones."""
        return self.counts["missing"] + self.counts["draft"] + self.counts["returned"]

    @property
    def to_review(self) -> int:
        return self.counts["submitted"] + self.counts["revising"]

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.to_enter == 0

    @property
    def deadline(self):
        return self.period.deadline if self.period else None

    @property
    def is_open(self) -> bool:
        return self.period.is_open if self.period else self.year == default_open_year()


def sheet_summaries(pairs: list[tuple[Park, int]], *, readers: Collection[int] = ()) -> list[SheetSummary]:
    """Counts for many (park, year) sheets in three queries: what is missing, waiting, returned.

    ``readers``: parks whose summaries are for a reader who is not staff of them: a value counts as
    approved when an approved value is in force, else as missing (no draft, submitted or returned)."""
    if not pairs:
        return []
    parks = list({p.pk: p for p, _ in pairs}.values())
    years = sorted({y for _, y in pairs})
    plan_indicators = list(_plan_indicators(parks, years))
    formulas = FormulaParts.load(plan_indicators)
    members = member_plans(parks, plan_indicators)
    rows_by_pair = {
        (p.pk, y): _sheet_rows(plan_indicators, p, y, formulas, members.get(p.pk, set())) for p, y in pairs
    }
    park_ids = {r.park.pk for rows in rows_by_pair.values() for r in rows}
    indicator_ids = {r.indicator.pk for rows in rows_by_pair.values() for r in rows}
    observations = {
        (park_id, indicator_id, year): (status, previous)
        for park_id, indicator_id, year, status, previous in Observation.objects.filter(
            park_id__in=park_ids, indicator_id__in=indicator_ids, year__in=years
        ).values_list("park_id", "indicator_id", "year", "status", "previous_approved_value")
    }
    periods = {
        (p.park_id, p.year): p
        for p in ReportingPeriod.objects.filter(park__in=[p.pk for p in parks], year__in=years)
    }
    summaries = []
    for park, year in pairs:
        counts: Counter = Counter()
        missing: list[str] = []
        for row in rows_by_pair[(park.pk, year)]:
            if row.duplicate_of is not None or row.is_computed:
                continue
            found = observations.get((row.park.pk, row.indicator.pk, year))
            if found is not None and park.pk in readers:
                approved = found[0] == S.APPROVED or found[1] is not None
                found = (S.APPROVED, None) if approved else None
            if found is None:
                counts["missing"] += 1
                missing.append(row.name)
            elif found[0] == S.SUBMITTED and found[1] is not None:
                counts["revising"] += 1
            else:
                counts[found[0]] += 1
        total = sum(counts.values())
        summaries.append(
            SheetSummary(
                park=park,
                year=year,
                total=total,
                counts=counts,
                missing_names=missing,
                period=periods.get((park.pk, year)),
            )
        )
    return summaries


def open_years(parks: list[Park]) -> dict[int, list[int]]:
    """The years open for entry, per park: its open reporting periods, or the last calendar year when
    the park has no period for that year."""
    default = default_open_year()
    result: dict[int, list[int]] = {p.pk: [] for p in parks}
    has_default_period: set[int] = set()
    for park_id, year, is_open in ReportingPeriod.objects.filter(park__in=[p.pk for p in parks]).values_list(
        "park_id", "year", "is_open"
    ):
        if is_open:
            result[park_id].append(year)
        if year == default:
            has_default_period.add(park_id)
    for park in parks:
        if park.pk not in has_default_period and default not in result[park.pk]:
            result[park.pk].append(default)
        result[park.pk].sort(reverse=True)
    return result


def pending_years(parks: list[Park]) -> dict[int, set[int]]:
    """Years in which a park (or one of its zones) has values not yet approved, per park."""
    result: dict[int, set[int]] = {p.pk: set() for p in parks}
    owner = park_tree().owners(p.pk for p in parks)
    for park_id, year in (
        Observation.objects.filter(park_id__in=list(owner), status__in=PENDING_STATUSES)
        .values_list("park_id", "year")
        .distinct()
    ):
        for top in owner.get(park_id, ()):
            result[top].add(year)
    return result


def parks_with_plans() -> list[Park]:
    """Parks whose plans have indicators. (A zone's rows are in its park's sheet, so zones are not
    listed apart; a zone's own sheet is still there for staff whose role is on the zone.)"""
    ids = set(PlanIndicator.objects.values_list("plan__park_id", flat=True))
    return list(Park.objects.filter(pk__in=ids).order_by("code"))


roles_by_park = park_roles  # moved to parks.selectors.park_roles; kept while entry/views.py imports it


def user_parks(user) -> list[Park]:
    """The parks a user works on: those with a sheet for administrators, else those they hold a role
    on (a role on a park covers its zones, whose rows are in the park's own sheet)."""
    if is_admin(user):
        return parks_with_plans()
    ids = set(held_roles(user))
    return list(Park.objects.filter(pk__in=ids).order_by("code")) if ids else []


@dataclass
class HistoryEntry:
    when: object
    who: str
    action: str
    reason: str
    changes: list[str]
    note: str
    status: str
    year: int | None = None
    value: Decimal | None = None
    source: str = ""  # readers' entries: the approved value's source

    @property
    def value_text(self) -> str:
        return decimal_str(self.value)


def _action(record) -> str:
    """What a history record says happened, as people read it."""
    from django.utils.translation import gettext as _

    if record.history_action:
        return str(record.get_history_action_display())
    if record.history_type == "-":
        return _("删除")
    return _("新建") if record.history_type == "+" else _("后台修改")


def value_history(*, park: Park, indicator: Indicator, year: int, staff: bool) -> list[HistoryEntry]:
    """The history of one value (across deletions and re-entries), newest first. One query.

    For its staff (``staff_on``): every change, who, when, from what to what, and why. For every other
    reader: its approvals only (``approvals``: the value, the year, when it was approved), read from the
    approved records alone; no names, notes, reasons or comments."""
    from django.utils.translation import gettext as _

    labels = dict(S.choices)
    lookup = {"park_id": park.pk, "indicator_id": indicator.pk, "year": year}
    if not staff:
        return [
            HistoryEntry(
                when=approval.approved_on,
                who="",
                action=labels[S.APPROVED],
                reason="",
                changes=[],
                note="",
                status=labels[S.APPROVED],
                year=approval.year,
                value=approval.value,
                source=approval.source,
            )
            for approval in reversed(approvals(approved_records(**lookup)))
        ]
    records = list(
        Observation.history.filter(**lookup)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries: list[HistoryEntry] = []
    previous = None
    for record in records:
        changes = []
        if record.history_type == "-":
            changes.append(_("数值 %(value)s 已删除") % {"value": decimal_str(record.value)})
        else:
            if previous is None or previous.history_type == "-":
                changes.append(_("数值：%(value)s") % {"value": decimal_str(record.value)})
            elif previous.value != record.value:
                changes.append(
                    _("数值：%(old)s → %(new)s")
                    % {"old": decimal_str(previous.value), "new": decimal_str(record.value)}
                )
            if previous is None or previous.status != record.status:
                before = labels.get(previous.status, "") if previous is not None else ""
                after = labels.get(record.status, record.status)
                changes.append(
                    _("状态：%(old)s → %(new)s") % {"old": before, "new": after}
                    if before
                    else _("状态：%(new)s") % {"new": after}
                )
            if previous is not None and previous.note != record.note:
                changes.append(_("备注已修改"))
            if record.review_comment and (
                previous is None or previous.review_comment != record.review_comment
            ):
                changes.append(_("审核意见：%(comment)s") % {"comment": record.review_comment})
        action, why = _action(record), record.history_text
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user else _("系统"),
                action=action,
                reason=why,
                changes=changes,
                note=record.note,
                status=labels.get(record.status, record.status),
                year=record.year,
                value=record.value,
            )
        )
        previous = record
    entries.reverse()
    return entries
