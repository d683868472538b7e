"""Load the fixtures taken from the seed documents (fixtures/*.yaml) into the database.

Idempotent: each row is found by its stable key and saved only when a field differs, so a second
run writes nothing and adds no history. Every value keeps its source (seed file + table/paragraph).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import models, transaction

from indicators.formulas import validate as formula_validate
from indicators.models import Category, Indicator, IndicatorAlias, Observation, Unit
from indicators.services import formulas_recompute_indicator
from indicators.units import convert
from parks.models import Park
from plans.audit import audit_plan
from plans.models import (
    LevelTarget,
    Milestone,
    Plan,
    PlanComposition,
    PlanIndicator,
    PlanMember,
    PlanStatement,
    Target,
)

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
SEED_REASON = "seed"
# Loaders of fixtures that belong to apps above plans (entry's validation rules, fixtures/rules.yaml):
# plans may not import them, so each registers ``loader(directory, report)`` here in its AppConfig.ready,
# and seed_load runs them after the catalogue and the documents, in the same transaction.
SEED_EXTENSIONS: list = []


class FixtureError(ValueError):
    """A fixture file refers to something that does not exist or is malformed."""


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    # The plan audit of every plan the fixtures hold (plans.audit), by plan code: warnings for the
    # planners, never a reason to refuse the seed.
    findings: dict[str, list] = field(default_factory=dict)

    def count(self, model: type[models.Model], created: bool) -> None:
        bucket = self.created if created else self.updated
        name = model._meta.model_name
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def to_decimal(value: Any) -> Decimal | None:
    """YAML numbers → Decimal through their shortest text form (0.078 stays 0.078)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise FixtureError(f"not a number: {value!r}")
    return Decimal(str(value))


def _mark_history(obj: models.Model) -> None:
    """Say in the history record just written (observations keep one) that the seed wrote it."""
    history = getattr(type(obj), "history", None)
    if history is not None:
        latest = obj.history.latest()
        history.filter(pk=latest.pk).update(history_action=history.model.Action.SEED)


