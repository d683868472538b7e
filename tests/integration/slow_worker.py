"""The Celery app of the worker-kill tests (``celery -A tests.integration.slow_worker worker``); never
imported by the test process.

It is the project's app (config.celery_app, with every task and setting) with one change: the first
``progress_recompute`` any worker of this test runs stores its results and then, still inside the
transaction of ``progress_claim_and_recompute`` (outbox row deleted, results written, nothing
committed), writes a marker file holding its pid and sleeps, so the test can kill it right there. The
marker is created exclusively, so every later run (the redelivered task) goes straight through.

Environment:
  PARKTRACK_TEST_SLOW_MARKER   path of the marker file (required)
  PARKTRACK_TEST_SLOW_SECONDS  how long the first run sleeps (default 60)
  PARKTRACK_TEST_VISIBILITY_TIMEOUT  if set, the Redis transport's visibility timeout in seconds, with
                               the unacked-message sweep run every second (see test_faults.py)
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from config.celery_app import app  # noqa: E402
from progress import services  # noqa: E402

MARKER = os.environ["PARKTRACK_TEST_SLOW_MARKER"]
SLEEP_SECONDS = float(os.environ.get("PARKTRACK_TEST_SLOW_SECONDS", "60"))
_progress_recompute = services.progress_recompute


def progress_recompute_then_pause(*, park_ids=None) -> int:
    count = _progress_recompute(park_ids=park_ids)
    try:
        fd = os.open(MARKER, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return count  # not the first run
    with os.fdopen(fd, "w") as marker:
        marker.write(str(os.getpid()))
    time.sleep(SLEEP_SECONDS)
    return count


# progress_claim_and_recompute looks the function up in the module at call time.
services.progress_recompute = progress_recompute_then_pause

if os.environ.get("PARKTRACK_TEST_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        "visibility_timeout": float(os.environ["PARKTRACK_TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

__all__ = ["app"]
