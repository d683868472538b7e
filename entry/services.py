"""The yearly-actuals workflow: draft → submitted → approved or returned; revisions of approved values.

Every door (the sheet, the review and revise forms, the REST API, uploads, ``import_observations``, the
admin) writes through these services, so every write gets the same rules (``entry.checks``), the same
permissions, the same history and the same recompute request. A service:

- takes keyword-only arguments and works on a batch: one helper, ``_Batch``, loads what the rules need
  (roles, closed periods, plans in force, the rows themselves, locked) in a fixed number of queries,
  and writes with bulk statements, so a 40-row sheet costs what a 2-row sheet costs;
- is all or nothing: any refused row refuses the batch, and each error names its ``row`` (the 0-based
  index in the batch) and ``field``;
- judges the cross-indicator rules (``rule_check``, issue 13) once for the whole batch, with the values
  stored for the same park-years: a hard rule refuses the row, a soft one asks for a note on submit;
- checks the version the caller saw (optimistic locking: a stale write is a conflict);
- records each change in the history with its action and text as fields (``history_action``,
  ``history_text``), and asks for a progress recompute when a value that counts changes.

The single-value services (``observation_save_draft``, ``observation_approve``, …) are batches of one
and raise the row's own error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import Conflict, DomainError, Invalid, NotAllowed, with_row
from core.outbox import request_recompute
from entry.checks import (
    Check,
    EntryScope,
    comment_errors,
    commentary_errors,
    entry_scope,
    entry_text_errors,
    formula_errors,
    lagging_statuses,
    observation_check_many,
    value_errors,
)
from entry.models import Commentary
from entry.rule_inputs import current_values, rule_specs
from entry.rules import evaluate, outcome_message, own_value_message, park_years_touched
from indicators.models import Indicator, Observation
from indicators.selectors import is_staff_role
from indicators.services import formulas_recompute
from parks.models import Park
from parks.selectors import park_roles, park_tree
from progress.models import ProgressResult

S = Observation.Status
Action = Observation.history.model.Action

__all__ = [
    "Check",
    "CommentaryRow",
    "Conflict",
    "DomainError",
    "EntryRow",
    "Invalid",
    "NotAllowed",
    "ReviewDecision",
    "commentary_bulk_save",
    "commentary_save",
    "observation_approve",
    "observation_bulk_review",
    "observation_bulk_save",
    "observation_bulk_submit",
    "observation_discard_draft",
    "observation_import",
    "observation_return",
    "observation_revise",
    "observation_save_draft",
    "observation_submit",
]


@dataclass
class EntryRow:
    """One value of a data sheet, a file or a request. ``value`` None means: remove the draft there."""

    park: Park
    indicator: Indicator
    year: int
    value: Decimal | None
    note: str = ""
    source: str = ""
    expected_version: int | None = None


@dataclass
class ReviewDecision:
    observation: Observation
    approve: bool  # False: return to staff with ``comment``
    comment: str = ""
    expected_version: int | None = None


def _not_role(park: Park, role: str) -> NotAllowed:
    message = {
        "entry": _("您不是“%(park)s”的填报员"),
        "reviewer": _("您不是“%(park)s”的审核员"),
        "entry_or_reviewer": _("您不是“%(park)s”的填报员或审核员"),
    }[role]
    return NotAllowed(message % {"park": park.name_zh})


class _Batch:
    """One batch of writes: loads what its rules need in a fixed number of queries, collects each
    row's errors, and writes the changed rows (and their history) in bulk statements."""

    def __init__(self, *, user, summary: str):
        self.user = user if user is not None and user.is_authenticated else None
        self.summary = summary
        self.tree = park_tree()
        self.errors: list[tuple[int, DomainError]] = []
        self.created: list[tuple[Observation, str, str]] = []  # (observation, action, text)
        self.updated: list[tuple[Observation, str, str]] = []  # (observation, action, text)
        self.deleted: list[Observation] = []
        self.recompute: set[int] = set()
        self._roles: dict[int, set[str]] | None = None

    # --- reading -----------------------------------------------------------------------------------

    def require(self, parks: Sequence[Park], role: str) -> None:
        """Refuse the whole batch at once unless the user holds ``role`` on every park."""
        if self.user is None and parks:
            raise _not_role(parks[0], role)
        roles = park_roles(self.user, parks, tree=self.tree)
        wanted = {"entry_or_reviewer": {"entry", "reviewer"}}.get(role, {role})
        for park in parks:
            if not roles[park.pk] & wanted:
                raise _not_role(park, role)

    def scope(self, keys) -> EntryScope:
        return entry_scope(tree=self.tree, keys=keys)

    @staticmethod
    def lock(pks: Sequence[int]) -> dict[int, Observation]:
        """The rows, read again under a row lock (one query), with park and indicator."""
        rows = Observation.objects.select_for_update(of=("self",)).select_related("park", "indicator")
        return {obs.pk: obs for obs in rows.filter(pk__in=list(pks))}

    @staticmethod
    def lock_keys(rows: Sequence[EntryRow]) -> dict[tuple[int, int, int], Observation]:
        if not rows:
            return {}
        found = Observation.objects.select_for_update().filter(
            park_id__in={r.park.pk for r in rows},
            indicator_id__in={r.indicator.pk for r in rows},
            year__in={r.year for r in rows},
        )
        return {(o.park_id, o.indicator_id, o.year): o for o in found}

    # --- collecting --------------------------------------------------------------------------------

    def refuse(self, index: int, error: DomainError) -> None:
        self.errors.append((index, error))

    def invalid(self, index: int, items: list[dict]) -> bool:
        """Record ``items`` (error items) as the row's refusal; True when there were any."""
        if items:
            self.refuse(index, Invalid(items[0]["message"], field=items[0]["field"], errors=items))
        return bool(items)

    @staticmethod
    def check_version(obs: Observation, expected: int | None) -> DomainError | None:
        if expected is not None and obs.version != expected:
            return Conflict(
                _("该数值已被他人修改（当前版本 %(current)s，您看到的是版本 %(seen)s），请刷新后重试")
                % {"current": obs.version, "seen": expected},
                field="version",
            )
        return None

    def create(self, obs: Observation, action: str, text: str = "") -> None:
        obs.version = 1
        self.created.append((obs, action, text))

    def state_conflict(
        self, obs: Observation, expected: int | None, *, allowed: tuple[str, ...], message: str, field: str
    ) -> DomainError | None:
        """A stale version, or a status the action does not apply to (``message`` names the status)."""
        conflict = self.check_version(obs, expected)
        if conflict is None and obs.status not in allowed:
            conflict = Conflict(message % {"status": obs.get_status_display()}, field=field)
        return conflict

    def update(self, obs: Observation, action: str, text: str = "") -> None:
        obs.version += 1
        self.updated.append((obs, action, text))

    # --- finishing ---------------------------------------------------------------------------------

    def raise_errors(self, *, single: bool) -> None:
        if not self.errors:
            return
        if single:
            _index, error = self.errors[0]
            raise error
        items = [
            {**item, "code": item.get("code", error.code)}
            for index, error in self.errors
            for item in with_row(error.errors, index)
        ]
        # Rows refused because they changed meanwhile make the batch a conflict; anything else in it
        # (a four-eyes refusal of one row included) makes it invalid, each item keeping its own code.
        conflict = all(isinstance(error, Conflict) for _i, error in self.errors)
        raise (Conflict if conflict else Invalid)(self.summary % {"n": len(items)}, errors=items)

    def write(self) -> None:
        """Every change in bulk: inserts, updates, deletes and their history records."""
        now = timezone.now()
        history = []
        if self.created:
            objs = [obs for obs, _a, _t in self.created]
            for obs in objs:
                obs.created_at = obs.updated_at = now
            Observation.objects.bulk_create(objs)
            history += [
                _history(obs, "+", self.user, action, text, now) for obs, action, text in self.created
            ]
        if self.updated:
            objs = [obs for obs, _a, _t in self.updated]
            for obs in objs:
                obs.updated_at = now
            Observation.objects.bulk_update(objs, UPDATED_FIELDS)
            history += [
                _history(obs, "~", self.user, action, text, now) for obs, action, text in self.updated
            ]
        if self.deleted:
            history += [_history(obs, "-", self.user, Action.DISCARD, "", now) for obs in self.deleted]
            # The history of each deletion is written above, with the rest, in one statement; the
            # rows go in one DELETE (no per-row signals: nothing references an observation).
            Observation.objects.filter(pk__in=[obs.pk for obs in self.deleted])._raw_delete(
                Observation.objects.db
            )
        if history:
            Observation.history.model.objects.bulk_create(history)
        # Formula indicators computed from the values written follow them, in this transaction.
        changed = [obs for obs, _a, _t in self.created + self.updated] + self.deleted
        formulas_recompute(keys={(o.park_id, o.indicator_id, o.year) for o in changed}, user=self.user)
        if self.recompute:
            request_recompute(park_ids=self.recompute)


