"""What is cached about users: their token lookups (``parks.authentication``), permissions (``ModelBackend``)
and park roles and region scopes (``parks.selectors.user_grants``), issue 15.

Every entry carries the generation it was read in. A new generation starts (now and again on commit)
whenever a user, a group, their permissions, a role or a region scope is saved or deleted (signals in
``parks.apps``), so an entry read before the change is never served after it; entries also expire after
``API_TOKEN_CACHE_SECONDS`` (60 by default; 0 caches nothing). The cache is Django's (Redis when
REDIS_URL is set, shared by every process; otherwise this process's memory). This module imports
nothing but Django's cache, so that the selectors can use it before the apps are ready.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "auth:token:generation"


def cache_seconds() -> int:
    return int(getattr(settings, "API_TOKEN_CACHE_SECONDS", 60))


def safely(action, what: str) -> None:
    try:
        action()
    except Exception:  # the cache is an optimisation; entries also expire on their own
        logger.warning("could not %s in the token cache", what, exc_info=True)


def now_and_on_commit(action, what: str) -> None:
    """Now (this transaction's next request sees it) and after commit (so an entry that another process
    cached from the old rows meanwhile is dropped too)."""
    safely(action, what)
    transaction.on_commit(lambda: safely(action, what), robust=True)


def forget_all_grants() -> None:
    """Drop every cached token lookup, permission set and grant (a user, a group, a permission, a role or
    a region scope changed): a new generation, so each is read from the database again on its next use."""
    now_and_on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None), "start anew")


def generation(found: dict) -> str:
    """The current generation, from ``found`` (a ``get_many`` that asked for GENERATION_KEY too)."""
    value = found.get(GENERATION_KEY)
    if value is None:  # first use, or evicted: a new one, so no older entry can match
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def current_entry(key: str) -> tuple[str | None, object]:
    """(the current generation, the value kept under ``key`` in it, or None): one round trip of the
    cache. (None, None) when the cache is unavailable: nothing is to be kept either."""
    try:
        found = cache.get_many([key, GENERATION_KEY])
        current = generation(found)
    except Exception:
        logger.warning("the token cache is unavailable", exc_info=True)
        return None, None
    entry = found.get(key)
    return current, (entry[1] if entry is not None and entry[0] == current else None)


def keep(key: str, current: str, value, seconds: int) -> None:
    """Keep ``value`` under ``key`` for the generation ``current`` (what ``current_entry`` read)."""
    safely(lambda: cache.set(key, (current, value), seconds), "keep")


def cached_for_user(kind: str, user_pk: int, build):
    """``build()`` (what the user ``user_pk`` holds: ``kind`` "perms" or "grants"), kept under the
    current generation: one round trip of the cache when it is there. The generation is read before
    ``build`` runs, so a change that commits meanwhile starts a newer one and the entry is not served."""
    seconds = cache_seconds()
    if not seconds:
        return build()
    key = f"auth:{kind}:{user_pk}"
    current, value = current_entry(key)
    if value is None:
        value = build()
        if current is not None:
            keep(key, current, value, seconds)
    return value
