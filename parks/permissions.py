"""Who may see and do what, per park. One place for the API, the entry screens and the dashboards.

- Administrators (superusers) see and do everything.
- A role on a park (填报员 entry, 审核员 reviewer, viewer) covers the park and all its zones.
- An official with a region scope sees every park of that province (or prefecture).
- Parks marked public have their plans and progress readable by anyone, signed in or not.

The rule and the walk of the park tree live in ``parks.selectors``; these are its querysets and checks.
"""

from __future__ import annotations

from django.db.models import QuerySet

from parks.models import Park, ParkRole
from parks.selectors import has_role, is_admin, visible_park_ids

__all__ = ["can_enter", "can_review", "has_role", "is_admin", "public_or_readable_parks", "readable_parks"]


def _parks(ids: set[int] | None) -> QuerySet[Park]:
    return Park.objects.all() if ids is None else Park.objects.filter(pk__in=sorted(ids))


def readable_parks(user) -> QuerySet[Park]:
    """Parks whose data (observations included) the user may read (see parks.selectors.visible_park_ids)."""
    return _parks(visible_park_ids(user, public=False))


def public_or_readable_parks(user) -> QuerySet[Park]:
    """Parks whose plans and progress the user may read: readable ones plus public ones and their zones."""
    return _parks(visible_park_ids(user, public=True))


def can_enter(user, park: Park) -> bool:
    """填报员 of the park (or of a park it is a zone of), or an administrator."""
    return has_role(user, park, ParkRole.Role.ENTRY)


def can_review(user, park: Park) -> bool:
    """审核员 of the park (or of a park it is a zone of), or an administrator."""
    return has_role(user, park, ParkRole.Role.REVIEWER)