UPDATED_FIELDS = [
    "value",
    "status",
    "note",
    "source",
    "entered_by",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
    "previous_approved_value",
    "revision_reason",
    "version",
    "updated_at",
]


def _history(obs: Observation, kind: str, user, action: str, text: str, when) -> Observation:
    """A history record of ``obs`` as it now is, saying what happened (like simple-history's own)."""
    model = Observation.history.model
    return model(
        history_date=when,
        history_user=user,
        history_type=kind,
        history_action=action,
        history_text=text,
        **{f.attname: getattr(obs, f.attname) for f in model.tracked_fields},
    )


def _single(func: Callable, **kwargs):
    """Run a batch service on one item and return its one result."""
    return func(**kwargs, _single=True)[0]


# --- drafts ------------------------------------------------------------------------------------------


@transaction.atomic
def observation_bulk_save(
    *, user, rows: Sequence[EntryRow], action: str = Action.DRAFT, text: str = "", _single: bool = False
) -> list[Observation]:
    """Save a whole sheet, file or request of drafts: all or nothing.

    New values are created as drafts; drafts and returned values are changed; approved values need a
    revision and submitted ones are with the reviewers (both refused). A row whose value is None
    removes the draft there (``observation_discard_draft``). ``action`` and ``text`` say in the history
    what wrote the values (``upload`` and the file's name, say). Returns the rows written or unchanged,
    in order (a removed row is left out).
    """
    batch = _Batch(user=user, summary=_("共 %(n)s 处错误，未保存任何数据"))
    batch.require(list({r.park.pk: r.park for r in rows}.values()), "entry")
    scope = batch.scope((r.park.pk, r.indicator.pk, r.year) for r in rows)
    existing = batch.lock_keys(rows)
    this_year = timezone.localdate().year
    result: list[Observation] = []
    saved_at: dict[int, Observation] = {}  # row index → the value saved for it
    seen: dict[tuple[int, int, int], int] = {}
    judged: list[RuleItem] = []  # the rows the cross-indicator rules judge (those written or kept)
    for index, row in enumerate(rows):
        key = (row.park.pk, row.indicator.pk, row.year)
        if key in seen:
            batch.invalid(
                index,
                [
                    {
                        "field": "indicator",
                        "message": _("与本次提交中的另一行重复（同一园区、指标、年份）"),
                    }
                ],
            )
            continue
        seen[key] = index
        if row.value is None:  # clearing a draft: only a closed period (or a computed value) stops it
            errors = formula_errors(row.indicator) or scope.closed_errors(park_id=row.park.pk, year=row.year)
        else:
            errors = scope.errors(park_id=row.park.pk, indicator=row.indicator, year=row.year)
            errors += value_errors(
                indicator=row.indicator, year=row.year, value=row.value, this_year=this_year
            )
            errors += entry_text_errors(note=row.note, source=row.source)
        obs = existing.get(key)
        if obs is None and row.expected_version not in (None, 0):
            batch.refuse(index, Conflict(_("该数值已被删除，请刷新后重试"), field="version"))
            continue
        if batch.invalid(index, errors):
            continue
        judged.append((index, row.park, row.indicator, row.year, row.value))
        if row.value is None:
            if obs is not None:
                _discard(batch, index, obs, row.expected_version)
            continue
        if obs is None:
            obs = Observation(
                park=row.park,
                indicator=row.indicator,
                year=row.year,
                value=row.value,
                note=row.note,
                source=row.source,
                status=S.DRAFT,
                entered_by=batch.user,
            )
            batch.create(obs, action, text)
            result.append(obs)
            saved_at[index] = obs
            continue
        conflict = batch.check_version(obs, row.expected_version)
        if conflict is None and obs.status == S.APPROVED:
            conflict = Conflict(_("该数值已审核，只能通过修订（说明原因）更改"), field="value")
        if conflict is None and obs.status == S.SUBMITTED:
            conflict = Conflict(_("该数值已提交待审核，不能修改"), field="value")
        if conflict is not None:
            batch.refuse(index, conflict)
            judged.pop()
            continue
        source = row.source or obs.source
        if (obs.value, obs.note, obs.source) != (row.value, row.note, source) or obs.status != S.DRAFT:
            obs.value, obs.note, obs.source = row.value, row.note, source
            obs.status, obs.entered_by = S.DRAFT, batch.user
            batch.update(obs, action, text)
        result.append(obs)
        saved_at[index] = obs
    # Hard cross-indicator rules refuse a draft already; soft ones ask for a note when it is submitted,
    # and say so now: a saved draft without a note carries the warnings in ``rule_warnings``.
    check = rule_check(batch=batch, items=judged, park_names=scope.park_names)
    for index, items in check.errors.items():
        batch.invalid(index, items)
    batch.raise_errors(single=_single)
    batch.write()
    for index, items in check.warnings.items():
        obs = saved_at.get(index)
        if obs is not None and not obs.note.strip():
            obs.rule_warnings = [item["message"] for item in items]
    return result


