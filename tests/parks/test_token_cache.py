"""Cached API token lookups (issue 15): a presented token's user and row are kept in the cache under the
token's knox digest (never the secret), and a revoked or expired token, a deactivated user and a change
of roles take effect on the very next request."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from parks.authentication import TokenAuthentication
from parks.models import ApiToken, ParkRole
from tests.core.api_fixtures import *  # noqa: F403 (users, a fresh cache per test)

pytestmark = pytest.mark.django_db

OBSERVATIONS = "/api/v1/observations/"
YUXI = {"park": "yuxi-hitech"}


def client_with(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def get(client: APIClient):
    """(status, whether the token table was read) of one request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(OBSERVATIONS, YUXI)
    return response.status_code, any(ApiToken._meta.db_table in q["sql"] for q in queries)


@pytest.fixture
def viewer_token(users):
    token, secret = ApiToken.objects.create(user=users["viewer"], name="大屏")
    return token, secret


def test_a_cache_hit_runs_no_token_query(viewer_token, users, django_assert_num_queries):
    token, secret = viewer_token
    request = APIRequestFactory().get(OBSERVATIONS, HTTP_AUTHORIZATION=f"Token {secret}")
    authentication = TokenAuthentication()
    with django_assert_num_queries(1):  # the token row joined with its user
        first = authentication.authenticate(request)
    with django_assert_num_queries(0):
        second = authentication.authenticate(request)
    assert first == second == (users["viewer"], token)
    assert second[1].user.username == "viewer" and second[1].expiry == token.expiry


def test_the_cache_is_keyed_by_the_digest_never_the_secret(viewer_token):
    token, secret = viewer_token
    assert get(client_with(secret)) == (200, True)
    keys = list(cache._cache)  # the test cache is local memory (tests.core.api_fixtures.fresh_cache)
    assert any(token.digest in key for key in keys)
    assert not any(secret in key for key in keys)
    assert get(client_with(secret)) == (200, False)  # served from the cache


def test_a_revoked_token_is_refused_on_the_very_next_request(viewer_token):
    token, secret = viewer_token
    client = client_with(secret)
    assert get(client) == (200, True)
    assert get(client) == (200, False)
    call_command("api_token", "revoke", "viewer", stdout=StringIO())
    assert get(client)[0] == 401


def test_a_token_deleted_in_the_admin_is_refused_at_once(viewer_token):
    token, secret = viewer_token
    client = client_with(secret)
    assert get(client) == (200, True)
    token.delete()
    assert get(client)[0] == 401


def test_a_deactivated_user_is_refused_on_the_very_next_request(viewer_token, users):
    _token, secret = viewer_token
    client = client_with(secret)
    assert get(client) == (200, True)
    viewer = users["viewer"]
    viewer.is_active = False
    viewer.save()
    assert get(client)[0] == 401


def test_an_expired_token_is_refused_although_its_lookup_is_cached(viewer_token, monkeypatch):
    token, secret = viewer_token
    client = client_with(secret)
    assert get(client) == (200, True)
    later = token.expiry + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert get(client)[0] == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()  # deleted on the way, as knox does


@pytest.mark.parametrize("change", ["role removed", "role granted", "password", "permission"])
def test_a_change_to_the_user_or_their_roles_drops_the_cached_lookup(change, viewer_token, users):
    from django.contrib.auth.models import Permission

    _token, secret = viewer_token
    client = client_with(secret)
    assert get(client) == (200, True)
    assert get(client) == (200, False)
    viewer = users["viewer"]
    if change == "role removed":
        ParkRole.objects.filter(user=viewer).delete()
    elif change == "role granted":
        ParkRole.objects.create(user=viewer, park_id=ParkRole.objects.get(user=viewer).park_id, role="entry")
    elif change == "password":
        viewer.set_password("another-password-not-secret")
        viewer.save()
    else:
        viewer.user_permissions.add(Permission.objects.get(codename="view_park"))
    status, read = get(client)
    assert read  # the token and its user are read afresh
    if change == "role removed":  # no role left on Yuxi: its observations are no longer readable
        assert status == 200 and client.get(OBSERVATIONS, YUXI).json()["count"] == 0
    else:
        assert status == 200


def test_a_sign_in_elsewhere_keeps_the_cached_lookups(viewer_token, users):
    """A session sign-in only stamps last_login: nothing a token's request depends on."""
    _token, secret = viewer_token
    client = client_with(secret)
    assert get(client) == (200, True)
    viewer = users["viewer"]
    viewer.last_login = timezone.now()
    viewer.save(update_fields=["last_login"])
    assert get(client) == (200, False)


def test_a_users_permissions_are_cached_until_they_or_their_group_change(users, django_assert_num_queries):
    """The navigation asks for a permission on every page; the permissions are read once, then cached
    (parks.authentication.ModelBackend) until the user, a group or its permissions change."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    from plans.models import Plan

    def plans_link_shown() -> bool:
        client = Client()
        client.force_login(get_user_model().objects.get(pk=users["viewer"].pk))
        return 'href="/plans/"' in client.get("/dashboards/").content.decode()

    assert not plans_link_shown()
    user = get_user_model().objects.get(pk=users["viewer"].pk)
    user.get_all_permissions()
    fresh = get_user_model().objects.get(pk=user.pk)
    with django_assert_num_queries(0):
        assert fresh.get_all_permissions() == set()
    planners = Group.objects.create(name="规划人员")
    change_plan = Permission.objects.get(codename="change_plan", content_type__app_label=Plan._meta.app_label)
    planners.permissions.add(change_plan)
    user.groups.add(planners)
    assert plans_link_shown()
    planners.permissions.remove(change_plan)
    assert not plans_link_shown()
