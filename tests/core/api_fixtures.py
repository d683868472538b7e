"""Fixtures and helpers for the REST API tests: one user per role, token clients, a fresh cache per test.

The API tests sit beside the code they test (tests/<app>/test_api.py for <app>/api.py; the
cross-cutting ones in tests/core/, for core/api/). A module (or tests/core/conftest.py) takes the fixtures
with ``from tests.core.api_fixtures import *`` (only the fixtures are exported), so the autouse fresh
cache and this ``admin_client`` (an API token client, not pytest-django's session client) apply to the
API tests only; the helpers are imported by name.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from indicators.models import Indicator, Observation
from parks.models import ApiToken, Park, ParkRole, RegionScope
from progress.services import progress_recompute

PARK = "yuxi-hitech"  # public (is_public), with zones
OTHER_PARK = "wenshan-hitech"
PRIVATE_PARK = "wenfeng-hitech"  # not public

__all__ = ["admin_client", "anon", "client_for", "fresh_cache", "official", "progress", "users", "yuxi"]

ROLES = ["anonymous", "viewer", "other_staff", "staff", "reviewer", "admin"]


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test gets its own empty in-memory cache: throttling counters and cached responses never
    leak between tests, and a Redis named in REDIS_URL (CI) is never flushed by the tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"api-test-{uuid.uuid4().hex}",
        }
    }


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password="pw-not-secret", **extra)


def grant(user, park_code: str, role: str):
    ParkRole.objects.create(user=user, park=Park.objects.get(code=park_code), role=role)
    return user


@pytest.fixture
def users(db) -> dict:
    """anonymous (None), viewer / staff (填报员) / reviewer (审核员) of Yuxi, staff of another park, an
    administrator."""
    return {
        "anonymous": None,
        "viewer": grant(make_user("viewer"), PARK, ParkRole.Role.VIEWER),
        "other_staff": grant(make_user("other-staff"), OTHER_PARK, ParkRole.Role.ENTRY),
        "staff": grant(make_user("staff"), PARK, ParkRole.Role.ENTRY),
        "reviewer": grant(make_user("reviewer"), PARK, ParkRole.Role.REVIEWER),
        "admin": get_user_model().objects.create_superuser(username="root", password="pw-not-secret"),
    }


@pytest.fixture
def official(db):
    """A provincial official: sees every park of 云南省 through a region scope."""
    user = make_user("official")
    RegionScope.objects.create(user=user, province="云南省")
    return user


def token_client(user=None, **headers) -> APIClient:
    """An API client sending ``Authorization: Token <secret>`` of a new API token of ``user`` (none for
    None); the token expires after API_TOKEN_TTL_DAYS like any other."""
    client = APIClient(**headers)
    if user is not None:
        _token, secret = ApiToken.objects.create(user=user, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def client_for(users):
    """``client_for("staff")``: an API client authenticated with that role's token."""

    def make(role: str, **headers) -> APIClient:
        return token_client(users[role], **headers)

    return make


@pytest.fixture
def admin_client(client_for) -> APIClient:
    return client_for("admin")


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def progress(db):
    """Stored progress for every park (the session seed does not compute it)."""
    progress_recompute()


@pytest.fixture
def yuxi(db) -> Park:
    return Park.objects.get(code=PARK)


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def observation(park: Park, code: str, year: int, value: str, status: str = "draft", **extra) -> Observation:
    """A value written directly (the state a test starts from, not the behaviour under test)."""
    return Observation.objects.create(
        park=park, indicator=indicator(code), year=year, value=Decimal(value), status=status, **extra
    )


def codes(response) -> list[str]:
    """The codes of a list response's results, in order."""
    return [row["code"] for row in response.json()["results"]]


def snapshot() -> list[tuple]:
    """Everything about observations that a refused request must leave unchanged."""
    rows = list(Observation.objects.order_by("pk").values_list())
    history = Observation.history.count()
    return [*rows, ("history", history)]
