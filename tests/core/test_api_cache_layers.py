"""With a shared cache (Redis in production; a file-based cache stands in for it here), responses are
kept in the shared cache and in each process's memory, and a new generation started anywhere (another
process's recompute) is seen at once."""

import time
import uuid

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

PARAMS = {"plan": "yuxi-13th-fyp", "year": 2020, "indicator": "gdp-incl-tobacco"}


@pytest.fixture
def shared_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


def test_entries_go_to_the_shared_cache_and_a_generation_from_elsewhere_invalidates(
    shared_cache, anon, progress, django_assert_max_num_queries
):
    first = anon.get("/api/v1/progress/", PARAMS)
    token, _since = cache.get("api:generation:progress")
    assert token
    with django_assert_max_num_queries(0):  # this process's memory: no database, no shared transfer
        again = anon.get("/api/v1/progress/", PARAMS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304

    # Another process stores new results: it starts a new generation in the shared cache only.
    cache.set("api:generation:progress", (uuid.uuid4().hex, time.time() + 5), timeout=None)
    after = anon.get("/api/v1/progress/", PARAMS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 304  # same content, so the same ETag…
    assert after["Last-Modified"] != first["Last-Modified"]  # …but served from the new generation
    fresh = anon.get("/api/v1/progress/", PARAMS)
    assert fresh.status_code == 200 and fresh.json() == first.json()
