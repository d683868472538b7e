"""The plan audit: what in a plan's own numbers a planner should look at again.

One module, used by every door: the plan page's panel, ``GET /api/v1/plans/<code>/audit/``, the
``plan_audit`` command, plan set-up and the plan-table upload (which show the findings as warnings;
none refuses anything: what set-up must refuse, it refuses itself) and the seed loader.

``audit_plan(plan)`` returns the findings, each with a severity, the rows concerned (the plan's own
order numbers), the years and the reason (Chinese, translated). The rules:

- ``unit_not_convertible`` (error): the row's printed unit cannot be converted into its indicator's
  unit (亿元 for an indicator kept in 亿美元), so its targets cannot meet its actuals;
- ``share_out_of_range`` (error): a share (比重) targeted below 0 % or above 100 %;
- ``path_against_direction`` (warning): a yearly path that falls from one year to the next for an
  indicator where higher is better (rises where lower is better; a cumulative total that falls,
  whatever the direction), or a growth-worded target that goes the wrong way (下降 of a
  higher-is-better indicator);
- ``path_behind_base`` (warning): the first target is already behind the base year's approved actual
  (below it where higher is better);
- ``growth_out_of_band`` (notice): the yearly growth a target requires from the base year's actual,
  or states (年均增长, 翻番, 下降), is outside the plausible band of ``settings.PLAN_AUDIT``;
- ``parts_do_not_add_up`` (warning): parts recorded as making up a whole (``PlanComposition``, kind
  ``sum``) whose targets do not add up to the whole's, beyond the tolerance;
- ``part_above_whole`` (warning): a part (``within``, or a catalogue sub-indicator printed in the same
  plan) targeted above its whole, or parts of a ``within`` whose sum is above it;
- ``statement_disagrees`` (warning): a number the plan's text states (``PlanStatement``) that is not
  the table's, after unit conversion and at the precision the text prints it with.

Only approved actuals are read (the approved value in force), so the findings are the same for every
reader. A plan is read in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.formatting import decimal_str
from indicators.models import Indicator, Observation, Unit
from indicators.selectors import counted_value
from indicators.units import factor_between
from plans.models import Plan, PlanComposition, PlanIndicator, PlanStatement, Target
from plans.selectors import version_in_force

ERROR, WARNING, NOTICE = "error", "warning", "notice"
SEVERITIES = {
    ERROR: gettext_lazy("错误"),
    WARNING: gettext_lazy("警示"),
    NOTICE: gettext_lazy("提示"),
}
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTICE: 2}

UNIT_NOT_CONVERTIBLE = "unit_not_convertible"
SHARE_OUT_OF_RANGE = "share_out_of_range"
PATH_AGAINST_DIRECTION = "path_against_direction"
PATH_BEHIND_BASE = "path_behind_base"
GROWTH_OUT_OF_BAND = "growth_out_of_band"
PARTS_DO_NOT_ADD_UP = "parts_do_not_add_up"
PART_ABOVE_WHOLE = "part_above_whole"
STATEMENT_DISAGREES = "statement_disagrees"
RULES = (
    UNIT_NOT_CONVERTIBLE,
    SHARE_OUT_OF_RANGE,
    PATH_AGAINST_DIRECTION,
    PATH_BEHIND_BASE,
    GROWTH_OUT_OF_BAND,
    PARTS_DO_NOT_ADD_UP,
    PART_ABOVE_WHOLE,
    STATEMENT_DISAGREES,
)

M = Indicator.Measure
# Target kinds whose value is the level itself, in the row's unit.
LEVEL_KINDS = frozenset({Target.Kind.LEVEL, Target.Kind.AT_LEAST, Target.Kind.AT_MOST})
# Measures whose yearly targets are a path that should move the indicator's way.
PATH_MEASURES = frozenset({M.LEVEL, M.SHARE, M.CUMULATIVE_FLOW, M.INTENSITY})
# Measures whose first target can be compared with the base year's actual.
BASE_MEASURES = frozenset({M.LEVEL, M.SHARE, M.INTENSITY})
# Measures whose level targets imply a yearly growth from the base year's actual.
GROWTH_MEASURES = frozenset({M.LEVEL, M.INTENSITY})
# Measures whose parts add up to a whole (a zone's share or intensity does not).
ADDITIVE_MEASURES = frozenset({M.LEVEL, M.ANNUAL_FLOW, M.CUMULATIVE_FLOW})

DEFAULTS = {
    # Parts may differ from their whole by this fraction of the whole (targets are rounded numbers).
    "SUM_TOLERANCE": "0.01",
    # Plausible yearly growth a target may require or state: from a 10 % decline to a 50 % rise a year.
    "GROWTH_MIN": "-0.10",
    "GROWTH_MAX": "0.50",
}


@dataclass(frozen=True)
class AuditSettings:
    sum_tolerance: Decimal
    growth_min: Decimal
    growth_max: Decimal


def audit_settings() -> AuditSettings:
    """``settings.PLAN_AUDIT`` over the defaults (numbers as strings or Decimals)."""
    values = {**DEFAULTS, **getattr(settings, "PLAN_AUDIT", {})}
    return AuditSettings(
        sum_tolerance=Decimal(str(values["SUM_TOLERANCE"])),
        growth_min=Decimal(str(values["GROWTH_MIN"])),
        growth_max=Decimal(str(values["GROWTH_MAX"])),
    )


@dataclass
class Finding:
    """One thing to look at again: the rule, its severity, the rows (printed order numbers) and their
    ids, the years, the reason in the active language, and the figures behind it as text."""

    rule: str
    severity: str
    rows: tuple[int, ...]
    plan_indicator_ids: tuple[int, ...]
    names: tuple[str, ...]
    years: tuple[int, ...]
    reason: str
    details: dict[str, str] = field(default_factory=dict)

    @property
    def severity_display(self) -> str:
        return str(SEVERITIES[self.severity])

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "severity_display": self.severity_display,
            "rows": list(self.rows),
            "names": list(self.names),
            "years": list(self.years),
            "reason": self.reason,
            "details": dict(self.details),
        }


@dataclass
class StatementCheck:
    """A text statement beside the table's figure for the same row and year (None: the table has none),
    both in the statement's unit where they convert."""

    statement: PlanStatement
    table_value: Decimal | None
    table_unit: Unit | None
    table_source: str
    convertible: bool
    agrees: bool | None


