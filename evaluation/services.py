"""Evaluation schemes (园区综合评价, 亩均效益评价): the scoring rules, written once.

The rules are pure functions of plain data (no database, no ORM), so every one of them is tested with a
handful of parks computed by hand; the writing services at the end of this module (``scheme_save``,
``evaluation_run``) read the database through ``evaluation.selectors`` and store what the rules give.

A scheme (``Definition``, the same shape as its YAML file, see docs/guides/evaluation.md):

- **Indicators with weights in one or two levels**: either items alone, or groups (一级指标) with items
  (二级指标). Weights are relative: an item's effective weight is
  ``100 × group weight / Σ group weights × item weight / Σ item weights of its group`` (without
  groups, ``100 × item weight / Σ item weights``), so the effective weights always add up to 100.
- **A normalisation per item** giving a score ``s`` on a 0–100 scale (before caps):
  - ``ratio`` to a benchmark: ``s = 100 × x / b`` (higher is better) or ``100 × b / x`` (lower is
    better); ``b`` is a fixed value, a value per park level, or the park's plan target for the year;
  - ``efficacy`` (功效系数法): ``s = 60 + 40 × (x − floor) / (ceiling − floor)``, where the floor (底线值)
    scores 60 and the ceiling (满意值) 100; for a lower-is-better indicator the floor is the larger value;
  - ``minmax`` across the peer group: ``s = 100 × (x − min) / (max − min)`` (higher is better) or
    ``100 × (max − x) / (max − min)``; every park scores 100 when all values are equal.
  Then ``s`` is kept between ``min_score`` (default 60 for efficacy, 0 otherwise) and ``cap`` (default 100).
- **Points**: ``points = w × s / 100`` with ``w`` the effective weight, kept exact; the score is the
  unrounded sum of the points, bonuses and deductions, rounded half-up to 6 decimals once. The points
  shown per item are rounded to 6 decimals by the largest-remainder method, so they add up exactly to
  the score (each within a millionth of its exact value).
- **Missing data** is never a silent zero: an item without a value (or without its benchmark) is
  listed as missing. A park whose items with data carry less than ``min_coverage`` of the weight
  (default: all of it; computed exactly from the raw weights) is not assessed (未评价: no score, no
  rank); above it, the weights of the items with data are scaled up to 100 and the missing ones are
  listed.
- **Bonus and deduction items**: fixed points when a condition on a value holds, within the scheme's
  caps for all bonuses and all deductions (items count in their order until the cap is reached).
- **Veto** (一票否决): a condition on a value; a vetoed park keeps its score, is ranked after every park
  that is not vetoed and lands in the lowest tier. A veto whose value is missing makes the park not
  assessed (``if_missing: not_assessed``, the default) or is listed as unchecked (``if_missing: skip``).
- **Peer groups**: all parks together, or by park level or kind; each group is ranked on its own
  (competition ranking: equal scores share the better rank, "1, 2, 2, 4").
- **Tiers**, best first: by percentile (a tier with ``top: 20`` holds the best ⌈20 % × n⌉ places of
  the ``n`` assessed parks of the group: a park of rank ``r`` is in the first tier with
  ``r ≤ ⌈top × n / 100⌉``, computed exactly, so 10 parks give ranks 1–2, 7 parks ranks 1–2 (1.4 rounded
  up) and a park alone is in the best tier) or by score threshold (the first tier whose ``min_score``
  the score reaches; the last tier may have none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, error_item

HUNDRED = Decimal(100)
QUANTUM = Decimal("0.000001")  # points, scores and normalised values: 6 decimals

METHODS = ("ratio", "efficacy", "minmax")
PEER_GROUPS = ("all", "level", "kind")
TIER_METHODS = ("percentile", "threshold")
ADJUSTMENT_KINDS = ("bonus", "deduction", "veto")
IF_MISSING = ("skip", "not_assessed")
OPERATORS = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt", "==": "eq"}
OPERATOR_SYMBOLS = {code: symbol for symbol, code in OPERATORS.items()}
LEVELS = ("national", "provincial", "prefecture", "county")
NOT_ASSESSED = "not_assessed"
ALL_GROUP = "all"

# Why a value did not count (stored as codes; shown with these labels).
MISSING_REASONS = {
    "no_value": _("无已审核数值"),
    "no_benchmark": _("无对标值（目标值）"),
    "bad_benchmark": _("对标值（目标值）不是正数，无法计算比值"),
    "non_positive": _("数值不是正数，逆向指标无法计算比值"),
    "veto_no_value": _("否决项无已审核数值"),
    "veto_unchecked": _("否决项无已审核数值，未核验"),
    "bonus_no_value": _("加分项无已审核数值，未加分"),
    "deduction_no_value": _("减分项无已审核数值，未减分"),
    "coverage": _("有数据指标的权重不足，未评价"),
}


def quantize(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


_UNITS = 10**6  # quanta (QUANTUM) per point


def _units(value: Fraction) -> int:
    """An exact value in millionths, rounded half-up (away from zero, as ``quantize``)."""
    scaled = abs(value) * _UNITS
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return whole if value >= 0 else -whole


def _from_units(units: int) -> Decimal:
    return quantize(Decimal(units).scaleb(-6))


def _as_decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def shown_points(parts: Sequence[Fraction], total: Fraction) -> list[Decimal]:
    """The parts rounded to 6 decimals so that they add up exactly to the rounded ``total`` (their sum):
    largest-remainder method. Each part is rounded down, then the millionths still missing go one each
    to the parts with the largest remainders (the earlier part first when remainders are equal), so no
    part moves by a millionth or more from its exact value."""
    floors = [(part * _UNITS).numerator // (part * _UNITS).denominator for part in parts]
    missing = _units(total) - sum(floors)
    by_remainder = sorted(range(len(parts)), key=lambda n: (-(parts[n] * _UNITS - floors[n]), n))
    for n in by_remainder[:missing]:
        floors[n] += 1
    return [_from_units(units) for units in floors]


# --- a scheme as data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    code: str
    indicator: str
    name: str
    weight: Decimal
    method: str
    direction: int  # 1 higher is better, -1 lower is better
    group: str | None = None
    benchmark: Decimal | None = None
    benchmark_by_level: Mapping[str, Decimal] = field(default_factory=dict)
    benchmark_is_target: bool = False
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    cap: Decimal | None = None
    min_score: Decimal | None = None
    unit: str = ""
    source: str = ""

    @property
    def upper(self) -> Decimal:
        return HUNDRED if self.cap is None else self.cap

    @property
    def lower(self) -> Decimal:
        if self.min_score is not None:
            return self.min_score
        return Decimal(60) if self.method == "efficacy" else Decimal(0)


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    weight: Decimal


@dataclass(frozen=True)
class Adjustment:
    kind: str  # bonus, deduction, veto
    name: str
    indicator: str
    operator: str  # gte, gt, lte, lt, eq
    threshold: Decimal
    points: Decimal | None = None
    if_missing: str = "skip"
    source: str = ""

    def holds(self, value: Decimal) -> bool:
        return {
            "gte": value >= self.threshold,
            "gt": value > self.threshold,
            "lte": value <= self.threshold,
            "lt": value < self.threshold,
            "eq": value == self.threshold,
        }[self.operator]


@dataclass(frozen=True)
class Tier:
    code: str
    label: str
    bound: Decimal | None  # percentile: top percent (20 = the best 20 %); threshold: the minimum score


@dataclass(frozen=True)
class Definition:
    code: str
    name: str
    items: tuple[Item, ...]
    tiers: tuple[Tier, ...]
    groups: tuple[Group, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    tier_method: str = "percentile"
    peer_groups: str = ALL_GROUP
    min_coverage: Decimal = Decimal(1)
    bonus_cap: Decimal | None = None
    deduction_cap: Decimal | None = None
    example: bool = False
    description: str = ""
    source: str = ""
    province: str = ""
    prefecture: str = ""
    kinds: tuple[str, ...] = ()

    def effective_weights(self) -> dict[str, Decimal]:
        """Each item's share of the 100 points (see the module docstring)."""
        if not self.groups:
            total = sum((i.weight for i in self.items), Decimal(0))
            return {i.code: HUNDRED * i.weight / total for i in self.items}
        group_total = sum((g.weight for g in self.groups), Decimal(0))
        weights: dict[str, Decimal] = {}
        for group in self.groups:
            members = [i for i in self.items if i.group == group.code]
            inner = sum((i.weight for i in members), Decimal(0))
            for item in members:
                weights[item.code] = HUNDRED * group.weight / group_total * item.weight / inner
        return weights

    def exact_shares(self) -> dict[str, Fraction]:
        """Each item's share of the whole weight as an exact fraction (the shares add up to exactly 1),
        from the raw weights: ``item weight / Σ item weights`` without groups, ``group weight / Σ group
        weights × item weight / Σ item weights of its group`` with them. Coverage and points are
        computed from these, so equal weights (1/3 each) cover exactly all of the weight."""
        if not self.groups:
            total = sum((Fraction(i.weight) for i in self.items), Fraction(0))
            return {i.code: Fraction(i.weight) / total for i in self.items}
        group_total = sum((Fraction(g.weight) for g in self.groups), Fraction(0))
        shares: dict[str, Fraction] = {}
        for group in self.groups:
            members = [i for i in self.items if i.group == group.code]
            inner = sum((Fraction(i.weight) for i in members), Fraction(0))
            for item in members:
                shares[item.code] = Fraction(group.weight) / group_total * Fraction(item.weight) / inner
        return shares

    def indicator_codes(self) -> set[str]:
        return {i.indicator for i in self.items} | {a.indicator for a in self.adjustments}

    def to_dict(self) -> dict:
        """The scheme as plain data (decimals as strings): what a run keeps as its snapshot, and the
        shape ``definition_from_dict`` reads back."""
        data = asdict(self)
        return _plain(data)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- reading and checking a scheme document ------------------------------------------------------------