def _discard(batch: _Batch, index: int, obs: Observation, expected_version: int | None) -> None:
    """Remove a value that was never approved: a draft, or a returned value staff withdraw. A returned
    revision goes back to the approved value it would have replaced."""
    conflict = batch.state_conflict(
        obs,
        expected_version,
        allowed=(S.DRAFT, S.RETURNED),
        message=_("只有草稿或被退回的数值可以清除（当前状态：%(status)s）"),
        field="value",
    )
    if conflict is not None:
        batch.refuse(index, conflict)
    elif obs.previous_approved_value is not None:
        obs.value, obs.previous_approved_value = obs.previous_approved_value, None
        obs.status, obs.revision_reason = S.APPROVED, ""
        batch.update(obs, Action.DISCARD, _("撤回修订，恢复原审核值"))
        batch.recompute.add(obs.park_id)
    else:
        batch.deleted.append(obs)


def observation_save_draft(
    *,
    user,
    park: Park,
    indicator: Indicator,
    year: int,
    value: Decimal,
    note: str = "",
    source: str = "",
    expected_version: int | None = None,
) -> Observation:
    """Create or change one draft value."""
    row = EntryRow(park, indicator, year, value, note, source, expected_version)
    return _single(observation_bulk_save, user=user, rows=[row])