def _n(value: Decimal | None) -> str:
    return decimal_str(value) if value is not None else "—"


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _factor(from_unit: Unit, to_unit: Unit) -> Decimal | None:
    if from_unit.dimension != to_unit.dimension:
        return None
    return factor_between(from_unit, to_unit)


def _mul(value: Decimal, factor: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return value * factor


def _growth(ratio: Decimal, years: int) -> Decimal | None:
    """The yearly growth that turns 1 into ``ratio`` in ``years`` years (None when undefined)."""
    if ratio <= 0 or years <= 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        return (ratio.ln() / years).exp() - 1


class _Plan:
    """A plan read once: its rows with their targets, the approved actuals the rules need."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.rows: list[PlanIndicator] = list(
            plan.plan_indicators.select_related("indicator__unit", "unit", "park")
            .prefetch_related("targets__revisions")
            .order_by("order")
        )
        self.by_id = {pi.pk: pi for pi in self.rows}
        self.compositions = list(
            PlanComposition.objects.filter(whole__plan=plan).prefetch_related("parts").order_by("pk")
        )
        self.statements = list(
            PlanStatement.objects.filter(plan_indicator__plan=plan)
            .select_related("unit")
            .order_by("plan_indicator__order", "year", "kind", "pk")
        )
        years = {plan.base_year} | {s.year for s in self.statements if s.kind == PlanStatement.Kind.ACTUAL}
        self.actuals: dict[tuple[int, int, int], tuple[Decimal, str]] = {}
        if self.rows:
            for obs in Observation.objects.filter(
                park_id__in={self.park_id(pi) for pi in self.rows},
                indicator_id__in={pi.indicator_id for pi in self.rows},
                year__in=years,
            ).only("park_id", "indicator_id", "year", "value", "status", "previous_approved_value", "source"):
                value = counted_value(obs)
                if value is not None:
                    source = obs.source if obs.status == Observation.Status.APPROVED else ""
                    self.actuals[(obs.park_id, obs.indicator_id, obs.year)] = (value, source)

    def park_id(self, pi: PlanIndicator) -> int:
        return pi.park_id or self.plan.park_id

    def convertible(self, pi: PlanIndicator) -> bool:
        return pi.unit.dimension == pi.indicator.unit.dimension

    def targets(self, pi: PlanIndicator) -> list[Target]:
        """The row's targets by year, each as the version that judges its own year (规划调整: a revised
        target is checked as revised, so a park target decomposed to its zones must add up as revised)."""
        found = []
        for target in sorted(pi.targets.all(), key=lambda t: t.year):
            version = version_in_force(target, list(target.revisions.all()), target.year)
            if not version.is_original:
                target = Target(
                    pk=target.pk,
                    plan_indicator=pi,
                    year=target.year,
                    kind=version.kind,
                    value=version.value,
                    wording=version.wording,
                    source=target.source,
                )
            found.append(target)
        return found

    def levels(self, pi: PlanIndicator) -> dict[int, Decimal]:
        """The row's targets that are levels, by year, in the row's unit."""
        return {t.year: t.value for t in self.targets(pi) if t.kind in LEVEL_KINDS and t.value is not None}

    def actual(self, pi: PlanIndicator, year: int) -> tuple[Decimal, str] | None:
        """The approved actual of the row's park and indicator in ``year``, in the row's unit."""
        found = self.actuals.get((self.park_id(pi), pi.indicator_id, year))
        if found is None or not self.convertible(pi):
            return None
        return _mul(found[0], factor_between(pi.indicator.unit, pi.unit)), found[1]


def _finding(rule, severity, rows: list[PlanIndicator], years, reason, **details) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        rows=tuple(pi.order for pi in rows),
        plan_indicator_ids=tuple(pi.pk for pi in rows),
        names=tuple(pi.name_printed for pi in rows),
        years=tuple(sorted(set(years))),
        reason=reason,
        details={k: str(v) for k, v in details.items()},
    )


def _label(pi: PlanIndicator) -> str:
    return _("第 %(order)s 项“%(name)s”") % {"order": pi.order, "name": pi.name_printed}


# --------------------------------------------------------------------------------------------- rules


def _unit_rule(data: _Plan) -> list[Finding]:
    return [
        _finding(
            UNIT_NOT_CONVERTIBLE,
            ERROR,
            [pi],
            [t.year for t in data.targets(pi)],
            _(
                "%(row)s：原文单位“%(unit)s”无法换算为指标“%(indicator)s”的单位“%(target)s”，其目标无法与实际值比较"
            )
            % {
                "row": _label(pi),
                "unit": pi.unit.symbol,
                "indicator": pi.indicator.name_zh,
                "target": pi.indicator.unit.symbol,
            },
            unit=pi.unit.symbol,
            indicator_unit=pi.indicator.unit.symbol,
        )
        for pi in data.rows
        if not data.convertible(pi)
    ]


def _share_rule(data: _Plan) -> list[Finding]:
    found = []
    for pi in data.rows:
        if pi.indicator.measure != M.SHARE or pi.unit.dimension != "percent":
            continue
        to_percent = pi.unit.factor  # the percent dimension's base unit is %
        cells = []
        base = data.actual(pi, data.plan.base_year)
        for target in data.targets(pi):
            if target.kind in LEVEL_KINDS and target.value is not None:
                value = _mul(target.value, to_percent)
            elif target.kind == Target.Kind.PP_CHANGE and target.value is not None and base is not None:
                value = _mul(base[0], to_percent) + target.value
            else:
                continue
            if not Decimal(0) <= value <= Decimal(100):
                cells.append((target.year, value))
        if cells:
            found.append(
                _finding(
                    SHARE_OUT_OF_RANGE,
                    ERROR,
                    [pi],
                    [y for y, _v in cells],
                    _("%(row)s 是比重，目标应在 0%%–100%% 之间：%(cells)s")
                    % {
                        "row": _label(pi),
                        "cells": "；".join(
                            _("%(year)s 年 %(value)s%%") % {"year": y, "value": _n(v)} for y, v in cells
                        ),
                    },
                )
            )
    return found


def _direction_words(direction: int) -> str:
    if direction == Indicator.Direction.HIGHER_IS_BETTER:
        return _("越高越好")
    return _("越低越好")


def _path_rule(data: _Plan) -> list[Finding]:
    found = []
    for pi in data.rows:
        indicator = pi.indicator
        sign = indicator.direction
        steps = []
        cumulative = indicator.measure == M.CUMULATIVE_FLOW
        if indicator.measure in PATH_MEASURES:
            levels = sorted(data.levels(pi).items())
            for (y1, v1), (y2, v2) in zip(levels, levels[1:], strict=False):
                # A plan-to-date total never falls, whatever the direction; other paths go the indicator's.
                if (v2 < v1) if cumulative else sign * (v2 - v1) < 0:
                    word = _("低于") if v2 < v1 else _("高于")
                    steps.append(
                        (
                            y2,
                            _("%(y2)s 年目标 %(v2)s %(word)s %(y1)s 年的 %(v1)s")
                            % {"y1": y1, "v1": _n(v1), "y2": y2, "v2": _n(v2), "word": word},
                        )
                    )
        for target in data.targets(pi):
            value = target.value
            if value is None or indicator.measure == M.RATE:
                continue
            change = {
                Target.Kind.CAGR: value,
                Target.Kind.PP_CHANGE: value,
                Target.Kind.MULTIPLE: value - 1,
                Target.Kind.REDUCTION: -value,
            }.get(target.kind)
            if change is not None and sign * change < 0:
                steps.append(
                    (
                        target.year,
                        _("%(year)s 年目标“%(text)s”使指标朝不利方向变化")
                        % {"year": target.year, "text": target.wording or target.get_kind_display()},
                    )
                )
        if steps:
            reason = (
                _("%(row)s：%(steps)s，而累计数只增不减")
                if cumulative
                else _("%(row)s：%(steps)s，与指标方向（%(direction)s）相反")
            )
            values = {
                "row": _label(pi),
                "steps": "；".join(t for _y, t in steps),
                "direction": _direction_words(sign),
            }
            found.append(
                _finding(PATH_AGAINST_DIRECTION, WARNING, [pi], [y for y, _t in steps], reason % values)
            )
    return found


def _base_rule(data: _Plan) -> list[Finding]:
    found = []
    base_year = data.plan.base_year
    for pi in data.rows:
        if pi.indicator.measure not in BASE_MEASURES:
            continue
        levels = sorted((y, v) for y, v in data.levels(pi).items() if y > base_year)
        base = data.actual(pi, base_year)
        if not levels or base is None:
            continue
        year, target = levels[0]
        sign = pi.indicator.direction
        if sign * (target - base[0]) >= 0:
            continue
        found.append(
            _finding(
                PATH_BEHIND_BASE,
                WARNING,
                [pi],
                [year],
                _(
                    "%(row)s：%(year)s 年目标 %(target)s %(unit)s，%(word)s基期 %(base_year)s 年实际值 "
                    "%(base)s %(unit)s，目标路径的起点落后于基数（指标%(direction)s）"
                )
                % {
                    "row": _label(pi),
                    "year": year,
                    "target": _n(target),
                    "unit": pi.unit.symbol,
                    "word": _("低于") if target < base[0] else _("高于"),
                    "base_year": base_year,
                    "base": _n(base[0]),
                    "direction": _direction_words(sign),
                },
                target=_n(target),
                base=_n(base[0]),
                base_year=base_year,
                base_source=base[1],
            )
        )
    return found


def _growth_rule(data: _Plan, config: AuditSettings) -> list[Finding]:
    found = []
    base_year = data.plan.base_year
    for pi in data.rows:
        measure = pi.indicator.measure
        base = data.actual(pi, base_year)
        cells = []
        for target in data.targets(pi):
            value, years = target.value, target.year - base_year
            if value is None or years <= 0:
                continue
            rate, how = None, ""
            if target.kind in LEVEL_KINDS:
                if measure == M.RATE and pi.unit.dimension == "percent":
                    rate = value / 100
                    how = _("目标即年均增长")
                elif measure in GROWTH_MEASURES and base is not None and base[0] > 0:
                    rate = _growth(value / base[0], years)
                    how = _("%(base_year)s 年实际值 %(base)s → %(target)s %(unit)s") % {
                        "base_year": base_year,
                        "base": _n(base[0]),
                        "target": _n(value),
                        "unit": pi.unit.symbol,
                    }
            elif measure not in (M.SHARE, M.RATE):
                if target.kind == Target.Kind.CAGR:
                    rate, how = value, target.wording or _("年均增长")
                elif target.kind == Target.Kind.MULTIPLE:
                    rate, how = _growth(value, years), target.wording or _("倍数")
                elif target.kind == Target.Kind.REDUCTION:
                    rate, how = _growth(1 - value, years), target.wording or _("下降")
            if rate is not None:
                rate = rate.quantize(
                    Decimal("0.000001"), rounding=ROUND_HALF_UP
                )  # 1.5³ is 50 %, not 50.0…1 %
            if rate is not None and not config.growth_min <= rate <= config.growth_max:
                cells.append((target.year, rate, how))
        if cells:
            found.append(
                _finding(
                    GROWTH_OUT_OF_BAND,
                    NOTICE,
                    [pi],
                    [y for y, _r, _h in cells],
                    _("%(row)s：所需年均增长超出合理范围（%(low)s 至 %(high)s）：%(cells)s")
                    % {
                        "row": _label(pi),
                        "low": _pct(config.growth_min),
                        "high": _pct(config.growth_max),
                        "cells": "；".join(
                            _("%(year)s 年 %(rate)s（%(how)s）") % {"year": y, "rate": _pct(r), "how": h}
                            for y, r, h in cells
                        ),
                    },
                    **{f"growth_{y}": _pct(r) for y, r, _h in cells},
                )
            )
    return found


def _composition_pairs(data: _Plan) -> list[tuple[str, str, str, PlanIndicator, list[PlanIndicator]]]:
    """Every (kind, label, source, whole, parts) to check: the recorded compositions, then each
    catalogue sub-indicator printed in the plan with its parent, for the same park, not yet covered."""
    pairs = []
    covered = set()
    for composition in data.compositions:
        whole = data.by_id.get(composition.whole_id)
        parts = [data.by_id[p.pk] for p in composition.parts.all() if p.pk in data.by_id]
        if whole is None or not parts:
            continue
        pairs.append((composition.kind, composition.label, composition.source, whole, parts))
        covered |= {(whole.pk, p.pk) for p in parts}
    rows_by_indicator = defaultdict(list)
    for pi in data.rows:
        rows_by_indicator[(pi.indicator_id, pi.park_id)].append(pi)
    for pi in data.rows:
        parent_id = pi.indicator.parent_id
        if parent_id is None:
            continue
        for whole in rows_by_indicator.get((parent_id, pi.park_id), []):
            if (whole.pk, pi.pk) in covered:
                continue
            if {whole.indicator.measure, pi.indicator.measure} <= ADDITIVE_MEASURES:
                pairs.append((PlanComposition.Kind.WITHIN, "", "", whole, [pi]))
    return pairs


def _composition_rule(data: _Plan, config: AuditSettings) -> list[Finding]:
    found = []
    tolerance = config.sum_tolerance
    for kind, label, source, whole, parts in _composition_pairs(data):
        factors = [_factor(p.unit, whole.unit) for p in parts]
        if any(f is None for f in factors):
            continue  # a part in another currency or dimension: nothing to add up
        whole_levels = data.levels(whole)
        part_levels = [data.levels(p) for p in parts]
        name = label or whole.name_printed
        for year, total in sorted(whole_levels.items()):
            present = [
                (p, _mul(levels[year], f))
                for p, levels, f in zip(parts, part_levels, factors, strict=True)
                if year in levels
            ]
            if not present:
                continue
            summed = sum((v for _p, v in present), Decimal(0))
            allowed = abs(total) * tolerance
            terms = " + ".join(_n(v) for _p, v in present)
            values = {
                "label": name,
                "year": year,
                "sum": _n(summed),
                "terms": terms,
                "whole": _n(total),
                "whole_name": whole.name_printed,
                "unit": whole.unit.symbol,
                "diff": _n(summed - total),
                "tolerance": _pct(tolerance),
            }
            rows = [whole, *(p for p, _v in present)]
            if kind == PlanComposition.Kind.SUM:
                complete = len(present) == len(parts)
                if (complete and abs(summed - total) > allowed) or (
                    not complete and summed > total + allowed
                ):
                    reason = (
                        _(
                            "%(label)s：%(year)s 年各部分目标之和 %(sum)s %(unit)s（%(terms)s）"
                            "与“%(whole_name)s”的目标 %(whole)s %(unit)s 相差 %(diff)s，"
                            "超出容差 %(tolerance)s"
                        )
                        if complete
                        else _(
                            "%(label)s：%(year)s 年已有目标的部分之和 %(sum)s %(unit)s（%(terms)s）已超过"
                            "“%(whole_name)s”的目标 %(whole)s %(unit)s"
                        )
                    )
                    found.append(
                        _finding(
                            PARTS_DO_NOT_ADD_UP,
                            WARNING,
                            rows,
                            [year],
                            reason % values,
                            sum=_n(summed),
                            whole=_n(total),
                            source=source,
                        )
                    )
                continue
            above = [(p, v) for p, v in present if v > total]
            for part, value in above:
                found.append(
                    _finding(
                        PART_ABOVE_WHOLE,
                        WARNING,
                        [whole, part],
                        [year],
                        _(
                            "%(part)s 的 %(year)s 年目标 %(value)s %(unit)s 高于其所属的“%(whole_name)s”的 "
                            "%(whole)s %(unit)s"
                        )
                        % {**values, "part": _label(part), "value": _n(value)},
                        part=_n(value),
                        whole=_n(total),
                    )
                )
            if not above and len(present) > 1 and summed > total + allowed:
                found.append(
                    _finding(
                        PART_ABOVE_WHOLE,
                        WARNING,
                        rows,
                        [year],
                        _(
                            "%(label)s：%(year)s 年各部分目标之和 %(sum)s %(unit)s（%(terms)s）高于"
                            "“%(whole_name)s”的目标 %(whole)s %(unit)s"
                        )
                        % values,
                        sum=_n(summed),
                        whole=_n(total),
                        source=source,
                    )
                )
    return found


def _printed_places(value: Decimal) -> int:
    """Decimal places the text prints: 5.7 → 1, 13 → 0, 0.06 → 2 (680 stays 0, never tens)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _statement_checks(data: _Plan) -> list[StatementCheck]:
    checks = []
    for statement in data.statements:
        pi = data.by_id.get(statement.plan_indicator_id)
        if pi is None:
            continue
        if statement.kind == PlanStatement.Kind.TARGET:
            target = next((t for t in data.targets(pi) if t.year == statement.year), None)
            level = target is not None and target.kind in LEVEL_KINDS and target.value is not None
            value, unit, source = (target.value, pi.unit, target.source) if level else (None, None, "")
        else:
            found = data.actuals.get((data.park_id(pi), pi.indicator_id, statement.year))
            value, unit, source = (found[0], pi.indicator.unit, found[1]) if found else (None, None, "")
            if found and data.convertible(pi):  # shown in the unit the plan prints
                value, unit = _mul(found[0], factor_between(pi.indicator.unit, pi.unit)), pi.unit
        if value is None:
            checks.append(StatementCheck(statement, None, None, "", True, None))
            continue
        factor = _factor(unit, statement.unit)
        if factor is None:
            checks.append(StatementCheck(statement, value, unit, source, False, False))
            continue
        places = _printed_places(statement.value)
        shown = _mul(value, factor).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        checks.append(StatementCheck(statement, value, unit, source, True, shown == statement.value))
    return checks