class _Errors:
    def __init__(self):
        self.items: list[dict] = []

    def add(self, where: str, message) -> None:
        self.items.append(error_item(where, str(message)))


def _decimal(value, where: str, errors: _Errors, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.add(where, _("必须填写"))
        return None
    if isinstance(value, bool):
        errors.add(where, _("“%(value)s”不是数字") % {"value": value})
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(where, _("“%(value)s”不是数字") % {"value": value})
        return None
    if not number.is_finite():
        errors.add(where, _("“%(value)s”不是数字") % {"value": value})
        return None
    return number


def _text(value, where: str, errors: _Errors, *, required: bool = False, limit: int = 200) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(where, _("必须填写"))
    if len(text) > limit:
        errors.add(where, _("不能超过 %(limit)s 个字符") % {"limit": limit})
    return text


def _choice(value, choices: Sequence[str], where: str, errors: _Errors, default: str) -> str:
    text = default if value is None or value == "" else str(value).strip()
    if text not in choices:
        errors.add(where, _("应为以下之一：%(choices)s") % {"choices": "、".join(choices)})
        return default
    return text


def _direction(value, where: str, errors: _Errors, default: int) -> int:
    if value is None or value == "":
        return default
    named = {"higher": 1, "lower": -1, "1": 1, "-1": -1, "正向": 1, "逆向": -1}
    found = named.get(str(value).strip())
    if found is None:
        errors.add(where, _("方向应为 higher（正向）或 lower（逆向）"))
        return default
    return found


def definition_from_dict(data: Mapping, *, directions: Mapping[str, int] | None = None) -> Definition:
    """Read and check a scheme document (the YAML file's shape, or ``Definition.to_dict()``'s).

    ``directions`` gives each catalogue indicator's direction (an item without ``direction`` takes it;
    without ``directions`` the item must state it). Every problem is reported at once, naming where it
    is (``groups[0].items[1].weight``), as one ``core.errors.Invalid``."""
    errors = _Errors()
    directions = directions or {}
    if not isinstance(data, Mapping):
        raise Invalid(_("方案文件应为一个 YAML 映射"), field="scheme")
    code = _text(data.get("code"), "code", errors, required=True, limit=64)
    name = _text(data.get("name"), "name", errors, required=True)
    scope = data.get("scope") or {}
    if not isinstance(scope, Mapping):
        errors.add("scope", _("应为映射"))
        scope = {}
    kinds = scope.get("kinds", data.get("kinds")) or ()
    if isinstance(kinds, str) or not isinstance(kinds, Iterable):
        errors.add("scope.kinds", _("应为列表"))
        kinds = ()
    tiers_doc = data.get("tiers") or {}
    if isinstance(tiers_doc, list | tuple):  # Definition.to_dict(): a list, with tier_method beside it
        tiers_doc = {"method": data.get("tier_method"), "levels": tiers_doc}
    if not isinstance(tiers_doc, Mapping):
        errors.add("tiers", _("应为映射（method 与 levels）"))
        tiers_doc = {}
    tier_method = _choice(tiers_doc.get("method"), TIER_METHODS, "tiers.method", errors, "percentile")

    groups: list[Group] = []
    items: list[Item] = []
    raw_groups = data.get("groups") or []
    raw_items = [(None, f"items[{n}]", doc) for n, doc in enumerate(data.get("items") or [])]
    for g, doc in enumerate(raw_groups):
        where = f"groups[{g}]"
        if not isinstance(doc, Mapping):
            errors.add(where, _("应为映射"))
            continue
        group = Group(
            code=_text(doc.get("code"), f"{where}.code", errors, required=True, limit=64),
            name=_text(doc.get("name"), f"{where}.name", errors, required=True),
            weight=_decimal(doc.get("weight"), f"{where}.weight", errors, required=True) or Decimal(0),
        )
        if group.weight <= 0:
            errors.add(f"{where}.weight", _("权重必须大于 0"))
        groups.append(group)
        members = doc.get("items") or []
        raw_items += [(group.code, f"{where}.items[{n}]", item) for n, item in enumerate(members)]
    for group_code, where, doc in raw_items:
        if not isinstance(doc, Mapping):
            errors.add(where, _("应为映射"))
            continue
        items.append(_item(doc, group_code, where, errors, directions))
    if not items:
        errors.add("items", _("方案至少要有一个指标"))

    adjustments: list[Adjustment] = []
    for n, doc in enumerate(data.get("adjustments") or []):
        where = f"adjustments[{n}]"
        if not isinstance(doc, Mapping):
            errors.add(where, _("应为映射"))
            continue
        adjustments.append(_adjustment(doc, where, errors))

    tiers: list[Tier] = []
    for n, doc in enumerate(tiers_doc.get("levels") or []):
        where = f"tiers.levels[{n}]"
        if not isinstance(doc, Mapping):
            errors.add(where, _("应为映射"))
            continue
        bound_key = "top" if tier_method == "percentile" else "min_score"
        raw_bound = doc.get(bound_key, doc.get("bound"))
        tiers.append(
            Tier(
                code=_text(doc.get("code"), f"{where}.code", errors, required=True, limit=32),
                label=_text(doc.get("label"), f"{where}.label", errors, required=True, limit=32),
                bound=_decimal(raw_bound, f"{where}.{bound_key}", errors),
            )
        )
    _check_tiers(tiers, tier_method, errors)

    definition = Definition(
        code=code,
        name=name,
        items=tuple(items),
        tiers=tuple(tiers),
        groups=tuple(groups),
        adjustments=tuple(adjustments),
        tier_method=tier_method,
        peer_groups=_choice(data.get("peer_groups"), PEER_GROUPS, "peer_groups", errors, ALL_GROUP),
        min_coverage=_decimal(data.get("min_coverage", 1), "min_coverage", errors) or Decimal(0),
        bonus_cap=_decimal(data.get("bonus_cap"), "bonus_cap", errors),
        deduction_cap=_decimal(data.get("deduction_cap"), "deduction_cap", errors),
        example=bool(data.get("example", False)),
        description=_text(data.get("description"), "description", errors, limit=5000),
        source=_text(data.get("source"), "source", errors, limit=300),
        province=_text(scope.get("province", data.get("province")), "scope.province", errors, limit=32),
        prefecture=_text(
            scope.get("prefecture", data.get("prefecture")), "scope.prefecture", errors, limit=32
        ),
        kinds=tuple(str(k) for k in kinds),
    )
    _check_definition(definition, errors)
    if errors.items:
        raise Invalid(
            _("评价方案有 %(count)s 处错误：%(first)s")
            % {
                "count": len(errors.items),
                "first": f"{errors.items[0]['field']}: {errors.items[0]['message']}",
            },
            errors=errors.items,
        )
    return definition


def _item(
    doc: Mapping, group: str | None, where: str, errors: _Errors, directions: Mapping[str, int]
) -> Item:
    indicator = _text(doc.get("indicator"), f"{where}.indicator", errors, required=True, limit=64)
    method = _choice(doc.get("method"), METHODS, f"{where}.method", errors, "ratio")
    default_direction = directions.get(indicator, 0)
    direction = _direction(doc.get("direction"), f"{where}.direction", errors, default_direction)
    if direction == 0:
        errors.add(f"{where}.direction", _("目录中没有该指标，须写明方向（higher 或 lower）"))
        direction = 1
    benchmark = doc.get("benchmark")
    is_target = bool(doc.get("benchmark_is_target")) or (
        isinstance(benchmark, str) and benchmark.strip() == "target"
    )
    by_level_doc = doc.get("benchmark_by_level") or {}
    by_level: dict[str, Decimal] = {}
    if not isinstance(by_level_doc, Mapping):
        errors.add(f"{where}.benchmark_by_level", _("应为映射（级别: 数值）"))
        by_level_doc = {}
    for level, value in by_level_doc.items():
        if level not in LEVELS:
            errors.add(
                f"{where}.benchmark_by_level",
                _("级别应为以下之一：%(choices)s") % {"choices": "、".join(LEVELS)},
            )
            continue
        number = _decimal(value, f"{where}.benchmark_by_level.{level}", errors, required=True)
        if number is not None:
            if number <= 0:
                errors.add(f"{where}.benchmark_by_level.{level}", _("对标值必须大于 0"))
            by_level[level] = number
    item = Item(
        code=_text(doc.get("code") or indicator, f"{where}.code", errors, required=True, limit=64),
        indicator=indicator,
        name=_text(doc.get("name"), f"{where}.name", errors),
        weight=_decimal(doc.get("weight"), f"{where}.weight", errors, required=True) or Decimal(0),
        method=method,
        direction=direction,
        group=group if group is not None else (doc.get("group") or None),
        benchmark=None if is_target else _decimal(benchmark, f"{where}.benchmark", errors),
        benchmark_by_level=by_level,
        benchmark_is_target=is_target,
        floor=_decimal(doc.get("floor"), f"{where}.floor", errors),
        ceiling=_decimal(doc.get("ceiling"), f"{where}.ceiling", errors),
        cap=_decimal(doc.get("cap"), f"{where}.cap", errors),
        min_score=_decimal(doc.get("min_score"), f"{where}.min_score", errors),
        unit=_text(doc.get("unit"), f"{where}.unit", errors, limit=32),
        source=_text(doc.get("source"), f"{where}.source", errors, limit=300),
    )
    if item.weight <= 0:
        errors.add(f"{where}.weight", _("权重必须大于 0"))
    if method == "ratio":
        if not (item.benchmark_is_target or item.benchmark is not None or item.benchmark_by_level):
            errors.add(
                f"{where}.benchmark", _("比值法须给出对标值：数值、按级别的数值，或 target（规划目标）")
            )
        if item.benchmark is not None and item.benchmark <= 0:
            errors.add(f"{where}.benchmark", _("对标值必须大于 0"))
    if method == "efficacy":
        if item.floor is None or item.ceiling is None:
            errors.add(f"{where}.floor", _("功效系数法须给出底线值 floor 与满意值 ceiling"))
        elif (item.ceiling - item.floor) * direction <= 0:
            errors.add(
                f"{where}.ceiling",
                _("满意值 ceiling 须比底线值 floor 更好（正向指标更大，逆向指标更小）"),
            )
    if item.upper < item.lower:
        errors.add(f"{where}.cap", _("得分上限 cap 不能小于下限 min_score"))
    return item


def _adjustment(doc: Mapping, where: str, errors: _Errors) -> Adjustment:
    kind = _choice(doc.get("kind"), ADJUSTMENT_KINDS, f"{where}.kind", errors, "bonus")
    raw_operator = str(doc.get("operator") or "").strip()
    operator = OPERATORS.get(raw_operator, raw_operator if raw_operator in OPERATOR_SYMBOLS else "")
    if not operator:
        errors.add(f"{where}.operator", _("条件应为 >=、>、<=、< 或 =="))
        operator = "gte"
    points = _decimal(doc.get("points"), f"{where}.points", errors, required=kind != "veto")
    if kind != "veto" and points is not None and points <= 0:
        errors.add(f"{where}.points", _("分值必须大于 0（减分项也写正数）"))
    if kind == "veto" and points is not None:
        errors.add(f"{where}.points", _("否决项没有分值"))
    default_missing = "not_assessed" if kind == "veto" else "skip"
    if_missing = _choice(doc.get("if_missing"), IF_MISSING, f"{where}.if_missing", errors, default_missing)
    if kind != "veto" and if_missing != "skip":
        errors.add(f"{where}.if_missing", _("只有否决项可以因缺少数据而不予评价"))
    return Adjustment(
        kind=kind,
        name=_text(doc.get("name"), f"{where}.name", errors, required=True),
        indicator=_text(doc.get("indicator"), f"{where}.indicator", errors, required=True, limit=64),
        operator=operator,
        threshold=_decimal(doc.get("threshold"), f"{where}.threshold", errors, required=True) or Decimal(0),
        points=points if kind != "veto" else None,
        if_missing=if_missing,
        source=_text(doc.get("source"), f"{where}.source", errors, limit=300),
    )


def _check_tiers(tiers: list[Tier], method: str, errors: _Errors) -> None:
    if not tiers:
        errors.add("tiers.levels", _("至少要有一个等级"))
        return
    codes = [t.code for t in tiers]
    if len(set(codes)) != len(codes) or NOT_ASSESSED in codes:
        errors.add("tiers.levels", _("等级代码不能重复，也不能是 not_assessed"))
    bounds = [t.bound for t in tiers]
    if method == "percentile":
        if any(b is None or b <= 0 or b > HUNDRED for b in bounds):
            errors.add("tiers.levels", _("按百分位分级时，每个等级的 top 须在 0–100 之间（前百分之几）"))
        elif any(a >= b for a, b in zip(bounds, bounds[1:], strict=False)) or bounds[-1] != HUNDRED:
            errors.add("tiers.levels", _("百分位须由好到差逐级增大，最后一级为 100"))
    else:
        given = bounds[:-1] if bounds[-1] is None else bounds
        if any(b is None for b in given):
            errors.add("tiers.levels", _("按分数线分级时，除最后一级外每级都要有 min_score"))
        elif any(a <= b for a, b in zip(given, given[1:], strict=False)):
            errors.add("tiers.levels", _("分数线须由好到差逐级降低"))


def _check_definition(d: Definition, errors: _Errors) -> None:
    codes = [i.code for i in d.items]
    if len(set(codes)) != len(codes):
        errors.add(
            "items",
            _("指标代码不能重复：%(codes)s")
            % {"codes": ", ".join(sorted({c for c in codes if codes.count(c) > 1}))},
        )
    group_codes = [g.code for g in d.groups]
    if len(set(group_codes)) != len(group_codes):
        errors.add("groups", _("一级指标代码不能重复"))
    if d.groups and any(i.group not in group_codes for i in d.items):
        errors.add("items", _("有一级指标时，每个指标都要属于一个一级指标"))
    for g, group in enumerate(d.groups):
        if not any(i.group == group.code for i in d.items):
            errors.add(f"groups[{g}].items", _("每个一级指标至少要有一个二级指标"))
    if not d.groups and any(i.group for i in d.items):
        errors.add("items", _("指标所属的一级指标不存在"))
    if not (Decimal(0) < d.min_coverage <= 1):
        errors.add("min_coverage", _("最低数据覆盖率须大于 0、不超过 1"))
    for name in ("bonus_cap", "deduction_cap"):
        value = getattr(d, name)
        if value is not None and value < 0:
            errors.add(name, _("封顶分值不能为负"))


# --- scoring --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParkInput:
    """One park as the rules see it: its approved values (catalogue code → value in the indicator's
    unit) and, for ``benchmark: target`` items, its plan targets for the year (same units)."""

    park_id: int
    code: str
    name: str
    level: str = ""
    kind: str = ""
    values: Mapping[str, Decimal] = field(default_factory=dict)
    targets: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass
class ParkScore:
    park_id: int
    code: str
    peer_group: str
    assessed: bool
    score: Decimal | None = None
    rank: int | None = None
    peer_count: int = 0
    tier: str = NOT_ASSESSED
    tier_label: str = ""
    vetoed: bool = False
    veto_reason: str = ""
    bonus: Decimal = Decimal(0)
    deduction: Decimal = Decimal(0)
    coverage: Decimal = Decimal(0)
    contributions: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)