def _sync(report: SeedReport, model: type[models.Model], lookup: dict, values: dict) -> models.Model:
    """Create the row, or update only the fields that differ; report what changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj._change_reason = SEED_REASON
        obj.save()
        _mark_history(obj)
        report.count(model, created=True)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    # Foreign keys compare by instance; compare ids to avoid false positives.
    changed = [
        name
        for name in changed
        if not (isinstance(values[name], models.Model) and getattr(obj, f"{name}_id") == values[name].pk)
    ]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj._change_reason = SEED_REASON
        obj.save()
        _mark_history(obj)
        report.count(model, created=False)
    return obj


def _lookup(model: type[models.Model], cache: dict, key: str, **filters) -> Any:
    if key not in cache:
        try:
            cache[key] = model.objects.get(**filters)
        except model.DoesNotExist as exc:
            raise FixtureError(f"{model._meta.verbose_name} not found: {key}") from exc
    return cache[key]


def load_catalogue(data: dict, report: SeedReport) -> None:
    for row in data.get("units", []):
        _sync(
            report,
            Unit,
            {"code": row["code"]},
            {
                "symbol": row["symbol"],
                "name_en": row.get("name_en", ""),
                "dimension": row["dimension"],
                "factor": to_decimal(row["factor"]),
            },
        )
    for row in data.get("categories", []):
        _sync(
            report,
            Category,
            {"code": row["code"]},
            {
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en", ""),
                "order": row.get("order", 0),
            },
        )
    units = {u.code: u for u in Unit.objects.all()}
    categories = {c.code: c for c in Category.objects.all()}
    rows = data.get("indicators", [])
    # Parents first, so that a sub-indicator can point to its parent.
    for row in sorted(rows, key=lambda r: bool(r.get("parent"))):
        for required in ("direction", "measure", "nature", "unit"):
            if required not in row:
                raise FixtureError(f"indicator {row.get('code')}: '{required}' is required")
        parent = Indicator.objects.get(code=row["parent"]) if row.get("parent") else None
        indicator = _sync(
            report,
            Indicator,
            {"code": row["code"]},
            {
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en", ""),
                "unit": units[row["unit"]],
                "category": categories[row["category"]] if row.get("category") else None,
                "direction": int(row["direction"]),
                "measure": row["measure"],
                "nature": row["nature"],
                "scope_note": row.get("scope_note", ""),
                "parent": parent,
                "formula": row.get("formula", ""),
                "definition": row.get("definition", ""),
                "data_source": row.get("data_source", ""),
                "source": row.get("source", ""),
                "note": row.get("note", ""),
            },
        )
        for alias in row.get("aliases", []):
            _sync(
                report,
                IndicatorAlias,
                {"indicator": indicator, "name": alias["name"]},
                {"source": alias.get("source", "")},
            )
    # Formulas name other indicators, so they are checked once every indicator is loaded.
    for indicator in Indicator.objects.exclude(formula="").select_related("unit"):
        errors = formula_validate(code=indicator.code, unit=indicator.unit, formula=indicator.formula)
        if errors:
            raise FixtureError(f"indicator {indicator.code}: formula: {'; '.join(errors)}")


def _target_rows(spec: dict, default_source: str) -> Iterable[tuple[Any, dict]]:
    """(key, values) of each target of ``spec``: keyed by year (int), or by park level (str)."""
    for key, target in spec.items():
        key = key if isinstance(key, str) and not key.isdigit() else int(key)
        if isinstance(target, dict):
            value = to_decimal(target.get("value"))
            yield (
                key,
                {
                    "kind": target.get("kind", "level"),
                    "value": value,
                    "wording": target.get("wording", ""),
                    "source": target.get("source", default_source),
                    "note": target.get("note", ""),
                },
            )
        else:
            value = to_decimal(target)
            yield (
                key,
                {
                    "kind": "level",
                    "value": value,
                    "wording": str(target),
                    "source": default_source,
                    "note": "",
                },
            )


def _plan_row(plan: Plan, rows: dict[int, PlanIndicator], order: Any, what: str) -> PlanIndicator:
    if order not in rows:
        raise FixtureError(f"{plan.code} {what}: no plan indicator with order {order!r}")
    return rows[order]


def _load_composition(
    report: SeedReport, plan: Plan, rows: dict[int, PlanIndicator], spec: dict, default_source: str
) -> None:
    """A whole and the rows that make it up, by the rows' printed order (``parts`` in any order)."""
    label = spec["label"]
    whole = _plan_row(plan, rows, spec["whole"], f"composition {label}")
    parts = [_plan_row(plan, rows, order, f"composition {label}") for order in spec["parts"]]
    if spec["kind"] not in PlanComposition.Kind.values:
        raise FixtureError(f"{plan.code} composition {label}: unknown kind {spec['kind']!r}")
    if not parts or whole in parts or len(set(spec["parts"])) != len(parts):
        raise FixtureError(f"{plan.code} composition {label}: parts must be other rows, each once")
    for part in parts:
        if part.unit.dimension != whole.unit.dimension:
            raise FixtureError(f"{plan.code} composition {label}: {part.name_printed} is not in {whole.unit}")
    existed = PlanComposition.objects.filter(whole=whole, label=label).exists()
    composition = _sync(
        report,
        PlanComposition,
        {"whole": whole, "label": label},
        {"kind": spec["kind"], "source": spec.get("source", default_source), "note": spec.get("note", "")},
    )
    wanted = {p.pk for p in parts}
    if set(composition.parts.values_list("pk", flat=True)) != wanted:
        composition.parts.set(parts)
        if existed:
            report.count(PlanComposition, created=False)


def _load_statement(
    report: SeedReport, plan: Plan, rows: dict[int, PlanIndicator], units: dict[str, Unit], spec: dict
) -> None:
    """A number the plan's text states about a row, in the text's own unit, with its paragraph."""
    pi = _plan_row(plan, rows, spec["row"], f"statement {spec.get('quote', '')}")
    if spec["unit"] not in units:
        raise FixtureError(f"{plan.code} statement {spec['quote']}: unknown unit {spec['unit']}")
    if spec["kind"] not in PlanStatement.Kind.values:
        raise FixtureError(f"{plan.code} statement {spec['quote']}: unknown kind {spec['kind']!r}")
    _sync(
        report,
        PlanStatement,
        {"plan_indicator": pi, "year": int(spec["year"]), "kind": spec["kind"], "source": spec["source"]},
        {
            "value": to_decimal(spec["value"]),
            "unit": units[spec["unit"]],
            "quote": spec["quote"],
            "note": spec.get("note", ""),
        },
    )


