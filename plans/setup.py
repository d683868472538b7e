"""Plan set-up: create a plan, give it its indicators as printed, enter its targets, or load its table.

Services in the house style: keyword-only, permission first, everything validated before anything is
written, one transaction, a progress recompute requested for the plan's park. Errors are the
workflow's (``Invalid`` with row-level ``errors``, ``NotAllowed``), so the screens show them alike.

Who may: administrators, and "planners": users given the ``plans.change_plan`` permission (for
instance through a 规划员 group in the admin). Planners work across parks, as plan set-up is a
platform task rather than a park's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import export, xlsx
from core.errors import Invalid, NotAllowed
from core.formatting import decimal_str
from core.outbox import request_recompute
from core.text import text_errors
from indicators.models import Category, Indicator, IndicatorAlias, Unit
from indicators.names import name_variants
from indicators.units import UnitConversionError, convert
from parks.models import Park
from parks.permissions import is_admin
from plans import excel
from plans.models import Milestone, Plan, PlanIndicator, Target, TargetRevision
from plans.selectors import revertible, version_in_force
from plans.target_text import ParsedTarget, TargetTextError, parse_target, same_target, target_text

MEASURE_WORDS = [
    # A quantity per unit of output (单位增加值综合能耗, 万元工业增加值水耗, 碳排放强度); never a percentage.
    (
        "intensity",
        ("单位增加值", "单位工业增加值", "单位生产总值", "单位地区生产总值", "单位GDP", "万元GDP")
        + ("万元增加值", "万元工业增加值", "万元生产总值", "排放强度", "能耗强度", "碳强度"),
    ),
    ("rate", ("增长率", "增速", "年均增长")),
    ("annual_flow", ("当年新增", "当年净增", "年新增", "新增")),
    ("cumulative_flow", ("累计",)),
]
LOWER_IS_BETTER_WORDS = ("能耗", "排放", "污染", "事故", "水耗", "耗水", "碳强度")


def can_plan(user) -> bool:
    return is_admin(user) or bool(user and user.is_authenticated and user.has_perm("plans.change_plan"))


def _require_planner(user) -> None:
    if not can_plan(user):
        raise NotAllowed(_("只有管理员或规划员可以设置规划"))


def parse_milestones(text: str) -> list[tuple[int, str]]:
    """'2025 近期, 2030 中期, 2035 远期' (or '2025:近期；2030') → [(2025, '近期'), …]."""
    result = []
    for part in re.split(r"[,，;；\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"((?:19|20)\d{2})\s*年?\s*[:：]?\s*(.*)", part)
        if not match:
            raise Invalid(
                _("目标节点“%(part)s”格式不对，应为“年份 名称”，如“2025 近期”") % {"part": part},
                field="milestones",
            )
        result.append((int(match.group(1)), match.group(2).strip()[:32]))
    return result


@transaction.atomic
def plan_save(
    *,
    user,
    plan: Plan | None,
    park: Park,
    code: str,
    name: str,
    kind: str,
    start_year: int,
    end_year: int,
    base_year: int,
    milestones: list[tuple[int, str]],
    source_document: str = "",
    note: str = "",
) -> Plan:
    """Create (``plan`` None) or change a plan and its milestones. The end year is always a milestone."""
    _require_planner(user)
    errors = []
    if end_year < start_year:
        errors.append({"field": "end_year", "message": _("终止年不能早于起始年")})
    if base_year > start_year:
        errors.append({"field": "base_year", "message": _("基期年不能晚于起始年")})
    for year, _label in milestones:
        if not start_year <= year <= end_year:
            errors.append(
                {
                    "field": "milestones",
                    "message": _("目标节点 %(year)s 不在规划期（%(start)s–%(end)s）内")
                    % {"year": year, "start": start_year, "end": end_year},
                }
            )
    if Plan.objects.filter(code=code).exclude(pk=plan.pk if plan else None).exists():
        errors.append({"field": "code", "message": _("规划代码“%(code)s”已被使用") % {"code": code}})
    if plan is not None:
        outside = sorted(
            set(
                Target.objects.filter(plan_indicator__plan=plan)
                .exclude(year__gte=start_year, year__lte=end_year)
                .values_list("year", flat=True)
            )
        )
        if outside:
            errors.append(
                {
                    "field": "start_year",
                    "message": _("已有 %(years)s 年的目标值，规划期必须包含这些年份")
                    % {"years": "、".join(map(str, outside))},
                }
            )
    if errors:
        raise Invalid(errors[0]["message"], field=errors[0]["field"], errors=errors)
    plan = plan or Plan()
    old_park_id = plan.park_id
    plan.park, plan.code, plan.name, plan.kind = park, code, name, kind
    plan.start_year, plan.end_year, plan.base_year = start_year, end_year, base_year
    plan.source_document, plan.note = source_document, note
    wanted = dict(milestones)
    wanted.setdefault(end_year, "")
    # Milestones outside the new years go first, so the plan's own trigger accepts the new years.
    if plan.pk:
        plan.milestones.exclude(year__in=list(wanted)).delete()
    plan.save()
    for year, label in sorted(wanted.items()):
        Milestone.objects.update_or_create(plan=plan, year=year, defaults={"label": label})
    for park_id in {plan.park_id, old_park_id} - {None}:
        request_recompute(park_ids=[park_id])
    return plan


def _next_order(plan: Plan) -> int:
    return (plan.plan_indicators.aggregate(m=Max("order"))["m"] or 0) + 1


def _new_code(plan: Plan, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", plan.code.lower()).strip("-")[:52] or "plan"
    n = 1
    while f"{base}-i{n:02d}" in taken:
        n += 1
    code = f"{base}-i{n:02d}"
    taken.add(code)
    return code


@dataclass
class NewIndicator:
    name_zh: str
    unit: Unit
    direction: int
    measure: str
    nature: str
    category: Category | None = None
    parent: Indicator | None = None
    yoy_warning_threshold: Decimal | None = None


def guess_measure(name: str, unit_symbol: str) -> str:
    for measure, words in MEASURE_WORDS:
        if any(w in name for w in words):
            if measure == "rate" and unit_symbol != "%":
                continue
            if measure == "intensity" and unit_symbol == "%":  # 单位GDP能耗下降率（%） is not an intensity
                continue
            return measure
    return "share" if unit_symbol == "%" else "level"


def guess_direction(name: str, target_kinds: set[str] = frozenset()) -> int:
    if any(w in name for w in LOWER_IS_BETTER_WORDS) or target_kinds & {"at_most", "reduction"}:
        return Indicator.Direction.LOWER_IS_BETTER
    return Indicator.Direction.HIGHER_IS_BETTER


def catalogue_name(printed: str, unit_symbol: str) -> str:
    """The catalogue name of a printed name: no dashes or "其中：", no unit in parentheses."""
    base = re.sub(r"^其中[:：]\s*", "", excel.strip_dashes(printed))
    variants = name_variants(base, unit_symbol)
    plain = [v for v in variants if unit_symbol not in v] or [base]
    return min(plain, key=len)


def _create_indicator(plan: Plan, spec: NewIndicator, taken: set[str]) -> Indicator:
    indicator = Indicator(
        code=_new_code(plan, taken),
        name_zh=spec.name_zh,
        unit=spec.unit,
        category=spec.category,
        direction=spec.direction,
        measure=spec.measure,
        nature=spec.nature,
        parent=spec.parent,
        yoy_warning_threshold=spec.yoy_warning_threshold,
        source=_("规划设置：%(plan)s") % {"plan": plan.name},
    )
    indicator.save()
    return indicator


def _check_unit(indicator: Indicator, unit: Unit) -> str:
    if indicator.unit.dimension != unit.dimension:
        return _("单位“%(unit)s”无法换算为指标“%(name)s”的单位“%(target)s”") % {
            "unit": unit.symbol,
            "name": indicator.name_zh,
            "target": indicator.unit.symbol,
        }
    return ""


@transaction.atomic
def plan_indicator_add(
    *,
    user,
    plan: Plan,
    name_printed: str,
    unit: Unit,
    indicator: Indicator | None = None,
    new_indicator: NewIndicator | None = None,
    category_printed: str = "",
    nature: str | None = None,
    zone: Park | None = None,
) -> PlanIndicator:
    """Add one row to the plan: a catalogue indicator (``indicator``) or a new one (``new_indicator``)."""
    _require_planner(user)
    name_printed = name_printed.strip()
    if (indicator is None) == (new_indicator is None):
        raise Invalid(_("请从指标库选择指标，或填写新指标"), field="indicator")
    if not name_printed:
        raise Invalid(_("指标名称（原文）不能为空"), field="name_printed")
    if plan.plan_indicators.filter(name_printed=name_printed, park=zone).exists():
        raise Invalid(_("本规划已有名为“%(name)s”的指标") % {"name": name_printed}, field="name_printed")
    if indicator is not None:
        message = _check_unit(indicator, unit)
        if message:
            raise Invalid(message, field="unit")
    else:
        if new_indicator.unit.dimension != unit.dimension:
            raise Invalid(_("新指标的单位与原文单位无法换算"), field="unit")
        indicator = _create_indicator(
            plan, new_indicator, set(Indicator.objects.values_list("code", flat=True))
        )
    pi = PlanIndicator.objects.create(
        plan=plan,
        indicator=indicator,
        park=zone,
        order=_next_order(plan),
        category_printed=category_printed.strip(),
        name_printed=name_printed,
        unit=unit,
        nature=nature or indicator.nature,
        source=_("规划设置"),
    )
    request_recompute(park_ids=[plan.park_id])
    return pi


@dataclass
class PlanIndicatorEdit:
    plan_indicator: PlanIndicator
    order: int
    category_printed: str
    name_printed: str
    unit: Unit
    nature: str
    delete: bool = False


@transaction.atomic
def plan_indicators_update(*, user, plan: Plan, rows: list[PlanIndicatorEdit]) -> int:
    """Change the indicator rows of a plan (order, category, printed name and unit, nature) or remove
    some, all at once. Errors name the row (its index in ``rows``)."""
    _require_planner(user)
    errors = []
    kept = [r for r in rows if not r.delete]
    orders: dict[int, int] = {}
    names: dict[tuple[str, int | None], int] = {}
    for index, row in enumerate(rows):
        if row.plan_indicator.plan_id != plan.pk:
            raise NotAllowed(_("该指标不属于本规划"))
        if row.delete:
            continue
        if not row.name_printed.strip():
            errors.append({"row": index, "field": "name_printed", "message": _("指标名称不能为空")})
        if row.order < 1:
            errors.append({"row": index, "field": "order", "message": _("顺序必须是正整数")})
        elif row.order in orders:
            errors.append(
                {"row": index, "field": "order", "message": _("顺序 %(order)s 重复") % {"order": row.order}}
            )
        orders.setdefault(row.order, index)
        key = (row.name_printed.strip(), row.plan_indicator.park_id)
        if key in names:
            errors.append({"row": index, "field": "name_printed", "message": _("指标名称重复")})
        names.setdefault(key, index)
        message = _check_unit(row.plan_indicator.indicator, row.unit)
        if message:
            errors.append({"row": index, "field": "unit", "message": message})
    untouched = plan.plan_indicators.exclude(pk__in=[r.plan_indicator.pk for r in rows])
    for other in untouched:
        if other.order in orders:
            errors.append(
                {
                    "row": orders[other.order],
                    "field": "order",
                    "message": _("顺序 %(order)s 已被“%(name)s”使用")
                    % {"order": other.order, "name": other.name_printed},
                }
            )
    if errors:
        raise Invalid(_("共 %(n)s 处错误，未保存任何修改") % {"n": len(errors)}, errors=errors)
    for row in rows:
        if row.delete:
            row.plan_indicator.delete()
    # Two passes, so that swapping two rows' orders never meets the unique constraint half-way.
    for row in kept:
        PlanIndicator.objects.filter(pk=row.plan_indicator.pk).update(order=row.plan_indicator.order + 20000)
    changed = 0
    for row in kept:
        pi = row.plan_indicator
        before = (pi.order, pi.category_printed, pi.name_printed, pi.unit_id, pi.nature)
        pi.order, pi.category_printed, pi.name_printed = (
            row.order,
            row.category_printed.strip(),
            row.name_printed.strip(),
        )
        pi.unit, pi.nature = row.unit, row.nature
        pi.save()
        changed += before != (pi.order, pi.category_printed, pi.name_printed, pi.unit_id, pi.nature)
    request_recompute(park_ids=[plan.park_id])
    return changed + sum(r.delete for r in rows)


@dataclass
class TargetCell:
    plan_indicator: PlanIndicator
    year: int
    text: str


def grid_years(plan: Plan) -> list[int]:
    """The target columns of a plan: every year of a plan of up to ten years, else its milestones;
    plus any year that already has a target."""
    years = set(Target.objects.filter(plan_indicator__plan=plan).values_list("year", flat=True))
    if plan.end_year - plan.start_year <= 10:
        years |= set(range(plan.start_year, plan.end_year + 1))
    else:
        years |= set(plan.milestones.values_list("year", flat=True)) | {plan.end_year}
    return sorted(years)


@transaction.atomic
def plan_targets_save(*, user, plan: Plan, cells: list[TargetCell]) -> dict[str, int]:
    """Save a grid of targets, written as in a plan table ("680", "≥680", "年均增长15%", "保持"); an
    empty cell removes the target. All or nothing; errors name the row index and the year."""
    _require_planner(user)
    existing = {(t.plan_indicator_id, t.year): t for t in Target.objects.filter(plan_indicator__plan=plan)}
    errors, writes, deletes = [], [], []
    for index, cell in enumerate(cells):
        if cell.plan_indicator.plan_id != plan.pk:
            raise NotAllowed(_("该指标不属于本规划"))
        target = existing.get((cell.plan_indicator.pk, cell.year))
        text = (cell.text or "").strip()
        if not text:
            if target is not None:
                deletes.append(target)
            continue
        if not plan.start_year <= cell.year <= plan.end_year:
            errors.append(
                {
                    "row": index,
                    "field": str(cell.year),
                    "message": _("%(year)s 年不在规划期（%(start)s–%(end)s）内")
                    % {"year": cell.year, "start": plan.start_year, "end": plan.end_year},
                }
            )
            continue
        try:
            parsed = parse_target(text)
        except TargetTextError as exc:
            errors.append({"row": index, "field": str(cell.year), "message": _target_error(text, exc)})
            continue
        if target is not None and same_target(parsed, target.kind, target.value):
            if parsed.explicit_kind and parsed.wording and parsed.wording != target.wording:
                target.wording = parsed.wording
                writes.append(target)
            continue
        target = target or Target(plan_indicator=cell.plan_indicator, year=cell.year)
        target.kind, target.value, target.wording = parsed.kind, parsed.value, parsed.wording
        target.source = target.source or _("规划设置")
        writes.append(target)
    if errors:
        raise Invalid(_("共 %(n)s 处错误，未保存任何目标值") % {"n": len(errors)}, errors=errors)
    for target in deletes:
        target.delete()
    for target in writes:
        target.save()
    if writes or deletes:
        request_recompute(park_ids=[plan.park_id])
    return {"saved": len(writes), "deleted": len(deletes)}


# --- Target revisions (规划调整) -------------------------------------------------------------------

REVISION_DOCUMENT_MAX = 300
REVISION_REASON_MAX = 5000
# Kinds whose value is a level in the row's unit (the others are rates, points or factors: no unit).
LEVEL_KINDS = ("level", "at_least", "at_most")


def _revision_texts(document: str, reason: str) -> list[dict]:
    errors = []
    if not document.strip():
        errors.append({"field": "document", "message": _("请填写调整依据（文号）")})
    if not reason.strip():
        errors.append({"field": "reason", "message": _("请填写调整原因")})
    errors += text_errors(
        document, field="document", label=_("调整依据（文号）"), max_length=REVISION_DOCUMENT_MAX
    )
    errors += text_errors(reason, field="reason", label=_("调整原因"), max_length=REVISION_REASON_MAX)
    return errors


def _append_revision(*, user, target: Target, **fields) -> TargetRevision:
    number = (target.revisions.aggregate(m=Max("number"))["m"] or 0) + 1
    revision = TargetRevision.objects.create(
        target=target, number=number, created_by=user, created_at=timezone.now(), **fields
    )
    request_recompute(park_ids=[target.plan_indicator.plan.park_id])
    return revision


def _locked_target(target: Target) -> Target:
    """The target row locked for the write (two revisions at once get consecutive numbers)."""
    return (
        Target.objects.select_for_update()
        .select_related("plan_indicator__plan", "plan_indicator__unit")
        .get(pk=target.pk)
    )


@transaction.atomic
def target_revise(
    *,
    user,
    target: Target,
    text: str,
    effective_year: int,
    document: str,
    reason: str,
    unit: Unit | None = None,
) -> TargetRevision:
    """Adjust a target (规划调整): a new version, written like a cell of the plan's table ("650",
    "≥650", "年均增长12%", "保持"), in force for the years judged from ``effective_year`` on, with the
    document that changed it (文号) and why. The original and every earlier version are kept.

    Units follow the rule of every target write: a level is in the row's unit; a level given in another
    unit of the same dimension (``unit``: 万元 for a row in 亿元) is converted exactly, and refused when
    it cannot be (another currency, or more decimals than a target holds). Rates, percentage points and
    factors have no unit. Everything is checked before anything is written; errors name their field."""
    _require_planner(user)
    target = _locked_target(target)
    pi = target.plan_indicator
    plan = pi.plan
    errors = _revision_texts(document, reason)
    if not plan.start_year <= effective_year <= plan.end_year:
        errors.append(
            {
                "field": "effective_year",
                "message": _("起用年份 %(year)s 不在规划期（%(start)s–%(end)s）内")
                % {"year": effective_year, "start": plan.start_year, "end": plan.end_year},
            }
        )
    elif effective_year > target.year:
        errors.append(
            {
                "field": "effective_year",
                "message": _("起用年份 %(year)s 晚于目标年份 %(target)s，调整不会用于任何评价")
                % {"year": effective_year, "target": target.year},
            }
        )
    parsed = None
    try:
        parsed = parse_target(text)
    except TargetTextError as exc:
        errors.append({"field": "value", "message": _target_error(str(text).strip(), exc)})
    value = parsed.value if parsed else None
    if parsed is not None and unit is not None and unit.pk != pi.unit_id:
        if parsed.kind not in LEVEL_KINDS:
            errors.append(
                {
                    "field": "unit",
                    "message": _("“%(text)s”不是数值目标，不需要单位；请使用本指标的单位“%(unit)s”")
                    % {"text": parsed.wording or text, "unit": pi.unit.symbol},
                }
            )
        else:
            try:
                value = convert(parsed.value, unit, pi.unit)
            except UnitConversionError:
                errors.append(
                    {
                        "field": "unit",
                        "message": _("单位“%(unit)s”无法精确换算为本指标的单位“%(target)s”")
                        % {"unit": unit.symbol, "target": pi.unit.symbol},
                    }
                )
    if parsed is not None and not errors:
        current = version_in_force(target, list(target.revisions.all()), effective_year)
        if current.kind == parsed.kind and current.value == value:
            errors.append(
                {
                    "field": "value",
                    "message": _("%(year)s 年起现行的目标已是“%(text)s”，无需调整")
                    % {"year": effective_year, "text": target_text(current.kind, current.value)},
                }
            )
    if errors:
        raise Invalid(errors[0]["message"], field=errors[0]["field"], errors=errors)
    wording = parsed.wording
    if unit is not None and unit.pk != pi.unit_id:
        wording = f"{str(text).strip()}{unit.symbol}"
    return _append_revision(
        user=user,
        target=target,
        effective_year=effective_year,
        kind=parsed.kind,
        value=value,
        wording=wording,
        document=document.strip(),
        reason=reason.strip(),
    )


@transaction.atomic
def target_revert(
    *, user, target: Target, document: str, reason: str, revision: TargetRevision | None = None
) -> TargetRevision:
    """Undo a revision (by default the latest one not undone yet): a revert is appended, naming the
    revision it undoes (``reverts``) with who, when, the document and why. From then on the undone
    revision is never in force, and neither is the revert: each year is judged by the versions that
    remain (``plans.selectors.version_in_force``), so an earlier revision from a later year stays in
    force. The revert records, as its value, the version in force from the undone revision's effective
    year once it is undone. Nothing is deleted or changed."""
    _require_planner(user)
    target = _locked_target(target)
    revisions = list(target.revisions.all())
    errors = _revision_texts(document, reason)
    undone = revision or revertible(revisions)
    if undone is None:
        errors.append({"field": "revision", "message": _("该目标没有可撤销的调整")})
    elif undone.target_id != target.pk:
        raise NotAllowed(_("该调整不属于本目标"))
    elif undone.reverts_id is not None or any(r.reverts_id == undone.pk for r in revisions):
        errors.append(
            {"field": "revision", "message": _("第 %(n)s 版已被撤销或本身是撤销") % {"n": undone.number}}
        )
    if errors:
        raise Invalid(errors[0]["message"], field=errors[0]["field"], errors=errors)
    before = version_in_force(target, [r for r in revisions if r.pk != undone.pk], undone.effective_year)
    return _append_revision(
        user=user,
        target=target,
        effective_year=undone.effective_year,
        kind=before.kind,
        value=before.value,
        wording=before.wording,
        reverts=undone,
        document=document.strip(),
        reason=reason.strip(),
    )


def _at(row: int, column: str) -> str:
    return _("第 %(row)s 行【%(column)s】") % {"row": row, "column": column}


def _cell_text(raw, number_format: str, unit_symbol: str) -> str:
    """A target cell as text: numbers through their shortest form (a cell formatted as a percentage
    holds 0.4 for 40%), "40%" as 40 when the row's unit is %."""
    if raw is None:
        return ""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return decimal_str(excel.cell_number(raw, number_format, percent_unit=unit_symbol == "%"))
    text = str(raw).strip().replace("％", "%")
    if unit_symbol == "%" and re.fullmatch(r"[-+]?\d[\d,，]*(?:\.\d+)?%", text):
        return text[:-1]
    return text


