"""Cached progress responses in a real Redis (REDIS_URL): stored there, and invalidated by a recompute.

Skips locally without REDIS_URL; under CI a missing Redis is a failure. The test uses its own key
prefix and deletes only its own keys (never FLUSHDB: the same Redis carries Celery's queues)."""

import os
import uuid
from decimal import Decimal

import pytest

from indicators.models import Indicator, Observation
from progress.services import progress_recompute
from tests.conftest import require_service

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("REDIS_URL", "")
    require_service(bool(url), "Redis (REDIS_URL)")
    import redis

    prefix = f"parktrack-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    client = redis.Redis.from_url(url)
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_progress_is_cached_in_redis_and_a_recompute_invalidates_it(redis_cache, anon, yuxi, progress):
    client, prefix = redis_cache
    params = {"plan": "yuxi-14th-fyp", "indicator": "gdp-incl-tobacco", "year": 2021}
    first = anon.get("/api/v1/progress/", params)
    assert first.status_code == 200 and first.json()["results"][0]["status"] == "insufficient_data"
    keys = {key.decode() for key in client.scan_iter(match=f"{prefix}:*")}
    assert any(":api:generation:progress" in key for key in keys)
    assert any(":api:progress:" in key for key in keys)
    assert anon.get("/api/v1/progress/", params, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    Observation.objects.create(
        park=yuxi,
        indicator=Indicator.objects.get(code="gdp-incl-tobacco"),
        year=2021,
        value=Decimal("560"),
        status="approved",
    )
    progress_recompute(park_ids=[yuxi.pk])
    after = anon.get("/api/v1/progress/", params, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after.json()["results"][0]["status"] == "ahead"
