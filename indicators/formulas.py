"""Formula indicators: indicators defined as an expression of other indicators (issue 13).

A formula names the indicators it is computed from by their catalogue codes in braces, optionally with
the unit the formula expects each part in (a unit code or symbol); without a unit a part is read in its
own catalogue unit::

    {operating-revenue:万元} / {land-area:亩}                      亩均营业收入, 万元/亩
    {rd-spending-above-scale} / {revenue-above-scale} × 100         研发经费支出占营业收入比重, %

Only ``+ − × ÷`` (also written ``+ - * /``), parentheses and numeric constants are allowed. The text is
parsed with :mod:`ast` into a small tree of whitelisted nodes and evaluated by walking that tree with
Decimal arithmetic; nothing is ever passed to ``eval``. Parts are converted exactly into the units the
formula names (1 平方公里 = 1,500 亩; 1 亿元 = 10,000 万元); a part whose unit measures something else is
refused. The units of the result are checked against the indicator's own unit (``万元/亩`` is 万元 over
亩), so a formula is explicit about what it returns. A division by zero gives no value and a reason,
never 0.

``%`` is a pure number on a scale of 0.01 (5 % is 0.05), never a plain number: the unit algebra keeps a
scale beside the units. A constant factor sets the scale of the number it multiplies (× 100 turns a
fraction into per cent, ÷ 100 per cent back into a fraction), and the result's scale must be the
indicator's. So for a ``%`` indicator ``{a:万元} / {b:万元} × 100`` is accepted, while the bare fraction
``{a:万元} / {b:万元}``, ``… × 10000``, a share already in % multiplied by 100 again, or a sum of a % and
a fraction are refused (the stored value would be 100 times off). A result with units (万元, 万元/亩)
may also be a multiple of its parts (``({a} + {b}) / 2``): there a constant is read as a coefficient
when that gives the indicator's scale, but a % part still counts as 0.01 (an amount × a rate in % must
be divided by 100).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

from django.utils.translation import gettext as _

MAX_FORMULA_LENGTH = 500
WORK_PRECISION = 60
REFERENCE = re.compile(r"\{\s*([A-Za-z0-9][A-Za-z0-9_-]*)\s*(?::\s*([^{}:\s][^{}:]*?)\s*)?\}")
PLACEHOLDER = "__part{}"
PLACEHOLDER_NAME = re.compile(r"__part(\d+)\Z")
# Characters people type for the same operators (× ÷ −, full-width brackets and signs).
NORMALISE = str.maketrans(
    {"×": "*", "÷": "/", "−": "-", "（": "(", "）": ")", "＋": "+", "－": "-", "＊": "*", "／": "/"}
)
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
SHOWN = {"+": "+", "-": "−", "*": "×", "/": "÷"}


class FormulaError(ValueError):
    """A formula that cannot be read, or a value that cannot be computed (the message says why)."""


# --- the tree ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Part:
    """A reference to another indicator, read in ``unit`` (a unit code or symbol; "" = its own unit)."""

    code: str
    unit: str = ""


@dataclass(frozen=True)
class Negative:
    operand: object


@dataclass(frozen=True)
class Binary:
    op: str  # + - * /
    left: object
    right: object


@dataclass(frozen=True)
class Parsed:
    text: str
    tree: object
    parts: tuple[Part, ...]  # in the order they first appear, each (code, unit) once

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(p.code for p in self.parts))


def parse(text: str) -> Parsed:
    """Read a formula into its tree; FormulaError (in Chinese) for anything outside the whitelist."""
    source = (text or "").strip()
    if not source:
        raise FormulaError(_("公式为空"))
    if len(source) > MAX_FORMULA_LENGTH:
        raise FormulaError(_("公式过长（最多 %(n)s 个字符）") % {"n": MAX_FORMULA_LENGTH})
    parts: list[Part] = []

    def replace(match: re.Match) -> str:
        parts.append(Part(match.group(1), (match.group(2) or "").strip()))
        return PLACEHOLDER.format(len(parts) - 1)

    replaced = REFERENCE.sub(replace, source.translate(NORMALISE))
    if "{" in replaced or "}" in replaced:
        raise FormulaError(_("引用指标的写法不正确：应写作 {指标代码} 或 {指标代码:单位}"))
    if not parts:
        raise FormulaError(_("公式没有引用任何指标（写作 {指标代码}）"))
    try:
        node = ast.parse(replaced, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(_("公式无法解析：请只使用 + − × ÷、括号、数字和 {指标代码}")) from exc
    tree = _convert(node.body, replaced, parts)
    unique = tuple(dict.fromkeys(parts))
    return Parsed(text=source, tree=tree, parts=unique)


def _convert(node: ast.AST, source: str, parts: list[Part]) -> object:
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return Binary(
            OPERATORS[type(node.op)], _convert(node.left, source, parts), _convert(node.right, source, parts)
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _convert(node.operand, source, parts)
        return Negative(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        # The digits as written, never the float Python read them as.
        written = ast.get_source_segment(source, node) or ""
        try:
            value = Decimal(written)
        except InvalidOperation as exc:
            raise FormulaError(_("公式中的数字“%(text)s”无法识别") % {"text": written}) from exc
        if not value.is_finite():
            raise FormulaError(_("公式中的数字“%(text)s”无法识别") % {"text": written})
        return Number(value)
    if isinstance(node, ast.Name):
        found = PLACEHOLDER_NAME.match(node.id)
        if found:
            return parts[int(found.group(1))]
        raise FormulaError(_("公式中的“%(name)s”不是指标引用：引用指标请写作 {指标代码}") % {"name": node.id})
    written = ast.get_source_segment(source, node) or type(node).__name__
    written = re.sub(r"__part(\d+)", lambda m: _written(parts[int(m.group(1))]), written)
    raise FormulaError(
        _("公式中不允许使用“%(text)s”：只能使用 + − × ÷、括号、数字和 {指标代码}") % {"text": written}
    )


def _written(part: Part) -> str:
    return f"{{{part.code}:{part.unit}}}" if part.unit else f"{{{part.code}}}"


def describe(text: str, names: Mapping[str, str] | None = None) -> str:
    """The formula as people read it: indicator names instead of codes, × and ÷ ("营业收入 ÷ 用地面积")."""
    try:
        parsed = parse(text)
    except FormulaError:
        return text
    names = names or {}

    def precedence(node) -> int:
        if isinstance(node, Binary):
            return 1 if node.op in "+-" else 2
        return 3 if isinstance(node, Negative) else 4

    def show(node) -> str:
        if isinstance(node, Number):
            return format(node.value, "f")
        if isinstance(node, Part):
            name = names.get(node.code, node.code)
            return f"{name}（{node.unit}）" if node.unit else name
        if isinstance(node, Negative):
            inner = show(node.operand)
            return "−" + (f"({inner})" if precedence(node.operand) < 3 else inner)
        mine = precedence(node)
        left, right = show(node.left), show(node.right)
        if precedence(node.left) < mine:
            left = f"({left})"
        if precedence(node.right) < mine or (precedence(node.right) == mine and node.op in "-/"):
            right = f"({right})"
        return f"{left} {SHOWN[node.op]} {right}"

    return show(parsed.tree)


# --- units -------------------------------------------------------------------------------------------


Dimension = dict  # unit code → exponent; a pure number (or %) is {}
PERCENT = Fraction(1, 100)  # the scale of %: 5 % is 0.05


@dataclass(frozen=True)
class Quantity:
    """What a (part of a) formula's value is measured in: ``dims`` (unit code → exponent) and the
    ``scale`` one of its numbers stands for (a number in % stands for 0.01 of itself)."""

    dims: Dimension
    scale: Fraction = Fraction(1)


@dataclass(frozen=True)
class _Constant:
    """A subexpression made of numbers only (its exact value)."""

    value: Fraction


def _unit_dims(unit) -> Dimension:
    return {} if unit.dimension == "percent" else {unit.code: 1}


def _unit_quantity(unit) -> Quantity:
    return Quantity({}, PERCENT) if unit.dimension == "percent" else Quantity({unit.code: 1})


def _combine(a: Dimension, b: Dimension, sign: int) -> Dimension:
    result = dict(a)
    for code, exp in b.items():
        result[code] = result.get(code, 0) + sign * exp
    return {code: exp for code, exp in result.items() if exp}


def _dims_text(dims: Dimension, symbols: Mapping[str, str]) -> str:
    top = [symbols.get(c, c) + (f"^{e}" if e > 1 else "") for c, e in sorted(dims.items()) if e > 0]
    bottom = [symbols.get(c, c) + (f"^{-e}" if e < -1 else "") for c, e in sorted(dims.items()) if e < 0]
    text = "·".join(top) or "1"
    return f"{text}/{'·'.join(bottom)}" if bottom else (text if top else _("纯数"))


def _scale_text(scale: Fraction) -> str:
    """0.01, 10000 or 1/3: exact, as a decimal when it has one."""
    denominator = scale.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"{scale.numerator}/{scale.denominator}"
    with localcontext() as ctx:
        ctx.prec = WORK_PRECISION
        return format((Decimal(scale.numerator) / Decimal(scale.denominator)).normalize(), "f")


def _quantity_text(quantity: Quantity, symbols: Mapping[str, str]) -> str:
    """ "万元/亩", "纯数（比值）", "%", "以 0.0001 计的纯数", "以 0.01 计的万元"."""
    if not quantity.dims:
        if quantity.scale == 1:
            return _("纯数（比值）")
        if quantity.scale == PERCENT:
            return "%"
    units = _dims_text(quantity.dims, symbols)
    if quantity.scale == 1:
        return units
    return _("以 %(scale)s 计的%(units)s") % {"scale": _scale_text(quantity.scale), "units": units}


# --- the catalogue a formula is read against ---------------------------------------------------------


@dataclass
class Catalogue:
    """What formulas need of the catalogue, loaded in two queries: indicators (id, code, name, unit,
    formula) and units."""

    indicators: dict[str, dict]  # code → {"id", "code", "name_zh", "unit_id", "formula"}
    units: dict[int, object]  # id → Unit
    by_id: dict[int, dict] = field(default_factory=dict)

    def __post_init__(self):
        self.by_id = {row["id"]: row for row in self.indicators.values()}

    @classmethod
    def load(cls, *, units_if_formulas: bool = False) -> Catalogue:
        """Two queries; one when ``units_if_formulas`` and no indicator has a formula (the hot path of
        every write, which needs nothing more then)."""
        from indicators.models import Indicator, Unit

        rows = list(Indicator.objects.values("id", "code", "name_zh", "unit_id", "formula"))
        wanted = not units_if_formulas or any(row["formula"] for row in rows)
        return cls({row["code"]: row for row in rows}, Unit.objects.in_bulk() if wanted else {})

    @property
    def has_formulas(self) -> bool:
        return any(row["formula"] for row in self.indicators.values())

    def unit(self, key: str):
        """A unit named by its code or its symbol."""
        for unit in self.units.values():
            if key in (unit.code, unit.symbol):
                return unit
        return None

    def formula_of(self, code: str) -> str:
        row = self.indicators.get(code)
        return row["formula"] if row else ""

    def names(self) -> dict[str, str]:
        return {code: row["name_zh"] for code, row in self.indicators.items()}

    def formulas(self) -> dict[str, Parsed]:
        """Every formula of the catalogue that can be read, by indicator code."""
        found = {}
        for code, row in self.indicators.items():
            if row["formula"]:
                try:
                    found[code] = parse(row["formula"])
                except FormulaError:
                    continue
        return found


def validate(*, code: str, unit, formula: str, catalogue: Catalogue | None = None) -> list[str]:
    """Why the formula cannot define indicator ``code`` (in ``unit``): unknown codes, a unit a part
    cannot be converted into, sums of different units, a result in another unit than the indicator's,
    a cycle through other formulas. Empty when it is fine. Messages are Chinese."""
    try:
        parsed = parse(formula)
    except FormulaError as exc:
        return [str(exc)]
    catalogue = catalogue or Catalogue.load()
    errors: list[str] = []
    for part in parsed.parts:
        if part.code == code:
            errors.append(_("公式不能引用指标本身（%(code)s）") % {"code": code})
        elif part.code not in catalogue.indicators:
            errors.append(_("公式引用的指标代码“%(code)s”不存在") % {"code": part.code})
        elif part.unit:
            expected = catalogue.unit(part.unit)
            own = catalogue.units[catalogue.indicators[part.code]["unit_id"]]
            if expected is None:
                errors.append(_("公式中的单位“%(unit)s”不存在") % {"unit": part.unit})
            elif expected.dimension != own.dimension:
                errors.append(
                    _("“%(name)s”的单位是“%(own)s”，无法换算为公式要求的“%(unit)s”")
                    % {
                        "name": catalogue.indicators[part.code]["name_zh"],
                        "own": own.symbol,
                        "unit": expected.symbol,
                    }
                )
    if errors:
        return errors
    symbols = {u.code: u.symbol for u in catalogue.units.values()}
    try:
        result = _quantity(parsed.tree, catalogue, symbols, coefficients=False)
    except FormulaError as exc:
        return [str(exc)]
    wanted = _indicator_quantity(unit, catalogue)
    if wanted is None:
        errors.append(
            _("无法核对公式的单位：指标单位“%(unit)s”不是目录中的单位或单位之比") % {"unit": unit.symbol}
        )
    elif wanted.dims != result.dims:
        errors.append(
            _(
                "公式结果的单位是“%(result)s”，与指标的单位“%(unit)s”不一致"
                "（请在引用中写明单位，如 {代码:万元}）"
            )
            % {"result": _dims_text(result.dims, symbols), "unit": unit.symbol}
        )
    elif wanted.scale != result.scale and not _as_multiple(parsed, catalogue, symbols, wanted):
        errors.append(
            _(
                "公式结果是“%(result)s”，与指标的单位“%(unit)s”不一致：比值乘以 100 才是百分数（%%），"
                "以 %% 为单位的数值不要再乘以 100"
            )
            % {"result": _quantity_text(result, symbols), "unit": unit.symbol}
        )
    cycle = _cycle(code, parsed, catalogue)
    if cycle:
        errors.append(_("公式形成循环引用：%(path)s") % {"path": " → ".join(cycle)})
    return errors


def _indicator_quantity(unit, catalogue: Catalogue) -> Quantity | None:
    """The units an indicator's unit stands for: 万元/亩 is 万元 over 亩; % a pure number on a scale of
    0.01."""
    if unit.dimension == "percent" or "/" not in unit.symbol:
        return _unit_quantity(unit)
    top, _slash, bottom = unit.symbol.partition("/")
    a, b = catalogue.unit(top.strip()), catalogue.unit(bottom.strip())
    if a is None or b is None or "/" in bottom:
        return None
    a, b = _unit_quantity(a), _unit_quantity(b)
    return Quantity(_combine(a.dims, b.dims, -1), a.scale / b.scale)


def _as_multiple(parsed: Parsed, catalogue: Catalogue, symbols: Mapping[str, str], wanted: Quantity) -> bool:
    """Whether a result with units is the indicator's unit when its constants are read as
    coefficients (``({a} + {b}) / 2`` in 万元). Never for a pure number or %: there a constant factor
    is what tells a fraction from per cent."""
    if not wanted.dims:
        return False
    try:
        return _quantity(parsed.tree, catalogue, symbols, coefficients=True) == wanted
    except FormulaError:
        return False


def _quantity(node, catalogue: Catalogue, symbols: Mapping[str, str], *, coefficients: bool) -> Quantity:
    """The units and scale of a formula's value (FormulaError when a sum adds different things).
    A constant factor sets the scale (× 100: a number 100 times as large, so each unit stands for 0.01);
    with ``coefficients`` it is read as a plain multiple instead and leaves the scale alone."""
    found = _measure(node, catalogue, symbols, coefficients)
    return found if isinstance(found, Quantity) else Quantity({})


def _measure(node, catalogue: Catalogue, symbols: Mapping[str, str], coefficients: bool):
    if isinstance(node, Number):
        return _Constant(Fraction(node.value))
    if isinstance(node, Part):
        unit = (
            catalogue.unit(node.unit)
            if node.unit
            else catalogue.units[catalogue.indicators[node.code]["unit_id"]]
        )
        return _unit_quantity(unit)
    if isinstance(node, Negative):
        inner = _measure(node.operand, catalogue, symbols, coefficients)
        return _Constant(-inner.value) if isinstance(inner, _Constant) else inner
    left = _measure(node.left, catalogue, symbols, coefficients)
    right = _measure(node.right, catalogue, symbols, coefficients)
    if isinstance(left, _Constant) and isinstance(right, _Constant):
        if node.op == "/" and right.value == 0:
            raise FormulaError(_("公式中的常数除数为 0"))
        operate = {
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
        }[node.op]
        return _Constant(operate(left.value, right.value))
    if node.op in "+-":
        # A number added to a pure number is on that number's scale (“{a:%} − 1” takes 1 percentage point).
        sides = [q if isinstance(q, Quantity) else None for q in (left, right)]
        known = [q for q in sides if q is not None]
        lhs = sides[0] or Quantity({}, known[0].scale)
        rhs = sides[1] or Quantity({}, known[0].scale)
        if lhs.dims != rhs.dims:
            raise FormulaError(
                _("“%(op)s”两边的单位不一致（%(left)s 与 %(right)s）")
                % {
                    "op": SHOWN[node.op],
                    "left": _dims_text(lhs.dims, symbols),
                    "right": _dims_text(rhs.dims, symbols),
                }
            )
        if lhs.scale != rhs.scale:
            raise FormulaError(
                _("“%(op)s”两边的数值口径不一致（%(left)s 与 %(right)s），比值乘以 100 才是百分数")
                % {
                    "op": SHOWN[node.op],
                    "left": _quantity_text(lhs, symbols),
                    "right": _quantity_text(rhs, symbols),
                }
            )
        return lhs
    if isinstance(right, _Constant) or isinstance(left, _Constant):
        constant = right.value if isinstance(right, _Constant) else left.value
        quantity = left if isinstance(left, Quantity) else right
        if constant == 0:
            if node.op == "/" and isinstance(right, _Constant):
                raise FormulaError(_("公式中的常数除数为 0"))
            raise FormulaError(_("公式中的常数因子为 0，结果恒为 0"))
        if isinstance(left, _Constant) and node.op == "/":  # constant ÷ quantity
            quantity = Quantity(_combine({}, quantity.dims, -1), 1 / quantity.scale)
        if coefficients:
            return quantity
        factor = abs(constant)
        divided = node.op == "/" and isinstance(right, _Constant)
        return Quantity(quantity.dims, quantity.scale * factor if divided else quantity.scale / factor)
    sign = 1 if node.op == "*" else -1
    scale = left.scale * right.scale if sign > 0 else left.scale / right.scale
    return Quantity(_combine(left.dims, right.dims, sign), scale)


def _cycle(code: str, parsed: Parsed, catalogue: Catalogue) -> list[str] | None:
    """A path code → … → code through the catalogue's formulas (with ``parsed`` as code's), or None."""
    formulas = catalogue.formulas()
    formulas[code] = parsed
    path: list[str] = [code]
    seen: set[str] = set()

    def walk(current: str) -> bool:
        for part in formulas[current].codes if current in formulas else []:
            if part == code:
                path.append(part)
                return True
            if part in seen:
                continue
            seen.add(part)
            path.append(part)
            if walk(part):
                return True
            path.pop()
        return False

    return path if walk(code) else None


# --- evaluating --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """A formula read against the catalogue: per part, the indicator and the factor that turns its
    stored value into the unit the formula expects."""

    code: str
    indicator_id: int
    parsed: Parsed
    factors: dict[Part, Decimal]
    part_ids: dict[Part, int]

    @property
    def part_indicator_ids(self) -> list[int]:
        return list(dict.fromkeys(self.part_ids.values()))


def bind(code: str, catalogue: Catalogue) -> Bound:
    """``code``'s formula with each part's indicator and exact conversion factor (FormulaError if a
    part is unknown or its unit cannot be converted)."""
    from indicators.units import UnitConversionError, factor_between

    row = catalogue.indicators[code]
    parsed = parse(row["formula"])
    factors, ids = {}, {}
    for part in parsed.parts:
        target = catalogue.indicators.get(part.code)
        if target is None:
            raise FormulaError(_("公式引用的指标代码“%(code)s”不存在") % {"code": part.code})
        own = catalogue.units[target["unit_id"]]
        expected = catalogue.unit(part.unit) if part.unit else own
        if expected is None:
            raise FormulaError(_("公式中的单位“%(unit)s”不存在") % {"unit": part.unit})
        try:
            factors[part] = factor_between(own, expected)
        except UnitConversionError as exc:
            raise FormulaError(str(exc)) from exc
        ids[part] = target["id"]
    return Bound(code=code, indicator_id=row["id"], parsed=parsed, factors=factors, part_ids=ids)


def evaluate(bound: Bound, values: Mapping[int, Decimal], names: Mapping[int, str] | None = None) -> Decimal:
    """The formula's value from its parts' stored values (indicator id → value, in each part's own
    unit), in full precision. FormulaError with the reason when a part is missing or a divisor is 0."""
    names = names or {}
    missing = [i for i in bound.part_indicator_ids if values.get(i) is None]
    if missing:
        raise FormulaError(
            _("缺少组成指标的数值：%(names)s") % {"names": "、".join(names.get(i, str(i)) for i in missing)}
        )

    def walk(node) -> Decimal:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Part):
            return values[bound.part_ids[node]] * bound.factors[node]
        if isinstance(node, Negative):
            return -walk(node.operand)
        left, right = walk(node.left), walk(node.right)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if right == 0:
            raise FormulaError(
                _("除数为 0（%(part)s），无法计算") % {"part": _divisor_text(node.right, names, bound)}
            )
        return left / right

    with localcontext() as ctx:
        ctx.prec = WORK_PRECISION
        return walk(bound.parsed.tree)


def _divisor_text(node, names: Mapping[int, str], bound: Bound) -> str:
    if isinstance(node, Part):
        return names.get(bound.part_ids[node], node.code)
    return _("除数表达式")


def dependents(indicator_ids: Iterable[int], bounds: Mapping[int, Bound]) -> list[int]:
    """The formula indicators computed, directly or through other formulas, from ``indicator_ids``, in
    an order where every formula comes after the formulas it uses."""
    wanted = set(indicator_ids)
    users: dict[int, set[int]] = {}
    for fid, bound in bounds.items():
        for part in bound.part_indicator_ids:
            users.setdefault(part, set()).add(fid)
    found: set[int] = set()
    stack = list(wanted)
    while stack:
        for user in users.get(stack.pop(), ()):
            if user not in found:
                found.add(user)
                stack.append(user)
    return [fid for fid in topological(bounds) if fid in found]


def topological(bounds: Mapping[int, Bound]) -> list[int]:
    """Formula indicator ids, parts before the formulas that use them (cycles are refused on save; a
    cycle met here is broken rather than looped over)."""
    order: list[int] = []
    state: dict[int, int] = {}

    def visit(fid: int) -> None:
        if state.get(fid):
            return
        state[fid] = 1
        for part in bounds[fid].part_indicator_ids:
            if part in bounds:
                visit(part)
        state[fid] = 2
        order.append(fid)

    for fid in sorted(bounds):
        visit(fid)
    return order


def bind_all(catalogue: Catalogue) -> tuple[dict[int, Bound], dict[int, str]]:
    """Every formula of the catalogue, bound (indicator id → Bound), and the reason each formula that
    cannot be bound is skipped."""
    bounds, broken = {}, {}
    for code, row in catalogue.indicators.items():
        if not row["formula"]:
            continue
        try:
            bounds[row["id"]] = bind(code, catalogue)
        except FormulaError as exc:
            broken[row["id"]] = str(exc)
    return bounds, broken


def formula_clean_errors(indicator) -> dict[str, list[str]]:
    """What ``Indicator.clean`` refuses about formulas, by field (Chinese messages)."""
    from indicators.models import Indicator, Observation

    errors: dict[str, list[str]] = {}
    if not indicator.unit_id:
        return errors
    catalogue = Catalogue.load()
    old_code = None
    if indicator.pk:
        old_code = next((c for c, row in catalogue.indicators.items() if row["id"] == indicator.pk), None)
        if old_code is not None:
            del catalogue.indicators[old_code]
    catalogue.indicators[indicator.code] = {
        "id": indicator.pk or 0,
        "code": indicator.code,
        "name_zh": indicator.name_zh,
        "unit_id": indicator.unit_id,
        "formula": indicator.formula.strip(),
    }
    catalogue.by_id = {row["id"]: row for row in catalogue.indicators.values()}
    if indicator.unit_id not in catalogue.units:
        return errors
    unit = catalogue.units[indicator.unit_id]
    if indicator.formula.strip():
        found = validate(code=indicator.code, unit=unit, formula=indicator.formula, catalogue=catalogue)
        if found:
            errors["formula"] = [_("计算公式有误：%(message)s") % {"message": m} for m in found]
        elif indicator.pk:
            typed = Observation.objects.filter(indicator_id=indicator.pk, is_computed=False).count()
            if typed:
                errors["formula"] = [
                    _("该指标已有 %(n)s 条填报的数值，不能改为计算指标；请先清除这些数值") % {"n": typed}
                ]
    # Formulas of other indicators that use this one must still hold with its new code and unit.
    for code, parsed in catalogue.formulas().items():
        if code == indicator.code:
            continue
        uses_old = old_code is not None and old_code != indicator.code and old_code in parsed.codes
        if uses_old:
            errors.setdefault("code", []).append(
                _("指标“%(name)s”的计算公式引用了代码“%(code)s”，不能修改代码")
                % {"name": catalogue.indicators[code]["name_zh"], "code": old_code}
            )
            continue
        if indicator.code not in parsed.codes:
            continue
        user = Indicator(code=code, unit_id=catalogue.indicators[code]["unit_id"])
        found = validate(
            code=code, unit=catalogue.units[user.unit_id], formula=parsed.text, catalogue=catalogue
        )
        for message in found:
            errors.setdefault("unit", []).append(
                _("指标“%(name)s”的计算公式引用了本指标：%(message)s")
                % {"name": catalogue.indicators[code]["name_zh"], "message": message}
            )
    return errors


def parts_asked(indicator_ids: Iterable[int], bounds: Mapping[int, Bound]) -> dict[int, set[int]]:
    """For each of ``indicator_ids`` that some formula is computed from (directly or through other
    formulas), those formula indicators: a plan that asks for a formula asks for its parts."""
    users: dict[int, set[int]] = {}
    for fid, bound in bounds.items():
        for part in bound.part_indicator_ids:
            users.setdefault(part, set()).add(fid)
    found: dict[int, set[int]] = {}
    for start in set(indicator_ids):
        seen: set[int] = set()
        stack = [start]
        while stack:
            for user in users.get(stack.pop(), ()):
                if user not in seen:
                    seen.add(user)
                    stack.append(user)
        if seen:
            found[start] = seen
    return found


def formula_graph() -> tuple[Catalogue, dict[int, Bound]]:
    """The catalogue and its bound formulas, for the hot paths (one query when there is no formula)."""
    catalogue = Catalogue.load(units_if_formulas=True)
    if not catalogue.has_formulas:
        return catalogue, {}
    return catalogue, bind_all(catalogue)[0]
