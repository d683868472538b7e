"""The rules a yearly actual must satisfy, written once for every door.

The sheet, the review and revise forms, the REST API, XLSX/CSV uploads, ``import_observations`` and the
admin all write through ``entry.services``, and ``entry.services`` asks this module. Two kinds of rule:

- **hard** (``errors``): the value cannot be stored. The number fits the column (at most 16 digits
  before the point and 8 after: refused, never rounded), the year is a reporting year, shares are
  0–100, levels are not negative, texts fit their column and carry no control characters; the
  indicator belongs to a plan of the park in force that year; the park's reporting period for that
  year is open.
- **soft** (``warnings``): the value is unusual against the approved history (a large change on last
  year, outside the range seen); it may be submitted once a note explains it.
- **commentary**: 进展说明, 原因分析 and 下一步措施 follow the rules of notes; a value that would be behind
  its plan (``lagging_statuses``) needs a 原因分析 before it is submitted or imported.

Every item names its ``field`` (and, in a batch, its ``row``) and carries a translated message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import error_item
from core.formatting import decimal_str
from core.numbers import number_errors
from core.text import text_errors
from entry.models import ReportingPeriod
from indicators.formulas import formula_graph, parts_asked
from indicators.models import VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS, YEAR_MIN, Indicator, Observation, Unit
from indicators.units import factor_between
from parks.models import Park
from parks.selectors import ParkTree
from plans.models import PlanIndicator
from progress.selectors import actuals_with, park_scope, progress_inputs
from progress.services import progress_compute

DEFAULT_YOY_THRESHOLD = Decimal("0.3")
NON_NEGATIVE_MEASURES = ("level", "share", "cumulative_flow", "intensity")
MIN_HISTORY_FOR_RANGE = 3
# What the API accepts and the history keeps, for every door.
NOTE_MAX_LENGTH = 5000
COMMENT_MAX_LENGTH = 5000  # review comments and revision reasons
SOURCE_MAX_LENGTH = Observation._meta.get_field("source").max_length
# Statuses that call for a 原因分析 before the value is submitted (or imported), mildest first.
BEHIND_STATUSES = ("lagging", "severely_lagging", "regressing")


@dataclass
class Check:
    errors: list[dict] = field(default_factory=list)  # hard: block saving
    warnings: list[dict] = field(default_factory=list)  # soft: need a note before submission


def formula_errors(indicator: Indicator) -> list[dict]:
    """The refusal of typing (or clearing) a value of a formula indicator: it is computed from its parts
    (``indicators.services.formulas_recompute``), at every door."""
    if not indicator.formula.strip():
        return []
    message = _("数值不能填写：“%(name)s”是计算指标（%(formula)s），由组成指标自动计算，请填写组成指标")
    return [
        error_item("value", message % {"name": indicator.name_zh, "formula": indicator.formula.strip()})
        | {"code": "computed"}
    ]


def value_errors(
    *, indicator: Indicator, year: int, value: Decimal, this_year: int | None = None
) -> list[dict]:
    """The hard rules of one value that need nothing but the value itself."""
    computed = formula_errors(indicator)
    if computed:
        return computed
    this_year = this_year if this_year is not None else timezone.localdate().year
    errors = []
    if not YEAR_MIN <= year <= this_year:
        errors.append(
            error_item(
                "year",
                _("年份 %(year)s 不在可填报范围（%(min)s–%(max)s）")
                % {"year": year, "min": YEAR_MIN, "max": this_year},
            )
        )
    fits = number_errors(
        value,
        field="value",
        label=_("数值"),
        max_digits=VALUE_MAX_DIGITS,
        decimal_places=VALUE_DECIMAL_PLACES,
    )
    if fits:
        return errors + fits
    if value < 0 and indicator.measure in NON_NEGATIVE_MEASURES:
        errors.append(error_item("value", _("“%(name)s”不能为负数") % {"name": indicator.name_zh}))
    if indicator.measure == "share" and value > 100:
        errors.append(
            error_item("value", _("比重不能超过 100%%（填写的是 %(value)s）") % {"value": decimal_str(value)})
        )
    return errors


def entry_text_errors(*, note: str | None = None, source: str | None = None) -> list[dict]:
    """Length and characters of a value's note and source."""
    return [
        *text_errors(note, field="note", label=_("备注"), max_length=NOTE_MAX_LENGTH),
        *text_errors(source, field="source", label=_("来源"), max_length=SOURCE_MAX_LENGTH),
    ]