def _target_error(text: str, exc: TargetTextError) -> str:
    if exc.message:
        return exc.message
    return _(
        "“%(text)s”不是可识别的目标值：请填写数字（如 680），或“≥680”“≤0.06”“年均增长15%%”"
        "“提高2个百分点”“翻番”“保持”"
    ) % {"text": text}


# --- Loading a plan's table from XLSX ----------------------------------------------------------------


@dataclass
class TargetChange:
    year: int
    parsed: ParsedTarget
    kind: str  # new / changed / unchanged
    before: str = ""

    @property
    def text(self) -> str:
        return target_text(self.parsed.kind, self.parsed.value)


@dataclass
class PlanRowPreview:
    row: int
    name: str
    category: str
    unit: str
    zone: str = ""
    nature: str = ""
    plan_indicator: PlanIndicator | None = None
    indicator: Indicator | None = None
    new_indicator: bool = False
    direction: int = 1
    measure: str = "level"
    parent_row: int | None = None
    targets: list[TargetChange] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.messages:
            return "error"
        if self.plan_indicator is None:
            return "new"
        if self.changes or any(t.kind != "unchanged" for t in self.targets):
            return "changed"
        return "unchanged"

    def fail(self, message: str) -> None:
        self.messages.append(message)


@dataclass
class PlanImportPreview:
    filename: str
    years: list[int]
    rows: list[PlanRowPreview]
    notices: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.kind] += 1
        return counts

    @property
    def ok(self) -> bool:
        return all(r.kind != "error" for r in self.rows)

    @property
    def new_indicators(self) -> list[PlanRowPreview]:
        return [r for r in self.rows if r.new_indicator]

    def payload(self) -> dict:
        return {
            "filename": self.filename,
            "rows": [
                {
                    "row": r.row,
                    "name": r.name,
                    "category": r.category,
                    "unit": r.unit,
                    "zone": r.zone,
                    "nature": r.nature,
                    "plan_indicator": r.plan_indicator.pk if r.plan_indicator else None,
                    "indicator": r.indicator.pk if r.indicator else None,
                    "new_indicator": r.new_indicator,
                    "direction": r.direction,
                    "measure": r.measure,
                    "parent_row": r.parent_row,
                    "targets": [
                        {
                            "year": t.year,
                            "kind": t.parsed.kind,
                            "value": None if t.parsed.value is None else str(t.parsed.value),
                            "wording": t.parsed.wording,
                        }
                        for t in r.targets
                        if t.kind != "unchanged"
                    ],
                }
                for r in self.rows
                if r.kind in ("new", "changed")
            ],
        }


