"""The real services CI provides: PostgreSQL through DATABASE_URL, Redis through REDIS_URL.

Locally, without those variables, these skip; under CI (CI=true) a missing service fails."""

import os

import pytest
from django.db import connection

from tests.conftest import require_service

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_database_is_postgresql_when_configured():
    url = os.environ.get("DATABASE_URL", "")
    require_service(url.startswith("postgres"), "PostgreSQL (DATABASE_URL)")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'plans_%' ORDER BY tgname")
        triggers = [row[0] for row in cursor.fetchall()]
    assert triggers == [
        "plans_milestone_year_in_plan",
        "plans_plan_years_cover_targets",
        "plans_target_year_in_plan",
    ]


def test_redis_answers_when_configured():
    url = os.environ.get("REDIS_URL", "")
    require_service(bool(url), "Redis (REDIS_URL)")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    assert client.ping() is True
