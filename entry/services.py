"""The yearly-actuals workflow: draft → submitted → approved or returned; revisions of approved values.

Every function is a service: keyword-only, checks permission, validates, locks the row, checks the
version the caller saw (optimistic locking), writes, records the reason in the history, and asks for a
progress recompute when a counted value changes. Errors carry a machine-readable ``code`` and a
translated message naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, Invalid, NotAllowed
from core.formatting import decimal_str
from indicators.models import YEAR_MIN, Indicator, Observation
from parks.models import Park
from parks.permissions import can_enter, can_review
from progress.services import progress_request_recompute

DEFAULT_YOY_THRESHOLD = Decimal("0.3")
NON_NEGATIVE_MEASURES = ("level", "share", "cumulative_flow")
MIN_HISTORY_FOR_RANGE = 3


@dataclass
class Check:
    errors: list[dict] = field(default_factory=list)  # hard: block saving
    warnings: list[dict] = field(default_factory=list)  # soft: need a note before submission


def observation_check(*, park: Park, indicator: Indicator, year: int, value: Decimal) -> Check:
    """Hard errors and soft warnings for one value (the same rules in the browser, the API, imports)."""
    check = Check()
    _hard_rules(check, indicator, year, value, timezone.localdate().year)
    if check.errors:
        return check
    counted = Observation.objects.filter(park=park, indicator=indicator, status=Observation.Status.APPROVED)
    previous = counted.filter(year=year - 1).values_list("value", flat=True).first()
    history = counted.exclude(year=year).aggregate(low=Min("value"), high=Max("value"), n=Count("id"))
    _soft_rules(check, indicator, value, previous, history["low"], history["high"], history["n"])
    return check


def _hard_rules(check: Check, indicator: Indicator, year: int, value: Decimal, this_year: int) -> None:
    if not YEAR_MIN <= year <= this_year:
        check.errors.append(
            {
                "field": "year",
                "message": _("年份 %(year)s 不在可填报范围（%(min)s–%(max)s）")
                % {"year": year, "min": YEAR_MIN, "max": this_year},
            }
        )
    if value < 0 and indicator.measure in NON_NEGATIVE_MEASURES:
        check.errors.append(
            {"field": "value", "message": _("“%(name)s”不能为负数") % {"name": indicator.name_zh}}
        )
    if indicator.measure == "share" and value > 100:
        check.errors.append(
            {
                "field": "value",
                "message": _("比重不能超过 100%%（填写的是 %(value)s）") % {"value": decimal_str(value)},
            }
        )


def _soft_rules(
    check: Check,
    indicator: Indicator,
    value: Decimal,
    previous: Decimal | None,
    low: Decimal | None,
    high: Decimal | None,
    n: int,
) -> None:
    """Warnings from the approved history: the previous year's value, and the range of other years."""
    threshold = indicator.yoy_warning_threshold or DEFAULT_YOY_THRESHOLD
    if previous is not None and previous != 0:
        change = (value - previous) / abs(previous)
        if abs(change) > threshold:
            check.warnings.append(
                {
                    "field": "value",
                    "message": _(
                        "与上年（%(previous)s）相比变动 %(change)s%%，"
                        "超过提醒阈值 %(threshold)s%%，请在备注中说明原因"
                    )
                    % {
                        "previous": decimal_str(previous),
                        "change": round(change * 100, 1),
                        "threshold": round(threshold * 100),
                    },
                }
            )
    # The range seen in history, widened by the same threshold: a series that grows steadily sets a
    # new high every year, and that alone is no reason to ask for an explanation.
    if n >= MIN_HISTORY_FOR_RANGE and not low - threshold * abs(low) <= value <= high + threshold * abs(high):
        check.warnings.append(
            {
                "field": "value",
                "message": _("超出历史数值范围（%(low)s–%(high)s），请在备注中说明原因")
                % {"low": decimal_str(low), "high": decimal_str(high)},
            }
        )


def _locked(observation: Observation, expected_version: int | None) -> Observation:
    obs = Observation.objects.select_for_update().select_related("park", "indicator").get(pk=observation.pk)
    if expected_version is not None and obs.version != expected_version:
        raise Conflict(
            _("该数值已被他人修改（当前版本 %(current)s，您看到的是版本 %(seen)s），请刷新后重试")
            % {"current": obs.version, "seen": expected_version},
            field="version",
        )
    return obs