def peer_group_of(definition: Definition, park: ParkInput) -> str:
    if definition.peer_groups == "level":
        return park.level or ""
    if definition.peer_groups == "kind":
        return park.kind or ""
    return ALL_GROUP


def _benchmark(item: Item, park: ParkInput) -> Decimal | None:
    if item.benchmark_is_target:
        return park.targets.get(item.indicator)
    if park.level in item.benchmark_by_level:
        return item.benchmark_by_level[park.level]
    return item.benchmark


def _missing(item_code: str, indicator: str, name: str, reason: str) -> dict:
    return {"item": item_code, "indicator": indicator, "name": name, "reason": reason}


def _clamp(value: Decimal, item: Item) -> Decimal:
    return min(max(value, item.lower), item.upper)


def score_parks(definition: Definition, parks: Iterable[ParkInput]) -> list[ParkScore]:
    """Score, rank and tier every park under ``definition`` (see the module docstring), in the order
    of the parks given. Pure: the same inputs give the same results."""
    weights = definition.exact_shares()
    parks = list(parks)
    scores: dict[int, ParkScore] = {}
    usable: dict[int, dict[str, tuple[Decimal, Decimal | None]]] = {}  # park → item → (value, benchmark)
    for park in parks:
        result = ParkScore(
            park_id=park.park_id, code=park.code, peer_group=peer_group_of(definition, park), assessed=False
        )
        blocked = False
        available: dict[str, tuple[Decimal, Decimal | None]] = {}
        for item in definition.items:
            name = item.name or item.indicator
            value = park.values.get(item.indicator)
            if value is None:
                result.missing.append(_missing(item.code, item.indicator, name, "no_value"))
                continue
            benchmark = None
            if item.method == "ratio":
                benchmark = _benchmark(item, park)
                if benchmark is None:
                    result.missing.append(_missing(item.code, item.indicator, name, "no_benchmark"))
                    continue
                if benchmark <= 0:
                    result.missing.append(_missing(item.code, item.indicator, name, "bad_benchmark"))
                    continue
                if item.direction < 0 and value <= 0:
                    result.missing.append(_missing(item.code, item.indicator, name, "non_positive"))
                    continue
            available[item.code] = (value, benchmark)
        for adjustment in definition.adjustments:
            if adjustment.kind != "veto":
                continue
            value = park.values.get(adjustment.indicator)
            if value is None:
                reason = "veto_no_value" if adjustment.if_missing == "not_assessed" else "veto_unchecked"
                blocked |= adjustment.if_missing == "not_assessed"
                result.missing.append(_missing("", adjustment.indicator, adjustment.name, reason))
            elif adjustment.holds(value):
                result.vetoed = True
                result.veto_reason = "；".join(filter(None, [result.veto_reason, adjustment.name]))
        covered = sum((weights[c] for c in available), Fraction(0))  # exact: Σ available / Σ all weights
        result.coverage = _as_decimal(covered)
        result.assessed = not blocked and bool(available) and covered >= Fraction(definition.min_coverage)
        if not result.assessed:
            result.vetoed, result.veto_reason = False, ""
            if not blocked:
                result.missing.append(_missing("", "", "", "coverage"))
        scores[park.park_id] = result
        usable[park.park_id] = available

    by_group: dict[str, list[ParkInput]] = {}
    for park in parks:
        by_group.setdefault(scores[park.park_id].peer_group, []).append(park)
    for members in by_group.values():
        assessed = [p for p in members if scores[p.park_id].assessed]
        spans: dict[str, tuple[Decimal, Decimal]] = {}
        for item in definition.items:
            if item.method == "minmax":
                found = [usable[p.park_id][item.code][0] for p in assessed if item.code in usable[p.park_id]]
                if found:
                    spans[item.code] = (min(found), max(found))
        for park in assessed:
            _points(definition, weights, park, scores[park.park_id], usable[park.park_id], spans)
        _rank_and_tier(definition, [scores[p.park_id] for p in members])
    return [scores[p.park_id] for p in parks]


