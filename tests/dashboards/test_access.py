"""Who sees what: the dashboards follow parks.permissions.public_or_readable_parks exactly. Anonymous
visitors are sent to log in for anything not public; signed-in users get 404 (existence not revealed)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from dashboards import selectors
from parks.models import Park
from parks.permissions import public_or_readable_parks

pytestmark = pytest.mark.django_db

WENFENG = "/dashboards/parks/wenfeng-hitech/"


@pytest.fixture
def deep_zones(db):
    """Seven levels of zones under Yuxi: deeper than the one-query ancestor join reaches."""
    parent = Park.objects.get(code="yuxi-hitech")
    for level in range(1, 8):
        parent = Park.objects.create(code=f"deep-{level}", name_zh=f"第{level}层", kind="zone", parent=parent)
    private = Park.objects.create(
        code="private-root", name_zh="未公开园区", kind="high_tech", province="河南省"
    )
    Park.objects.create(
        code="private-zone", name_zh="未公开片区", kind="zone", parent=private, province="河南省"
    )
    return parent


def test_dashboards_agree_with_parks_permissions_for_every_park_and_user(users, deep_zones):
    everyone = [AnonymousUser(), *users.values()]
    parks = list(Park.objects.all())
    for user in everyone:
        expected = set(public_or_readable_parks(user).values_list("pk", flat=True))
        assert selectors.visible_park_ids(user) == expected, user
        for park in parks:
            try:
                selectors.park_for_user(user, park.code)
                visible = True
            except selectors.ParkNotVisible:
                visible = False
            assert visible == (park.pk in expected), (user, park.code)


def test_anonymous_visitors_are_sent_to_log_in_for_non_public_parks(client):
    response = client.get(WENFENG + "?plan=x")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/dashboards/parks/wenfeng-hitech/")
    # A park that does not exist looks the same: nothing is revealed.
    assert client.get("/dashboards/parks/no-such-park/").status_code == 302
    assert client.get("/dashboards/parks/wenfeng-hitech/heatmap/").status_code == 302


def test_signed_in_users_without_access_get_404(client, users):
    client.force_login(users["nobody"])
    assert client.get(WENFENG).status_code == 404
    assert client.get("/dashboards/parks/no-such-park/").status_code == 404
    assert (
        client.get("/dashboards/parks/wenfeng-hitech/plans/wenfeng-14th-fyp/indicators/1/").status_code == 404
    )


@pytest.mark.parametrize("who", ["viewer", "official", "admin"])
def test_roles_region_scopes_and_administrators_open_the_park(client, users, who):
    client.force_login(users[who])
    response = client.get(WENFENG)
    assert response.status_code == 200
    assert response.context["park"].code == "wenfeng-hitech"
    index = client.get("/dashboards/")
    codes = [item["park"].code for group in index.context["groups"] for item in group["parks"]]
    assert "wenfeng-hitech" in codes


def test_public_parks_are_open_to_everyone(client):
    assert client.get("/dashboards/parks/yuxi-hitech/").status_code == 200
    assert client.get("/dashboards/parks/yuxi-hitech-south/").status_code == 200  # a zone of a public park


def test_cross_park_pages_only_show_readable_parks(client, users):
    response = client.get("/dashboards/regions/", {"province": "河南省"})
    assert response.context["province"] == ""  # not a region the visitor can see anything in
    client.force_login(users["official"])
    response = client.get("/dashboards/regions/", {"province": "河南省"})
    assert [e["park"].code for e in response.context["entries"]] == ["wenfeng-hitech"]