NATURES = {
    "预期性": "anticipatory",
    "约束性": "binding",
    "anticipatory": "anticipatory",
    "binding": "binding",
}


def plan_table_preview(*, plan: Plan, filename: str, data: bytes) -> PlanImportPreview:
    """Read a plan's indicator table (its own layout) and say, per row, what loading it would do."""
    units = {u.symbol: u for u in Unit.objects.all()}
    try:
        tables = excel.read_plan_tables(data, unit_symbols=units)
    except xlsx.WorkbookError as exc:
        raise Invalid(str(exc), field="file") from exc
    table = next(
        (t for t in tables if plan.code in f"{t.sheet} {t.title}" or plan.name in t.title), tables[0]
    )
    notices = []
    if len(tables) > 1:
        notices.append(_("文件有多个指标表，只读取了工作表“%(sheet)s”") % {"sheet": table.sheet})
    target_columns = [c for c in table.years if c.role != "actual"]
    ignored = [c.header for c in table.years if c.role == "actual"]
    if ignored:
        notices.append(_("已忽略非目标列：%(cols)s") % {"cols": "、".join(ignored)})
    existing = list(plan.plan_indicators.select_related("indicator__unit", "unit", "park"))
    by_name = {
        (re.sub(r"\s+", "", pi.name_printed), pi.park.name_zh if pi.park_id else ""): pi for pi in existing
    }
    targets = {(t.plan_indicator_id, t.year): t for t in Target.objects.filter(plan_indicator__plan=plan)}
    catalogue = _Catalogue()
    zones = {p.name_zh: p for p in Park.objects.filter(parent__isnull=False)}
    preview = PlanImportPreview(
        filename=filename, years=[c.year for c in target_columns], rows=[], notices=notices
    )
    seen: dict[tuple[str, str], int] = {}
    last_parent: PlanRowPreview | None = None
    for table_row in table.rows:
        n = table_row.number
        name = re.sub(r"\s+", "", table_row.name)
        unit_symbol = excel.row_unit(table, table_row, None, units)
        row = PlanRowPreview(
            row=table_row.number,
            name=name,
            category=table_row.category,
            unit=unit_symbol,
            zone=table_row.zone,
        )
        preview.rows.append(row)
        if not name:
            row.fail(_at(n, _("具体指标")) + _("指标名称不能为空"))
            continue
        if (name, table_row.zone) in seen:
            row.fail(_at(n, _("具体指标")) + _("与第 %(row)s 行重复") % {"row": seen[(name, table_row.zone)]})
            continue
        seen[(name, table_row.zone)] = table_row.number
        if table_row.zone and table_row.zone not in zones:
            row.fail(_at(n, _("片区")) + _("未知片区“%(zone)s”") % {"zone": table_row.zone})
        if table_row.nature:
            if table_row.nature not in NATURES:
                row.fail(_at(n, _("属性")) + _("属性应为“预期性”或“约束性”"))
            row.nature = NATURES.get(table_row.nature, "")
        unit = units.get(unit_symbol) if unit_symbol else None
        if unit_symbol and unit is None:
            row.fail(_at(n, _("单位")) + _("未知单位“%(unit)s”") % {"unit": unit_symbol})
        pi = by_name.get((name, table_row.zone)) or by_name.get((name, ""))
        if pi is not None:
            row.plan_indicator, row.indicator = pi, pi.indicator
            if unit is not None and unit.pk != pi.unit_id:
                message = _check_unit(pi.indicator, unit)
                if message:
                    row.fail(_at(n, _("单位")) + message)
                row.changes.append(_("单位 %(a)s → %(b)s") % {"a": pi.unit.symbol, "b": unit.symbol})
            if row.category != pi.category_printed:
                row.changes.append(
                    _("类别 %(a)s → %(b)s") % {"a": pi.category_printed or "—", "b": row.category or "—"}
                )
            if row.nature and row.nature != pi.nature:
                row.changes.append(_("属性 → %(b)s") % {"b": table_row.nature})
        else:
            matches = catalogue.match(name, unit_symbol)
            if len(matches) > 1:
                row.fail(
                    _at(n, _("具体指标"))
                    + _("“%(name)s”在指标库中对应多个指标（%(codes)s），请在规划指标页面逐个添加")
                    % {"name": name, "codes": "、".join(sorted(i.code for i in matches))}
                )
            elif matches:
                row.indicator = matches[0]
                if unit is None:
                    unit = row.indicator.unit
                    row.unit = unit.symbol
                message = _check_unit(row.indicator, unit)
                if message:
                    row.fail(_at(n, _("单位")) + message)
            else:
                row.new_indicator = True
                if unit is None and not unit_symbol:
                    row.fail(
                        _at(n, _("单位"))
                        + _("新指标“%(name)s”需要单位：请填写“单位”列，或在名称中注明，如“（亿元）”")
                        % {"name": name}
                    )
        for column in target_columns:
            raw, number_format = table_row.cells.get(column.column, (None, ""))
            text = _cell_text(raw, number_format, unit_symbol)
            if text in excel.BLANK_MARKS:
                continue
            label = _at(n, column.header)
            if not plan.start_year <= column.year <= plan.end_year:
                row.fail(
                    label
                    + _("%(year)s 年不在规划期（%(start)s–%(end)s）内")
                    % {"year": column.year, "start": plan.start_year, "end": plan.end_year}
                )
                continue
            try:
                parsed = parse_target(text)
            except TargetTextError as exc:
                row.fail(label + _target_error(text, exc))
                continue
            before = targets.get((pi.pk, column.year)) if pi is not None else None
            if before is None:
                kind = "new"
            elif same_target(parsed, before.kind, before.value):
                kind = "unchanged"
            else:
                kind = "changed"
            row.targets.append(
                TargetChange(
                    column.year, parsed, kind, target_text(before.kind, before.value) if before else ""
                )
            )
        if row.new_indicator:
            kinds = {t.parsed.kind for t in row.targets}
            row.measure = guess_measure(name, unit_symbol)
            row.direction = guess_direction(name, kinds)
            if excel.is_sub_indicator(name) and last_parent is not None:
                row.parent_row = last_parent.row
        if not excel.is_sub_indicator(name):
            last_parent = row
    return preview


