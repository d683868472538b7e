"""Recompute locks are per park (issue 16), on PostgreSQL: while one transaction holds Yuxi's parks, a
recompute of Wenshan (another park tree) runs to the end, and a recompute of a Yuxi zone waits for the
holder and then finishes. Before, one global advisory lock made every recompute wait for every other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from parks.models import Park
from progress import services
from progress.models import ProgressResult
from tests.integration.services import wait_for
from tests.integration.test_faults import _leave_database_seeded, seeded  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

TIMEOUT = 60.0


def _waiting_for_a_park_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = %s",
            [services.LOCK_NAMESPACE],
        )
        return cursor.fetchone()[0]


def test_recomputes_of_other_park_trees_run_while_one_tree_is_locked(seeded):  # noqa: F811
    yuxi = Park.objects.get(code="yuxi-hitech")
    zone = Park.objects.get(code="yuxi-hitech-hongta")
    wenshan = Park.objects.get(code="wenshan-hitech")
    held, release = threading.Event(), threading.Event()
    done: dict[str, int] = {}
    errors: list[BaseException] = []

    def hold_yuxi() -> None:
        try:
            with transaction.atomic():
                services._lock_parks(services.park_scope([yuxi.pk]))
                held.set()
                release.wait(TIMEOUT)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def recompute(name: str, park_id: int) -> None:
        try:
            done[name] = services.progress_recompute(park_ids=[park_id])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_yuxi)
    holder.start()
    try:
        assert held.wait(TIMEOUT)
        other_tree = threading.Thread(target=recompute, args=("wenshan", wenshan.pk))
        other_tree.start()
        other_tree.join(TIMEOUT)
        assert not other_tree.is_alive(), "a recompute of another park tree waited for Yuxi's lock"
        assert done["wenshan"] > 0

        same_tree = threading.Thread(target=recompute, args=("zone", zone.pk))
        same_tree.start()
        assert wait_for(lambda: _waiting_for_a_park_lock() >= 1, timeout=TIMEOUT)
        assert "zone" not in done  # it waits for the holder
        assert not ProgressResult.objects.filter(park=yuxi).exists()
    finally:
        release.set()
        holder.join(TIMEOUT)
    same_tree.join(TIMEOUT)
    assert not same_tree.is_alive()
    assert errors == []
    assert done["zone"] > 0  # a zone's recompute covers its park's plans too
    assert ProgressResult.objects.filter(park=yuxi).exists()