def _normalised(
    item: Item, value: Decimal, benchmark: Decimal | None, span: tuple[Decimal, Decimal] | None
) -> Decimal:
    if item.method == "ratio":
        assert benchmark is not None
        raw = HUNDRED * value / benchmark if item.direction > 0 else HUNDRED * benchmark / value
    elif item.method == "efficacy":
        assert item.floor is not None and item.ceiling is not None
        raw = Decimal(60) + Decimal(40) * (value - item.floor) / (item.ceiling - item.floor)
    else:
        low, high = span if span is not None else (value, value)
        if high == low:
            raw = HUNDRED
        elif item.direction > 0:
            raw = HUNDRED * (value - low) / (high - low)
        else:
            raw = HUNDRED * (high - value) / (high - low)
    return _clamp(raw, item)


def _points(
    definition: Definition,
    weights: dict[str, Fraction],
    park: ParkInput,
    result: ParkScore,
    available: dict[str, tuple[Decimal, Decimal | None]],
    spans: dict[str, tuple[Decimal, Decimal]],
) -> None:
    # Points are kept exact (fractions) and summed unrounded; only the total is rounded, and the shown
    # points are rounded by the largest-remainder method so that they still add up to the score.
    covered = sum((weights[c] for c in available), Fraction(0))
    exact: list[Fraction] = []
    for item in definition.items:
        if item.code not in available:
            continue
        value, benchmark = available[item.code]
        weight = weights[item.code] * 100 / covered
        normalised = _normalised(item, value, benchmark, spans.get(item.code))
        exact.append(weight * Fraction(normalised) / 100)
        result.contributions.append(
            {
                "kind": "indicator",
                "item": item.code,
                "indicator": item.indicator,
                "name": item.name or item.indicator,
                "group": item.group,
                "value": str(value),
                "benchmark": None if benchmark is None else str(benchmark),
                "normalised": str(quantize(normalised)),
                "weight": str(quantize(_as_decimal(weight))),
                "points": None,  # filled in below, once the total is known
            }
        )
    caps = {"bonus": definition.bonus_cap, "deduction": definition.deduction_cap}
    used = {"bonus": Decimal(0), "deduction": Decimal(0)}
    for adjustment in definition.adjustments:
        if adjustment.kind == "veto":
            continue
        value = park.values.get(adjustment.indicator)
        if value is None:
            result.missing.append(
                _missing("", adjustment.indicator, adjustment.name, f"{adjustment.kind}_no_value")
            )
            continue
        if not adjustment.holds(value):
            continue
        cap = caps[adjustment.kind]
        amount = adjustment.points or Decimal(0)
        if cap is not None:
            amount = max(min(amount, cap - used[adjustment.kind]), Decimal(0))
        if amount == 0:
            continue
        used[adjustment.kind] += amount
        signed = amount if adjustment.kind == "bonus" else -amount
        exact.append(Fraction(signed))
        result.contributions.append(
            {
                "kind": adjustment.kind,
                "item": "",
                "indicator": adjustment.indicator,
                "name": adjustment.name,
                "group": None,
                "value": str(value),
                "benchmark": str(adjustment.threshold),
                "normalised": None,
                "weight": None,
                "points": None,
            }
        )
    total = sum(exact, Fraction(0))
    for contribution, points in zip(result.contributions, shown_points(exact, total), strict=True):
        contribution["points"] = str(points)
    result.bonus, result.deduction = quantize(used["bonus"]), quantize(used["deduction"])
    result.score = _from_units(_units(total))