def commentary_labels() -> dict[str, str]:
    """The commentary's fields and their labels, in the order they are printed."""
    return {"progress": _("进展说明"), "reasons": _("原因分析"), "measures": _("下一步措施")}


def commentary_errors(**texts: str | None) -> list[dict]:
    """Length and characters of a value's commentary (进展说明, 原因分析, 下一步措施): the rule of notes."""
    labels = commentary_labels()
    return [
        item
        for name, text in texts.items()
        for item in text_errors(text, field=name, label=labels[name], max_length=NOTE_MAX_LENGTH)
    ]


def lagging_statuses(items: Sequence[tuple[int, Indicator, int, Decimal]]) -> dict[tuple[int, int, int], str]:
    """(park id, indicator id, year) → the worst status the value would get once approved, for the values
    that would be behind (滞后, 严重滞后, 倒退) in a plan of the park; the others are left out.

    The engine judges the park's approved values with these values counted instead of what is approved
    for those years (``progress.selectors.progress_inputs``, then ``progress.services.progress_compute``):
    a fixed number of queries however many values are asked about. A zone's value is judged on the rows
    its park's plans set for the zone; its share of its park's total is not.
    """
    if not items:
        return {}
    park_ids = {park_id for park_id, _i, _y, _v in items}
    by_key = {(park_id, indicator.pk): indicator for park_id, indicator, _y, _v in items}
    rows = PlanIndicator.objects.filter(
        Q(park_id__in=park_ids)
        | Q(park__isnull=True, plan__park_id__in=park_ids)
        | Q(applies_to=PlanIndicator.AppliesTo.MEMBERS, plan__members__park_id__in=park_ids),
        indicator_id__in={indicator.pk for _p, indicator, _y, _v in items},
    ).select_related("unit", "plan")
    units = Unit.objects.in_bulk({indicator.unit_id for indicator in by_key.values()})
    series: dict[tuple[int, int], list[tuple[int, Decimal]]] = {}
    for pi in rows:
        if pi.applies_to == PlanIndicator.AppliesTo.MEMBERS:  # a group plan's row: each member's value
            keys = [key for key in by_key if key[1] == pi.indicator_id]
        else:
            keys = [(pi.park_id or pi.plan.park_id, pi.indicator_id)]
        for key in keys:
            indicator = by_key.get(key)
            unit = units[indicator.unit_id] if indicator is not None else None
            if unit is None or pi.unit.dimension != unit.dimension:
                continue
            series.setdefault(key, []).append((pi.pk, factor_between(unit, pi.unit)))
    if not series:
        return {}
    inputs = progress_inputs(park_ids=park_scope(park_ids))
    values = pd.DataFrame.from_records(
        [(park_id, indicator.pk, year, float(value)) for park_id, indicator, year, value in items],
        columns=["park_id", "indicator_id", "year", "value"],
    )
    inputs.actuals = actuals_with(inputs, values)
    result = progress_compute(inputs)
    # Every series of the value's park and indicator (a plan indicator may be judged as several series).
    indicators = inputs.items[["plan_indicator_id", "indicator_id"]].drop_duplicates("plan_indicator_id")
    behind = result.loc[
        result["status"].isin(BEHIND_STATUSES), ["park_id", "plan_indicator_id", "year", "status"]
    ]
    behind = behind.merge(indicators, on="plan_indicator_id")
    asked = {(park_id, indicator.pk, year) for park_id, indicator, year, _value in items}
    found: dict[tuple[int, int, int], str] = {}
    for park_id, indicator_id, year, status in behind[
        ["park_id", "indicator_id", "year", "status"]
    ].itertuples(index=False):
        where = (int(park_id), int(indicator_id), int(year))
        if where not in asked:
            continue
        previous = found.get(where)
        if previous is None or BEHIND_STATUSES.index(status) > BEHIND_STATUSES.index(previous):
            found[where] = status
    return found


