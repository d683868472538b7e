"""The league table of a scheme-year and a park's history, shaped once for the pages and the XLSX export.

A fixed number of queries: the scheme, the results the user may see (with their parks), the run whose
scheme snapshot names the columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import Invalid
from evaluation.api import peer_group_label
from evaluation.models import EvaluationResult, EvaluationRun, Scheme
from evaluation.selectors import RESULT_ORDER, scheme_definition, schemes_with_rows, visible_results
from evaluation.services import MISSING_REASONS, NOT_ASSESSED, Definition, definition_from_dict
from parks.models import Park


@dataclass
class Column:
    code: str
    name: str
    group: str
    weight: Decimal | None


@dataclass
class Movement:
    symbol: str
    text: str
    css: str


def movement(change: int | None, previous_rank: int | None) -> Movement:
    if change is None:
        if previous_rank is None:
            return Movement("·", _("上年未评价或不可比"), "move-none")
        return Movement("·", _("上年名次 %(rank)s") % {"rank": previous_rank}, "move-none")
    if change > 0:
        return Movement(f"↑{change}", _("上升 %(n)s 名") % {"n": change}, "move-up")
    if change < 0:
        return Movement(f"↓{-change}", _("下降 %(n)s 名") % {"n": -change}, "move-down")
    return Movement("→", _("名次不变"), "move-same")


@dataclass
class Row:
    result: EvaluationResult
    movement: Movement
    cells: list[tuple[Column, dict | None]]
    bonus: Decimal
    deduction: Decimal
    missing: list[str]
    tier_index: int


@dataclass
class PeerGroup:
    key: str
    label: str
    rows: list[Row] = field(default_factory=list)
    count: int = 0


@dataclass
class LeagueTable:
    scheme: Scheme
    year: int
    columns: list[Column]
    groups: list[PeerGroup]
    run: EvaluationRun | None
    tiers: list[tuple[str, str]]
    computed_at: object = None


def _definition_for(scheme: Scheme, run: EvaluationRun | None) -> Definition | None:
    """The scheme as it stood for the run (its snapshot), else as it stands now."""
    try:
        if run is not None and run.definition:
            return definition_from_dict(run.definition)
        return scheme_definition(scheme)
    except Invalid:
        return None


def missing_texts(entries: list[dict]) -> list[str]:
    texts = []
    for entry in entries:
        reason = str(MISSING_REASONS.get(entry.get("reason"), entry.get("reason")))
        texts.append(f"{entry['name']}：{reason}" if entry.get("name") else reason)
    return texts


def league_table(*, scheme_code: str, year: int, user) -> LeagueTable | None:
    """The peer groups of a scheme-year with the rows the user may see, best first (parks not assessed
    last); None when the scheme does not exist."""
    scheme = schemes_with_rows().filter(code=scheme_code).first()
    if scheme is None:
        return None
    results = list(visible_results(user).filter(scheme=scheme, year=year).order_by(*RESULT_ORDER))
    run_ids = {r.run_id for r in results if r.run_id}
    run = EvaluationRun.objects.filter(pk__in=run_ids).order_by("-created_at").first() if run_ids else None
    definition = _definition_for(scheme, run)
    columns: list[Column] = []
    tiers: list[tuple[str, str]] = []
    if definition is not None:
        weights = definition.effective_weights()
        groups = {g.code: g.name for g in definition.groups}
        columns = [
            Column(i.code, i.name or i.indicator, groups.get(i.group or "", ""), weights.get(i.code))
            for i in definition.items
        ]
        tiers = [(t.code, t.label) for t in definition.tiers]
    tier_order = {code: n for n, (code, _label) in enumerate(tiers)}
    by_key: dict[str, PeerGroup] = {}
    for result in results:
        group = by_key.get(result.peer_group)
        if group is None:
            group = by_key[result.peer_group] = PeerGroup(
                result.peer_group,
                peer_group_label(scheme.peer_groups, result.peer_group),
                count=result.peer_count,
            )
        points = {c["item"]: c for c in result.contributions if c.get("kind") == "indicator"}
        group.rows.append(
            Row(
                result=result,
                movement=movement(result.rank_change, result.previous_rank),
                cells=[(c, points.get(c.code)) for c in columns],
                bonus=result.bonus,
                deduction=result.deduction,
                missing=missing_texts(result.missing),
                tier_index=tier_order.get(result.tier, len(tiers)) if result.tier != NOT_ASSESSED else -1,
            )
        )
    order = {key: n for n, (key, _label) in enumerate(Park.Level.choices)}
    groups = sorted(by_key.values(), key=lambda g: (order.get(g.key, 99), g.key))
    return LeagueTable(
        scheme=scheme,
        year=year,
        columns=columns,
        groups=groups,
        run=run,
        tiers=tiers,
        computed_at=max((r.computed_at for r in results), default=None),
    )


def park_history(*, park: Park, user) -> list[dict]:
    """A park's results under every scheme, newest year first, grouped by scheme."""
    results = visible_results(user).filter(park=park).order_by("scheme__code", "-year")
    schemes: dict[int, dict] = {}
    for result in results:
        entry = schemes.setdefault(result.scheme_id, {"scheme": result.scheme, "rows": []})
        entry["rows"].append(
            {
                "result": result,
                "movement": movement(result.rank_change, result.previous_rank),
                "missing": missing_texts(result.missing),
                "peer_group": peer_group_label(result.scheme.peer_groups, result.peer_group),
            }
        )
    return list(schemes.values())