class _Catalogue:
    """Catalogue indicators by name and alias, loaded once."""

    def __init__(self) -> None:
        self.indicators = {i.pk: i for i in Indicator.objects.select_related("unit")}
        self.names: dict[str, set[int]] = {}
        for indicator in self.indicators.values():
            self.names.setdefault(indicator.name_zh, set()).add(indicator.pk)
        for alias, indicator_id in IndicatorAlias.objects.values_list("name", "indicator_id"):
            self.names.setdefault(alias, set()).add(indicator_id)

    def match(self, name: str, unit_symbol: str) -> list[Indicator]:
        variants = name_variants(name, unit_symbol) if unit_symbol else {name, excel.strip_dashes(name)}
        ids: set[int] = set()
        for variant in variants:
            ids |= self.names.get(variant, set())
        return [self.indicators[i] for i in sorted(ids)]


@transaction.atomic
def plan_table_commit(
    *, user, plan: Plan, payload: dict, choices: dict[int, dict] | None = None
) -> dict[str, int]:
    """Load what a preview found: new rows (with new catalogue indicators where needed, their
    direction, measure and nature as confirmed in ``choices`` by row number), changed rows, targets."""
    _require_planner(user)
    choices = choices or {}
    units = {u.symbol: u for u in Unit.objects.all()}
    categories = {c.name_zh: c for c in Category.objects.all()}
    zones = {p.name_zh: p for p in Park.objects.filter(parent__isnull=False)}
    taken = set(Indicator.objects.values_list("code", flat=True))
    created: dict[int, Indicator] = {}
    counts = {"indicators": 0, "rows": 0, "targets": 0}
    order = _next_order(plan)
    try:
        for item in payload.get("rows", []):
            unit = units.get(item["unit"])
            if item["plan_indicator"]:
                pi = PlanIndicator.objects.select_related("indicator__unit").get(
                    pk=item["plan_indicator"], plan=plan
                )
                if unit is not None:
                    pi.unit = unit
                pi.category_printed = item["category"]
                if item["nature"]:
                    pi.nature = item["nature"]
                pi.save()
            else:
                if item["new_indicator"]:
                    choice = choices.get(item["row"], {})
                    direction = int(choice.get("direction", item["direction"]))
                    measure = choice.get("measure", item["measure"])
                    nature = choice.get("nature") or item["nature"] or Indicator.Nature.ANTICIPATORY
                    if direction not in (1, -1) or measure not in Indicator.Measure.values:
                        raise Invalid(_("第 %(row)s 行：方向或计量方式无效") % {"row": item["row"]})
                    if nature not in Indicator.Nature.values:
                        raise Invalid(_("第 %(row)s 行：属性无效") % {"row": item["row"]})
                    parent = created.get(item["parent_row"]) if item["parent_row"] else None
                    indicator = _create_indicator(
                        plan,
                        NewIndicator(
                            name_zh=catalogue_name(item["name"], item["unit"]),
                            unit=unit,
                            direction=direction,
                            measure=measure,
                            nature=nature,
                            category=categories.get(item["category"]),
                            parent=parent,
                        ),
                        taken,
                    )
                    counts["indicators"] += 1
                else:
                    indicator = Indicator.objects.select_related("unit").get(pk=item["indicator"])
                created[item["row"]] = indicator
                pi = PlanIndicator.objects.create(
                    plan=plan,
                    indicator=indicator,
                    park=zones.get(item["zone"]) if item["zone"] else None,
                    order=order,
                    category_printed=item["category"],
                    name_printed=item["name"],
                    unit=unit or indicator.unit,
                    nature=item["nature"] or indicator.nature,
                    source=_("上传 %(name)s") % {"name": payload.get("filename", "")},
                )
                order += 1
            counts["rows"] += 1
            for t in item["targets"]:
                Target.objects.update_or_create(
                    plan_indicator=pi,
                    year=t["year"],
                    defaults={
                        "kind": t["kind"],
                        "value": None if t["value"] is None else Decimal(t["value"]),
                        "wording": t["wording"],
                        "source": _("上传 %(name)s") % {"name": payload.get("filename", "")},
                    },
                )
                counts["targets"] += 1
    except (IntegrityError, PlanIndicator.DoesNotExist, Indicator.DoesNotExist) as exc:
        raise Invalid(_("规划在预览之后已被修改，请重新上传文件")) from exc
    request_recompute(park_ids=[plan.park_id])
    return counts


