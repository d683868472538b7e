"""Reading staff's commentary for the reports (registered with ``core.commentary`` at start-up).

Staff of the park read the commentary as it is now. Every other reader gets only the commentary of
values whose approved value is in force, as it stood when that value was last approved: what a reviewer
has not seen is not published, like the value itself (``indicators.selectors``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Max

from core.commentary import FIELDS
from entry.models import Commentary
from indicators.models import Observation
from indicators.selectors import IN_FORCE


def _filled(record) -> dict[str, str]:
    return {name: getattr(record, name).strip() for name in FIELDS if getattr(record, name).strip()}


def report_commentary(
    *, park_id: int, indicator_ids: Sequence[int], year: int, public: bool
) -> dict[int, dict[str, str]]:
    """Indicator id → its filled-in commentary fields, for one park and year (one query; two for readers
    who may not see drafts)."""
    if not public:
        rows = Commentary.objects.filter(park_id=park_id, indicator_id__in=indicator_ids, year=year)
        return {c.indicator_id: found for c in rows if (found := _filled(c))}
    # When each value's approved value in force was last approved: the newest history record in which
    # the value was approved (a review, an import or the seed), for values approved or under revision.
    in_force = Observation.objects.filter(park_id=park_id, indicator_id__in=indicator_ids, year=year).filter(
        IN_FORCE
    )
    approved_at = dict(
        Observation.history.filter(id__in=in_force.values("pk"), status=Observation.Status.APPROVED)
        .values("indicator_id")
        .annotate(at=Max("history_date"))
        .values_list("indicator_id", "at")
    )
    found: dict[int, dict[str, str]] = {}
    history = Commentary.history.filter(
        park_id=park_id, indicator_id__in=sorted(approved_at), year=year
    ).order_by("indicator_id", "history_date", "history_id")
    for record in history:
        if record.history_date <= approved_at[record.indicator_id]:
            found[record.indicator_id] = {} if record.history_type == "-" else _filled(record)
    return {pk: fields for pk, fields in found.items() if fields}
