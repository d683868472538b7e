"""Fault tolerance against real services (issue 7): Redis down or hung while staff save, a worker killed
in the middle of a recompute, PostgreSQL restarted under a running web process and worker, and two
people writing the same observation at once.

Each test starts the services it breaks itself (its own redis-server, PostgreSQL cluster, Celery
workers, gunicorn) on free loopback ports, and kills them and removes their files when it ends, pass or
fail; the tails of their logs are printed on failure. Locally a test skips when what it needs is absent
(redis-server, the PostgreSQL binaries, DATABASE_URL pointing at PostgreSQL); under CI=true it fails.

All but the PostgreSQL-restart test work on the pytest test database (DATABASE_URL's PostgreSQL, which
the worker subprocesses reach too): they are transactional (workers must see committed rows), load the
seed data themselves, and the module leaves the database seeded again.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import signal
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from entry import services as workflow
from entry.services import (
    Conflict,
    observation_approve,
    observation_revise,
    observation_save_draft,
    observation_submit,
)
from indicators.models import Indicator, Observation
from parks.models import Park, ParkRole
from plans.models import Plan, PlanIndicator
from plans.seeding import seed_load
from progress.models import ProgressDirty, ProgressResult
from progress.services import progress_recompute
from tests.conftest import require_service
from tests.integration.services import (
    SESSION_ONLY_VARIABLES,
    Managed,
    PostgresCluster,
    WorkerSpec,
    celery_app_on,
    http_get,
    http_post,
    postgres_bin,
    postgres_cluster,
    processes,
    redis_binary,
    redis_server,
    run_command,
    start_gunicorn,
    start_worker,
    wait_for,
    wait_until_ready,
    with_database,
)

pytestmark = pytest.mark.integration

PARK = "yuxi-hitech"
PLAN = "yuxi-13th-fyp"
INDICATOR = "gdp-incl-tobacco"
YEAR = 2020  # seeded: 522.8 亿元 approved, target 530 → "lagging"
RESULT_TIMEOUT = 30.0
# A hung broker must not hold a staff member's save for longer than this (gunicorn's default --timeout
# is 30 s; docker-compose.yml sets 60 s).
HUNG_BROKER_BOUND = 30.0
HUNG_BROKER_WATCHDOG = 45.0
TASK_RECEIVED = re.compile(r"Task plans\.tasks\.recompute_park\[([0-9a-f-]+)\] received")
DRAINED_ONE = re.compile(r"Task plans\.tasks\.drain_outbox\[[0-9a-f-]+\] succeeded in [0-9.]+s: 1\b")


# --- requirements ------------------------------------------------------------------------------------


def _need_test_postgres() -> None:
    require_service(os.environ.get("DATABASE_URL", "").startswith("postgres"), "PostgreSQL (DATABASE_URL)")


def _need_redis_server() -> None:
    require_service(redis_binary() is not None, "redis-server")


def _need_postgres_binaries() -> None:
    require_service(postgres_bin() is not None, "the PostgreSQL server binaries (initdb, pg_ctl)")
    if os.geteuid() == 0:
        require_service(shutil.which("su") is not None, "su (to run PostgreSQL as the postgres user)")


# --- fixtures and helpers on the test database -------------------------------------------------------


@pytest.fixture(scope="module")
def _leave_database_seeded(django_db_setup, django_db_blocker):
    """Requested only by tests that use the test database: with none of those selected, pytest-django
    creates no test database, and tests/conftest.py's django_db_setup would seed the configured one."""
    yield
    # Transactional tests flush the database when they end; leave it seeded for later tests.
    with django_db_blocker.unblock():
        seed_load()
        # After the e2e tests have run Playwright, this teardown gets a connection of its own (Django
        # keeps connections in a ContextVar) that nothing else closes, and the test database could
        # not be dropped at the end of the session.
        connection.close()


@pytest.fixture
def seeded(_leave_database_seeded, transactional_db) -> None:
    _need_test_postgres()
    assert connection.vendor == "postgresql"
    seed_load()
    ProgressDirty.objects.all().delete()


@dataclass
class People:
    entry: object  # 填报员 of the park
    reviewer: object  # 审核员
    other_reviewer: object  # 审核员