def comment_errors(text: str | None, *, field: str, label: str, required_message: str) -> list[dict]:
    """A review comment or revision reason: required, sized and printable."""
    if not (text or "").strip():
        return [error_item(field, required_message)]
    return text_errors(text, field=field, label=label, max_length=COMMENT_MAX_LENGTH)


def _soft_rules(
    check: Check,
    indicator: Indicator,
    value: Decimal,
    previous: Decimal | None,
    low: Decimal | None,
    high: Decimal | None,
    n: int,
) -> None:
    """Warnings from the approved history: the previous year's value, and the range of other years."""
    threshold = indicator.yoy_warning_threshold or DEFAULT_YOY_THRESHOLD
    if previous is not None and previous != 0:
        change = (value - previous) / abs(previous)
        if abs(change) > threshold:
            check.warnings.append(
                {
                    "field": "value",
                    "message": _(
                        "与上年（%(previous)s）相比变动 %(change)s%%，"
                        "超过提醒阈值 %(threshold)s%%，请在备注中说明原因"
                    )
                    % {
                        "previous": decimal_str(previous),
                        "change": round(change * 100, 1),
                        "threshold": round(threshold * 100),
                    },
                }
            )
    # The range seen in history, widened by the same threshold: a series that grows steadily sets a
    # new high every year, and that alone is no reason to ask for an explanation.
    if n >= MIN_HISTORY_FOR_RANGE and not low - threshold * abs(low) <= value <= high + threshold * abs(high):
        check.warnings.append(
            {
                "field": "value",
                "message": _("超出历史数值范围（%(low)s–%(high)s），请在备注中说明原因")
                % {"low": decimal_str(low), "high": decimal_str(high)},
            }
        )


def observation_check_many(*, items: Sequence[tuple[int, Indicator, int, Decimal]]) -> list[Check]:
    """Hard errors and soft warnings of many (park id, indicator, year, value), in one query.

    The data sheet uses it to show every row's errors and warnings; the services use it before a
    submission. (The rules that need the park's plans and periods are ``EntryScope``'s.)
    """
    this_year = timezone.localdate().year
    approved: dict[tuple[int, int], dict[int, Decimal]] = {}
    if items:
        rows = Observation.objects.filter(
            park_id__in={park_id for park_id, _i, _y, _v in items},
            indicator_id__in={indicator.pk for _p, indicator, _y, _v in items},
            status=Observation.Status.APPROVED,
        ).values_list("park_id", "indicator_id", "year", "value")
        for park_id, indicator_id, obs_year, value in rows:
            approved.setdefault((park_id, indicator_id), {})[obs_year] = value
    checks = []
    for park_id, indicator, year, value in items:
        check = Check(errors=value_errors(indicator=indicator, year=year, value=value, this_year=this_year))
        if not check.errors:
            by_year = approved.get((park_id, indicator.pk), {})
            others = [v for y, v in by_year.items() if y != year]
            _soft_rules(
                check,
                indicator,
                value,
                by_year.get(year - 1),
                min(others) if others else None,
                max(others) if others else None,
                len(others),
            )
        checks.append(check)
    return checks


def observation_check(*, park: Park, indicator: Indicator, year: int, value: Decimal) -> Check:
    """``observation_check_many`` for one value."""
    return observation_check_many(items=[(park.pk, indicator, year, value)])[0]