def load_document(data: dict, report: SeedReport) -> None:
    parks: dict[str, Park] = {}
    for row in data.get("parks", []):
        values = {
            k: row.get(k, "")
            for k in (
                "name_zh",
                "name_en",
                "level",
                "kind",
                "province",
                "prefecture",
                "county",
                "source",
                "note",
            )
        }
        values.update(
            {
                "planned_area_km2": to_decimal(row.get("planned_area_km2")),
                "administered_area_km2": to_decimal(row.get("administered_area_km2")),
                "established_year": row.get("established_year"),
                "is_public": bool(row.get("is_public", False)),
                "parent": _lookup(Park, parks, row["parent"], code=row["parent"])
                if row.get("parent")
                else None,
            }
        )
        parks[row["code"]] = _sync(report, Park, {"code": row["code"]}, values)

    units_by_symbol = {u.symbol: u for u in Unit.objects.all()}
    indicators: dict[str, Indicator] = {}
    for row in data.get("plans", []):
        park = _lookup(Park, parks, row["park"], code=row["park"])
        plan = _sync(
            report,
            Plan,
            {"code": row["code"]},
            {
                "park": park,
                "name": row["name"],
                "kind": row["kind"],
                "start_year": row["start_year"],
                "end_year": row["end_year"],
                "base_year": row["base_year"],
                "source_document": row.get("source_document", ""),
                "note": row.get("note", ""),
            },
        )
        for milestone in row.get("milestones", []):
            _sync(
                report,
                Milestone,
                {"plan": plan, "year": milestone["year"]},
                {"label": milestone.get("label", "")},
            )
        default_source = row.get("default_source", row.get("source_document", ""))
        for pi in row.get("plan_indicators", []):
            indicator = _lookup(Indicator, indicators, pi["indicator"], code=pi["indicator"])
            if pi["unit"] not in units_by_symbol:
                raise FixtureError(f"{plan.code} {pi['name']}: unknown unit {pi['unit']}")
            zone = _lookup(Park, parks, pi["park"], code=pi["park"]) if pi.get("park") else None
            source = pi.get("source", default_source)
            plan_indicator = _sync(
                report,
                PlanIndicator,
                {"plan": plan, "order": pi["order"]},
                {
                    "indicator": indicator,
                    "park": zone,
                    "category_printed": pi.get("category", ""),
                    "name_printed": pi["name"],
                    "unit": units_by_symbol[pi["unit"]],
                    "nature": pi.get("nature", indicator.nature),
                    "source": source,
                    "note": pi.get("note", ""),
                    "applies_to": pi.get("applies_to", PlanIndicator.AppliesTo.PARK),
                },
            )
            for year, values in _target_rows(pi.get("targets", {}), source):
                _sync(report, Target, {"plan_indicator": plan_indicator, "year": year}, values)
            for year, by_level in pi.get("level_targets", {}).items():
                for level, values in _target_rows(by_level, source):
                    if level not in Park.Level.values:
                        raise FixtureError(f"{plan.code} {pi['name']}: unknown park level {level!r}")
                    _sync(
                        report,
                        LevelTarget,
                        {"plan_indicator": plan_indicator, "year": int(year), "park_level": level},
                        values,
                    )
        for member in row.get("members", []):
            _sync(
                report,
                PlanMember,
                {"plan": plan, "park": _lookup(Park, parks, member["park"], code=member["park"])},
                {"source": member.get("source", default_source), "note": member.get("note", "")},
            )
        rows = {pi.order: pi for pi in plan.plan_indicators.select_related("unit")}
        for composition in row.get("compositions", []):
            _load_composition(report, plan, rows, composition, default_source)
        for statement in row.get("statements", []):
            _load_statement(report, plan, rows, units_by_symbol, statement)

    for row in data.get("observations", []):
        park = _lookup(Park, parks, row["park"], code=row["park"])
        indicator = _lookup(Indicator, indicators, row["indicator"], code=row["indicator"])
        unit = units_by_symbol[row["unit"]]
        for year, printed in row["values"].items():
            value = convert(to_decimal(printed), unit, indicator.unit)
            note = row.get("note", "")
            if unit.pk != indicator.unit_id:
                note = f"原文 {printed} {unit.symbol}。{note}".strip()
            _sync(
                report,
                Observation,
                {"park": park, "indicator": indicator, "year": int(year)},
                {
                    "value": value,
                    "status": Observation.Status.APPROVED,
                    "source": row["source"],
                    "note": note,
                },
            )


def fixture_files(directory: Path = FIXTURES_DIR) -> list[Path]:
    return [directory / "catalogue.yaml", *sorted((directory / "documents").glob("*.yaml"))]


@transaction.atomic
def seed_load(*, directory: Path = FIXTURES_DIR) -> SeedReport:
    """Load the catalogue and every seed document, all or nothing."""
    report = SeedReport()
    files = fixture_files(directory)
    load_catalogue(yaml.safe_load(files[0].read_text(encoding="utf-8")), report)
    codes = []
    for path in files[1:]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        load_document(data, report)
        codes += [row["code"] for row in data.get("plans", [])]
    for loader in SEED_EXTENSIONS:
        loader(directory, report)
    for plan in Plan.objects.filter(code__in=codes).order_by("code"):
        report.findings[plan.code] = audit_plan(plan)
    # Seeded parts of formula indicators give their computed values (none are written when unchanged).
    formulas_recompute_indicator(
        indicator_ids=Indicator.objects.exclude(formula="").values_list("pk", flat=True)
    )
    return report
