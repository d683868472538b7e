import pytest

from parks.models import ParkRole
from tests.entry.factories import user_with_role


@pytest.fixture
def staff(db):
    return user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY)


@pytest.fixture
def reviewer(db):
    return user_with_role("reviewer", "yuxi-hitech", ParkRole.Role.REVIEWER)


@pytest.fixture
def viewer(db):
    return user_with_role("viewer", "yuxi-hitech", ParkRole.Role.VIEWER)


@pytest.fixture
def outsider(db):
    """Staff of another park."""
    return user_with_role("outsider", "wenshan-hitech", ParkRole.Role.ENTRY)


@pytest.fixture
def admin(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.gov.cn", "a-long-test-password-1")
