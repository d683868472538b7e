"""A real Celery worker on a real Redis, against the real PostgreSQL test database.

Saving an observation (and asking for a recompute, as every write path does) leads to stored progress
results that reflect it, without anyone calling the task by hand: the request writes the outbox row
and, on commit, queues ``plans.tasks.recompute_park`` on Redis; the worker subprocess claims the row
and stores the results.

Needs DATABASE_URL (PostgreSQL: a worker process cannot see SQLite's in-memory test database) and
REDIS_URL; locally these skip without them, under CI=true they fail. The worker uses Redis database 15
of REDIS_URL's server so that nothing else consumes its queue.

The tests are transactional (the worker must see committed rows), so pytest-django runs them after the
other database tests and flushes the database after each; each test loads the seed data itself, and the
module leaves the database seeded again for any transactional test that runs later.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection, transaction

from indicators.models import Observation
from plans.models import Plan, PlanIndicator
from plans.seeding import seed_load
from progress.models import ProgressDirty, ProgressResult
from progress.services import progress_recompute, progress_request_recompute
from tests.conftest import require_service
from tests.integration.services import point_celery_app, wait_for

pytestmark = pytest.mark.integration

WORKER_REDIS_DB = 15
WORKER_READY_TIMEOUT = 60.0
RESULT_TIMEOUT = 30.0
WORKER_STOP_TIMEOUT = 20.0

PARK = "yuxi-hitech"
PLAN = "yuxi-13th-fyp"
INDICATOR = "gdp-incl-tobacco"
YEAR = 2020
TASK_DONE = re.compile(r"Task plans\.tasks\.recompute_park\[[0-9a-f-]+\] succeeded in [0-9.]+s: True")


def _with_path(url: str, path: str) -> str:
    return urlsplit(url)._replace(path=path).geturl()


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    nodename: str

    def log(self, tail: int = 200) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError as exc:
            return f"(no worker log: {exc})"
        return "\n".join(lines[-tail:])

    def diagnostics(self) -> str:
        state = "running" if self.process.poll() is None else f"exited with {self.process.returncode}"
        return f"worker {self.nodename} {state}; its log ({self.log_path}):\n{self.log()}"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # warm shutdown: the current task finishes, its database connection closes
    try:
        process.wait(timeout=WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=WORKER_STOP_TIMEOUT)


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Worker]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    require_service(database_url.startswith("postgres"), "PostgreSQL (DATABASE_URL)")
    require_service(bool(redis_url), "Redis (REDIS_URL)")
    assert connection.vendor == "postgresql"

    import redis

    from config.celery_app import app

    broker_url = _with_path(redis_url, f"/{WORKER_REDIS_DB}")
    # pytest-django has renamed the connection's database to the test database (test_<name>).
    test_database_url = _with_path(database_url, "/" + quote(connection.settings_dict["NAME"]))
    redis.Redis.from_url(broker_url, socket_connect_timeout=2).flushdb()  # no stale messages

    log_path = tmp_path_factory.mktemp("celery-worker") / "worker.log"
    nodename = f"parktrack-test-{uuid.uuid4().hex[:8]}@%h"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",  # the test settings force eager mode
        "REDIS_URL": broker_url,
        "DATABASE_URL": test_database_url,
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-mingle",
        "--without-gossip",
        "-n",
        nodename,
    ]
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = Worker(process=process, log_path=log_path, nodename=nodename.replace("%h", "", 1))
    try:
        point_celery_app(app, broker_url=broker_url, eager=False)

        def answers() -> bool:
            if process.poll() is not None:
                return True  # exited: stop waiting, fail below
            replies = app.control.ping(timeout=0.5)
            return any(name.startswith(worker.nodename) for reply in replies for name in reply)

        started = time.monotonic()
        if not wait_for(answers, timeout=WORKER_READY_TIMEOUT) or process.poll() is not None:
            pytest.fail(f"the Celery worker did not become ready.\n{worker.diagnostics()}")
        print(f"Celery worker ready in {time.monotonic() - started:.1f} s")
        yield worker
    finally:
        _stop(process)
        point_celery_app(app, broker_url=saved["broker_url"], eager=saved["task_always_eager"])
        # Transactional tests flush the database when they end; leave it seeded for later tests.
        with django_db_blocker.unblock():
            seed_load()
            connection.close()  # so that the test database can be dropped at the end of the session


@pytest.fixture
def seeded(celery_worker, transactional_db) -> None:
    """The seed data, committed (an earlier transactional test may have flushed the database)."""
    seed_load()
    ProgressDirty.objects.all().delete()


def _observation() -> Observation:
    return Observation.objects.get(park__code=PARK, indicator__code=INDICATOR, year=YEAR)


def _result() -> ProgressResult | None:
    item = PlanIndicator.objects.get(plan__code=PLAN, indicator__code=INDICATOR)
    return ProgressResult.objects.filter(
        plan=Plan.objects.get(code=PLAN), plan_indicator=item, year=YEAR
    ).first()


def _save_value(value: str) -> None:
    """What every write path does: change the data and ask for a recompute, in one transaction."""
    with transaction.atomic():
        observation = _observation()
        observation.value = Decimal(value)
        observation._change_reason = "test_celery_worker"
        observation.save()
        progress_request_recompute(park_id=observation.park_id)


def _wait_for_result(worker: Worker, actual: float, status: str | None = None) -> ProgressResult:
    def reflected() -> bool:
        result = _result()
        return result is not None and result.actual == actual and (status is None or result.status == status)

    started = time.monotonic()
    if not wait_for(reflected, timeout=RESULT_TIMEOUT):
        result = _result()
        seen = None if result is None else (result.actual, result.status)
        outbox = list(ProgressDirty.objects.values_list("park_id", flat=True))
        pytest.fail(
            f"after {RESULT_TIMEOUT:.0f} s the stored result is {seen}, not ({actual}, {status}); "
            f"outbox: {outbox}.\n{worker.diagnostics()}"
        )
    print(f"result reflected {time.monotonic() - started:.2f} s after the commit")
    return _result()


def _wait_for_empty_outbox(worker: Worker, park_id: int) -> None:
    if not wait_for(
        lambda: not ProgressDirty.objects.filter(park_id=park_id).exists(), timeout=RESULT_TIMEOUT
    ):
        pytest.fail(f"the outbox row of park {park_id} is still there.\n{worker.diagnostics()}")


def test_saving_an_observation_updates_the_stored_results_through_the_worker(celery_worker, seeded):
    park_id = _observation().park_id
    progress_recompute(park_ids=[park_id])  # the figures before the change, for contrast
    before = _result()
    assert (before.actual, before.target_year, before.status) == (522.8, 530.0, "lagging")

    _save_value("530")

    after = _wait_for_result(celery_worker, 530.0, "achieved")
    assert after.target_year == 530.0
    assert after.updated_at > before.updated_at
    _wait_for_empty_outbox(celery_worker, park_id)
    # The worker did it, not an eager call in this process: it logged the task's success.
    assert wait_for(lambda: TASK_DONE.search(celery_worker.log()) is not None, timeout=5), (
        f"no successful recompute_park in the worker's log.\n{celery_worker.diagnostics()}"
    )


def test_a_burst_of_changes_ends_with_the_last_value(celery_worker, seeded):
    park_id = _observation().park_id
    values = ["523", "524.5", "526", "528.25", "531.7"]
    for value in values:  # five transactions, five outbox writes, five queued tasks
        _save_value(value)

    result = _wait_for_result(celery_worker, float(values[-1]), "achieved")
    assert result.target_year == 530.0
    _wait_for_empty_outbox(celery_worker, park_id)
    assert _observation().value == Decimal(values[-1])


def test_the_nightly_full_run_through_the_worker_recomputes_every_partition_and_stamps_it(
    celery_worker, seeded
):
    from progress import services
    from progress.models import RecomputeStamp
    from progress.tasks import recompute_all

    ProgressResult.objects.all().delete()
    RecomputeStamp.objects.all().delete()
    recompute_all.delay()  # as beat sends it: the worker queues one task per partition
    signature = services.input_signature()

    def stamped() -> bool:
        stamp = RecomputeStamp.objects.filter(name=services.FULL_RUN).first()
        return stamp is not None and stamp.signature == signature

    if not wait_for(stamped, timeout=RESULT_TIMEOUT):
        pytest.fail(f"the full run was not stamped.\n{celery_worker.diagnostics()}")
    assert _result() is not None and _result().status == "lagging"
    assert ProgressResult.objects.values("park").distinct().count() > 3
    log = celery_worker.log()
    assert "recompute_partition" in log and "Traceback" not in log, celery_worker.diagnostics()
