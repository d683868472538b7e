"""Fixtures for the evaluation tests: five test parks in 测试省 with the hand-computed values of
tests/evaluation/schemes.py as approved observations, the scheme saved, and people with roles."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from evaluation.services import scheme_save
from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole, RegionScope
from tests.evaluation.schemes import VALUES, X, Y, Z, document

YEAR = 2024
# Last year p3 led (its Y was the best and its Z full): p3 falls 3 places, p1 rises 1.
LAST_YEAR = {**VALUES, "p3": {X: 130, Y: 1, Z: 50}}
PUBLIC = {"p1", "p2"}


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


def observe(park, code: str, year: int, value, **extra) -> Observation:
    fields = {"status": Observation.Status.APPROVED, "source": "test", **extra}
    return Observation.objects.create(
        park=park, indicator=Indicator.objects.get(code=code), year=year, value=Decimal(str(value)), **fields
    )


@pytest.fixture
def test_parks(db) -> dict[str, Park]:
    parks = {}
    for code in VALUES:
        parks[code] = Park.objects.create(
            code=f"test-{code}",
            name_zh=f"测试园区{code[1:]}",
            level=Park.Level.NATIONAL,
            kind=Park.Kind.HIGH_TECH,
            province="测试省",
            prefecture="测试市",
            is_public=code in PUBLIC,
        )
    for year, table in ((YEAR, VALUES), (YEAR - 1, LAST_YEAR)):
        for code, values in table.items():
            for indicator, value in values.items():
                observe(parks[code], indicator, year, value)
    return parks


@pytest.fixture
def scheme(test_parks):
    return scheme_save(document())


def make_user(username: str, *, superuser: bool = False):
    model = get_user_model()
    if superuser:
        return model.objects.create_superuser(username, password="a-long-test-password-1")
    return model.objects.create_user(username, password="a-long-test-password-1")


@pytest.fixture
def admin_user(db):
    return make_user("eval-admin", superuser=True)


@pytest.fixture
def official(db):
    user = make_user("eval-official")
    RegionScope.objects.create(user=user, province="测试省")
    return user


@pytest.fixture
def other_official(db):
    user = make_user("eval-other-official")
    RegionScope.objects.create(user=user, province="云南省")
    return user


@pytest.fixture
def park_staff(test_parks):
    user = make_user("eval-staff")
    ParkRole.objects.create(user=user, park=test_parks["p3"], role=ParkRole.Role.ENTRY)
    return user


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
