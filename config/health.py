"""/healthz: is the database, Redis and a Celery worker reachable? JSON for load balancers.

It names each dependency and says ok or not, with no versions, hosts or secrets. 200 when everything
that is configured answers, 503 otherwise. Without Redis (the embedded default) Celery runs eagerly,
so there is no broker or worker to check and both are reported as "not_configured".
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 1.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception:
        logger.warning("healthz: database unreachable", exc_info=True)
        return "error"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        return "ok" if client.ping() else "error"
    except Exception:
        logger.warning("healthz: redis unreachable", exc_info=True)
        return "error"


def _worker(redis_state: str) -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    if redis_state != "ok":
        return "error"
    from config.celery_app import app

    try:
        replies = app.control.ping(timeout=TIMEOUT_SECONDS)
        return "ok" if replies else "error"
    except Exception:
        logger.warning("healthz: worker ping failed", exc_info=True)
        return "error"


@never_cache
@require_GET
def healthz(request):
    redis_state = _redis()
    checks = {"database": _database(), "redis": redis_state, "worker": _worker(redis_state)}
    healthy = all(state in ("ok", "not_configured") for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
