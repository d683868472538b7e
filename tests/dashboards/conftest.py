"""Fixtures for the dashboard tests: Yuxi with its stored progress, actuals added through the ORM, users."""

from decimal import Decimal

import pytest

from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole, RegionScope
from progress.services import progress_recompute


@pytest.fixture
def yuxi(db) -> Park:
    """Yuxi with its progress computed from the seed (the 13th plan judged in 2020; the 14th plan has
    no actuals yet, so every year is 数据不足)."""
    park = Park.objects.get(code="yuxi-hitech")
    progress_recompute(park_ids=[park.pk])
    return park


@pytest.fixture
def add_actuals(db):
    """Add approved actuals, in each indicator's own unit, then recompute: ``add_actuals(park,
    {"gdp-incl-tobacco": {2021: 560}}, synthetic=False)``."""

    def add(park: Park, values: dict[str, dict[int, float]], *, synthetic: bool = False) -> list[Observation]:
        indicators = {i.code: i for i in Indicator.objects.filter(code__in=values)}
        created = [
            Observation.objects.create(
                park=park,
                indicator=indicators[code],
                year=year,
                value=Decimal(str(value)),
                status=Observation.Status.APPROVED,
                source="合成演示数据（synthetic demo data）" if synthetic else "test",
                is_synthetic=synthetic,
            )
            for code, by_year in values.items()
            for year, value in by_year.items()
        ]
        progress_recompute(park_ids=[park.pk])
        return created

    return add


@pytest.fixture
def users(db, django_user_model):
    """An administrator, a viewer of Wenfeng (a non-public park), a Henan province official, and a user
    with no role at all."""
    wenfeng = Park.objects.get(code="wenfeng-hitech")
    viewer = django_user_model.objects.create_user("viewer", password="x")
    ParkRole.objects.create(user=viewer, park=wenfeng, role=ParkRole.Role.VIEWER)
    official = django_user_model.objects.create_user("official", password="x")
    RegionScope.objects.create(user=official, province=wenfeng.province)
    return {
        "admin": django_user_model.objects.create_superuser("boss", password="x"),
        "viewer": viewer,
        "official": official,
        "nobody": django_user_model.objects.create_user("nobody", password="x"),
    }
