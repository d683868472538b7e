"""Synthetic demo data for the dashboards, generated only on request (``manage.py demo_data``).

The seeds hold Yuxi's 2015 and 2020 actuals only, so Yuxi's 14th plan (2021–2025) has nothing to judge.
For a demonstration, ``demo_data_create`` adds plausible approved observations for 2021–2024 to the plan's
indicators (and, if asked, a few synthetic parks with plans of their own for the cross-park page). Every
row it writes is flagged ``is_synthetic`` and carries the source ``SOURCE``; the dashboards label every
chart that uses such a row. Real data always wins: an existing observation is never overwritten.
``demo_data_remove`` deletes exactly what was generated (and its history) and recomputes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from indicators.models import Indicator, Observation, Unit
from indicators.units import convert
from parks.models import Park
from parks.selectors import park_tree
from plans.models import Milestone, Plan, PlanIndicator, Target
from progress.models import ProgressResult
from progress.services import progress_recompute

SOURCE = "合成演示数据（synthetic demo data）"
NOTE = "由 manage.py demo_data 生成；不是园区填报的数据。"
PLAN_CODE = "yuxi-14th-fyp"
YEARS = (2021, 2022, 2023, 2024)
PARK_PREFIX, PLAN_PREFIX = "demo-park-", "demo-plan-"
COUNT_UNITS = {"家", "件", "个", "户", "人"}
NON_NEGATIVE = {"level", "share", "cumulative_flow", "annual_flow", "intensity"}
# How far along its plan's path each indicator gets (1 = exactly on the path): a realistic spread of
# statuses, from ahead to regressing, drawn with a fixed seed so a demo looks the same every time.
PACES = (1.12, 1.05, 1.0, 0.98, 0.96, 0.9, 0.85, 0.75, 0.62, 0.45, 0.3, -0.15)
# Synthetic parks for the cross-park page: (prefecture, level, kind).
DEMO_PARKS = (
    ("玉溪市", "provincial", "economic"),
    ("曲靖市", "national", "economic"),
    ("红河州", "national", "high_tech"),
    ("昆明市", "national", "high_tech"),
    ("大理州", "provincial", "industrial"),
    ("文山州", "prefecture", "industrial"),
    ("楚雄州", "provincial", "high_tech"),
    ("普洱市", "prefecture", "industrial"),
)
# Indicators the synthetic parks' plans track, and the name they print (some print an alias, and one
# prints trade in 万美元, so the cross-park page shows matching by catalogue identity and unit conversion).
DEMO_INDICATORS = (
    ("gdp-incl-tobacco", ("地区生产总值（亿元）", "全口径地区生产总值"), "亿元"),
    ("general-public-budget-revenue", ("一般公共预算收入", "公共财政预算收入"), "亿元"),
    ("investment-attracted", ("招商引资到位资金",), "亿元"),
    ("industrial-value-added-above-scale-excl-tobacco", ("规模以上工业增加值",), "亿元"),
    ("foreign-trade", ("外贸进出口总额（亿美元）", "外贸进出口总额（万美元）"), None),
    ("rd-intensity-incl-tobacco", ("R&D经费投入占生产总值比重",), "%"),
)


@dataclass
class DemoReport:
    observations: int = 0
    skipped: int = 0
    parks: int = 0
    plans: int = 0
    park_codes: list[str] = field(default_factory=list)


def _places(unit: str, numbers: list[Decimal]) -> int:
    decimals = max((max(0, -n.normalize().as_tuple().exponent) for n in numbers), default=0)
    if unit in COUNT_UNITS:
        return min(decimals, 2)
    return min(max(1, decimals) + 1, 4)


def _quantize(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _path_value(base: float | None, target: float, pace: float, measure: str) -> float:
    """Where an indicator on ``pace`` stands in a year whose target is ``target``. With a base, pace is the
    share of the path from the base to the target (what the engine's progress index measures); without
    one (or for flows, judged year by year), pace scales the target itself."""
    if base is None or measure in {"annual_flow", "cumulative_flow"}:
        value = target * (0.55 + 0.45 * pace) if pace < 1 else target * pace
    else:
        value = base + pace * (target - base)
    return max(value, 0.0) if measure in NON_NEGATIVE else value


@transaction.atomic
def demo_data_create(*, parks: int = 0, seed: int = 2026) -> DemoReport:
    """Generate synthetic approved observations for 2021–2024 for Yuxi's 14th plan (leaf zones included:
    their parks' values roll up from them), and ``parks`` synthetic parks with plans; then recompute."""
    rng = random.Random(seed)
    report = DemoReport()
    plan = Plan.objects.select_related("park").get(code=PLAN_CODE)
    observations: list[Observation] = []
    existing = set(
        Observation.objects.filter(year__in=[plan.base_year, *YEARS]).values_list(
            "park_id", "indicator_id", "year"
        )
    )
    parents = set(park_tree().children)  # parks with zones
    base_values = {
        (o.park_id, o.indicator_id): o
        for o in Observation.objects.filter(
            year=plan.base_year, status=Observation.Status.APPROVED
        ).select_related("indicator__unit")
    }
    pis = (
        PlanIndicator.objects.filter(plan=plan)
        .select_related("indicator__unit", "unit")
        .prefetch_related("targets")
    )
    for pi in pis.order_by("order"):
        park_id = pi.park_id or plan.park_id
        if pi.park_id and pi.park_id in parents:
            continue  # a zone with zones of its own: its value is the sum of theirs
        if not pi.park_id and pi.indicator.code == "main-business-revenue":
            continue  # the park's revenue is the sum of its zones' (which the plan also sets)
        targets = {t.year: float(t.value) for t in pi.targets.all() if t.value is not None}
        if not targets:
            continue
        base_obs = base_values.get((park_id, pi.indicator_id))
        base = float(convert(base_obs.value, pi.indicator.unit, pi.unit)) if base_obs else None
        final_year = max(targets)
        pace = rng.choice(PACES)
        places = _places(pi.unit.symbol, [Decimal(str(v)) for v in targets.values()])
        for year in YEARS:
            if (park_id, pi.indicator_id, year) in existing:
                report.skipped += 1
                continue
            target = targets.get(year)
            if target is None:  # zones: only a 2025 target; walk towards it from 55% of it in 2020
                share = 0.55 + 0.45 * (year - plan.base_year) / (final_year - plan.base_year)
                target = targets[final_year] * share
            noisy = pace + rng.uniform(-0.04, 0.04)
            value = _quantize(_path_value(base, target, noisy, pi.indicator.measure), places)
            observations.append(
                _observation(park_id, pi.indicator, convert(value, pi.unit, pi.indicator.unit), year)
            )
            existing.add((park_id, pi.indicator_id, year))
    park_ids = [plan.park_id]
    if parks:
        demo_parks, demo_observations = _demo_parks(parks, rng, report)
        observations += demo_observations
        park_ids += [p.pk for p in demo_parks]
    bulk_create_with_history(
        observations,
        Observation,
        default_change_reason="demo_data",
        custom_historical_attrs={"history_action": Observation.history.model.Action.DEMO},
    )
    report.observations = len(observations)
    progress_recompute(park_ids=park_ids)
    return report


def _observation(park_id: int, indicator: Indicator, value: Decimal, year: int) -> Observation:
    return Observation(
        park_id=park_id,
        indicator=indicator,
        year=year,
        value=value,
        status=Observation.Status.APPROVED,
        source=SOURCE,
        note=NOTE,
        is_synthetic=True,
        reviewed_at=timezone.now(),
    )


def _demo_parks(count: int, rng: random.Random, report: DemoReport) -> tuple[list[Park], list[Observation]]:
    units = {u.symbol: u for u in Unit.objects.all()}
    indicators = {i.code: i for i in Indicator.objects.select_related("unit", "category")}
    yuxi_base = {
        code: float(value)
        for code, value in Observation.objects.filter(
            park__code="yuxi-hitech", year=2020, status=Observation.Status.APPROVED
        ).values_list("indicator__code", "value")
    }
    created_parks, observations = [], []
    for i in range(1, count + 1):
        prefecture, level, kind = DEMO_PARKS[(i - 1) % len(DEMO_PARKS)]
        park, _ = Park.objects.update_or_create(
            code=f"{PARK_PREFIX}{i:02d}",
            defaults={
                "name_zh": f"合成演示园区{i}（{prefecture}）",
                "name_en": f"Synthetic demo park {i} ({prefecture})",
                "level": level,
                "kind": kind,
                "province": "云南省",
                "prefecture": prefecture,
                "is_public": True,
                "is_synthetic": True,
                "source": SOURCE,
                "note": NOTE,
            },
        )
        plan, _ = Plan.objects.update_or_create(
            code=f"{PLAN_PREFIX}{i:02d}",
            defaults={
                "park": park,
                "name": f"合成演示园区{i}“十四五”规划",
                "kind": Plan.Kind.FIVE_YEAR,
                "start_year": 2021,
                "end_year": 2025,
                "base_year": 2020,
                "is_synthetic": True,
                "source_document": SOURCE,
                "note": NOTE,
            },
        )
        Milestone.objects.get_or_create(plan=plan, year=2025, defaults={"label": "规划期末"})
        created_parks.append(park)
        report.parks += 1
        report.plans += 1
        report.park_codes.append(park.code)
        scale = rng.uniform(0.25, 1.6)
        for order, (code, names, printed_unit) in enumerate(DEMO_INDICATORS, start=1):
            indicator = indicators[code]
            name = names[i % len(names)]
            unit = (
                units["万美元"]
                if "万美元" in name
                else units[printed_unit]
                if printed_unit
                else indicator.unit
            )
            pi, _ = PlanIndicator.objects.update_or_create(
                plan=plan,
                order=order,
                defaults={
                    "indicator": indicator,
                    "name_printed": name,
                    "category_printed": indicator.category.name_zh if indicator.category else "",
                    "unit": unit,
                    "nature": indicator.nature,
                    "source": SOURCE,
                },
            )
            ratio = float(convert(Decimal(1), indicator.unit, unit))
            base = yuxi_base.get(code, 10.0) * ratio * (scale if indicator.measure != "share" else 1)
            growth = rng.uniform(0.05, 0.12) if indicator.measure != "share" else rng.uniform(0.05, 0.2)
            places = 0 if unit.symbol == "万美元" else 2
            base_value = _quantize(base, places)
            yearly = {}
            for year in range(2021, 2026):
                t = year - 2020
                level = base * (1 + growth) ** t if indicator.measure != "share" else base + growth * t
                yearly[year] = _quantize(level, places)
                Target.objects.update_or_create(
                    plan_indicator=pi,
                    year=year,
                    defaults={"kind": Target.Kind.LEVEL, "value": yearly[year], "source": SOURCE},
                )
            pace = rng.choice(PACES)
            values = {2020: base_value}
            for year in YEARS:
                noisy = pace + rng.uniform(-0.04, 0.04)
                values[year] = _quantize(
                    _path_value(float(base_value), float(yearly[year]), noisy, indicator.measure), places
                )
            for year, value in values.items():
                observations.append(
                    _observation(park.pk, indicator, convert(value, unit, indicator.unit), year)
                )
    return created_parks, observations


@transaction.atomic
def demo_data_remove() -> dict[str, int]:
    """Delete everything ``demo_data_create`` wrote (observations, their history, synthetic parks and
    plans) and recompute the parks concerned. Real data is untouched."""
    generated = Observation.objects.filter(is_synthetic=True, source=SOURCE)
    park_ids = set(generated.values_list("park_id", flat=True))
    demo_parks = Park.objects.filter(code__startswith=PARK_PREFIX, is_synthetic=True)
    demo_park_ids = set(demo_parks.values_list("pk", flat=True))
    counts = {"observations": generated.count()}
    generated.delete()
    Observation.history.filter(is_synthetic=True, source=SOURCE).delete()
    plans = Plan.objects.filter(code__startswith=PLAN_PREFIX, is_synthetic=True)
    counts["plans"] = plans.count()
    ProgressResult.objects.filter(plan__in=plans).delete()
    plans.delete()
    counts["parks"] = demo_parks.count()
    demo_parks.delete()
    remaining = sorted(park_ids - demo_park_ids)
    if remaining:
        progress_recompute(park_ids=remaining)
    return counts
