"""Asking for a progress recompute from any layer.

The apps that change data (parks, indicators, plans, entry) sit below the progress app, so they cannot
call it. They call :func:`request_recompute`; the progress app registers the handler that writes its
outbox rows (in the caller's transaction) and queues the task on commit. A request with no handler is
an error, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from core.cache import PAGES, invalidate_api_cache

_handlers: list[Callable[..., None]] = []


def register(handler: Callable[..., None]) -> None:
    """Register ``handler(park_ids=...)``; registering the same handler twice keeps one."""
    if handler not in _handlers:
        _handlers.append(handler)


def request_recompute(*, park_ids: Iterable[int]) -> None:
    """Mark these parks for a recompute, inside the current transaction. An input changed, so the
    dashboards' cached page parts start a new generation too (now and on commit), before the
    recompute runs: a page shows an approved value or a revised target at once."""
    ids = sorted({int(park_id) for park_id in park_ids if park_id is not None})
    if not ids:
        return
    if not _handlers:
        raise RuntimeError("no recompute handler registered: is the progress app installed?")
    for handler in _handlers:
        handler(park_ids=ids)
    invalidate_api_cache(PAGES)