def _people() -> People:
    park = Park.objects.get(code=PARK)
    users = get_user_model().objects

    def person(username: str, role: str):
        user = users.create_user(username=username, password=None)
        ParkRole.objects.create(user=user, park=park, role=role)
        return user

    return People(
        entry=person("tianbao", ParkRole.Role.ENTRY),
        reviewer=person("shenhe-a", ParkRole.Role.REVIEWER),
        other_reviewer=person("shenhe-b", ParkRole.Role.REVIEWER),
    )


def _observation() -> Observation:
    return Observation.objects.get(park__code=PARK, indicator__code=INDICATOR, year=YEAR)


def _result() -> ProgressResult:
    item = PlanIndicator.objects.get(plan__code=PLAN, indicator__code=INDICATOR)
    return ProgressResult.objects.get(plan=Plan.objects.get(code=PLAN), plan_indicator=item, year=YEAR)


def _revise_and_approve(people: People, value: str) -> Observation:
    """Staff correct the approved value and a reviewer approves it: the write path that asks for a
    recompute (the approval writes the outbox row and queues recompute_park when it commits)."""
    seen = _observation()
    revised = observation_revise(
        user=people.entry,
        observation=seen,
        value=Decimal(value),
        reason="按统计公报更正",
        expected_version=seen.version,
    )
    return observation_approve(user=people.reviewer, observation=revised, expected_version=revised.version)


SNAPSHOT_FIELDS = [f.attname for f in ProgressResult._meta.fields if f.name not in ("id", "updated_at")]


def _comparable(value):
    return "NaN" if isinstance(value, float) and math.isnan(value) else value


def _snapshot() -> dict[tuple, tuple]:
    """Every stored progress figure (all parks), keyed by (park, plan, plan indicator, year)."""
    rows = ProgressResult.objects.values_list(*SNAPSHOT_FIELDS)
    return {row[:4]: tuple(_comparable(value) for value in row[4:]) for row in rows}


def _uninterrupted_snapshot(park_id: int) -> dict[tuple, tuple]:
    """What an uninterrupted recompute of the park stores, computed here and rolled back."""
    with transaction.atomic():
        progress_recompute(park_ids=[park_id])
        snapshot = _snapshot()
        transaction.set_rollback(True)
    return snapshot


def _test_database_url() -> str:
    # pytest-django has renamed the connection's database to the test database (test_<name>).
    return with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])


def _outbox_empty(park_id: int) -> bool:
    return not ProgressDirty.objects.filter(park_id=park_id).exists()


def _backends_in_transaction() -> int:
    """Other sessions on the test database that are inside an open transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchone()[0]


# --- 1. Redis down or hung while staff save ----------------------------------------------------------


def _cache_on(redis_url: str) -> dict:
    """The cache on the test's own Redis: in production one Redis (REDIS_URL) is both the broker and
    the cache, so an outage takes both away."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "parktrack",
        }
    }


def test_redis_stopped_while_staff_save_the_recompute_runs_once_redis_is_back(
    seeded, tmp_path, caplog, settings
):
    """Redis stops while a reviewer approves a corrected value. The approval commits at once (the
    enqueue fails fast and is logged), the outbox row stays, and the stored results stay as they were.
    A value queued just before the outage is lost with Redis (no persistence) — the outbox covers that
    too. When Redis is back, the periodic drain (beat sends plans.tasks.drain_outbox every 60 s; sent
    here by hand, by the same process whose publish failed) recomputes the park on a worker."""
    _need_redis_server()
    schedule = settings.CELERY_BEAT_SCHEDULE["drain-progress-outbox"]
    assert (schedule["task"], schedule["schedule"]) == ("plans.tasks.drain_outbox", 60)
    people = _people()
    park_id = _observation().park_id
    progress_recompute(park_ids=[park_id])
    assert (_result().actual, _result().status) == (522.8, "lagging")

    with processes(tmp_path) as group, redis_server(group) as redis, celery_app_on(redis.url(0)):
        settings.CACHES = _cache_on(redis.url(0))
        # Redis up, no worker yet: the first correction is queued on Redis.
        _revise_and_approve(people, "525")
        assert redis.client().llen("celery") == 1

        redis.stop()
        with caplog.at_level(logging.WARNING, logger="progress.services"):
            started = time.monotonic()
            approved = _revise_and_approve(people, "530")
            elapsed = time.monotonic() - started
        print(f"approval with Redis stopped took {elapsed:.2f} s")

        assert elapsed < 10, f"the save took {elapsed:.1f} s with Redis stopped"
        assert f"could not queue the recompute of park {park_id}" in caplog.text
        saved = _observation()
        assert (saved.value, saved.status, saved.version) == (Decimal("530"), "approved", approved.version)
        assert not _outbox_empty(park_id)
        assert (_result().actual, _result().status) == (522.8, "lagging")

        redis.start()  # empty: the message queued before the outage is gone
        assert redis.client().llen("celery") == 0
        worker = start_worker(
            group, "worker", WorkerSpec(broker_url=redis.url(0), database_url=_test_database_url())
        )
        from progress.tasks import drain_outbox

        drain_outbox.delay()

        def recomputed() -> bool:
            result = _result()
            return (result.actual, result.status) == (530.0, "achieved") and _outbox_empty(park_id)

        assert wait_for(recomputed, timeout=RESULT_TIMEOUT), (
            f"after {RESULT_TIMEOUT:.0f} s: result {(_result().actual, _result().status)}, outbox "
            f"{list(ProgressDirty.objects.values_list('park_id', flat=True))}.\n{worker.diagnostics()}"
        )
        assert wait_for(lambda: DRAINED_ONE.search(worker.log()) is not None, timeout=5), (
            f"the worker did not log a drain that recomputed one park.\n{worker.diagnostics()}"
        )


