"""parks.selectors: the one walk of the park tree, the roles a user holds through it, and the one rule of
who may read which parks (public parks, roles, region scopes, administrators)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from parks.models import Park, ParkRole, RegionScope
from parks.permissions import can_enter, can_review, public_or_readable_parks, readable_parks
from parks.selectors import (
    ALL_ROLES,
    ANCESTOR_JOIN_DEPTH,
    ParkTree,
    can_read,
    park_roles,
    park_tree,
    park_with_tree,
    user_grants,
    visible_park_ids,
)

pytestmark = pytest.mark.django_db

ENTRY, REVIEWER, VIEWER = ParkRole.Role.ENTRY, ParkRole.Role.REVIEWER, ParkRole.Role.VIEWER


def _park(code: str, parent: Park | None = None, **fields) -> Park:
    fields.setdefault("kind", Park.Kind.ZONE if parent else Park.Kind.HIGH_TECH)
    return Park.objects.create(code=code, name_zh=code, parent=parent, **fields)


@pytest.fixture
def tree3(db) -> dict[str, Park]:
    """A private three-level park (root → zone → sub-zone, plus a second zone) in 测试省/甲市, a public
    park with one zone, and a private park in 另一省."""
    root = _park("t-root", province="测试省", prefecture="甲市")
    zone = _park("t-zone", root, province="测试省", prefecture="甲市")
    sub = _park("t-sub", zone, province="测试省", prefecture="乙市")
    zone2 = _park("t-zone2", root, province="测试省", prefecture="甲市")
    public = _park("t-public", is_public=True, province="另一省")
    public_zone = _park("t-public-zone", public, province="另一省")
    other = _park("t-other", province="另一省", prefecture="丙市")
    return {
        "root": root,
        "zone": zone,
        "sub": sub,
        "zone2": zone2,
        "public": public,
        "public_zone": public_zone,
        "other": other,
    }


def _user(django_user_model, name: str, *grants: tuple[Park, str], **extra):
    user = django_user_model.objects.create_user(name, password="x", **extra)
    for park, role in grants:
        ParkRole.objects.create(user=user, park=park, role=role)
    return user


# --- the tree ---------------------------------------------------------------------------------------


def test_tree_walks_a_three_level_tree(tree3, django_assert_num_queries):
    root, zone, sub, zone2 = (tree3[k].pk for k in ("root", "zone", "sub", "zone2"))
    with django_assert_num_queries(1):
        tree = park_tree()
    assert tree.ancestors_and_self(sub) == [sub, zone, root]  # self first
    assert tree.ancestors_and_self(root) == [root]
    assert tree.top(sub) == root
    assert tree.top(zone) == root
    assert tree.top(root) == root
    assert tree.descendants_and_self([root]) == {root, zone, sub, zone2}
    assert tree.descendants_and_self([zone]) == {zone, sub}
    assert tree.descendants_and_self([sub]) == {sub}
    assert tree.descendants_and_self([root], depth=1) == {root, zone, zone2}
    assert tree.ancestors_and_self_of_many([sub, zone2]) == {sub, zone, root, zone2}
    assert tree.owners([root, zone]) == {root: {root}, zone: {root, zone}, sub: {root, zone}, zone2: {root}}
    assert tree.parent(sub) == zone and tree.parent(root) is None
    assert tree3["public"].pk in tree.public and root not in tree.public
    assert tree.regions[sub] == ("测试省", "乙市")


def test_tree_walks_end_on_unknown_ids_and_cycles():
    tree = ParkTree(parents={1: None, 2: 1, 3: 4, 4: 3})
    assert tree.ancestors_and_self(99) == [99]
    assert tree.descendants_and_self([99]) == {99}
    assert tree.ancestors_and_self(3) == [3, 4]
    assert tree.descendants_and_self([3]) == {3, 4}
    assert tree.top(2) == 1


# --- roles ------------------------------------------------------------------------------------------


def test_a_role_on_a_park_covers_its_zones_at_every_level(tree3, django_user_model):
    user = _user(django_user_model, "staff", (tree3["root"], ENTRY), (tree3["zone"], REVIEWER))
    parks = [tree3[k] for k in ("root", "zone", "sub", "zone2", "public", "other")]
    roles = park_roles(user, parks)
    assert roles == {
        tree3["root"].pk: {"entry"},
        tree3["zone"].pk: {"entry", "reviewer"},
        tree3["sub"].pk: {"entry", "reviewer"},  # through its parent and its grandparent
        tree3["zone2"].pk: {"entry"},
        tree3["public"].pk: set(),
        tree3["other"].pk: set(),
    }
    # A role on a zone gives nothing on the park above it.
    assert can_review(user, tree3["sub"]) and not can_review(user, tree3["root"])
    assert can_enter(user, tree3["sub"]) and not can_enter(user, tree3["other"])


def test_administrators_hold_every_role_and_anonymous_users_none(
    tree3, django_user_model, django_assert_num_queries
):
    admin = django_user_model.objects.create_superuser("boss", password="x")
    parks = list(tree3.values())
    with django_assert_num_queries(0):
        assert park_roles(admin, parks) == {p.pk: set(ALL_ROLES) for p in parks}
        assert park_roles(AnonymousUser(), parks) == {p.pk: set() for p in parks}
        assert park_roles(None, parks) == {p.pk: set() for p in parks}
    assert set(ALL_ROLES) == {"entry", "reviewer", "viewer"}
    assert can_enter(admin, tree3["other"]) and can_review(admin, tree3["other"])
    assert not can_enter(AnonymousUser(), tree3["public"])


def test_a_user_without_roles_holds_nothing(tree3, django_user_model):
    nobody = _user(django_user_model, "nobody")
    assert park_roles(nobody, [tree3["sub"]]) == {tree3["sub"].pk: set()}


def test_park_roles_reads_in_two_queries_whatever_the_number_of_parks(
    tree3, django_user_model, django_assert_num_queries
):
    user = _user(django_user_model, "staff", (tree3["root"], ENTRY))
    few = [tree3["sub"], tree3["zone"]]
    for n in range(18):
        _park(f"t-many-{n}", tree3["sub"])
    many = list(Park.objects.filter(code__startswith="t-"))
    assert len(few) == 2 and len(many) >= 20
    with django_assert_num_queries(2):
        small = park_roles(user, few)
    with django_assert_num_queries(2):
        large = park_roles(user, many)
    assert small == {p.pk: {"entry"} for p in few}
    assert all(large[p.pk] == {"entry"} for p in many if p.code.startswith("t-many"))
    tree = park_tree()
    with django_assert_num_queries(1):  # the user's roles only, with the tree given
        park_roles(user, many, tree=tree)


# --- who may read which parks -----------------------------------------------------------------------


def _ids(tree3, *keys) -> set[int]:
    return {tree3[k].pk for k in keys}


def test_anonymous_visitors_see_public_parks_and_their_zones_only(tree3, django_assert_num_queries):
    anonymous = AnonymousUser()
    with django_assert_num_queries(1):
        public = visible_park_ids(anonymous, public=True)
    assert _ids(tree3, "public", "public_zone") <= public
    assert not public & _ids(tree3, "root", "zone", "sub", "zone2", "other")
    with django_assert_num_queries(0):
        assert visible_park_ids(anonymous, public=False) == set()
        assert visible_park_ids(None, public=False) == set()
    assert can_read(anonymous, tree3["public_zone"], public=True)
    assert not can_read(anonymous, tree3["public_zone"], public=False)
    assert not can_read(anonymous, tree3["root"], public=True)


def test_administrators_see_every_park(tree3, django_user_model, django_assert_num_queries):
    admin = django_user_model.objects.create_superuser("boss", password="x")
    with django_assert_num_queries(0):
        assert visible_park_ids(admin, public=True) is None
        assert visible_park_ids(admin, public=False) is None
        assert can_read(admin, tree3["other"], public=False)
    assert readable_parks(admin).count() == Park.objects.count()


def test_a_role_shows_the_park_and_its_zones(tree3, django_user_model, django_assert_num_queries):
    user = _user(django_user_model, "viewer", (tree3["zone"], VIEWER))
    with django_assert_num_queries(2):  # the tree, then the user's roles and region scopes together
        readable = visible_park_ids(user, public=False)
    assert readable == _ids(tree3, "zone", "sub")
    public = visible_park_ids(user, public=True)
    assert readable <= public
    assert _ids(tree3, "public", "public_zone") <= public
    assert not public & _ids(tree3, "root", "zone2", "other")
    assert can_read(user, tree3["sub"], public=False)
    assert not can_read(user, tree3["root"], public=False)


def test_a_region_scope_shows_the_parks_of_a_province_or_prefecture(tree3, django_user_model):
    province = _user(django_user_model, "province")
    RegionScope.objects.create(user=province, province="测试省")
    prefecture = _user(django_user_model, "prefecture")
    RegionScope.objects.create(user=prefecture, province="测试省", prefecture="甲市")
    assert visible_park_ids(province, public=False) == _ids(tree3, "root", "zone", "sub", "zone2")
    # A region scope is about each park's own region: 乙市's sub-zone is outside 甲市.
    assert visible_park_ids(prefecture, public=False) == _ids(tree3, "root", "zone", "zone2")
    assert not can_read(prefecture, tree3["sub"], public=True)
    assert can_read(province, tree3["sub"], public=True)


def test_roles_and_region_scopes_add_up_in_one_query(tree3, django_user_model, django_assert_num_queries):
    user = _user(django_user_model, "both", (tree3["other"], ENTRY), (tree3["other"], VIEWER))
    RegionScope.objects.create(user=user, province="测试省", prefecture="乙市")
    with django_assert_num_queries(1):
        grants = user_grants(user)
    assert grants.roles == {tree3["other"].pk: {"entry", "viewer"}}
    assert grants.scopes == [("测试省", "乙市")]
    assert visible_park_ids(user, public=False) == _ids(tree3, "other", "sub")


def test_visibility_reads_in_a_fixed_number_of_queries(tree3, django_user_model, django_assert_num_queries):
    user = _user(django_user_model, "viewer", (tree3["root"], VIEWER))
    RegionScope.objects.create(user=user, province="另一省")
    with django_assert_num_queries(2):  # the tree, the user's roles and scopes
        before = visible_park_ids(user, public=True)
    for n in range(20):
        _park(f"t-deep-{n}", Park.objects.get(code=f"t-deep-{n - 1}") if n else tree3["sub"])
    with django_assert_num_queries(1):  # the tree; the grants are cached (parks.grants_cache)
        after = visible_park_ids(user, public=True)
    assert after - before == set(Park.objects.filter(code__startswith="t-deep-").values_list("pk", flat=True))
    deepest = Park.objects.get(code="t-deep-19")
    with django_assert_num_queries(1):
        assert can_read(user, deepest, public=False)


def test_cached_grants_change_at_once_with_a_role_or_a_scope(
    tree3, django_user_model, django_assert_num_queries
):
    """The roles and scopes are read once and then cached per user, until one of them changes."""
    user = _user(django_user_model, "viewer")
    tree = park_tree()
    assert not can_read(user, tree3["sub"], public=False, tree=tree)
    with django_assert_num_queries(0):
        assert not can_read(user, tree3["sub"], public=False, tree=tree)
    role = ParkRole.objects.create(user=user, park=tree3["root"], role=VIEWER)
    assert can_read(user, tree3["sub"], public=False, tree=tree)
    role.delete()
    assert not can_read(user, tree3["sub"], public=False, tree=tree)
    scope = RegionScope.objects.create(user=user, province=tree3["sub"].province)
    assert can_read(user, tree3["sub"], public=False, tree=tree)
    scope.delete()
    assert not can_read(user, tree3["sub"], public=False, tree=tree)


def test_the_querysets_of_parks_permissions_follow_the_rule(tree3, django_user_model):
    official = _user(django_user_model, "official", (tree3["zone"], VIEWER))
    RegionScope.objects.create(user=official, province="另一省", prefecture="丙市")
    for user in (AnonymousUser(), official, _user(django_user_model, "nobody")):
        assert set(readable_parks(user).values_list("pk", flat=True)) == visible_park_ids(user, public=False)
        assert set(public_or_readable_parks(user).values_list("pk", flat=True)) == visible_park_ids(
            user, public=True
        )
        for park in Park.objects.all():
            assert can_read(user, park, public=True) == (park.pk in visible_park_ids(user, public=True))


def test_one_park_with_the_parks_above_it_in_one_query(tree3, django_user_model, django_assert_num_queries):
    anonymous, viewer = AnonymousUser(), _user(django_user_model, "viewer", (tree3["root"], VIEWER))
    with django_assert_num_queries(1):
        park, tree = park_with_tree(code="t-public-zone")
        assert can_read(anonymous, park, public=True, tree=tree)  # public: the user's grants are not asked
        assert can_read(viewer, park, public=True, tree=tree)
    assert park == tree3["public_zone"]
    with django_assert_num_queries(1):
        park, tree = park_with_tree(code="t-sub")
    assert tree.ancestors_and_self(park.pk) == [tree3["sub"].pk, tree3["zone"].pk, tree3["root"].pk]
    with django_assert_num_queries(1):  # the viewer's roles and region scopes
        assert can_read(viewer, park, public=True, tree=tree)
    with django_assert_num_queries(0):
        assert not can_read(anonymous, park, public=True, tree=tree)
    assert park_roles(viewer, [park], tree=tree) == {park.pk: {"viewer"}}
    with django_assert_num_queries(1):
        assert park_with_tree(code="no-such-park") == (None, None)


def test_a_zone_deeper_than_the_join_loads_the_whole_tree(tree3, django_assert_num_queries):
    parent = tree3["public"]
    for n in range(ANCESTOR_JOIN_DEPTH + 2):
        parent = _park(f"t-deep-{n}", parent)
    with django_assert_num_queries(2):
        park, tree = park_with_tree(code=parent.code)
    assert tree.top(park.pk) == tree3["public"].pk
    assert len(tree.ancestors_and_self(park.pk)) == ANCESTOR_JOIN_DEPTH + 3
    assert can_read(AnonymousUser(), park, public=True, tree=tree)
