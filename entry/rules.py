"""Cross-indicator validation rules (issue 13): the pure part. No queries, no Django models.

A rule says ``left op right`` about one park's values of one year:

- each side is a sum of terms; a term is an indicator (the park's own value) or ``zones(code)``, the sum
  of that indicator over the park's zones (its direct child parks);
- ``op`` is ≤ (``le``), ≥ (``ge``), = (``eq``) or ≈ (``approx``);
- the tolerance is absolute (in the rule's unit) or relative (a fraction of the right side's size);
- every value is converted into the rule's unit, the unit of the left side's first indicator, by the
  exact factor between the units (``indicators.units.factor_between``); the inputs give each term's
  factor, so this module never meets a unit it cannot convert.

A rule applies to a park and a year only when every value it needs is there: each indicator of the
park, and for a ``zones`` term a park with zones, every one of which has its value. Otherwise it says
nothing (a missing value is the data sheet's business, not a contradiction).

``parse_side`` reads a side as written in the admin (``gdp-excl-tobacco``, ``a + b``, ``zones(code)``);
``evaluate`` judges one rule for one park and year; ``robust_outliers`` finds the values of a peer group
far from the others (the data-quality run's cross-park check).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.utils.translation import gettext as _

from core.formatting import decimal_str

Key = tuple[int, int, int]  # (park id, indicator id, year)

OPS = {"le": "≤", "ge": "≥", "eq": "=", "approx": "≈"}
_TERM = re.compile(r"^(?:zones[(（]\s*(?P<zone>[-a-z0-9_]+)\s*[)）]|(?P<code>[-a-z0-9_]+))$")

# The robust z-score of Iglewicz and Hoaglin: 0.6745 (x − median) / MAD; |z| above 3.5 is an outlier.
MAD_SCALE = Decimal("0.6745")
MEAN_AD_SCALE = Decimal("1.253314")  # when the MAD is 0: (x − median) / (1.253314 · mean absolute deviation)
DEFAULT_Z_THRESHOLD = Decimal("3.5")
MIN_PEERS = 5


class RuleSyntaxError(ValueError):
    """A side of a rule that is not a sum of indicator codes and ``zones(code)`` terms."""


@dataclass(frozen=True)
class ParsedTerm:
    code: str
    zones: bool = False


def parse_side(text: str) -> list[ParsedTerm]:
    """``"a + zones(b)"`` → [ParsedTerm("a"), ParsedTerm("b", zones=True)]. Full-width ＋ and （） are read
    too. Raises RuleSyntaxError for anything else (an empty side, an empty term, other characters)."""
    parts = [part.strip() for part in (text or "").replace("＋", "+").split("+")]
    if not any(parts):
        raise RuleSyntaxError(text)
    terms = []
    for part in parts:
        match = _TERM.match(part.lower())
        if match is None:
            raise RuleSyntaxError(part)
        terms.append(ParsedTerm(match["zone"], True) if match["zone"] else ParsedTerm(match["code"]))
    return terms


@dataclass(frozen=True)
class Term:
    indicator_id: int
    label: str  # the indicator's name as the messages print it
    factor: Decimal  # a value of the indicator times factor is in the rule's unit
    zones: bool = False


@dataclass(frozen=True)
class RuleSpec:
    """A rule ready to evaluate: its terms resolved to indicators and factors into the rule's unit."""

    id: int
    code: str
    name: str
    message: str
    left: tuple[Term, ...]
    op: str  # le, ge, eq, approx
    right: tuple[Term, ...]
    tolerance: Decimal
    relative: bool  # tolerance is a fraction of |right| (else absolute, in ``unit``)
    hard: bool
    unit: str  # the rule's unit symbol
    ratio_outliers: bool = False

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.left + self.right

    @property
    def indicator_ids(self) -> set[int]:
        return {t.indicator_id for t in self.terms}

    @property
    def is_ratio(self) -> bool:
        """left ÷ right is a ratio of two of a park's own values (what the peer check compares)."""
        return (
            len(self.left) == 1 and len(self.right) == 1 and not (self.left[0].zones or self.right[0].zones)
        )


@dataclass(frozen=True)
class Outcome:
    """One rule judged for one park and year."""

    rule: RuleSpec
    park_id: int
    year: int
    left: Decimal
    right: Decimal
    allowed: Decimal  # the tolerance, in the rule's unit
    ok: bool
    keys: frozenset[Key]  # the values it read
    values: Mapping[Key, Decimal] = field(default_factory=dict, compare=False)  # those values


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-8)).normalize() if value == value else value


def _side(
    terms: Sequence[Term],
    park_id: int,
    year: int,
    values: Mapping[Key, Decimal],
    children: Mapping[int, Sequence[int]],
    keys: set[Key],
) -> Decimal | None:
    total = Decimal(0)
    for term in terms:
        members = children.get(park_id, ()) if term.zones else (park_id,)
        if not members:
            return None  # zones of a park without zones
        for member in members:
            key = (member, term.indicator_id, year)
            value = values.get(key)
            if value is None:
                return None
            keys.add(key)
            total += value * term.factor
    return total


def evaluate(
    rule: RuleSpec,
    *,
    park_id: int,
    year: int,
    values: Mapping[Key, Decimal],
    children: Mapping[int, Sequence[int]],
) -> Outcome | None:
    """Judge ``rule`` for the park and year from ``values`` ((park, indicator, year) → value in the
    indicator's unit; a missing key is a missing value). None when a value the rule needs is missing."""
    keys: set[Key] = set()
    with localcontext() as ctx:
        ctx.prec = 60
        left = _side(rule.left, park_id, year, values, children, keys)
        right = _side(rule.right, park_id, year, values, children, keys) if left is not None else None
        if left is None or right is None:
            return None
        allowed = rule.tolerance * abs(right) if rule.relative else rule.tolerance
        if rule.op == "le":
            ok = left <= right + allowed
        elif rule.op == "ge":
            ok = left >= right - allowed
        else:
            ok = abs(left - right) <= allowed
    return Outcome(
        rule,
        park_id,
        year,
        _quantize(left),
        _quantize(right),
        _quantize(allowed),
        ok,
        frozenset(keys),
        {k: values[k] for k in keys},
    )