def _statement_finding(data: _Plan, check: StatementCheck) -> Finding:
    statement = check.statement
    pi = data.by_id[statement.plan_indicator_id]
    values = {
        "row": _label(pi),
        "quote": statement.quote,
        "source": statement.source,
        "year": statement.year,
        "value": _n(statement.value),
        "unit": statement.unit.symbol,
        "table": _n(check.table_value),
        "table_unit": check.table_unit.symbol,
        "table_source": check.table_source or "—",
    }
    if statement.kind == PlanStatement.Kind.TARGET:
        table = _("规划表中 %(year)s 年的目标为 %(table)s %(table_unit)s") % values
    else:
        table = _("已审核的 %(year)s 年实际值（来源：%(table_source)s）为 %(table)s %(table_unit)s") % values
    if not check.convertible:
        reason = _(
            "%(row)s：正文“%(quote)s”（%(source)s）为 %(value)s %(unit)s，%(table_text)s；"
            "“%(unit)s”无法换算为“%(table_unit)s”，两者不一致"
        )
    elif check.table_unit.pk == statement.unit.pk:
        reason = _("%(row)s：正文“%(quote)s”（%(source)s）为 %(value)s %(unit)s，%(table_text)s，两者不一致")
    else:
        values["converted"] = _n(_mul(check.table_value, _factor(check.table_unit, statement.unit)))
        reason = _(
            "%(row)s：正文“%(quote)s”（%(source)s）为 %(value)s %(unit)s，%(table_text)s"
            "（合 %(converted)s %(unit)s），两者不一致"
        )
    values["table_text"] = table
    return _finding(
        STATEMENT_DISAGREES,
        WARNING,
        [pi],
        [statement.year],
        reason % values,
        text=f"{_n(statement.value)} {statement.unit.symbol}",
        table=f"{_n(check.table_value)} {check.table_unit.symbol}",
        quote=statement.quote,
        source=statement.source,
        table_source=check.table_source,
    )


