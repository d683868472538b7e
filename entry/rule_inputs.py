"""What the cross-indicator rules read (issue 13): the active rules resolved against the catalogue, and
the values they judge. Queries only; ``entry.rules`` judges, ``entry.services`` (every write) and
``entry.quality`` (the data-quality run) call both.

- ``rule_specs()``: the active rules as ``RuleSpec`` (two queries: the rules, their indicators). A rule
  whose codes are no longer in the catalogue, or whose indicators measure different dimensions, is left
  out (the admin refuses to save such a rule; this guards against later catalogue changes).
- ``current_values``: the values as staff last wrote them, whatever their status (one query): a write
  is judged against what the park has entered so far.
- ``counted_values``: the values that count, approved ones (during a revision, the previously approved
  value), as progress counts them (one query): what the data-quality run judges.
- ``load_rule_fixtures``: ``fixtures/rules.yaml`` into the table, idempotently (registered with the seed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from entry.rules import ParsedTerm, RuleSpec, RuleSyntaxError, Term, parse_side
from indicators.models import Indicator, Observation
from indicators.selectors import IN_FORCE, value_in_force
from indicators.units import factor_between

logger = logging.getLogger(__name__)
S = Observation.Status


def _parsed(rule) -> tuple[list[ParsedTerm], list[ParsedTerm]]:
    return parse_side(rule.left), parse_side(rule.right)


def rule_problems(rule) -> dict[str, list[str]]:
    """Why a ``ValidationRule`` cannot be saved, by field (empty when it can): each side is a sum of
    catalogue codes and zones(code) terms, every indicator measures the dimension of the left side's
    first one, "=" has no tolerance and "≈" has one."""
    problems: dict[str, list[str]] = {}
    sides: dict[str, list[ParsedTerm]] = {}
    for name in ("left", "right"):
        try:
            sides[name] = parse_side(getattr(rule, name))
        except RuleSyntaxError as exc:
            problems.setdefault(name, []).append(
                _("无法识别“%(text)s”：请填写指标代码，用“+”相加，zones(指标代码) 表示各片区之和")
                % {"text": str(exc)}
            )
    if sides:
        codes = {t.code for terms in sides.values() for t in terms}
        found = {i.code: i for i in Indicator.objects.filter(code__in=codes).select_related("unit")}
        for name, terms in sides.items():
            unknown = sorted({t.code for t in terms} - set(found))
            if unknown:
                problems.setdefault(name, []).append(
                    _("指标目录中没有这些代码：%(codes)s") % {"codes": "、".join(unknown)}
                )
        if "left" in sides and not problems:
            first = found[sides["left"][0].code]
            other = sorted(
                {
                    f"{found[t.code].name_zh}（{found[t.code].unit.symbol}）"
                    for terms in sides.values()
                    for t in terms
                    if found[t.code].unit.dimension != first.unit.dimension
                }
            )
            if other:
                problems.setdefault("right", []).append(
                    _("这些指标的单位无法换算为“%(unit)s”：%(names)s")
                    % {"unit": first.unit.symbol, "names": "、".join(other)}
                )
    tolerance = rule.tolerance if rule.tolerance is not None else Decimal(0)
    if rule.op == "eq" and tolerance != 0:
        problems.setdefault("tolerance", []).append(_("“=”表示严格相等，容差须为 0；需要误差请用“≈”"))
    if rule.op == "approx" and tolerance <= 0:
        problems.setdefault("tolerance", []).append(_("“≈”须设置大于 0 的容差"))
    return problems


def _specs(rules: Iterable) -> list[RuleSpec]:
    rules = list(rules)
    parsed = {}
    for rule in rules:
        try:
            parsed[rule.pk] = _parsed(rule)
        except RuleSyntaxError:
            logger.warning("validation rule %s cannot be read; skipped", rule.code)
    codes = {t.code for left, right in parsed.values() for t in (*left, *right)}
    found = (
        {i.code: i for i in Indicator.objects.filter(code__in=codes).select_related("unit")} if codes else {}
    )
    specs = []
    for rule in rules:
        if rule.pk not in parsed:
            continue
        left, right = parsed[rule.pk]
        if any(t.code not in found for t in (*left, *right)):
            logger.warning("validation rule %s names an indicator not in the catalogue; skipped", rule.code)
            continue
        unit = found[left[0].code].unit
        if any(found[t.code].unit.dimension != unit.dimension for t in (*left, *right)):
            logger.warning("validation rule %s mixes dimensions; skipped", rule.code)
            continue

        def terms(side: list[ParsedTerm], unit=unit) -> tuple[Term, ...]:
            return tuple(
                Term(
                    found[t.code].pk, found[t.code].name_zh, factor_between(found[t.code].unit, unit), t.zones
                )
                for t in side
            )

        specs.append(
            RuleSpec(
                id=rule.pk,
                code=rule.code,
                name=rule.name,
                message=rule.message,
                left=terms(left),
                op=rule.op,
                right=terms(right),
                tolerance=rule.tolerance,
                relative=rule.tolerance_kind == "relative",
                hard=rule.severity == "hard",
                unit=unit.symbol,
                ratio_outliers=rule.ratio_outliers,
            )
        )
    return specs


def rule_specs() -> list[RuleSpec]:
    """The active rules, ready to evaluate (two queries; none but the first without rules)."""
    from entry.models import ValidationRule

    return _specs(ValidationRule.objects.filter(active=True).order_by("code"))


def current_values(
    *, park_ids: Iterable[int], indicator_ids: Iterable[int], years: Iterable[int]
) -> dict[tuple[int, int, int], Decimal]:
    """(park, indicator, year) → the value as last written, any status (one query)."""
    park_ids, indicator_ids, years = set(park_ids), set(indicator_ids), set(years)
    if not (park_ids and indicator_ids and years):
        return {}
    rows = Observation.objects.filter(
        park_id__in=park_ids, indicator_id__in=indicator_ids, year__in=years
    ).values_list("park_id", "indicator_id", "year", "value")
    return {(p, i, y): v for p, i, y, v in rows}


def counted_values(*, indicator_ids: Iterable[int]) -> dict[tuple[int, int, int], Decimal]:
    """(park, indicator, year) → the value that counts: the approved one, or during a revision the value
    approved before it (one query)."""
    indicator_ids = set(indicator_ids)
    if not indicator_ids:
        return {}
    rows = Observation.objects.filter(IN_FORCE, indicator_id__in=indicator_ids).values_list(
        "park_id", "indicator_id", "year", "status", "value", "previous_approved_value"
    )
    return {(p, i, y): value_in_force(status, value, prev) for p, i, y, status, value, prev in rows}


# --- the seed -------------------------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "left",
    "op",
    "right",
    "tolerance",
    "tolerance_kind",
    "severity",
    "active",
    "ratio_outliers",
    "message",
    "reasoning",
)


def load_rule_fixtures(directory: Path, report) -> None:
    """``rules.yaml`` of the fixtures directory, if there is one: each rule found by its code, created or
    updated only where a field differs (a second run writes nothing). Every code must be in the
    catalogue already (the seed loads the catalogue first)."""
    from entry.models import ValidationRule
    from plans.seeding import FixtureError

    path = Path(directory) / "rules.yaml"
    if not path.is_file():
        return
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for row in data.get("rules", []):
        values = {name: row[name] for name in RULE_FIELDS if name in row}
        values["tolerance"] = Decimal(str(values.get("tolerance", 0)))
        rule = ValidationRule.objects.filter(code=row["code"]).first()
        created = rule is None
        if created:
            rule = ValidationRule(code=row["code"])
        changed = [name for name, value in values.items() if getattr(rule, name) != value]
        if not created and not changed:
            continue
        for name, value in values.items():
            setattr(rule, name, value)
        problems = rule_problems(rule)
        if problems:
            raise FixtureError(f"fixtures/rules.yaml: rule {row['code']}: {problems}")
        rule._change_reason = "seed"
        rule.save()
        report.count(ValidationRule, created=created)