def _rank_and_tier(definition: Definition, members: list[ParkScore]) -> None:
    assessed = [r for r in members if r.assessed]
    ordered = sorted(assessed, key=lambda r: (r.vetoed, -(r.score or 0), r.code))
    n = len(ordered)
    previous_key, previous_rank = None, 0
    for position, result in enumerate(ordered, start=1):
        key = (result.vetoed, result.score)
        result.rank = previous_rank if key == previous_key else position
        previous_key, previous_rank = key, result.rank
        result.peer_count = n
        tier = definition.tiers[-1] if result.vetoed else _tier(definition, result, n)
        result.tier, result.tier_label = tier.code, tier.label
    for result in members:
        if not result.assessed:
            result.peer_count = n
            result.tier, result.tier_label = NOT_ASSESSED, str(_("未评价"))


def places(top: Decimal, n: int) -> int:
    """How many places of ``n`` the best ``top`` percent hold: ⌈top × n / 100⌉, exactly."""
    return int((top * n / HUNDRED).to_integral_value(rounding=ROUND_CEILING))


def _tier(definition: Definition, result: ParkScore, n: int) -> Tier:
    for tier in definition.tiers:
        if definition.tier_method == "percentile":
            if tier.bound is not None and result.rank <= places(tier.bound, n):
                return tier
        elif tier.bound is None or (result.score is not None and result.score >= tier.bound):
            return tier
    return definition.tiers[-1]


