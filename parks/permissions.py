"""Who may see and do what, per park. One place for the API, the entry screens and the dashboards.

- Administrators (superusers) see and do everything.
- A role on a park (填报员 entry, 审核员 reviewer, viewer) covers the park and all its zones.
- An official with a region scope sees every park of that province (or prefecture).
- Parks marked public have their plans and progress readable by anyone, signed in or not.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from parks.models import Park, ParkRole


def _ancestor_ids(park: Park) -> list[int]:
    ids, current, seen = [], park, set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        ids.append(current.pk)
        current = current.parent
    return ids


def _role_park_ids(user, roles: tuple[str, ...] | None = None) -> set[int]:
    qs = ParkRole.objects.filter(user=user)
    if roles is not None:
        qs = qs.filter(role__in=roles)
    return set(qs.values_list("park_id", flat=True))


def _with_descendants(park_ids: set[int]) -> set[int]:
    found, frontier = set(park_ids), set(park_ids)
    while frontier:
        frontier = set(Park.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def readable_parks(user) -> QuerySet[Park]:
    """Parks whose data (observations included) the user may read."""
    if is_admin(user):
        return Park.objects.all()
    if not (user and user.is_authenticated):
        return Park.objects.none()
    region = Q(pk__in=[])
    for province, prefecture in user.region_scopes.values_list("province", "prefecture"):
        region |= Q(province=province, **({"prefecture": prefecture} if prefecture else {}))
    return Park.objects.filter(Q(pk__in=_with_descendants(_role_park_ids(user))) | region)


def public_or_readable_parks(user) -> QuerySet[Park]:
    """Parks whose plans and progress the user may read: readable ones plus public ones."""
    public = _with_descendants(set(Park.objects.filter(is_public=True).values_list("id", flat=True)))
    return Park.objects.filter(Q(pk__in=public) | Q(pk__in=readable_parks(user).values("pk")))


def has_role(user, park: Park, role: str) -> bool:
    if is_admin(user):
        return True
    if not (user and user.is_authenticated):
        return False
    return ParkRole.objects.filter(user=user, role=role, park_id__in=_ancestor_ids(park)).exists()


def can_enter(user, park: Park) -> bool:
    """填报员 of the park (or of a park it is a zone of), or an administrator."""
    return has_role(user, park, ParkRole.Role.ENTRY)


def can_review(user, park: Park) -> bool:
    """审核员 of the park (or of a park it is a zone of), or an administrator."""
    return has_role(user, park, ParkRole.Role.REVIEWER)