# ------------------------------------------------------------------------------------------ the API


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            _SEVERITY_ORDER[f.severity],
            f.rows[:1] or (0,),
            f.years[:1] or (0,),
            RULES.index(f.rule),
        ),
    )


def audit_plan(plan: Plan) -> list[Finding]:
    """Every finding of the plan, errors first, then by row and year."""
    data = _Plan(plan)
    config = audit_settings()
    findings = [
        *_unit_rule(data),
        *_share_rule(data),
        *_path_rule(data),
        *_base_rule(data),
        *_growth_rule(data, config),
        *_composition_rule(data, config),
        *(_statement_finding(data, c) for c in _statement_checks(data) if c.agrees is False),
    ]
    return _sorted(findings)


def statement_checks(plan: Plan) -> list[StatementCheck]:
    """Every text statement of the plan beside the table's figure, agreeing or not."""
    return _statement_checks(_Plan(plan))


def statement_disagreements(plan: Plan) -> list[Finding]:
    """The plan's text statements that disagree with its table (for footnotes in reports)."""
    data = _Plan(plan)
    return [_statement_finding(data, c) for c in _statement_checks(data) if c.agrees is False]


def findings_by_row(findings: list[Finding]) -> dict[int, list[Finding]]:
    """Plan indicator id → the findings that concern it."""
    by_row: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        for pk in finding.plan_indicator_ids:
            by_row[pk].append(finding)
    return dict(by_row)


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


class _Rollback(Exception):
    pass


def audit_upload_preview(*, user, plan: Plan, payload: dict) -> list[Finding]:
    """The findings the plan would have once an upload preview is confirmed: the preview is loaded
    inside a transaction that is then rolled back (nothing is kept, no recompute is queued)."""
    from plans.setup import plan_table_commit  # the upload's own loader, so the preview is exact

    findings: list[Finding] = []
    try:
        with transaction.atomic():
            plan_table_commit(user=user, plan=plan, payload=payload)
            findings = audit_plan(Plan.objects.get(pk=plan.pk))
            raise _Rollback
    except _Rollback:
        pass
    except DomainError:
        return []  # the confirmation will say what is wrong; the preview has no findings to show
    return findings