def rank_changes(
    current: list[ParkScore], previous: list[ParkScore]
) -> dict[int, tuple[int | None, int | None]]:
    """park → (previous rank, change): the change is previous rank − rank (positive: moved up), None
    when either year is not assessed or the park was in another peer group."""
    before = {r.park_id: r for r in previous}
    changes: dict[int, tuple[int | None, int | None]] = {}
    for result in current:
        old = before.get(result.park_id)
        old_rank = old.rank if old is not None and old.assessed else None
        same_group = old is not None and old.peer_group == result.peer_group
        change = (
            old_rank - result.rank
            if old_rank is not None and result.rank is not None and same_group
            else None
        )
        changes[result.park_id] = (old_rank if same_group else None, change)
    return changes


# --- writing: schemes and runs --------------------------------------------------------------------------
# (The database is read through evaluation.selectors, imported inside the functions: it builds on the
# dataclasses above.)


def _unit_errors(definition: Definition, indicators: Mapping) -> list[dict]:
    problems = []
    for n, item in enumerate(definition.items):
        indicator = indicators.get(item.indicator)
        if indicator is None:
            problems.append(
                error_item(f"items[{n}].indicator", _("指标目录中没有“%(code)s”") % {"code": item.indicator})
            )
        elif item.unit and item.unit != indicator.unit.symbol:
            problems.append(
                error_item(
                    f"items[{n}].unit",
                    _("“%(code)s”的对标值、底线值和满意值须以指标目录的单位“%(unit)s”填写")
                    % {"code": item.indicator, "unit": indicator.unit.symbol},
                )
            )
    for n, adjustment in enumerate(definition.adjustments):
        if adjustment.indicator not in indicators:
            problems.append(
                error_item(
                    f"adjustments[{n}].indicator",
                    _("指标目录中没有“%(code)s”") % {"code": adjustment.indicator},
                )
            )
    kinds = {value for value, _label in _park_kinds()}
    if any(kind not in kinds for kind in definition.kinds):
        problems.append(
            error_item(
                "scope.kinds", _("园区类型应为以下之一：%(choices)s") % {"choices": "、".join(sorted(kinds))}
            )
        )
    return problems