def _save(obs: Observation, reason: str, *, recompute: bool) -> Observation:
    obs.version += 1
    obs._change_reason = reason
    obs.save()
    if recompute:
        progress_request_recompute(park_id=obs.park_id)
    return obs


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


@transaction.atomic
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
    """Create or change a draft value. Approved and submitted values cannot be changed this way."""
    _require(can_enter(user, park), _("您不是“%(park)s”的填报员") % {"park": park.name_zh})
    check = observation_check(park=park, indicator=indicator, year=year, value=value)
    if check.errors:
        raise Invalid(check.errors[0]["message"], field=check.errors[0]["field"], errors=check.errors)
    existing = Observation.objects.filter(park=park, indicator=indicator, year=year).first()
    if existing is None:
        if expected_version not in (None, 0):
            raise Conflict(_("该数值已被删除，请刷新后重试"), field="version")
        obs = Observation(
            park=park,
            indicator=indicator,
            year=year,
            value=value,
            note=note,
            source=source,
            status=Observation.Status.DRAFT,
            entered_by=user,
            version=0,
        )
        return _save(obs, "draft", recompute=False)
    obs = _locked(existing, expected_version)
    if obs.status == Observation.Status.APPROVED:
        raise Conflict(_("该数值已审核，只能通过修订（说明原因）更改"), field="value")
    if obs.status == Observation.Status.SUBMITTED:
        raise Conflict(_("该数值已提交待审核，不能修改"), field="value")
    unchanged = (obs.value, obs.note, obs.source) == (value, note, source or obs.source)
    if unchanged and obs.status == Observation.Status.DRAFT:
        return obs
    obs.value, obs.note, obs.source = value, note, source or obs.source
    obs.status, obs.entered_by = Observation.Status.DRAFT, user
    return _save(obs, "draft", recompute=False)


@transaction.atomic
def observation_submit(*, user, observation: Observation, expected_version: int | None = None) -> Observation:
    """Staff hand a draft (or a corrected returned value) to the reviewers. Warnings need a note."""
    obs = _locked(observation, expected_version)
    _require(can_enter(user, obs.park), _("您不是“%(park)s”的填报员") % {"park": obs.park.name_zh})
    if obs.status not in (Observation.Status.DRAFT, Observation.Status.RETURNED):
        raise Conflict(
            _("只有草稿或被退回的数值可以提交（当前状态：%(status)s）")
            % {"status": obs.get_status_display()},
            field="status",
        )
    check = observation_check(park=obs.park, indicator=obs.indicator, year=obs.year, value=obs.value)
    if check.errors:
        raise Invalid(check.errors[0]["message"], field=check.errors[0]["field"], errors=check.errors)
    if check.warnings and not obs.note.strip():
        raise Invalid(
            check.warnings[0]["message"],
            field="note",
            errors=[{"field": "note", "message": w["message"]} for w in check.warnings],
        )
    obs.status = Observation.Status.SUBMITTED
    return _save(obs, "submit", recompute=False)


@transaction.atomic
def observation_approve(
    *, user, observation: Observation, expected_version: int | None = None
) -> Observation:
    """A reviewer of the park signs a submitted value off; it is locked and counts from now on."""
    obs = _locked(observation, expected_version)
    _require(can_review(user, obs.park), _("您不是“%(park)s”的审核员") % {"park": obs.park.name_zh})
    if obs.status != Observation.Status.SUBMITTED:
        raise Conflict(
            _("只有已提交的数值可以审核通过（当前状态：%(status)s）") % {"status": obs.get_status_display()},
            field="status",
        )
    obs.status = Observation.Status.APPROVED
    obs.reviewed_by, obs.reviewed_at, obs.review_comment = user, timezone.now(), ""
    obs.previous_approved_value, obs.revision_reason = None, ""
    return _save(obs, "approve", recompute=True)