def observation_discard_draft(*, user, observation: Observation, expected_version: int | None = None) -> None:
    """Remove one value that was never approved; the deletion stays in the history."""
    row = EntryRow(
        observation.park, observation.indicator, observation.year, None, expected_version=expected_version
    )
    observation_bulk_save(user=user, rows=[row], _single=True)


# --- submitting and reviewing ------------------------------------------------------------------------


@transaction.atomic
def observation_bulk_submit(
    *, user, items: Sequence[tuple[Observation, int | None]], _single: bool = False
) -> list[Observation]:
    """Submit many values (a whole sheet) for review: all or nothing. ``items`` are (observation,
    version seen). A value with a warning needs a note."""
    batch = _Batch(user=user, summary=_("共 %(n)s 处问题，未提交任何数据"))
    locked = batch.lock([obs.pk for obs, _v in items])
    batch.require(list({o.park_id: o.park for o in locked.values()}.values()), "entry")
    rows = [locked.get(obs.pk) for obs, _v in items]
    scope = batch.scope((o.park_id, o.indicator_id, o.year) for o in rows if o is not None)
    present = [o for o in rows if o is not None]
    checks = dict(
        zip(
            [o.pk for o in present],
            observation_check_many(items=[(o.park_id, o.indicator, o.year, o.value) for o in present]),
            strict=True,
        )
    )
    ready: list[tuple[int, Observation]] = []  # rows that pass every other rule
    for index, ((_given, version), obs) in enumerate(zip(items, rows, strict=True)):
        if obs is None:
            batch.refuse(index, Conflict(_("该数值已被删除，请刷新后重试"), field="version"))
            continue
        conflict = batch.state_conflict(
            obs,
            version,
            allowed=(S.DRAFT, S.RETURNED),
            message=_("只有草稿或被退回的数值可以提交（当前状态：%(status)s）"),
            field="status",
        )
        if conflict is not None:
            batch.refuse(index, conflict)
            continue
        check = checks[obs.pk]
        errors = scope.errors(park_id=obs.park_id, indicator=obs.indicator, year=obs.year) + check.errors
        if batch.invalid(index, errors):
            continue
        if check.warnings and not obs.note.strip():
            batch.invalid(index, [{"field": "note", "message": w["message"]} for w in check.warnings])
            continue
        ready.append((index, obs))
    # A value that would be behind its plan needs a 原因分析 (judged with the values being submitted);
    # one breaking a hard cross-indicator rule is refused, one breaking a soft rule needs a note.
    lagging, reasons = _lagging(ready), _stored_reasons(ready)
    ruled = rule_check(
        batch=batch,
        items=[(index, obs.park, obs.indicator, obs.year, obs.value) for index, obs in ready],
        park_names=scope.park_names,
    )
    for index, obs in ready:
        if batch.invalid(index, ruled.errors.get(index, []) or ruled.note_errors(index, obs.note)):
            continue
        if not batch.invalid(index, _reasons_missing(obs, lagging=lagging, reasons=reasons)):
            obs.status = S.SUBMITTED
            batch.update(obs, Action.SUBMIT)
    batch.raise_errors(single=_single)
    batch.write()
    return [obs for obs in rows if obs is not None]


