"""Reads of the evaluation: a scheme as its ``Definition``, the parks it covers, their approved values,
the stored results a user may see, and who may run a scheme. Each runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet

from evaluation.models import EvaluationResult, Scheme, SchemeAdjustment, SchemeItem
from evaluation.services import Definition, ParkInput, definition_from_dict
from indicators.models import Indicator, Observation
from indicators.selectors import IN_FORCE, value_in_force
from parks.models import Park, RegionScope
from parks.selectors import is_admin, visible_park_ids
from progress.models import ProgressResult

TARGET_QUANTUM = Decimal("0.00000001")

# How results are listed everywhere (API, command, pages): by scheme, newest year, peer group, rank,
# parks not assessed last.
RESULT_ORDER = ("scheme__code", "-year", "peer_group", "-assessed", "rank", "park__code")

# Parks that are parts or groupings of other parks are not evaluated unless a scheme names their kind.
EXCLUDED_KINDS = (Park.Kind.ZONE, Park.Kind.PARK_IN_PARK, Park.Kind.GROUP)


def schemes_with_rows() -> QuerySet[Scheme]:
    """Schemes with their groups, items, adjustments and tiers (five queries for any number)."""
    return Scheme.objects.prefetch_related(
        "groups",
        Prefetch("items", queryset=SchemeItem.objects.select_related("indicator__unit", "group")),
        Prefetch("adjustments", queryset=SchemeAdjustment.objects.select_related("indicator")),
        "tiers",
    )


def scheme_document(scheme: Scheme) -> dict:
    """The scheme's rows as a scheme document (the YAML file's shape): four queries, none when the
    scheme comes from ``schemes_with_rows``."""
    groups = sorted(scheme.groups.all(), key=lambda g: (g.order, g.pk))
    items = sorted(
        scheme.items.all(), key=lambda i: (i.group.order if i.group else 0, i.group_id or 0, i.order, i.pk)
    )
    adjustments = sorted(scheme.adjustments.all(), key=lambda a: (a.order, a.pk))
    tiers = sorted(scheme.tiers.all(), key=lambda t: (t.order, t.pk))
    bound = "top" if scheme.tier_method == Scheme.TierMethod.PERCENTILE else "min_score"
    return {
        "code": scheme.code,
        "name": scheme.name,
        "example": scheme.is_example,
        "description": scheme.description,
        "source": scheme.source,
        "scope": {
            "province": scheme.province,
            "prefecture": scheme.prefecture,
            "kinds": list(scheme.park_kinds),
        },
        "peer_groups": scheme.peer_groups,
        "min_coverage": scheme.min_coverage,
        "bonus_cap": scheme.bonus_cap,
        "deduction_cap": scheme.deduction_cap,
        "groups": [{"code": g.code, "name": g.name, "weight": g.weight} for g in groups],
        "items": [
            {
                "code": i.code,
                "group": i.group.code if i.group else None,
                "indicator": i.indicator.code,
                "name": i.name or i.indicator.name_zh,
                "weight": i.weight,
                "method": i.method,
                "direction": i.direction if i.direction is not None else i.indicator.direction,
                "benchmark": "target" if i.benchmark_is_target else i.benchmark,
                "benchmark_by_level": i.benchmark_by_level,
                "floor": i.floor,
                "ceiling": i.ceiling,
                "cap": i.cap,
                "min_score": i.min_score,
                "unit": i.indicator.unit.symbol if i.indicator.unit_id else "",
                "source": i.source,
            }
            for i in items
        ],
        "adjustments": [
            {
                "kind": a.kind,
                "name": a.name,
                "indicator": a.indicator.code,
                "operator": a.operator,
                "threshold": a.threshold,
                "points": a.points,
                "if_missing": a.if_missing,
                "source": a.source,
            }
            for a in adjustments
        ],
        "tiers": {
            "method": scheme.tier_method,
            "levels": [{"code": t.code, "label": t.label, bound: t.bound} for t in tiers],
        },
    }


def scheme_definition(scheme: Scheme) -> Definition:
    """The scheme as the rules read it, checked by the same rules as a loaded file."""
    return definition_from_dict(scheme_document(scheme))


def catalogue_directions(codes=None) -> dict[str, int]:
    found = Indicator.objects.all() if codes is None else Indicator.objects.filter(code__in=list(codes))
    return dict(found.values_list("code", "direction"))


def scheme_parks(definition: Definition) -> QuerySet[Park]:
    """The parks a scheme evaluates: its province and prefecture (when set), its park kinds (when set;
    otherwise every kind but zones, parks-in-park and park groups)."""
    parks = Park.objects.all()
    if definition.province:
        parks = parks.filter(province=definition.province)
    if definition.prefecture:
        parks = parks.filter(prefecture=definition.prefecture)
    parks = (
        parks.filter(kind__in=definition.kinds)
        if definition.kinds
        else parks.exclude(kind__in=EXCLUDED_KINDS)
    )
    return parks.order_by("code")


def evaluation_inputs(
    definition: Definition, year: int, parks: list[Park]
) -> tuple[list[ParkInput], set[int]]:
    """Each park's approved values for ``year`` by catalogue code (during a revision the value approved
    before stays in force; drafts, submitted and returned values never count), and for items scored
    against the plan its plan target for the year (the progress engine's ``target_year``, converted into
    the indicator's unit). Also the parks whose values include synthetic demo data. Two queries."""
    codes = definition.indicator_codes()
    ids = [p.pk for p in parks]
    values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    synthetic: set[int] = {p.pk for p in parks if p.is_synthetic}
    rows = (
        Observation.objects.filter(park_id__in=ids, year=year, indicator__code__in=codes)
        .filter(IN_FORCE)
        .values_list(
            "park_id", "indicator__code", "status", "value", "previous_approved_value", "is_synthetic"
        )
    )
    for park_id, code, status, value, previous, is_synthetic in rows:
        values[park_id][code] = value_in_force(status, value, previous)
        if is_synthetic:
            synthetic.add(park_id)
    targets: dict[int, dict[str, Decimal]] = defaultdict(dict)
    target_codes = {i.indicator for i in definition.items if i.benchmark_is_target}
    if target_codes:
        found = (
            ProgressResult.objects.filter(
                park_id__in=ids,
                year=year,
                plan_indicator__indicator__code__in=target_codes,
                target_year__isnull=False,
            )
            .order_by("park_id", "plan_indicator__indicator__code", "-plan__start_year", "-plan_id")
            .values_list(
                "park_id",
                "plan_indicator__indicator__code",
                "target_year",
                "plan_indicator__unit__dimension",
                "plan_indicator__unit__factor",
                "plan_indicator__indicator__unit__dimension",
                "plan_indicator__indicator__unit__factor",
            )
        )
        for park_id, code, target, dimension, factor, ind_dimension, ind_factor in found:
            if code in targets[park_id] or dimension != ind_dimension:
                continue  # the latest plan's target only; a unit that does not convert is no target
            # The engine derives yearly targets as doubles (a CAGR path has no exact decimal): kept to
            # the 8 decimals every stored number has, and that figure is the benchmark shown and used.
            converted = Decimal(repr(target)) * Decimal(str(factor)) / Decimal(str(ind_factor))
            targets[park_id][code] = converted.quantize(TARGET_QUANTUM, rounding=ROUND_HALF_UP)
    inputs = [
        ParkInput(
            park_id=p.pk,
            code=p.code,
            name=p.name_zh,
            level=p.level,
            kind=p.kind,
            values=values.get(p.pk, {}),
            targets=targets.get(p.pk, {}),
        )
        for p in parks
    ]
    return inputs, synthetic


def may_run(user, scheme: Scheme) -> bool:
    """Administrators run any scheme; a region official (a region scope) runs a scheme whose province
    (and prefecture, when the official's scope is one prefecture) is theirs. Nobody else."""
    if is_admin(user):
        return True
    if not (user and user.is_authenticated) or not scheme.province:
        return False
    scopes = RegionScope.objects.filter(user=user, province=scheme.province)
    return scopes.filter(Q(prefecture="") | Q(prefecture=scheme.prefecture, prefecture__gt="")).exists()


def runnable_scheme_ids(user) -> set[int] | None:
    """The schemes the user may run (None: all, for administrators). One query."""
    if is_admin(user):
        return None
    if not (user and user.is_authenticated):
        return set()
    found: set[int] = set()
    scopes = list(RegionScope.objects.filter(user=user).values_list("province", "prefecture"))
    for pk, province, prefecture in Scheme.objects.exclude(province="").values_list(
        "pk", "province", "prefecture"
    ):
        if any(p == province and (not f or f == prefecture) for p, f in scopes):
            found.add(pk)
    return found


def visible_results(user) -> QuerySet[EvaluationResult]:
    """The stored results of the parks the user may read (public parks for everyone; the rest by role or
    region). Every result is computed from approved values only, whoever reads it."""
    results = EvaluationResult.objects.select_related("scheme", "park")
    ids = visible_park_ids(user, public=True)
    return results if ids is None else results.filter(park_id__in=sorted(ids))


def result_years(scheme: Scheme) -> list[int]:
    return sorted(set(scheme.results.values_list("year", flat=True)), reverse=True)