@transaction.atomic
def observation_return(
    *, user, observation: Observation, comment: str, expected_version: int | None = None
) -> Observation:
    """A reviewer sends a submitted value back to staff with a comment."""
    obs = _locked(observation, expected_version)
    _require(can_review(user, obs.park), _("您不是“%(park)s”的审核员") % {"park": obs.park.name_zh})
    if not comment.strip():
        raise Invalid(_("退回时必须填写审核意见"), field="comment")
    if obs.status != Observation.Status.SUBMITTED:
        raise Conflict(
            _("只有已提交的数值可以退回（当前状态：%(status)s）") % {"status": obs.get_status_display()},
            field="status",
        )
    obs.status, obs.review_comment = Observation.Status.RETURNED, comment.strip()
    obs.reviewed_by, obs.reviewed_at = user, timezone.now()
    return _save(obs, f"return: {comment.strip()}", recompute=False)


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
    approved, the previously approved value stays in force."""
    obs = _locked(observation, expected_version)
    _require(
        can_enter(user, obs.park) or can_review(user, obs.park),
        _("您不是“%(park)s”的填报员或审核员") % {"park": obs.park.name_zh},
    )
    if not reason.strip():
        raise Invalid(_("修订已审核的数值必须说明原因"), field="reason")
    if obs.status != Observation.Status.APPROVED:
        raise Conflict(
            _("只有已审核的数值需要修订；当前状态为“%(status)s”，请直接修改")
            % {"status": obs.get_status_display()},
            field="status",
        )
    check = observation_check(park=obs.park, indicator=obs.indicator, year=obs.year, value=value)
    if check.errors:
        raise Invalid(check.errors[0]["message"], field=check.errors[0]["field"], errors=check.errors)
    obs.previous_approved_value, obs.value = obs.value, value
    obs.revision_reason, obs.status, obs.entered_by = reason.strip(), Observation.Status.SUBMITTED, user
    if note is not None:
        obs.note = note
    return _save(obs, f"revise: {reason.strip()}", recompute=False)


@dataclass
class DraftRow:
    indicator: Indicator
    year: int
    value: Decimal
    note: str = ""
    source: str = ""
    expected_version: int | None = None


@transaction.atomic
def observation_bulk_save_drafts(*, user, park: Park, rows: Sequence[DraftRow]) -> list[Observation]:
    """Save many drafts of one park at once: all or nothing. Errors name the row index (0-based)."""
    saved, errors = [], []
    for index, row in enumerate(rows):
        try:
            with transaction.atomic():
                saved.append(
                    observation_save_draft(
                        user=user,
                        park=park,
                        indicator=row.indicator,
                        year=row.year,
                        value=row.value,
                        note=row.note,
                        source=row.source,
                        expected_version=row.expected_version,
                    )
                )
        except NotAllowed:
            raise
        except DomainError as exc:
            errors.extend({"row": index, **error} for error in exc.errors)
    if errors:
        raise Invalid(_("共 %(n)s 处错误，未保存任何数据") % {"n": len(errors)}, errors=errors)
    return saved


# --- Sheet-level services (issue 5): many values at once, all or nothing ------------------------------


def observation_check_many(*, items: Sequence[tuple[int, Indicator, int, Decimal]]) -> list[Check]:
    """``observation_check`` for many (park id, indicator, year, value) at once, in one query.

    The same rules as ``observation_check`` (they share ``_hard_rules`` and ``_soft_rules``); the data
    sheet uses it to show every row's errors and warnings without a query per row.
    """
    this_year = timezone.localdate().year
    park_ids = {park_id for park_id, _i, _y, _v in items}
    indicator_ids = {indicator.pk for _p, indicator, _y, _v in items}
    approved: dict[tuple[int, int], dict[int, Decimal]] = {}
    if items:
        rows = Observation.objects.filter(
            park_id__in=park_ids, indicator_id__in=indicator_ids, status=Observation.Status.APPROVED
        ).values_list("park_id", "indicator_id", "year", "value")
        for park_id, indicator_id, obs_year, value in rows:
            approved.setdefault((park_id, indicator_id), {})[obs_year] = value
    checks = []
    for park_id, indicator, year, value in items:
        check = Check()
        _hard_rules(check, indicator, year, value, this_year)
        if not check.errors:
            by_year = approved.get((park_id, indicator.pk), {})
            others = [v for y, v in by_year.items() if y != year]
            _soft_rules(
                check,
                indicator,
                value,
                by_year.get(year - 1),
                min(others) if others else None,
                max(others) if others else None,
                len(others),
            )
        checks.append(check)
    return checks


def _record_reason(obs: Observation, reason: str) -> None:
    """Replace the reason of the history record the last write made (it carries the row's version)."""
    obs.history.filter(version=obs.version).update(history_change_reason=reason)


@transaction.atomic
def observation_discard_draft(*, user, observation: Observation, expected_version: int | None = None) -> None:
    """Remove a value that was never approved (a draft, or a returned value staff withdraw).

    The deletion is kept in the history with who and when. Submitted and approved values cannot be
    removed: the first is with the reviewers, the second needs a revision.
    """
    obs = _locked(observation, expected_version)
    _require(can_enter(user, obs.park), _("您不是“%(park)s”的填报员") % {"park": obs.park.name_zh})
    if obs.status not in (Observation.Status.DRAFT, Observation.Status.RETURNED):
        raise Conflict(
            _("只有草稿或被退回的数值可以清除（当前状态：%(status)s）")
            % {"status": obs.get_status_display()},
            field="value",
        )
    obs._change_reason = "discard"
    obs.delete()


@dataclass
class EntryRow:
    """One value of a data sheet or an upload. ``value`` None means: remove the draft that is there."""

    park: Park
    indicator: Indicator
    year: int
    value: Decimal | None
    note: str = ""
    source: str = ""
    expected_version: int | None = None


@transaction.atomic
def observation_bulk_save(*, user, rows: Sequence[EntryRow], reason: str = "") -> list[Observation]:
    """Save a whole sheet (or file) of drafts, of one park and its zones: all or nothing.

    Each row goes through ``observation_save_draft`` (or ``observation_discard_draft`` when its value
    is None), so the rules, permissions and versions are the single-value ones. Errors name the row
    index (0-based) in ``errors[i]["row"]``; a permission error stops at once. ``reason`` (e.g. the
    uploaded file's name) replaces "draft" as the reason in the history of every value written.
    """
    saved, errors = [], []
    for index, row in enumerate(rows):
        try:
            with transaction.atomic():
                if row.value is None:
                    existing = Observation.objects.filter(
                        park=row.park, indicator=row.indicator, year=row.year
                    ).first()
                    if existing is not None:
                        observation_discard_draft(
                            user=user, observation=existing, expected_version=row.expected_version
                        )
                    continue
                before = (
                    Observation.objects.filter(park=row.park, indicator=row.indicator, year=row.year)
                    .values_list("version", flat=True)
                    .first()
                )
                obs = observation_save_draft(
                    user=user,
                    park=row.park,
                    indicator=row.indicator,
                    year=row.year,
                    value=row.value,
                    note=row.note,
                    source=row.source,
                    expected_version=row.expected_version,
                )
                if reason and obs.version != before:
                    _record_reason(obs, reason)
                saved.append(obs)
        except NotAllowed:
            raise
        except DomainError as exc:
            errors.extend({"row": index, **error} for error in exc.errors)
    if errors:
        raise Invalid(_("共 %(n)s 处错误，未保存任何数据") % {"n": len(errors)}, errors=errors)
    return saved


@transaction.atomic
def observation_bulk_submit(*, user, items: Sequence[tuple[Observation, int | None]]) -> list[Observation]:
    """Submit many values (a whole sheet) for review: all or nothing. ``items`` are (observation,
    version seen). Errors name the item index in ``errors[i]["row"]``; a value with a warning and no
    note is refused like ``observation_submit`` refuses it."""
    done, errors = [], []
    for index, (observation, version) in enumerate(items):
        try:
            with transaction.atomic():
                done.append(observation_submit(user=user, observation=observation, expected_version=version))
        except NotAllowed:
            raise
        except DomainError as exc:
            errors.extend({"row": index, **error} for error in exc.errors)
    if errors:
        raise Invalid(_("共 %(n)s 处问题，未提交任何数据") % {"n": len(errors)}, errors=errors)
    return done


@dataclass
class ReviewDecision:
    observation: Observation
    approve: bool  # False: return to staff with ``comment``
    comment: str = ""
    expected_version: int | None = None


@transaction.atomic
def observation_bulk_review(*, user, decisions: Sequence[ReviewDecision]) -> list[Observation]:
    """A reviewer approves and returns many submitted values at once: all or nothing. Errors name the
    decision index in ``errors[i]["row"]``."""
    done, errors = [], []
    for index, decision in enumerate(decisions):
        try:
            with transaction.atomic():
                if decision.approve:
                    obs = observation_approve(
                        user=user,
                        observation=decision.observation,
                        expected_version=decision.expected_version,
                    )
                else:
                    obs = observation_return(
                        user=user,
                        observation=decision.observation,
                        comment=decision.comment,
                        expected_version=decision.expected_version,
                    )
                done.append(obs)
        except NotAllowed:
            raise
        except DomainError as exc:
            errors.extend({"row": index, **error} for error in exc.errors)
    if errors:
        raise Invalid(_("共 %(n)s 处问题，未处理任何数据") % {"n": len(errors)}, errors=errors)
    return done
