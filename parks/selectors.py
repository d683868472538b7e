"""Reads about the park tree and who may see and do what in it: the one tree walk and the one
visibility rule of the project. Every function runs a fixed number of queries, whatever the number of
parks or the depth of their zones.

- ``park_tree()`` loads every park's parent (and what the visibility rule needs) in one query;
  ``ParkTree`` walks it without further queries.
- ``park_roles(user, parks)``: the roles a user holds on each park, directly or through a park it is a
  zone of (two queries).
- ``visible_park_ids(user, public=...)``: the parks a user may read (None: every park, for
  administrators); ``public=True`` adds the parks marked public and their zones. ``can_read`` is the
  same rule for one park; ``park_with_tree`` loads one park with the parks above it (one query) for it.
- ``user_grants(user)``: the user's roles and region scopes (one query); ``held_roles``: the roles only.

The rules (see also ``parks.permissions``):

- Administrators (superusers) see and do everything.
- A role on a park (填报员 entry, 审核员 reviewer, viewer) covers the park and all its zones.
- An official with a region scope sees every park of that province (or prefecture).
- Parks marked public, and their zones, have their plans and progress readable by anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, IntegerField, Value

from parks.grants_cache import cached_for_user
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

    def descendants_and_self(self, park_ids: Iterable[int], *, depth: int | None = None) -> set[int]:
        """The parks, their zones, their zones' zones … (every level, or ``depth`` levels down)."""
        found = set(park_ids)
        frontier = set(found)
        level = 0
        while frontier and (depth is None or level < depth):
            frontier = {child for pk in frontier for child in self.children.get(pk, ())} - found
            found |= frontier
            level += 1
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


@dataclass(frozen=True)
class Grants:
    """What a user has been given: roles per park (held directly) and region scopes."""

    roles: dict[int, set[str]] = field(default_factory=dict)
    scopes: list[tuple[str, str]] = field(default_factory=list)  # (province, prefecture ""=whole province)


def user_grants(user) -> Grants:
    """The user's roles and region scopes, in one query (none for anonymous users and administrators,
    who need neither), cached per user until a user, role or region scope changes
    (``parks.grants_cache``)."""
    if not _signed_in(user) or is_admin(user):
        return Grants()
    return cached_for_user("grants", user.pk, lambda: _user_grants(user))


def _user_grants(user) -> Grants:
    grants = Grants()
    text = CharField()
    roles = ParkRole.objects.filter(user=user).values_list(
        "park_id", "role", Value("", output_field=text), Value("", output_field=text)
    )
    scopes = RegionScope.objects.filter(user=user).values_list(
        Value(None, output_field=IntegerField()), Value("", output_field=text), "province", "prefecture"
    )
    for park_id, role, province, prefecture in roles.union(scopes, all=True):
        if park_id is None:
            grants.scopes.append((province, prefecture))
        else:
            grants.roles.setdefault(park_id, set()).add(role)
    return grants


ANCESTOR_JOIN_DEPTH = 5  # park_with_tree joins this many levels of parents in its one query


def park_with_tree(**lookup) -> tuple[Park | None, ParkTree | None]:
    """One park (``Park.objects.filter(**lookup).first()``) and a tree that holds it and every park above
    it: enough for ``can_read`` and ``park_roles`` on that park. One query (the park joined with its
    parents) when the park is at most ANCESTOR_JOIN_DEPTH levels below its top park, else a second one
    loads the whole tree. (None, None) when there is no such park."""
    park = Park.objects.select_related("__".join(["parent"] * ANCESTOR_JOIN_DEPTH)).filter(**lookup).first()
    if park is None:
        return None, None
    loaded, seen = [park], {park.pk}
    while loaded[-1].parent_id is not None and loaded[-1].parent_id not in seen:
        if not Park.parent.is_cached(loaded[-1]):  # deeper than the join reaches
            return park, park_tree()
        loaded.append(loaded[-1].parent)
        seen.add(loaded[-1].pk)
    return park, ParkTree(
        parents={p.pk: p.parent_id for p in loaded},
        public=frozenset(p.pk for p in loaded if p.is_public),
        regions={p.pk: (p.province, p.prefecture) for p in loaded},
    )


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
    roles, then the tree unless given), whatever the number of parks; none for administrators and
    anonymous users."""
    ids = [_pk(p) for p in parks]
    if is_admin(user):
        return {pk: set(ALL_ROLES) for pk in ids}
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


def _visible(tree: ParkTree, park_id: int, grants: Grants, *, public: bool) -> bool:
    """The visibility rule, for one park: the park or a park above it is granted (a role on it, or it
    is public when ``public``), or the park lies in one of the user's regions."""
    for member in tree.ancestors_and_self(park_id):
        if member in grants.roles or (public and member in tree.public):
            return True
    province, prefecture = tree.regions.get(park_id, ("", ""))
    return any(province == p and (not f or prefecture == f) for p, f in grants.scopes)


def visible_park_ids(user, *, public: bool, tree: ParkTree | None = None) -> set[int] | None:
    """Ids of the parks the user may read; None means every park (administrators, no query).

    ``public=False``: the parks the user holds a role on and their zones, plus the parks of the user's
    region scopes (for observations, which are never public). ``public=True`` adds the parks marked
    public and their zones (plans, targets, progress, the park list). At most two queries: the tree
    (unless given) and, for a signed-in user, their roles and region scopes."""
    if is_admin(user):
        return None
    if not _signed_in(user) and not public:
        return set()
    tree = tree if tree is not None else park_tree()
    grants = user_grants(user)
    return {pk for pk in tree.parents if _visible(tree, pk, grants, public=public)}


def can_read(user, park: Park | int, *, public: bool, tree: ParkTree | None = None) -> bool:
    """The user may read the park (the rule of visible_park_ids, for one park): the tree (unless given),
    then for a signed-in user and a park that is not public their roles and region scopes (one query);
    no query for administrators."""
    if is_admin(user):
        return True
    pk = _pk(park)
    if not _signed_in(user) and not public:
        return False
    tree = tree if tree is not None else park_tree()
    if pk not in tree:
        return False
    if public and _visible(tree, pk, Grants(), public=True):  # public: no need for the user's grants
        return True
    return _signed_in(user) and _visible(tree, pk, user_grants(user), public=public)