def plan_table_rows(plan: Plan) -> tuple[list[int], list[excel.LayoutRow], bool]:
    """The plan's indicator table as printed (for the export and the page): years, rows, any zone."""
    years = grid_years(plan)
    rows = []
    plan_indicators = (
        plan.plan_indicators.select_related("unit", "park").prefetch_related("targets").order_by("order")
    )
    has_zone = False
    for pi in plan_indicators:
        by_year = {t.year: t for t in pi.targets.all()}
        cells = {}
        for year in years:
            target = by_year.get(year)
            if target is None:
                continue
            if target.kind == "level":
                cells[year] = export.excel_number(target.value)
            else:
                cells[year] = target_text(target.kind, target.value)
        has_zone = has_zone or bool(pi.park_id)
        rows.append(
            excel.LayoutRow(
                category=pi.category_printed,
                name=pi.name_printed,
                unit=pi.unit.symbol,
                zone=pi.park.name_zh if pi.park_id else "",
                nature=pi.get_nature_display(),
                cells=cells,
            )
        )
    return years, rows, has_zone


@translation.override("zh-hans")  # the plan's own (Chinese) layout in every UI language, so it re-imports
def plan_table_workbook(plan: Plan) -> bytes:
    years, rows, has_zone = plan_table_rows(plan)
    workbook = export.new_workbook()
    ws = workbook.create_sheet(export.sheet_title(plan.name, set()))
    excel.write_plan_sheet(
        ws,
        title=f"{plan.name}（{plan.code}）",
        years=years,
        rows=rows,
        with_zone=has_zone,
        with_nature=True,
    )
    return export.workbook_bytes(workbook)