def observation_submit(*, user, observation: Observation, expected_version: int | None = None) -> Observation:
    """Staff hand one draft (or a corrected returned value) to the reviewers."""
    return _single(observation_bulk_submit, user=user, items=[(observation, expected_version)])


@transaction.atomic
def observation_bulk_review(
    *, user, decisions: Sequence[ReviewDecision], _single: bool = False
) -> list[Observation]:
    """A reviewer approves and returns many submitted values at once: all or nothing.

    Four eyes: whoever entered or revised a value cannot approve it (unless an administrator allowed
    it for the park). Approved values are locked and count from now on."""
    batch = _Batch(user=user, summary=_("共 %(n)s 处问题，未处理任何数据"))
    locked = batch.lock([d.observation.pk for d in decisions])
    batch.require(list({o.park_id: o.park for o in locked.values()}.values()), "reviewer")
    rows = [locked.get(d.observation.pk) for d in decisions]
    scope = batch.scope((o.park_id, o.indicator_id, o.year) for o in rows if o is not None)
    now = timezone.now()
    for index, (decision, obs) in enumerate(zip(decisions, rows, strict=True)):
        if obs is None:
            batch.refuse(index, Conflict(_("该数值已被删除，请刷新后重试"), field="version"))
            continue
        if not decision.approve and batch.invalid(
            index,
            comment_errors(
                decision.comment,
                field="comment",
                label=_("审核意见"),
                required_message=_("退回时必须填写审核意见"),
            ),
        ):
            continue
        conflict = batch.state_conflict(
            obs,
            decision.expected_version,
            allowed=(S.SUBMITTED,),
            message=_("只有已提交的数值可以审核通过（当前状态：%(status)s）")
            if decision.approve
            else _("只有已提交的数值可以退回（当前状态：%(status)s）"),
            field="status",
        )
        if conflict is not None:
            batch.refuse(index, conflict)
            continue
        if batch.invalid(index, scope.closed_errors(park_id=obs.park_id, year=obs.year)):
            continue
        if decision.approve:
            if obs.entered_by_id == batch.user.pk and not obs.park.allow_self_approval:
                batch.refuse(
                    index,
                    NotAllowed(
                        _("该数值由您本人填报或修订，需由另一位审核员审核通过"),
                        field="status",
                    ),
                )
                continue
            obs.status = S.APPROVED
            obs.reviewed_by, obs.reviewed_at, obs.review_comment = batch.user, now, ""
            obs.previous_approved_value, obs.revision_reason = None, ""
            batch.update(obs, Action.APPROVE)
            batch.recompute.add(obs.park_id)
        else:
            obs.status, obs.review_comment = S.RETURNED, decision.comment.strip()
            obs.reviewed_by, obs.reviewed_at = batch.user, now
            batch.update(obs, Action.RETURN, decision.comment.strip())
    batch.raise_errors(single=_single)
    batch.write()
    return [obs for obs in rows if obs is not None]


def observation_approve(
    *, user, observation: Observation, expected_version: int | None = None
) -> Observation:
    """A reviewer of the park signs one submitted value off."""
    decision = ReviewDecision(observation, True, expected_version=expected_version)
    return _single(observation_bulk_review, user=user, decisions=[decision])


def observation_return(
    *, user, observation: Observation, comment: str, expected_version: int | None = None
) -> Observation:
    """A reviewer sends one submitted value back to staff with a comment."""
    decision = ReviewDecision(observation, False, comment, expected_version)
    return _single(observation_bulk_review, user=user, decisions=[decision])


# --- revisions and imports ---------------------------------------------------------------------------