def _park_kinds():
    from parks.models import Park

    return Park.Kind.choices


def scheme_save(document: Mapping):
    """Create or replace the scheme ``document["code"]`` (the YAML file's shape), all or nothing: the
    document is checked first (every problem reported at once, nothing saved). Returns the Scheme."""
    from django.db import transaction

    from evaluation.models import Scheme, SchemeAdjustment, SchemeGroup, SchemeItem, SchemeTier
    from evaluation.selectors import catalogue_directions
    from indicators.models import Indicator

    codes = _document_indicator_codes(document)
    definition = definition_from_dict(document, directions=catalogue_directions(codes))
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(code__in=definition.indicator_codes()).select_related("unit")
    }
    problems = _unit_errors(definition, indicators)
    if problems:
        raise Invalid(
            _("评价方案有 %(count)s 处错误：%(first)s")
            % {"count": len(problems), "first": f"{problems[0]['field']}: {problems[0]['message']}"},
            errors=problems,
        )
    with transaction.atomic():
        scheme, _created = Scheme.objects.update_or_create(
            code=definition.code,
            defaults={
                "name": definition.name,
                "is_example": definition.example,
                "description": definition.description,
                "source": definition.source,
                "province": definition.province,
                "prefecture": definition.prefecture,
                "park_kinds": list(definition.kinds),
                "peer_groups": definition.peer_groups,
                "tier_method": definition.tier_method,
                "min_coverage": definition.min_coverage,
                "bonus_cap": definition.bonus_cap,
                "deduction_cap": definition.deduction_cap,
            },
        )
        for model in (SchemeItem, SchemeGroup, SchemeAdjustment, SchemeTier):
            for row in model.objects.filter(scheme=scheme):
                row.delete()  # one by one, so the history records each removal
        groups = {}
        for order, group in enumerate(definition.groups, start=1):
            groups[group.code] = SchemeGroup.objects.create(
                scheme=scheme, code=group.code, name=group.name, weight=group.weight, order=order
            )
        for order, item in enumerate(definition.items, start=1):
            indicator = indicators[item.indicator]
            SchemeItem.objects.create(
                scheme=scheme,
                group=groups.get(item.group) if item.group else None,
                code=item.code,
                indicator=indicator,
                name=item.name if item.name != indicator.name_zh else "",
                weight=item.weight,
                order=order,
                method=item.method,
                direction=item.direction if item.direction != indicator.direction else None,
                benchmark=item.benchmark,
                benchmark_by_level={k: str(v) for k, v in item.benchmark_by_level.items()},
                benchmark_is_target=item.benchmark_is_target,
                floor=item.floor,
                ceiling=item.ceiling,
                cap=item.cap,
                min_score=item.min_score,
                source=item.source,
            )
        for order, adjustment in enumerate(definition.adjustments, start=1):
            SchemeAdjustment.objects.create(
                scheme=scheme,
                kind=adjustment.kind,
                name=adjustment.name,
                indicator=indicators[adjustment.indicator],
                operator=adjustment.operator,
                threshold=adjustment.threshold,
                points=adjustment.points,
                if_missing=adjustment.if_missing,
                order=order,
                source=adjustment.source,
            )
        for order, tier in enumerate(definition.tiers, start=1):
            SchemeTier.objects.create(
                scheme=scheme, code=tier.code, label=tier.label, bound=tier.bound, order=order
            )
    return scheme


def _document_indicator_codes(document: Mapping) -> set[str]:
    codes: set[str] = set()
    if not isinstance(document, Mapping):
        return codes
    entries = list(document.get("items") or []) + list(document.get("adjustments") or [])
    for group in document.get("groups") or []:
        if isinstance(group, Mapping):
            entries += list(group.get("items") or [])
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("indicator"):
            codes.add(str(entry["indicator"]))
    return codes