@dataclass
class EntryScope:
    """What the park-dependent rules need about a batch, loaded in two queries: the closed reporting
    periods, and the plan indicators in force, of the parks written and the parks above them."""

    tree: ParkTree
    closed: set[tuple[int, int]]  # (park id, year) of closed periods
    # (value park id, indicator id) → [(base year, end year, plan name)] of the plans that ask for it
    plans: dict[tuple[int, int], list[tuple[int, int, str]]]
    park_names: dict[int, str]

    def closed_errors(self, *, park_id: int, year: int) -> list[dict]:
        """The refusal of any write to a year whose reporting period (the park's or a park above it)
        is closed."""
        closed = next((pk for pk in self.tree.ancestors_and_self(park_id) if (pk, year) in self.closed), None)
        if closed is None:
            return []
        message = _("“%(park)s”%(year)s 年的填报期已关闭，不能再修改；如需修改请联系管理员重新开放")
        return [
            error_item("year", message % {"park": self.park_names.get(closed, closed), "year": year})
            | {"code": "period_closed"}
        ]

    def errors(self, *, park_id: int, indicator: Indicator, year: int) -> list[dict]:
        """Closed periods, then: a plan in force for the park that year asks for the indicator."""
        closed = self.closed_errors(park_id=park_id, year=year)
        if closed:
            return closed
        spans = self.plans.get((park_id, indicator.pk), [])
        if not spans:
            return [
                error_item(
                    "indicator",
                    _("“%(indicator)s”不在“%(park)s”的任何规划中，不能填报")
                    % {"indicator": indicator.name_zh, "park": self.park_names.get(park_id, park_id)},
                )
            ]
        if not any(base <= year <= end for base, end, _name in spans):
            periods = "、".join(sorted({f"{name}（{base}–{end}）" for base, end, name in spans}))
            return [
                error_item(
                    "year",
                    _("%(year)s 年不在含有“%(indicator)s”的规划期内：%(plans)s")
                    % {"year": year, "indicator": indicator.name_zh, "plans": periods},
                )
            ]
        return []


def entry_scope(*, tree: ParkTree, keys: Iterable[tuple[int, int, int]]) -> EntryScope:
    """The ``EntryScope`` of (park id, indicator id, year) keys, in two queries.

    A plan asks a park for an indicator when the plan indicator names that park as the zone the value
    belongs to, or names no zone and the plan belongs to the park or a park above it (a zone's values
    of its park's additive indicators roll up into the park's figures)."""
    keys = list(keys)
    park_ids = {park_id for park_id, _i, _y in keys}
    above = tree.ancestors_and_self_of_many(park_ids)
    years = {year for _p, _i, year in keys}
    closed: set[tuple[int, int]] = set()
    plans: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    names: dict[int, str] = {}
    if keys:
        closed = set(
            ReportingPeriod.objects.filter(park_id__in=above, year__in=years, is_open=False).values_list(
                "park_id", "year"
            )
        )
        # A plan that asks for a formula indicator asks for its parts (they are what staff type).
        wanted = {indicator_id for _p, indicator_id, _y in keys}
        asked = parts_asked(wanted, formula_graph()[1])
        for_formula: dict[int, set[int]] = {}
        for part, formulas in asked.items():
            for formula in formulas:
                for_formula.setdefault(formula, set()).add(part)
        rows = PlanIndicator.objects.filter(
            Q(park_id__in=park_ids) | Q(park__isnull=True, plan__park_id__in=above),
            indicator_id__in=wanted | set(for_formula),
        ).values_list(
            "indicator_id", "park_id", "plan__park_id", "plan__base_year", "plan__end_year", "plan__name"
        )
        for indicator_id, zone_id, plan_park_id, base, end, plan_name in rows:
            owners = (
                [zone_id] if zone_id else [p for p in park_ids if plan_park_id in tree.ancestors_and_self(p)]
            )
            for owner in owners:
                for asked_id in ({indicator_id} & wanted) | for_formula.get(indicator_id, set()):
                    span = (base, end, plan_name)
                    if span not in plans.setdefault((owner, asked_id), []):
                        plans[(owner, asked_id)].append(span)
        names = dict(Park.objects.filter(pk__in=above).values_list("pk", "name_zh"))
    return EntryScope(tree=tree, closed=closed, plans=plans, park_names=names)
