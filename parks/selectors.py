"""Reads about the park tree and who may see and do what in it: the one tree walk and the one
visibility rule of the project. Every function runs a fixed number of queries, whatever the number of
parks or the depth of their zones.

- ``park_tree()`` loads every park's parent (and what the visibility rule needs) in one query;
  ``ParkTree`` walks it without further queries.
- ``park_roles(user, parks)``: the roles a user holds on each park, directly or through a park it is a
  zone of (two queries).
- ``visible_park_ids(user, public=...)``: the parks a user may read (None: every park, for
  administrators); ``public=True`` adds the parks marked public and their zones.

The rules (see also ``parks.permissions``):

- Administrators (superusers) see and do everything.
- A role on a park (填报员 entry, 审核员 reviewer, viewer) covers the park and all its zones.
- An official with a region scope sees every park of that province (or prefecture).
- Parks marked public, and their zones, have their plans and progress readable by anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from parks.models import Park, ParkRole, RegionScope

ALL_ROLES = frozenset({ParkRole.Role.ENTRY.value, ParkRole.Role.REVIEWER.value, ParkRole.Role.VIEWER.value})


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def _pk(park: Park | int) -> int:
    return park if isinstance(park, int) else park.pk


@dataclass(frozen=True)
class ParkTree:
    """Every park's parent, public flag and region, loaded at once; the walks run no query.

    An unknown id is treated as a park without parent or zones. A cycle (which the database does not
    forbid beyond a park being its own parent) ends the walk instead of looping."""

    parents: dict[int, int | None]
    public: frozenset[int] = frozenset()
    regions: dict[int, tuple[str, str]] = field(default_factory=dict)  # id: (province, prefecture)
    children: dict[int, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[int, list[int]] = {}
        for park_id, parent_id in self.parents.items():
            if parent_id is not None:
                children.setdefault(parent_id, []).append(park_id)
        object.__setattr__(self, "children", children)

    def __contains__(self, park_id: object) -> bool:
        return park_id in self.parents

    def __len__(self) -> int:
        return len(self.parents)

    def ids(self) -> set[int]:
        return set(self.parents)

    def parent(self, park_id: int) -> int | None:
        return self.parents.get(park_id)

    def ancestors_and_self(self, park_id: int) -> list[int]:
        """The park, its parent, its parent's parent … up to the top park (self first)."""
        chain: list[int] = []
        seen: set[int] = set()
        current: int | None = park_id
        while current is not None and current not in seen:
            seen.add(current)
            chain.append(current)
            current = self.parents.get(current)
        return chain

    def top(self, park_id: int) -> int:
        """The top park (the one without parent) that ``park_id`` is in; itself when it has no parent."""
        return self.ancestors_and_self(park_id)[-1]

    def descendants_and_self(self, park_ids: Iterable[int]) -> set[int]:
        """The parks, their zones, their zones' zones … (every level)."""
        found = set(park_ids)
        frontier = list(found)
        while frontier:
            for child in self.children.get(frontier.pop(), ()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return found

    def ancestors_and_self_of_many(self, park_ids: Iterable[int]) -> set[int]:
        """The parks and every park above them."""
        found: set[int] = set()
        for park_id in park_ids:
            found.update(self.ancestors_and_self(park_id))
        return found

    def owners(self, park_ids: Iterable[int]) -> dict[int, set[int]]:
        """For each park of ``park_ids`` and each of its zones (every level), the parks of ``park_ids``
        it belongs to: {member: {park, …}}. A zone's data counts for its park."""
        owner: dict[int, set[int]] = {}
        for park_id in set(park_ids):
            for member in self.descendants_and_self([park_id]):
                owner.setdefault(member, set()).add(park_id)
        return owner


def park_tree() -> ParkTree:
    """The whole park tree in one query."""
    parents: dict[int, int | None] = {}
    public: set[int] = set()
    regions: dict[int, tuple[str, str]] = {}
    for park_id, parent_id, is_public, province, prefecture in Park.objects.values_list(
        "id", "parent_id", "is_public", "province", "prefecture"
    ):
        parents[park_id] = parent_id
        regions[park_id] = (province, prefecture)
        if is_public:
            public.add(park_id)
    return ParkTree(parents=parents, public=frozenset(public), regions=regions)


def held_roles(user) -> dict[int, set[str]]:
    """The roles the user holds directly, per park (one query; none for anonymous users)."""
    held: dict[int, set[str]] = {}
    if not _signed_in(user):
        return held
    for park_id, role in ParkRole.objects.filter(user=user).values_list("park_id", "role"):
        held.setdefault(park_id, set()).add(role)
    return held


def park_roles(user, parks: Iterable[Park | int], *, tree: ParkTree | None = None) -> dict[int, set[str]]:
    """The roles ("entry", "reviewer", "viewer") the user holds on each park, directly or through a park
    it is a zone of; administrators hold all three, anonymous users none. At most two queries (the user's
    roles and the tree), whatever the number of parks; none for administrators and anonymous users."""
    ids = [_pk(p) for p in parks]
    if is_admin(user):
        return {pk: set(ALL_ROLES) for pk in ids}
    if not _signed_in(user):
        return {pk: set() for pk in ids}
    held = held_roles(user)
    if not held:
        return {pk: set() for pk in ids}
    tree = tree if tree is not None else park_tree()
    result: dict[int, set[str]] = {}
    for pk in ids:
        roles: set[str] = set()
        for member in tree.ancestors_and_self(pk):
            roles |= held.get(member, set())
        result[pk] = roles
    return result


def has_role(user, park: Park | int, role: str, *, tree: ParkTree | None = None) -> bool:
    """The user holds ``role`` on the park (directly or through a park it is a zone of), or is an
    administrator."""
    pk = _pk(park)
    return role in park_roles(user, [pk], tree=tree)[pk]


def region_scopes(user) -> list[tuple[str, str]]:
    """The user's (province, prefecture) scopes; prefecture "" means the whole province (one query)."""
    if not _signed_in(user):
        return []
    return list(RegionScope.objects.filter(user=user).values_list("province", "prefecture"))


def in_regions(region: tuple[str, str], scopes: Iterable[tuple[str, str]]) -> bool:
    province, prefecture = region
    return any(province == p and (not f or prefecture == f) for p, f in scopes)


def visible_park_ids(user, *, public: bool, tree: ParkTree | None = None) -> set[int] | None:
    """Ids of the parks the user may read; None means every park (administrators, no query).

    ``public=False``: the parks the user holds a role on and their zones, plus the parks of the user's
    region scopes (for observations, which are never public). ``public=True`` adds the parks marked
    public and their zones (plans, targets, progress, the park list). One query for an anonymous
    visitor, three for a signed-in user (the tree, the roles, the region scopes)."""
    if is_admin(user):
        return None
    if not _signed_in(user) and not public:
        return set()
    tree = tree if tree is not None else park_tree()
    granted = set(held_roles(user))
    if public:
        granted |= tree.public
    visible = tree.descendants_and_self(granted & tree.ids())
    scopes = region_scopes(user)
    if scopes:
        visible |= {pk for pk, region in tree.regions.items() if in_regions(region, scopes)}
    return visible


def can_read(user, park: Park | int, *, public: bool, tree: ParkTree | None = None) -> bool:
    """The user may read the park (see visible_park_ids)."""
    ids = visible_park_ids(user, public=public, tree=tree)
    return ids is None or _pk(park) in ids