def park_years_touched(
    rules: Sequence[RuleSpec], keys: Sequence[Key], parent: Callable[[int], int | None]
) -> set[tuple[int, int, int]]:
    """(rule id, park id, year) to judge after ``keys`` change: a park's own indicator touches the rules
    naming it at that park; a zone's value touches the ``zones`` terms at its parent."""
    by_indicator: dict[int, list[tuple[RuleSpec, bool]]] = {}
    for rule in rules:
        for term in rule.terms:
            by_indicator.setdefault(term.indicator_id, []).append((rule, term.zones))
    touched = set()
    for park_id, indicator_id, year in keys:
        for rule, zones in by_indicator.get(indicator_id, ()):
            owner = parent(park_id) if zones else park_id
            if owner is not None:
                touched.add((rule.id, owner, year))
    return touched


def side_label(terms: Sequence[Term]) -> str:
    """A side as the messages print it: the names joined by " + "; a zones term as 各片区“name”合计."""
    return " + ".join(_("各片区“%(name)s”合计") % {"name": t.label} if t.zones else t.label for t in terms)


def rule_label(rule: RuleSpec) -> str:
    """``left op right`` in words: 地区生产总值（非烟） ≤ 地区生产总值（含烟）."""
    return f"{side_label(rule.left)} {OPS[rule.op]} {side_label(rule.right)}"


def op_words() -> dict[str, str]:
    return {"le": _("不大于"), "ge": _("不小于"), "eq": _("等于"), "approx": _("约等于")}


def outcome_message(outcome: Outcome, park_name: str) -> str:
    """The refusal (hard) or warning (soft) of a broken rule, the same at every door: which park and
    year, both sides with their values in the rule's unit, the tolerance, the rule and its message."""
    rule = outcome.rule
    text = _(
        "“%(park)s”%(year)s 年%(left_label)s为 %(left)s %(unit)s，%(right_label)s为 %(right)s %(unit)s，"
        "前者应%(op)s后者"
    ) % {
        "park": park_name,
        "year": outcome.year,
        "left_label": side_label(rule.left),
        "left": decimal_str(outcome.left),
        "unit": rule.unit,
        "op": op_words()[rule.op],
        "right_label": side_label(rule.right),
        "right": decimal_str(outcome.right),
    }
    if outcome.allowed:
        text += _("，允许误差 %(allowed)s %(unit)s") % {
            "allowed": decimal_str(outcome.allowed),
            "unit": rule.unit,
        }
    text += _("（校验规则“%(rule)s”）") % {"rule": rule.name}
    if rule.message.strip():
        text += "：" + rule.message.strip()
    return text


def own_value_message(outcome: Outcome, key: Key, park_name: str) -> str:
    """The refusal or warning of a broken rule for a writer who may not read the unapproved values of
    the park the rule is judged at (a zone's staff under its park's ``zones(...)`` rule): the rule and
    the writer's own value at ``key`` (one the rule read) only, never the other side's figures (nor a
    tolerance worked out from them)."""
    _park_id, indicator_id, year = key
    rule = outcome.rule
    term = next(t for t in rule.terms if t.indicator_id == indicator_id)
    value = outcome.values[key]
    text = _(
        "“%(park)s”%(year)s 年%(label)s为 %(value)s %(unit)s，不符合校验规则“%(rule)s”（%(relation)s）；"
        "规则涉及的其他数值您无权查看，不予显示"
    ) % {
        "park": park_name,
        "year": year,
        "label": term.label,
        "value": decimal_str(_quantize(value * term.factor)),
        "unit": rule.unit,
        "rule": rule.name,
        "relation": rule_label(rule),
    }
    if rule.message.strip():
        text += "：" + rule.message.strip()
    return text


# --- peers: the robust z-score ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerStats:
    median: Decimal
    spread: Decimal  # MAD, or the mean absolute deviation when the MAD is 0
    scale: Decimal  # MAD_SCALE or 1 / MEAN_AD_SCALE
    count: int


def peer_stats(values: Sequence[Decimal]) -> PeerStats | None:
    """Median and spread of a peer group; None with fewer than MIN_PEERS values or no spread at all."""
    if len(values) < MIN_PEERS:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        median = statistics.median(values)
        deviations = [abs(v - median) for v in values]
        mad = statistics.median(deviations)
        if mad > 0:
            return PeerStats(median, mad, MAD_SCALE, len(values))
        mean_ad = sum(deviations) / len(deviations)
        if mean_ad > 0:
            return PeerStats(median, mean_ad, 1 / MEAN_AD_SCALE, len(values))
    return None


def robust_z(value: Decimal, stats: PeerStats) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return (stats.scale * (value - stats.median) / stats.spread).quantize(Decimal("0.01"))


def robust_outliers(
    values: Mapping[int, Decimal], *, threshold: Decimal = DEFAULT_Z_THRESHOLD
) -> tuple[PeerStats | None, dict[int, Decimal]]:
    """The members of a peer group ({member: value}) whose robust z-score exceeds ``threshold`` in size:
    (the group's stats, {member: z})."""
    stats = peer_stats(list(values.values()))
    if stats is None:
        return None, {}
    scores = {member: robust_z(value, stats) for member, value in values.items()}
    return stats, {member: z for member, z in scores.items() if abs(z) > threshold}