def test_redis_hung_while_staff_save_the_save_returns_within_a_bounded_time(
    seeded, tmp_path, caplog, settings
):
    """Redis hangs (SIGSTOP: connections are accepted, nothing is answered — like a stalled server or a
    broken network path) after the process has been publishing to it. The approval must still return
    within a bounded time, with the data saved and the outbox row kept. Without a socket timeout on
    the broker connection (CELERY_BROKER_TRANSPORT_OPTIONS) the publish waits forever."""
    _need_redis_server()
    people = _people()
    park_id = _observation().park_id

    with processes(tmp_path) as group, redis_server(group) as redis, celery_app_on(redis.url(0)):
        settings.CACHES = _cache_on(redis.url(0))
        _revise_and_approve(people, "525")  # publishes: the process now holds a live broker connection
        assert redis.client().llen("celery") == 1

        redis.freeze()
        watchdog = threading.Timer(HUNG_BROKER_WATCHDOG, redis.current.kill)  # frees a stuck publish
        watchdog.start()
        try:
            with caplog.at_level(logging.WARNING, logger="progress.services"):
                started = time.monotonic()
                approved = _revise_and_approve(people, "530")
                elapsed = time.monotonic() - started
        finally:
            watchdog.cancel()
        print(f"approval with Redis hung took {elapsed:.2f} s")

        assert elapsed < HUNG_BROKER_BOUND, (
            f"the approval took {elapsed:.1f} s with Redis hung (the watchdog frees it after "
            f"{HUNG_BROKER_WATCHDOG:.0f} s): the broker connection needs a socket timeout"
        )
        assert f"could not queue the recompute of park {park_id}" in caplog.text
        saved = _observation()
        assert (saved.value, saved.status, saved.version) == (Decimal("530"), "approved", approved.version)
        assert not _outbox_empty(park_id)


# --- 2. A worker killed in the middle of a recompute -------------------------------------------------


def _slow_worker_spec(broker_url: str, marker: Path, **extra_env: str) -> WorkerSpec:
    return WorkerSpec(
        broker_url=broker_url,
        database_url=_test_database_url(),
        app_module="tests.integration.slow_worker",
        extra_env={
            "PARKTRACK_TEST_SLOW_MARKER": str(marker),
            "PARKTRACK_TEST_SLOW_SECONDS": "60",
            **extra_env,
        },
    )


def _approve_and_expect(people: People, park_id: int, before: dict) -> dict:
    """Approve a corrected value (queues recompute_park on commit) and return what an uninterrupted
    recompute stores for it, computed in the same transaction and rolled back."""
    with transaction.atomic():
        _revise_and_approve(people, "530")
        expected = _uninterrupted_snapshot(park_id)
    assert expected != before  # the correction changes stored figures
    return expected


