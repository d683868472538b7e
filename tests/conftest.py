"""Shared fixtures. The seed data is loaded once per test session into the test database; each test
runs in a transaction that is rolled back, so every test sees exactly the seeded state."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from plans.seeding import seed_load

SEEDS_DIR = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def require_service(available: bool, what: str) -> None:
    """Skip when a real service is absent locally; under CI an absent service is a failure."""
    if available:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{what} is required under CI but is not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    # Only ever seed a test database, never the developer's or CI's real one.
    if name.startswith("test_") or "memory" in name or name == "":
        with django_db_blocker.unblock():
            seed_load()


@pytest.fixture
def seed_dir() -> Path:
    require_service(SEEDS_DIR.is_dir(), f"the seed documents ({SEEDS_DIR})")
    return SEEDS_DIR