def scheme_load_file(path) -> object:
    """``manage.py evaluation load FILE``: read a YAML scheme document and save it (``scheme_save``)."""
    from pathlib import Path

    import yaml

    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(_("无法读取文件：%(error)s") % {"error": exc}, field="file") from exc
    except yaml.YAMLError as exc:
        raise Invalid(_("YAML 格式错误：%(error)s") % {"error": exc}, field="file") from exc
    return scheme_save(document)


def evaluation_compute(*, scheme, year: int):
    """Score a scheme for ``year`` and ``year − 1`` (the same scheme, for the change of rank) without
    storing anything: (definition, parks, scores, rank changes, parks with synthetic data)."""
    from evaluation.selectors import evaluation_inputs, scheme_definition, scheme_parks, schemes_with_rows

    definition = scheme_definition(schemes_with_rows().get(pk=scheme.pk))
    parks = list(scheme_parks(definition))
    current, synthetic = evaluation_inputs(definition, year, parks)
    previous, _synthetic = evaluation_inputs(definition, year - 1, parks)
    scores = score_parks(definition, current)
    changes = rank_changes(scores, score_parks(definition, previous))
    return definition, parks, scores, changes, synthetic


def evaluation_run(*, scheme, year: int, user=None, run=None):
    """Run ``scheme`` for ``year`` and store each park's result (replacing that scheme-year's previous
    results, with history), all in one transaction. Returns the finished ``EvaluationRun``."""
    from django.db import transaction
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    from evaluation.models import EvaluationResult, EvaluationRun, Scheme

    with transaction.atomic():
        scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
        definition, parks, scores, changes, synthetic = evaluation_compute(scheme=scheme, year=year)
        now = timezone.now()
        if run is None:
            run = EvaluationRun.objects.create(
                scheme=scheme, year=year, requested_by=user, status=EvaluationRun.Status.RUNNING
            )
        existing = {r.park_id: r for r in EvaluationResult.objects.filter(scheme=scheme, year=year)}
        to_create, to_update = [], []
        for result in scores:
            previous_rank, change = changes[result.park_id]
            fields = {
                "run": run,
                "peer_group": result.peer_group,
                "assessed": result.assessed,
                "score": result.score,
                "rank": result.rank,
                "peer_count": result.peer_count,
                "tier": result.tier,
                "tier_label": result.tier_label,
                "vetoed": result.vetoed,
                "veto_reason": result.veto_reason[:500],
                "bonus": result.bonus,
                "deduction": result.deduction,
                "coverage": quantize(result.coverage),
                "previous_rank": previous_rank,
                "rank_change": change,
                "contributions": result.contributions,
                "missing": result.missing,
                "synthetic": result.park_id in synthetic,
                "computed_at": now,
            }
            row = existing.pop(result.park_id, None)
            if row is None:
                to_create.append(EvaluationResult(scheme=scheme, year=year, park_id=result.park_id, **fields))
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
                to_update.append(row)
        for stale in existing.values():  # a park no longer in the scheme's scope
            stale.delete()
        if to_create:
            bulk_create_with_history(
                to_create, EvaluationResult, default_user=user, default_change_reason="evaluation run"
            )
        if to_update:
            bulk_update_with_history(
                to_update,
                EvaluationResult,
                fields=[*fields],
                default_user=user,
                default_change_reason="evaluation run",
            )
        run.status = EvaluationRun.Status.DONE
        run.finished_at = timezone.now()
        run.definition = definition.to_dict()
        run.parks = len(scores)
        run.assessed = sum(1 for r in scores if r.assessed)
        run.message = ""
        run.save()
    return run


def evaluation_request(*, user, scheme, year: int):
    """Queue a run (the page's 运行评价 button): refused unless ``user`` may run the scheme
    (``evaluation.selectors.may_run``). The Celery task starts once the run row is committed."""
    from django.db import transaction

    from core.errors import NotAllowed
    from evaluation.models import EvaluationRun
    from evaluation.selectors import may_run
    from indicators.models import YEAR_MAX, YEAR_MIN

    if not may_run(user, scheme):
        raise NotAllowed(_("只有管理员和该地区的区域查看人员可以运行评价方案"))
    if not (YEAR_MIN <= year <= YEAR_MAX):
        raise Invalid(_("年份须在 %(min)s–%(max)s 之间") % {"min": YEAR_MIN, "max": YEAR_MAX}, field="year")
    with transaction.atomic():
        run = EvaluationRun.objects.create(scheme=scheme, year=year, requested_by=user)
        from evaluation.tasks import run_evaluation

        run_evaluation.delay_on_commit(run.pk)
    return run


def evaluation_run_queued(run_id: int) -> None:
    """What the Celery task does: run a queued ``EvaluationRun`` (a run already done is left alone, so a
    redelivered task does nothing); a failure is recorded on the run."""
    import logging

    from django.db import transaction
    from django.utils import timezone

    from evaluation.models import EvaluationRun

    with transaction.atomic():
        claimed = EvaluationRun.objects.filter(pk=run_id, status=EvaluationRun.Status.QUEUED).update(
            status=EvaluationRun.Status.RUNNING
        )
    if not claimed:
        return
    run = EvaluationRun.objects.select_related("scheme", "requested_by").get(pk=run_id)
    try:
        evaluation_run(scheme=run.scheme, year=run.year, user=run.requested_by, run=run)
    except Exception as exc:  # recorded for the page; the worker's log has the traceback
        logging.getLogger(__name__).exception("evaluation run %s failed", run_id)
        EvaluationRun.objects.filter(pk=run_id).update(
            status=EvaluationRun.Status.FAILED,
            finished_at=timezone.now(),
            message=getattr(exc, "message", None) or str(exc) or exc.__class__.__name__,
        )
