"""Who sees what of a yearly value: the rule every page, export and API read applies.

People with a role on the park — an entry (填报员) or reviewer (审核员) role, directly or through a park
it is a zone of — and administrators are its staff (``staff_on``, ``staff_park_ids``) and see
everything: drafts, submitted and returned values, notes, reasons, reviewers' comments and who did
what. Everyone else who may read the park (viewers, region officials, the public) sees only the
approved value in force — during a revision, the previously approved value, as approved
(``public_observation``) — and of its history only the approvals: the value, the year and the day it
was approved (``approvals``); no notes (they are where staff explain a value to the reviewer), no
reasons, no comments, no names. It lives here, beside the Observation table, so that plans, entry and
the dashboards apply the same rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from indicators.models import Observation
from parks.models import Park, ParkRole
from parks.selectors import ParkTree, held_roles, is_admin, park_roles, park_tree

S = Observation.Status
STAFF_ROLES = frozenset({ParkRole.Role.ENTRY.value, ParkRole.Role.REVIEWER.value})
History = Observation.history.model


def is_staff_role(roles: Collection[str]) -> bool:
    """Roles that make their holder staff of a park: 填报员 or 审核员 (a viewer role does not)."""
    return bool(STAFF_ROLES.intersection(roles))


def staff_on(user, park: Park | int, *, tree: ParkTree | None = None) -> bool:
    """The user is staff of the park (an entry or reviewer role on it or on a park it is a zone of) or
    an administrator: they see its drafts, submitted and returned values, notes, reasons, comments and
    names. At most two queries."""
    pk = park if isinstance(park, int) else park.pk
    return is_staff_role(park_roles(user, [pk], tree=tree)[pk])


def staff_park_ids(user, *, tree: ParkTree | None = None) -> set[int] | None:
    """The parks the user is staff of, zones included; None: every park (administrators, no query).
    At most two queries (the user's roles, then the tree unless given)."""
    if is_admin(user):
        return None
    held = {pk for pk, roles in held_roles(user).items() if is_staff_role(roles)}
    if not held:
        return set()
    return (tree if tree is not None else park_tree()).descendants_and_self(held)


# The observations that have an approved value in force (``counted_value`` is not None): approved ones,
# and those under revision (or returned from one), whose previously approved value keeps counting.
IN_FORCE = Q(status=S.APPROVED) | Q(previous_approved_value__isnull=False)


def counted_value(obs: Observation) -> Decimal | None:
    """The approved value in force: the value once approved; during a revision (or a returned
    revision), the previously approved value; None when the value was never approved."""
    return value_in_force(obs.status, obs.value, obs.previous_approved_value)


def value_in_force(status: str, value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """``counted_value`` from an observation's status, value and previously approved value (for reads
    that fetch those columns only)."""
    return value if status == S.APPROVED else previous


def public_observation(obs: Observation) -> Observation | None:
    """What a reader who is not staff of the park sees of a value, as an unsaved copy: the approved value
    in force, status approved, with its source only when it is the approved one; no note, reason,
    comment, names or version. None when nothing of the value was ever approved."""
    value = counted_value(obs)
    if value is None:
        return None
    return Observation(
        id=obs.pk,
        park_id=obs.park_id,
        indicator_id=obs.indicator_id,
        year=obs.year,
        value=value,
        status=S.APPROVED,
        source=obs.source if obs.status == S.APPROVED else "",
        is_synthetic=obs.is_synthetic,
        version=0,
    )


@dataclass(frozen=True)
class Approval:
    """One approval of a value, as readers see it: the value, the year, the day it was approved."""

    year: int
    value: Decimal
    approved_on: datetime.datetime
    source: str  # the source the approved value had last
    history_id: int  # the record in which it became approved
    history_type: str  # "+" created approved (import, seed), "~" approved by a change
    action: str  # approve / import / seed / demo / admin ("" for records older than the field)


APPROVAL_ACTIONS = frozenset({"approve", "import", "seed", "demo", "admin", ""})


def approved_records(**lookup) -> QuerySet:
    """History records in which the value is approved (deletions left out), oldest first: the only
    records ``approvals`` reads, so nothing of a draft, a submitted or a returned value is loaded."""
    return (
        Observation.history.filter(status=S.APPROVED, **lookup)
        .exclude(history_type="-")
        .order_by("history_date", "history_id")
    )


def approvals(records: Iterable) -> list[Approval]:
    """The approvals of one value, oldest first, from its approved history records (``approved_records``,
    oldest first). A record starts an approval when its value differs from the approved value before
    it; a change of note or source, a revision withdrawn (which restores the approved value) or a
    revision approved unchanged is no new approval."""
    found: list[Approval] = []
    for record in records:
        if found and found[-1].value == record.value:
            found[-1] = replace(found[-1], source=record.source)
            continue
        found.append(
            Approval(
                year=record.year,
                value=record.value,
                approved_on=record.history_date,
                source=record.source,
                history_id=record.history_id,
                history_type=record.history_type,
                action=record.history_action if record.history_action in APPROVAL_ACTIONS else "approve",
            )
        )
    return found


def for_reader(queryset: QuerySet, staff_ids: set[int] | None) -> QuerySet:
    """Observations as a reader sees them, for lists (the API). Every value of the parks in
    ``staff_ids`` (None: every park, for administrators); elsewhere only values with an approved value
    in force. Rows are annotated with the status and the time the reader is shown (``shown_status``,
    ``shown_updated``), so that filters and orderings read those, and, where the reader is not staff,
    with what they see instead of the row: ``counted_value``, ``approved_on`` (the first record of the
    last run of the approved value, as ``approvals`` has it) and ``approved_source``."""
    if staff_ids is None:
        return queryset.annotate(shown_status=F("status"), shown_updated=F("updated_at"))
    approved = History.objects.filter(id=OuterRef("pk"), status=S.APPROVED).exclude(history_type="-")
    queryset = queryset.annotate(
        counted_value=Case(When(status=S.APPROVED, then=F("value")), default=F("previous_approved_value"))
    ).annotate(
        last_other_approval=Coalesce(
            Subquery(
                approved.exclude(value=OuterRef("counted_value"))
                .order_by("-history_id")
                .values("history_id")[:1]
            ),
            0,
        )
    )
    queryset = queryset.annotate(
        approved_on=Subquery(
            approved.filter(value=OuterRef("counted_value"), history_id__gt=OuterRef("last_other_approval"))
            .order_by("history_id")
            .values("history_date")[:1]
        ),
        approved_source=Subquery(
            approved.filter(value=OuterRef("counted_value")).order_by("-history_id").values("source")[:1]
        ),
    )
    staff = Q(park_id__in=sorted(staff_ids))
    queryset = queryset.filter(staff | IN_FORCE)
    return queryset.annotate(
        shown_status=Case(When(staff, then=F("status")), default=Value(S.APPROVED.value)),
        shown_updated=Case(When(staff, then=F("updated_at")), default=F("approved_on")),
    )
