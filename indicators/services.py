"""Writes of the indicators app: the values of formula indicators, recomputed with their parts.

A formula indicator (``Indicator.formula``) is never typed. Its yearly value for a park is an
Observation marked ``is_computed``, written here and only here, in the transaction of the write that
changed one of its parts (``entry.services`` calls :func:`formulas_recompute` once, for every door):

- the value is the formula of the parts' current values (drafts included), converted exactly into the
  units the formula names and rounded half-even to the 8 decimal places every value is stored with;
- it is **approved** only when every part's value is approved; otherwise it is a **draft**, which only
  the park's staff see (``indicators.selectors``), and nobody submits or reviews it: it follows its
  parts;
- while a part is being revised (or a part is a draft over an approved value), the formula of the
  parts' approved values in force is kept as ``previous_approved_value``: it keeps counting in
  progress and is what readers see, exactly like a revised typed value;
- no value at all when a part has no value or a divisor is 0 (never 0): the row is removed and the
  sheet says why (``formula_reason``).

Every change is recorded in the history with the action ``compute`` and the formula as its text, and
asks for a progress recompute when the value that counts changed.

Concurrency: two people saving different parts of one park-year at once must both succeed and leave
the value of both parts. A missing computed row cannot be locked, so each recompute first locks the
rows of the parks concerned (``SELECT … FOR NO KEY UPDATE``, in id order, which does not block the
foreign-key checks of inserts), and only then reads the parts and computed rows (without row locks:
a part may be held by the other writer, who waits for the park). The second writer waits for the
first to commit, then reads its committed part and the computed row it wrote, and updates that row.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import request_recompute
from indicators.formulas import Bound, Catalogue, FormulaError, bind_all, dependents, evaluate
from indicators.models import VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS, Observation
from parks.models import Park

S = Observation.Status
Action = Observation.history.model.Action
QUANTUM = Decimal(1).scaleb(-VALUE_DECIMAL_PLACES)


def _stored(value: Decimal | None) -> Decimal | None:
    """A computed value as the column holds it (8 places, half-even), or None if it cannot fit."""
    if value is None:
        return None
    try:
        rounded = value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # more digits than the context holds: far too large for the column
        return None
    if len(rounded.as_tuple().digits) > VALUE_MAX_DIGITS:
        return None
    return rounded


def _counted(obs: Observation) -> Decimal | None:
    return obs.value if obs.status == S.APPROVED else obs.previous_approved_value


def compute_one(bound: Bound, parts: dict[int, Observation], names: dict[int, str]) -> dict:
    """What the computed row of one park, year and formula should be, from its parts' rows:
    {"value", "status", "previous", "reason"}; ``value`` None means no row (``reason`` says why)."""
    current = {i: parts[i].value for i in bound.part_indicator_ids if i in parts}
    counted = {i: _counted(parts[i]) for i in bound.part_indicator_ids if i in parts}
    reason = ""
    try:
        value = _stored(evaluate(bound, current, names))
        if value is None:
            reason = _("计算结果超出可存储的范围")
    except FormulaError as exc:
        value, reason = None, str(exc)
    try:
        in_force = _stored(evaluate(bound, counted, names))
    except FormulaError:
        in_force = None
    approved = all(i in parts and parts[i].status == S.APPROVED for i in bound.part_indicator_ids)
    if approved and value is not None:
        return {"value": value, "status": S.APPROVED, "previous": None, "reason": ""}
    if value is None:
        # Nothing to show staff; an approved value in force stays what readers and progress see.
        if in_force is not None:
            return {"value": in_force, "status": S.APPROVED, "previous": None, "reason": reason}
        return {"value": None, "status": None, "previous": None, "reason": reason}
    return {"value": value, "status": S.DRAFT, "previous": in_force, "reason": ""}


@transaction.atomic
def formulas_recompute(
    *, keys: Iterable[tuple[int, int, int]], user=None, catalogue: Catalogue | None = None
) -> list[Observation]:
    """Recompute the formula values that depend on the values at ``keys`` (park id, indicator id,
    year), directly or through other formulas. Returns the computed rows written (created, changed or
    removed). A fixed number of queries however many keys: the catalogue (2, none when it has no
    formula), the parks concerned, locked (1, see the module docstring), the rows involved (1), then
    the bulk writes."""
    keys = list(keys)
    if not keys:
        return []
    catalogue = catalogue or Catalogue.load(units_if_formulas=True)
    if not catalogue.has_formulas:
        return []
    bounds, _broken = bind_all(catalogue)
    formula_ids = dependents({indicator_id for _p, indicator_id, _y in keys}, bounds)
    if not formula_ids:
        return []
    pairs = sorted({(park_id, year) for park_id, _i, year in keys})
    needed = set(formula_ids)
    for fid in formula_ids:
        needed.update(bounds[fid].part_indicator_ids)
    park_ids = sorted({p for p, _y in pairs})
    # Serialise the recomputes of these parks (a computed row that does not exist yet cannot be locked).
    list(Park.objects.select_for_update(no_key=True).filter(pk__in=park_ids).order_by("pk").values_list("pk"))
    rows = Observation.objects.filter(
        park_id__in=park_ids, year__in={y for _p, y in pairs}, indicator_id__in=needed
    )
    found = {(o.park_id, o.indicator_id, o.year): o for o in rows}
    names = {row["id"]: row["name_zh"] for row in catalogue.indicators.values()}
    now = timezone.now()
    created, updated, deleted, history = [], [], [], []
    recompute: set[int] = set()
    for fid in formula_ids:  # parts first: a formula of formulas reads the values just computed
        bound = bounds[fid]
        for park_id, year in pairs:
            parts = {
                i: found[(park_id, i, year)] for i in bound.part_indicator_ids if (park_id, i, year) in found
            }
            existing = found.get((park_id, fid, year))
            if existing is not None and not existing.is_computed:
                continue  # a value typed before the indicator became a formula is left alone
            if existing is None and not parts:
                continue
            result = compute_one(bound, parts, names)
            if result["value"] is None:
                if existing is not None:
                    deleted.append(existing)
                    del found[(park_id, fid, year)]
                    history.append(_history(existing, "-", user, bound, now))
                    if _counted(existing) is not None:
                        recompute.add(park_id)
                continue
            if existing is None:
                obs = Observation(
                    park_id=park_id,
                    indicator_id=fid,
                    year=year,
                    value=result["value"],
                    status=result["status"],
                    previous_approved_value=result["previous"],
                    is_computed=True,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                created.append(obs)
                found[(park_id, fid, year)] = obs
                if _counted(obs) is not None:
                    recompute.add(park_id)
                continue
            before = (existing.value, existing.status, existing.previous_approved_value)
            after = (result["value"], result["status"], result["previous"])
            if before == after:
                continue
            counted_before = _counted(existing)
            existing.value, existing.status, existing.previous_approved_value = after
            existing.version += 1
            existing.updated_at = now
            existing.reviewed_at = now if existing.status == S.APPROVED else None
            updated.append(existing)
            if _counted(existing) != counted_before:
                recompute.add(park_id)
    if created:
        Observation.objects.bulk_create(created)
        history += [_history(obs, "+", user, bounds[obs.indicator_id], now) for obs in created]
    if updated:
        Observation.objects.bulk_update(
            updated, ["value", "status", "previous_approved_value", "version", "updated_at", "reviewed_at"]
        )
        history += [_history(obs, "~", user, bounds[obs.indicator_id], now) for obs in updated]
    if deleted:
        Observation.objects.filter(pk__in=[obs.pk for obs in deleted])._raw_delete(Observation.objects.db)
    if history:
        Observation.history.model.objects.bulk_create(history)
    if recompute:
        request_recompute(park_ids=recompute)
    return [*created, *updated, *deleted]


def formulas_recompute_indicator(*, indicator_ids: Iterable[int], user=None) -> list[Observation]:
    """Recompute every value of these formula indicators (after a formula is set or changed in the
    admin, or after the seed is loaded): each park and year where a part has a value."""
    catalogue = Catalogue.load()
    bounds, _broken = bind_all(catalogue)
    ids = set(indicator_ids)
    parts = {p for fid in ids if fid in bounds for p in bounds[fid].part_indicator_ids}
    keys = set(
        Observation.objects.filter(indicator_id__in=parts).values_list("park_id", "indicator_id", "year")
    )
    keys |= set(
        Observation.objects.filter(indicator_id__in=ids, is_computed=True).values_list(
            "park_id", "indicator_id", "year"
        )
    )
    # A formula no longer set (or no longer readable) leaves no computed value behind.
    stale = Observation.objects.filter(indicator_id__in=ids - set(bounds), is_computed=True)
    removed = list(stale)
    if removed:
        now = timezone.now()
        Observation.history.model.objects.bulk_create([_history(o, "-", user, None, now) for o in removed])
        stale._raw_delete(Observation.objects.db)
        request_recompute(park_ids={o.park_id for o in removed})
    return removed + formulas_recompute(keys=keys, user=user, catalogue=catalogue)


def _history(obs: Observation, kind: str, user, bound: Bound | None, when) -> Observation:
    model = Observation.history.model
    return model(
        history_date=when,
        history_user=user if user is not None and user.is_authenticated else None,
        history_type=kind,
        history_action=Action.COMPUTE,
        history_text=bound.parsed.text if bound is not None else "",
        **{f.attname: getattr(obs, f.attname) for f in model.tracked_fields},
    )