def _wait_for_pause(worker: Managed, marker: Path, before: dict, park_id: int) -> tuple[str, int]:
    """Wait until the worker is paused inside the claim transaction; return the task id and the pid of
    the process running it."""
    if not wait_for(lambda: marker.exists() and marker.read_text() != "" or not worker.alive(), timeout=20):
        pytest.fail(f"the worker never reached the pause.\n{worker.diagnostics()}")
    assert worker.alive(), worker.diagnostics()
    # Paused inside the transaction: results written and outbox row deleted, but nothing committed.
    assert _backends_in_transaction() >= 1
    assert _snapshot() == before
    assert not _outbox_empty(park_id)
    received = TASK_RECEIVED.findall(worker.log())
    assert len(received) == 1, worker.diagnostics()
    return received[0], int(marker.read_text())


def _wait_for_expected(worker: Managed, expected: dict, park_id: int, task_id: str) -> None:
    done = wait_for(lambda: _outbox_empty(park_id) and _snapshot() == expected, timeout=RESULT_TIMEOUT)
    assert done, f"the stored results never matched an uninterrupted run.\n{worker.diagnostics()}"
    succeeded = rf"Task plans\.tasks\.recompute_park\[{re.escape(task_id)}\] succeeded in [0-9.]+s: True"
    assert wait_for(lambda: re.search(succeeded, worker.log()) is not None, timeout=5), (
        f"task {task_id} did not run again to completion.\n{worker.diagnostics()}"
    )


def test_worker_killed_mid_recompute_the_task_runs_again_with_identical_results(seeded, tmp_path):
    """The whole worker (main process and pool child) is SIGKILLed while recompute_park is inside its
    claim transaction. PostgreSQL rolls the transaction back (outbox row back, no partial results); the
    message was never acknowledged (acks_late), so Redis still holds it and hands it to the next worker
    once its visibility timeout has passed; that run stores exactly what an uninterrupted run stores.

    On the Redis transport an unacknowledged message is restored after ``visibility_timeout``; the test
    workers use 3 s (sweeping every second) to keep the test short. Production keeps kombu's default of
    one hour, which must stay longer than the longest task (recompute_all: time limit 30 min). In
    production the park is usually recomputed much sooner anyway: the killed claim is rolled back, the
    outbox row stays, and beat's drain_outbox (every 60 s) picks it up; the message redelivered later
    finds nothing to claim and returns False."""
    _need_redis_server()
    people = _people()
    park_id = _observation().park_id
    progress_recompute(park_ids=[park_id])
    before = _snapshot()
    marker = tmp_path / "paused"

    with processes(tmp_path) as group, redis_server(group) as redis, celery_app_on(redis.url(0)):
        spec = _slow_worker_spec(redis.url(0), marker, PARKTRACK_TEST_VISIBILITY_TIMEOUT="3")
        worker_a = start_worker(group, "worker-a", spec)
        expected = _approve_and_expect(people, park_id, before)
        task_id, _ = _wait_for_pause(worker_a, marker, before, park_id)

        worker_a.kill()  # SIGKILL to the process group: no chance to acknowledge, reject or clean up
        assert not worker_a.alive()
        # PostgreSQL sees the connection drop and rolls the claim back.
        assert wait_for(lambda: _backends_in_transaction() == 0, timeout=10)
        assert _snapshot() == before
        assert not _outbox_empty(park_id)

        worker_b = start_worker(group, "worker-b", spec)  # the marker exists: this one does not pause
        _wait_for_expected(worker_b, expected, park_id, task_id)
        assert _snapshot() == expected


def test_pool_process_killed_mid_recompute_the_task_is_requeued_at_once(seeded, tmp_path):
    """Only the pool process running recompute_park is SIGKILLed (the OOM killer's favourite). The
    worker's main process sees WorkerLostError and, because of reject_on_worker_lost, puts the message
    back on the queue instead of acknowledging it as failed; a new pool process runs it again right
    away (no visibility timeout involved: the test keeps the default hour) and the stored results are
    those of an uninterrupted run."""
    _need_redis_server()
    people = _people()
    park_id = _observation().park_id
    progress_recompute(park_ids=[park_id])
    before = _snapshot()
    marker = tmp_path / "paused"

    with processes(tmp_path) as group, redis_server(group) as redis, celery_app_on(redis.url(0)):
        worker = start_worker(group, "worker", _slow_worker_spec(redis.url(0), marker))
        expected = _approve_and_expect(people, park_id, before)
        task_id, pool_pid = _wait_for_pause(worker, marker, before, park_id)
        assert pool_pid != worker.pid  # a pool child, not the main process

        os.kill(pool_pid, signal.SIGKILL)

        _wait_for_expected(worker, expected, park_id, task_id)
        assert worker.alive()
        assert "WorkerLostError" in worker.log()
        assert _snapshot() == expected