@transaction.atomic
def observation_revise(
    *,
    user,
    observation: Observation,
    value: Decimal,
    reason: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> Observation:
    """Correct an approved value: the new value goes to review again with the reason; until it is
    approved, the previously approved value stays in force. The reviser cannot approve it."""
    batch = _Batch(user=user, summary=_("共 %(n)s 处错误，未保存任何数据"))
    obs = batch.lock([observation.pk]).get(observation.pk)
    if obs is None:
        raise Conflict(_("该数值已被删除，请刷新后重试"), field="version")
    batch.require([obs.park], "entry_or_reviewer")
    scope = batch.scope([(obs.park_id, obs.indicator_id, obs.year)])
    errors = comment_errors(
        reason, field="reason", label=_("修订原因"), required_message=_("修订已审核的数值必须说明原因")
    )
    if not errors:
        conflict = batch.state_conflict(
            obs,
            expected_version,
            allowed=(S.APPROVED,),
            message=_("只有已审核的数值需要修订；当前状态为“%(status)s”，请直接修改"),
            field="status",
        )
        if conflict is not None:
            raise conflict
        errors = scope.errors(park_id=obs.park_id, indicator=obs.indicator, year=obs.year)
        errors += value_errors(indicator=obs.indicator, year=obs.year, value=value)
        errors += entry_text_errors(note=note)
    if not errors:  # the revision goes to review at once: hard rules refuse it, soft ones need a note
        ruled = rule_check(
            batch=batch, items=[(0, obs.park, obs.indicator, obs.year, value)], park_names=scope.park_names
        )
        errors = ruled.errors.get(0, []) or ruled.note_errors(0, obs.note if note is None else note)
    if batch.invalid(0, errors):
        batch.raise_errors(single=True)
    obs.previous_approved_value, obs.value = obs.value, value
    obs.revision_reason, obs.status, obs.entered_by = reason.strip(), S.SUBMITTED, batch.user
    if note is not None:
        obs.note = note
    batch.update(obs, Action.REVISE, reason.strip())
    batch.write()
    return obs


@dataclass
class ImportCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0


@transaction.atomic
def observation_import(
    *, user, rows: Sequence[EntryRow], text: str, dry_run: bool = False
) -> tuple[ImportCounts, list[Observation]]:
    """Load official figures as approved values (``import_observations``): all or nothing.

    The same rules as every other door (numbers, texts, plans in force, open periods, hard rules);
    no role is needed (it is an administrator's command on the server) and no review (the figures are
    published ones). Changed rows are recorded with the ``import`` action and ``text`` (the file's
    name), and queue a recompute of their parks."""
    batch = _Batch(user=user, summary=_("共 %(n)s 处错误，未保存任何数据"))
    scope = batch.scope((r.park.pk, r.indicator.pk, r.year) for r in rows)
    existing = batch.lock_keys(rows)
    this_year = timezone.localdate().year
    counts, result = ImportCounts(), []
    written: list[tuple[int, Observation]] = []  # (row, value) of the rows that change
    for index, row in enumerate(rows):
        errors = scope.errors(park_id=row.park.pk, indicator=row.indicator, year=row.year)
        errors += value_errors(indicator=row.indicator, year=row.year, value=row.value, this_year=this_year)
        errors += entry_text_errors(note=row.note, source=row.source)
        if batch.invalid(index, errors):
            continue
        obs = existing.get((row.park.pk, row.indicator.pk, row.year))
        if obs is None:
            obs = Observation(
                park=row.park,
                indicator=row.indicator,
                year=row.year,
                value=row.value,
                note=row.note,
                source=row.source,
                status=S.APPROVED,
                entered_by=batch.user,
            )
            batch.create(obs, Action.IMPORT, text)
            written.append((index, obs))
            counts.new += 1
        elif (obs.value, obs.status, obs.source, obs.note) == (row.value, S.APPROVED, row.source, row.note):
            counts.unchanged += 1
            result.append(obs)
            continue
        else:
            obs.value, obs.source, obs.note, obs.status = row.value, row.source, row.note, S.APPROVED
            obs.previous_approved_value, obs.revision_reason = None, ""
            obs.entered_by = obs.entered_by or batch.user
            batch.update(obs, Action.IMPORT, text)
            written.append((index, obs))
            counts.changed += 1
        batch.recompute.add(row.park.pk)
        result.append(obs)
    # Imported values are approved at once: one that would be behind its plan needs its 原因分析 first;
    # one breaking a hard cross-indicator rule is refused, one breaking a soft rule needs a note.
    lagging, reasons = _lagging(written), _stored_reasons(written)
    ruled = rule_check(
        batch=batch,
        items=[(index, obs.park, obs.indicator, obs.year, obs.value) for index, obs in written],
        park_names=scope.park_names,
    )
    for index, obs in written:
        if not batch.invalid(index, ruled.errors.get(index, []) or ruled.note_errors(index, obs.note)):
            batch.invalid(index, _reasons_missing(obs, lagging=lagging, reasons=reasons))
    batch.raise_errors(single=False)
    if not dry_run:
        batch.write()
    return counts, result


# --- cross-indicator rules (issue 13) ----------------------------------------------------------------

RuleItem = tuple[int, Park, Indicator, int, Decimal | None]  # (row, park, indicator, year, value or None)


@dataclass
class RuleCheck:
    """What the cross-indicator rules say about each row of a batch (by row index)."""

    errors: dict[int, list[dict]]  # hard rules broken: the row is refused
    warnings: dict[int, list[dict]]  # soft rules broken: the row needs a note

    def note_errors(self, index: int, note: str | None) -> list[dict]:
        """The refusal of a row with a soft rule broken and no note explaining it (field ``note``)."""
        if (note or "").strip():
            return []
        return [
            {**item, "field": "note", "code": "rule_note_required"} for item in self.warnings.get(index, [])
        ]


def rule_check(*, batch: _Batch, items: Sequence[RuleItem], park_names: dict[int, str]) -> RuleCheck:
    """The cross-indicator rules (``entry.models.ValidationRule``) over a whole batch, once: the batch's
    values together with the values stored for the same park-years (as last written, any status; a row
    whose value is None counts as removed). Every rule a row's value takes part in is judged for its
    park (or, for a ``zones`` term, the park above it), and a broken rule is reported on every row of the
    batch it read, with the same message at every door. Three queries (the rules, their indicators, the
    stored values) whatever the size of the batch; none past the first without rules."""
    result = RuleCheck({}, {})
    if not items:
        return result
    specs = rule_specs()
    if not specs:
        return result
    rows = {(park.pk, indicator.pk, year): (index, value) for index, park, indicator, year, value in items}
    names = {park.pk: park.name_zh for _index, park, _indicator, _year, _value in items}
    touched = park_years_touched(specs, list(rows), batch.tree.parent)
    if not touched:
        return result
    owners = {park_id for _r, park_id, _y in touched}
    members = owners | {zone for park_id in owners for zone in batch.tree.children.get(park_id, ())}
    by_id = {spec.id: spec for spec in specs}
    values = current_values(
        park_ids=members,
        indicator_ids={i for rule_id, _p, _y in touched for i in by_id[rule_id].indicator_ids},
        years={year for _r, _p, year in touched},
    )
    for key, (_index, value) in rows.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    staff_of: dict[int, bool] = {}  # owner park → the writer may read its (and its zones') unapproved values
    for rule_id, park_id, year in sorted(touched):
        outcome = evaluate(
            by_id[rule_id], park_id=park_id, year=year, values=values, children=batch.tree.children
        )
        if outcome is None or outcome.ok:
            continue
        hard = outcome.rule.hard
        code = "rule_violation" if hard else "rule_warning"
        bucket = result.errors if hard else result.warnings
        if not staff_of:
            staff_of.update(_staff_of(batch, owners))
        full = None
        for key in sorted(outcome.keys & rows.keys()):
            if staff_of[park_id]:
                full = full or outcome_message(outcome, park_names.get(park_id, str(park_id)))
                message = full
            else:
                # A zone's staff judged under its park's rule: the rule and their own value only.
                message = own_value_message(outcome, key, names.get(key[0]) or park_names.get(key[0], ""))
            bucket.setdefault(rows[key][0], []).append({"field": "value", "message": message, "code": code})
    return result


def _staff_of(batch: _Batch, park_ids: set[int]) -> dict[int, bool]:
    """Whether the writer may read each park's unapproved values (staff of it, or of a park it is a
    zone of: ``indicators.selectors.is_staff_role``). A batch without a user (a management command
    run by an operator with the database at hand) reads everything. At most one query."""
    if batch.user is None:
        return dict.fromkeys(park_ids, True)
    roles = park_roles(batch.user, park_ids, tree=batch.tree)
    return {pk: is_staff_role(roles[pk]) for pk in park_ids}


# --- commentary: 进展说明, 原因分析, 下一步措施 ------------------------------------------------------------


def _key(obs) -> tuple[int, int, int]:
    return (obs.park_id, obs.indicator_id, obs.year)


def _lagging(rows: Sequence[tuple[int, Observation]]) -> dict[tuple[int, int, int], str]:
    return lagging_statuses([(o.park_id, o.indicator, o.year, o.value) for _i, o in rows])


def _stored_reasons(rows: Sequence[tuple[int, Observation]]) -> dict[tuple[int, int, int], str]:
    """The 原因分析 written for these values (one query)."""
    if not rows:
        return {}
    found = Commentary.objects.filter(
        park_id__in={o.park_id for _i, o in rows},
        indicator_id__in={o.indicator_id for _i, o in rows},
        year__in={o.year for _i, o in rows},
    ).values_list("park_id", "indicator_id", "year", "reasons")
    return {(p, i, y): text for p, i, y, text in found}


def _reasons_missing(obs: Observation, *, lagging: dict, reasons: dict) -> list[dict]:
    """The refusal of a value that would be behind its plan while no 原因分析 explains it."""
    status = lagging.get(_key(obs))
    if status is None or (reasons.get(_key(obs)) or "").strip():
        return []
    message = _("“%(indicator)s”%(year)s 年的数值按规划判定为“%(status)s”，提交前须填写原因分析") % {
        "indicator": obs.indicator.name_zh,
        "year": obs.year,
        "status": ProgressResult.Status(status).label,
    }
    return [{"field": "reasons", "message": message, "code": "reasons_required"}]


@dataclass
class CommentaryRow:
    """What staff write about one value (park, indicator, year); None leaves a field as it is."""

    park: Park
    indicator: Indicator
    year: int
    progress: str | None = None
    reasons: str | None = None
    measures: str | None = None
    expected_version: int | None = None


COMMENTARY_FIELDS = ("progress", "reasons", "measures")


@transaction.atomic
def commentary_bulk_save(*, user, rows: Sequence[CommentaryRow], _single: bool = False) -> list[Commentary]:
    """Write the commentary of many values (a sheet's, a request's): all or nothing.

    Staff (填报员) of the park write it, for an indicator a plan of the park asks for that year, while
    the year's reporting period is open; the texts follow the rules of notes. Every change is kept in
    the commentary's history (who, when, what)."""
    batch = _Batch(user=user, summary=_("共 %(n)s 处错误，未保存任何说明"))
    batch.require(list({r.park.pk: r.park for r in rows}.values()), "entry")
    scope = batch.scope((r.park.pk, r.indicator.pk, r.year) for r in rows)
    existing = {}
    if rows:
        locked = Commentary.objects.select_for_update().filter(
            park_id__in={r.park.pk for r in rows},
            indicator_id__in={r.indicator.pk for r in rows},
            year__in={r.year for r in rows},
        )
        existing = {(c.park_id, c.indicator_id, c.year): c for c in locked}
    now = timezone.now()
    created, updated, result = [], [], []
    for index, row in enumerate(rows):
        texts = {name: getattr(row, name) for name in COMMENTARY_FIELDS if getattr(row, name) is not None}
        errors = scope.errors(park_id=row.park.pk, indicator=row.indicator, year=row.year)
        errors += commentary_errors(**texts)
        if batch.invalid(index, errors):
            continue
        current = existing.get((row.park.pk, row.indicator.pk, row.year))
        if current is None:
            if row.expected_version not in (None, 0):
                batch.refuse(index, Conflict(_("该说明已被删除，请刷新后重试"), field="version"))
                continue
            current = Commentary(park=row.park, indicator=row.indicator, year=row.year, version=1)
            created.append(current)
        elif row.expected_version is not None and current.version != row.expected_version:
            batch.refuse(
                index,
                Conflict(
                    _("该说明已被他人修改（当前版本 %(current)s，您看到的是版本 %(seen)s），请刷新后重试")
                    % {"current": current.version, "seen": row.expected_version},
                    field="version",
                ),
            )
            continue
        elif all((getattr(current, n) == t.strip()) for n, t in texts.items()):
            result.append(current)
            continue
        else:
            current.version += 1
            updated.append(current)
        for name, text in texts.items():
            setattr(current, name, text.strip())
        current.updated_by, current.updated_at = batch.user, now
        result.append(current)
    batch.raise_errors(single=_single)
    if created:
        bulk_create_with_history(created, Commentary, default_user=batch.user, default_date=now)
    if updated:
        bulk_update_with_history(
            updated,
            Commentary,
            [*COMMENTARY_FIELDS, "updated_by", "updated_at", "version"],
            default_user=batch.user,
            default_date=now,
        )
    return result


def commentary_save(
    *,
    user,
    park: Park,
    indicator: Indicator,
    year: int,
    progress: str | None = None,
    reasons: str | None = None,
    measures: str | None = None,
    expected_version: int | None = None,
) -> Commentary:
    """Write the commentary of one value."""
    row = CommentaryRow(park, indicator, year, progress, reasons, measures, expected_version)
    return commentary_bulk_save(user=user, rows=[row], _single=True)[0]
