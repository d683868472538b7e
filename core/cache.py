"""Cache generations, and cached responses with a strong ETag and Last-Modified.

A namespace ("progress") has a generation: a token and the time it began, kept in the shared cache
(Redis when REDIS_URL is set, shared by every process). Cached entries are keyed by the token, so
starting a new generation (``invalidate_api_cache``) makes every entry of the namespace unreachable
at once, in every process. Because an entry never changes once written, each process also keeps the
entries it has seen in its own memory: a request then costs one small read of the shared cache (the
generation), not a transfer of the whole response. Entries expire on their own after
``CACHE_SECONDS`` too, in case data changed without a recompute (an admin deleting a plan).

The dashboards keep what their pages compute (selector frames, tables, Plotly figure JSON) the same
way, under two generations (``cached_page_part``): "progress" (stored results) and "pages" (what the
pages show besides them: parks, plans, targets and their revisions, the catalogue, approved values).
"pages" starts anew whenever a recompute is asked for (``core.outbox.request_recompute``: every service
that changes an input, approved values included) and on every save or delete of the models the pages
show (``invalidate_on_change``). Who may see what is never cached: the caller checks it on every
request and puts what the viewer may see in the key.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid

from django.conf import settings
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


def request_generations(request, namespaces: tuple[str, ...]) -> tuple[str, ...] | None:
    """The tokens of several namespaces, read in one round trip of the shared cache and once per request
    (a missing one is started); None when the cache is unavailable."""
    memo = getattr(request, "_request", request).__dict__
    attr = "_parktrack_generations_" + "_".join(namespaces)
    if attr not in memo:
        try:
            keys = [_generation_key(n) for n in namespaces]
            found = cache.get_many(keys)
            memo[attr] = tuple(
                found[key][0] if key in found else cache_generation(n)[0]
                for key, n in zip(keys, namespaces, strict=True)
            )
        except Exception:
            logger.warning("the page cache is unavailable; computing %s", namespaces, exc_info=True)
            memo[attr] = None
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


def entry_get(key: str, *, local: LocMemCache = _local):
    """An immutable entry: from this process's memory, else from the shared cache (then kept here)."""
    mode = _mode()
    if mode == "off":
        return None
    if mode == "shared":
        found = local.get(key, _MISSING)
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
        local.set(key, found, CACHE_SECONDS)
    return found


def entry_set(
    key: str, value, seconds: int = CACHE_SECONDS, *, shared: bool = True, local: LocMemCache = _local
) -> None:
    """Keep an immutable entry; ``shared=False`` keeps it in this process only."""
    mode = _mode()
    if mode == "off":
        return
    if mode == "shared":
        local.set(key, value, seconds)
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


# --- dashboard pages --------------------------------------------------------------------------------

PAGES = "pages"
PAGE_NAMESPACES = ("progress", PAGES)
# This process's copies of page parts: larger than API entries (a park overview's tables and figures
# are about 100–200 kB pickled), so fewer of them.
_pages_local = LocMemCache(
    "parktrack-pages-local", {"TIMEOUT": CACHE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 400}}
)


def page_key(request, *, page: str, parts, by_query: bool = True) -> str | None:
    """The key of a page part: the generations of "progress" and "pages", ``page``, ``parts`` (the park,
    the plan, a digest of what the viewer may see …), the query string (unless ``by_query`` is False:
    a part that does not depend on it) and the language. None when nothing is to be cached
    (``PAGE_CACHE_SECONDS = 0``, as in the test settings, or no cache)."""
    tokens = request_generations(request, PAGE_NAMESPACES) if page_cache_seconds() else None
    if tokens is None:
        return None
    query = sorted(request.GET.lists()) if by_query else None
    fingerprint = repr((page, tuple(parts), query, translation.get_language() or "", tokens))
    return f"page:{hashlib.sha256(fingerprint.encode()).hexdigest()}"


def page_cache_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", CACHE_SECONDS))


def page_get(key: str):
    """A page part kept under ``key`` (``page_key``), or None. Without a shared cache the parts stay in
    this process's bounded store only (the configured local-memory cache holds up to 2,000 entries)."""
    if _mode() == "local":
        return _pages_local.get(key)
    return entry_get(key, local=_pages_local)


def page_set(key: str, value) -> None:
    if _mode() == "local":
        _pages_local.set(key, value, page_cache_seconds())
        return
    entry_set(key, value, page_cache_seconds(), local=_pages_local)


def cached_page_part(request, *, page: str, parts, build, by_query: bool = True):
    """``build()``'s value (a page's computed context: frames, tables, figure JSON; the park tree), kept
    under ``page_key``. The value must depend on nothing else: the caller checks who may see the page
    before, on every request. Computed on every request when ``page_key`` is None."""
    key = page_key(request, page=page, parts=parts, by_query=by_query)
    found = page_get(key) if key else None
    if found is None:
        found = build()
        if key:
            page_set(key, found)
    return found


def visibility_digest(ids) -> str:
    """A short name of a set of park ids (what a viewer may see), for keys; "all" for None."""
    if ids is None:
        return "all"
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()


def invalidate_on_change(namespace: str, models) -> None:
    """Start a new generation of ``namespace`` whenever a row of one of ``models`` is saved or deleted
    (not while fixtures are loaded raw). Bulk writes send no signal: the services that make them ask for
    a recompute, which starts a new "pages" generation too."""
    from django.db.models.signals import post_delete, post_save

    def changed(sender, raw=False, **kwargs):
        if not raw:
            invalidate_api_cache(namespace)

    for model in models:
        uid = f"parktrack-invalidate-{namespace}-{model._meta.label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid + "-save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid + "-delete")