# --- 3. PostgreSQL restarted under the web process and the worker ------------------------------------

SETUP_DATABASE = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("seed", verbosity=0)
call_command("ensure_admin")
"""

# As a save does it: the new value and the outbox row in one transaction (the task is sent after).
CHANGE_VALUE = """
UPDATE indicators_observation SET value = %(value)s, version = version + 1
WHERE year = %(year)s
  AND park_id = (SELECT id FROM parks_park WHERE code = %(park)s)
  AND indicator_id = (SELECT id FROM indicators_indicator WHERE code = %(indicator)s)
RETURNING park_id;
"""
MARK_DIRTY = """
INSERT INTO plans_progressdirty (park_id, requested_at) VALUES (%(park_id)s, now())
ON CONFLICT (park_id) DO UPDATE SET requested_at = excluded.requested_at;
"""
STORED_RESULT = """
SELECT r.actual FROM plans_progressresult r
JOIN plans_plan p ON p.id = r.plan_id
JOIN plans_planindicator pi ON pi.id = r.plan_indicator_id
JOIN indicators_indicator i ON i.id = pi.indicator_id
WHERE p.code = %s AND i.code = %s AND r.year = %s
"""


def _change_value(pg: PostgresCluster, database: str, value: str) -> int:
    """Change the observation and mark its park dirty in one transaction; return the park id."""
    connection = pg.connect(database)
    try:
        connection.autocommit = False
        with connection.cursor() as cursor:
            cursor.execute(CHANGE_VALUE, {"value": value, "year": YEAR, "park": PARK, "indicator": INDICATOR})
            park_id = cursor.fetchone()[0]
            cursor.execute(MARK_DIRTY, {"park_id": park_id})
        connection.commit()
        return park_id
    finally:
        connection.close()


def test_postgres_restart_the_web_process_and_the_worker_recover_without_a_restart(tmp_path):
    """gunicorn and a Celery worker run against their own PostgreSQL cluster, configured as in
    production (CONN_MAX_AGE=60 with health checks). PostgreSQL is restarted (pg_ctl restart -m fast:
    every session is terminated). Without restarting either process:

    - the very first requests after the restart succeed (/healthz, the home page, an admin login,
      which writes a session): gunicorn's persistent connection, cut by the restart, fails Django's
      health check and is replaced;
    - a recompute queued after the restart completes on its first attempt. (The worker cannot hold a
      stale connection: Celery's Django fixup closes every connection before and after each task —
      CONN_MAX_AGE does not apply in workers unless CELERY_DB_REUSE_MAX is set.)
    - while PostgreSQL is down, /healthz answers 503 naming the database, and a recompute that arrives
      then is retried (autoretry on OperationalError) and completes once PostgreSQL is back.
    """
    _need_redis_server()
    _need_postgres_binaries()

    # Stopped in reverse: gunicorn and the worker, then Redis, then PostgreSQL.
    with postgres_cluster() as pg, processes(tmp_path) as group, redis_server(group) as redis:
        pg.create_database("parktrack")
        admin_password = "fault-test-admin-pw-93jd"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": pg.url("parktrack"),
            "REDIS_URL": redis.url(0),
            "CONN_MAX_AGE": "60",
            "ADMIN_PASSWORD": admin_password,
            "LOG_FORMAT": "text",
            "PYTHONUNBUFFERED": "1",
        }
        for name in SESSION_ONLY_VARIABLES:
            env.pop(name, None)
        run_command([sys.executable, "manage.py", "shell", "-c", SETUP_DATABASE], env=env)

        worker = start_worker(
            group,
            "worker",
            WorkerSpec(broker_url=redis.url(0), database_url=pg.url("parktrack"), conn_max_age="60"),
            wait=False,
        )
        web, base = start_gunicorn(group, env=env)
        wait_until_ready(worker)

        def diagnostics() -> str:
            return f"{group.diagnostics()}\n{pg.diagnostics()}"

        def expect_up(when: str) -> None:
            health = http_get(base + "/healthz")
            assert health.status == 200, f"/healthz {when}: {health.status} {health.body}\n{diagnostics()}"
            assert json.loads(health.body)["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}
            home = http_get(base + "/")
            assert home.status == 200 and "玉溪" in home.body, f"/ {when}: {home.status}\n{diagnostics()}"
            _admin_login(base, admin_password, when, diagnostics)

        def wait_for_actual(value: float, timeout: float = RESULT_TIMEOUT) -> None:
            def stored() -> bool:
                try:
                    rows = pg.query("parktrack", STORED_RESULT, (PLAN, INDICATOR, YEAR))
                    outbox = pg.query("parktrack", "SELECT count(*) FROM plans_progressdirty")
                except Exception:
                    return False
                return rows == [(value,)] and outbox == [(0,)]

            assert wait_for(stored, timeout=timeout, interval=0.2), (
                f"the stored result never became {value}.\n{diagnostics()}"
            )

        with celery_app_on(redis.url(0)) as app:
            expect_up("before the restart")
            park_id = _change_value(pg, "parktrack", "525")
            app.send_task("plans.tasks.recompute_park", args=[park_id])
            wait_for_actual(525.0)

            # gunicorn's persistent connection is the one client session left (the worker holds none
            # between tasks); the restart cuts it.
            sessions = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            assert wait_for(lambda: pg.query("parktrack", sessions, ("parktrack",)) == [(1,)], timeout=5), (
                f"sessions: {pg.query('parktrack', sessions, ('parktrack',))}\n{diagnostics()}"
            )
            started = time.monotonic()
            pg.restart()
            print(f"pg_ctl restart took {time.monotonic() - started:.2f} s")
            expect_up("on the first requests after the restart")
            _change_value(pg, "parktrack", "530")
            app.send_task("plans.tasks.recompute_park", args=[park_id])
            wait_for_actual(530.0)
            assert "Retry in" not in worker.log(), f"the task needed a retry.\n{worker.diagnostics()}"

            _change_value(pg, "parktrack", "531")
            pg.stop()
            down = http_get(base + "/healthz")
            assert down.status == 503 and json.loads(down.body)["checks"]["database"] == "error", (
                f"/healthz with PostgreSQL down: {down.status} {down.body}\n{diagnostics()}"
            )
            app.send_task("plans.tasks.recompute_park", args=[park_id])
            assert wait_for(lambda: "Retry in" in worker.log(), timeout=20), (
                f"the worker did not retry the task while PostgreSQL was down.\n{diagnostics()}"
            )
            pg.start()
            expect_up("on the first requests after PostgreSQL came back")
            wait_for_actual(531.0, timeout=60)

        assert web.alive() and worker.alive()
        # One gunicorn worker booted and never replaced (a crashed or timed-out one is re-booted).
        assert web.log().count("Booting worker") == 1, web.diagnostics()


def _admin_login(base: str, password: str, when: str, diagnostics) -> None:
    """Log into the admin (reads the user, writes the session and last_login), then open it."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = http_get(base + "/admin/login/?next=/admin/", opener=opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert page.status == 200 and token, f"admin login page {when}: {page.status}\n{diagnostics()}"
    response = http_post(
        base + "/admin/login/?next=/admin/",
        {"username": "admin", "password": password, "csrfmiddlewaretoken": token.group(1), "next": "/admin/"},
        opener=opener,
    )
    assert (
        response.status == 200 and response.url.endswith("/admin/") and "/admin/logout/" in response.body
    ), f"admin login {when}: {response.status} {response.url}\n{diagnostics()}"


