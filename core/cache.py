"""Cache generations, and cached responses with a strong ETag and Last-Modified.

A namespace ("progress") has a generation: a token and the time it began, kept in the shared cache
(Redis when REDIS_URL is set, shared by every process). Cached entries are keyed by the token, so
starting a new generation (``invalidate_api_cache``) makes every entry of the namespace unreachable
at once, in every process. Because an entry never changes once written, each process also keeps the
entries it has seen in its own memory: a request then costs one small read of the shared cache (the
generation), not a transfer of the whole response. Entries expire on their own after
``CACHE_SECONDS`` too, in case data changed without a recompute (an admin deleting a plan).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
# This process's copies of immutable entries (keys carry the generation token).
_local = LocMemCache("parktrack-api-local", {"TIMEOUT": CACHE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 1000}})
_MISSING = object()


def _generation_key(namespace: str) -> str:
    return f"api:generation:{namespace}"


def cache_generation(namespace: str) -> tuple[str, float]:
    """The current generation of a namespace: (token, when it began). A new token makes every cached
    entry of the namespace unreachable; the time is the Last-Modified of what is served."""
    key = _generation_key(namespace)
    value = cache.get(key)
    if value is None:
        cache.add(key, (uuid.uuid4().hex, time.time()), timeout=None)
        value = cache.get(key) or (uuid.uuid4().hex, time.time())
    return value


def request_generation(request, namespace: str) -> tuple[str | None, float]:
    """``cache_generation`` read once per request; (None, now) when the cache is unavailable."""
    memo = getattr(request, "_request", request).__dict__
    attr = f"_parktrack_generation_{namespace}"
    if attr not in memo:
        try:
            memo[attr] = cache_generation(namespace)
        except Exception:
            logger.warning("the API cache is unavailable; serving %s uncached", namespace, exc_info=True)
            memo[attr] = (None, time.time())
    return memo[attr]


def invalidate_api_cache(namespace: str) -> None:
    """Start a new generation now and again when the transaction commits: readers in this transaction
    see the change at once, and whatever another process cached from the old data before the commit
    becomes unreachable afterwards. A cache outage never fails the caller."""

    def bump():
        try:
            cache.set(_generation_key(namespace), (uuid.uuid4().hex, time.time()), timeout=None)
        except Exception:  # the cache is an optimisation; cached entries also expire on their own
            logger.warning("could not invalidate the %s API cache", namespace, exc_info=True)

    bump()
    transaction.on_commit(bump, robust=True)


def _mode() -> str:
    """ "off" (DummyCache: nothing is cached), "local" (the configured cache is this process's memory
    already), or "shared" (Redis and the like: this process keeps its own copies too)."""
    backend = caches["default"]
    if isinstance(backend, DummyCache):
        return "off"
    return "local" if isinstance(backend, LocMemCache) else "shared"


def entry_get(key: str):
    """An immutable entry: from this process's memory, else from the shared cache (then kept here)."""
    mode = _mode()
    if mode == "off":
        return None
    if mode == "shared":
        found = _local.get(key, _MISSING)
        if found is not _MISSING:
            return found
    try:
        found = cache.get(key, _MISSING)
    except Exception:
        logger.warning("the API cache is unavailable", exc_info=True)
        return None
    if found is _MISSING:
        return None
    if mode == "shared":
        _local.set(key, found, CACHE_SECONDS)
    return found


def entry_set(key: str, value, seconds: int = CACHE_SECONDS, *, shared: bool = True) -> None:
    """Keep an immutable entry; ``shared=False`` keeps it in this process only."""
    mode = _mode()
    if mode == "off":
        return
    if mode == "shared":
        _local.set(key, value, seconds)
        if not shared:
            return
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("the API cache is unavailable", exc_info=True)


def cached_conditional_response(request, view, *, namespace: str, scope: str, build) -> HttpResponse:
    """Serve ``build()``'s rendered response from the cache, with a strong ETag (a hash of the body) and
    Last-Modified (the start of the namespace's generation); answer 304 when the client has it.

    The key holds the generation, the full URL, the negotiated media type, the language and ``scope``
    (who may see what), so two users with different rights never share an entry.
    """
    token, since = request_generation(request, namespace)
    fingerprint = "|".join(
        [
            request.build_absolute_uri(),
            str(request.accepted_media_type),
            translation.get_language() or "",
            scope,
        ]
    )
    key = f"api:{namespace}:{token}:{hashlib.sha256(fingerprint.encode()).hexdigest()}"
    entry = entry_get(key) if token is not None else None
    if entry is None:
        response = build()
        response.accepted_renderer = request.accepted_renderer
        response.accepted_media_type = request.accepted_media_type
        response.renderer_context = view.get_renderer_context()
        response.render()
        if response.status_code != 200:
            return response
        content = response.content
        entry = {
            "content": content,
            "content_type": response["Content-Type"],
            "etag": '"' + hashlib.sha256(content).hexdigest()[:32] + '"',
            "last_modified": int(since),
            "headers": {
                h: response[h] for h in ("X-Total-Count", "Link", "Content-Disposition") if h in response
            },
        }
        if token is not None:
            entry_set(key, entry)
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    for name, value in entry["headers"].items():
        response[name] = value
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Accept", "Accept-Language", "Authorization", "Cookie"])
    return get_conditional_response(
        request, etag=entry["etag"], last_modified=entry["last_modified"], response=response
    )