# --- 4. Concurrent writes to one observation ---------------------------------------------------------


def _lock_waiters() -> int:
    """Sessions on the test database waiting for a lock (fresh figures, not the transaction's snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _run_together(*calls):
    """Run the calls in threads released at the same moment by a barrier; each thread has its own
    database connection and closes it. Returns ("ok", value) or ("error", exception) per call."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a writer is still blocked after 30 s"
    return outcomes


@pytest.mark.parametrize(
    ("with_version", "message"),
    [
        (True, "该数值已被他人修改"),  # both send the version on their screen (what the UI does)
        (False, "只有已提交的数值可以审核通过"),  # no version: the row lock alone
    ],
    ids=["expected-version", "row-lock-only"],
)
def test_two_reviewers_approving_at_once_one_wins_the_other_gets_a_conflict(
    seeded, monkeypatch, with_version, message
):
    """Two reviewers approve the same submitted value at the same moment (two threads, two database
    connections, one barrier). The first to lock the row approves; the other waits on the row lock
    (the test sees it waiting), then finds the row changed and gets a Conflict with a clear message.
    Exactly one approval is recorded: the version went up once, one 'approve' in the history."""
    people = _people()
    seen = _observation()
    submitted = observation_revise(
        user=people.entry, observation=seen, value=Decimal("530"), reason="按统计公报更正",
        expected_version=seen.version,
    )  # fmt: skip
    assert submitted.status == Observation.Status.SUBMITTED
    approvals_before = Observation.history.filter(id=submitted.id, history_action="approve").count()

    # The winner holds the row lock until it sees the other reviewer waiting for it (at most 5 s).
    saw_waiter: list[bool] = []
    request_recompute = workflow.request_recompute

    def request_recompute_once_the_other_waits(*, park_ids) -> None:
        saw_waiter.append(wait_for(lambda: _lock_waiters() >= 1, timeout=5, interval=0.02))
        request_recompute(park_ids=park_ids)

    monkeypatch.setattr(workflow, "request_recompute", request_recompute_once_the_other_waits)
    version = submitted.version if with_version else None
    outcomes = _run_together(
        lambda: observation_approve(user=people.reviewer, observation=submitted, expected_version=version),
        lambda: observation_approve(
            user=people.other_reviewer, observation=submitted, expected_version=version
        ),
    )

    succeeded = [value for kind, value in outcomes if kind == "ok"]
    failed = [value for kind, value in outcomes if kind == "error"]
    assert len(succeeded) == 1 and len(failed) == 1, outcomes
    assert saw_waiter == [True], "the second approval never waited for the row lock"
    conflict = failed[0]
    assert isinstance(conflict, Conflict), repr(conflict)
    assert conflict.code == "conflict" and conflict.status == 409
    assert message in conflict.message, conflict.message
    if with_version:
        assert f"当前版本 {submitted.version + 1}" in conflict.message
        assert f"您看到的是版本 {submitted.version}" in conflict.message

    stored = _observation()
    winner = succeeded[0]
    assert stored.status == Observation.Status.APPROVED
    assert stored.version == submitted.version + 1
    assert stored.reviewed_by_id == winner.reviewed_by_id
    approvals = Observation.history.filter(id=stored.id, history_action="approve").count()
    assert approvals == approvals_before + 1


def test_staff_saving_over_a_value_just_approved_get_a_conflict_and_nothing_changes(seeded):
    """Staff opened a submitted value (version v); a reviewer approves it (v+1). The staff member's
    save of a draft and a revision, both sent with version v, are refused with the "changed by someone
    else" message; value, status, version and history stay as the reviewer left them. With the
    current version the revision goes through (the refusal was about the stale version only)."""
    people = _people()
    park = Park.objects.get(code=PARK)
    indicator = Indicator.objects.get(code=INDICATOR)
    draft = observation_save_draft(
        user=people.entry, park=park, indicator=indicator, year=2021, value=Decimal("560")
    )
    submitted = observation_submit(user=people.entry, observation=draft, expected_version=draft.version)
    seen = submitted.version  # on the staff member's screen
    approved = observation_approve(user=people.reviewer, observation=submitted, expected_version=seen)
    history = Observation.history.filter(id=approved.id).count()

    with pytest.raises(Conflict) as draft_refused:
        observation_save_draft(
            user=people.entry, park=park, indicator=indicator, year=2021, value=Decimal("565"),
            expected_version=seen,
        )  # fmt: skip
    with pytest.raises(Conflict) as revision_refused:
        observation_revise(
            user=people.entry, observation=approved, value=Decimal("565"), reason="笔误",
            expected_version=seen,
        )  # fmt: skip
    for refused in (draft_refused.value, revision_refused.value):
        assert refused.field == "version" and refused.status == 409
        assert "已被他人修改" in refused.message
        assert f"当前版本 {seen + 1}，您看到的是版本 {seen}" in refused.message

    current = Observation.objects.get(pk=approved.pk)
    assert (current.value, current.status, current.version) == (Decimal("560"), "approved", seen + 1)
    assert current.reviewed_by_id == people.reviewer.id
    assert Observation.history.filter(id=approved.id).count() == history

    revised = observation_revise(
        user=people.entry, observation=current, value=Decimal("565"), reason="笔误",
        expected_version=current.version,
    )  # fmt: skip
    assert (revised.status, revised.value, revised.previous_approved_value) == (
        "submitted",
        Decimal("565"),
        Decimal("560"),
    )
