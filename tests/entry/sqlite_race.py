"""Two reviewers approve the same value at the same moment on a SQLite file database (the ``make run``
default), each in its own thread and connection. Run as ``python -m tests.entry.sqlite_race DBFILE``;
prints one JSON line: what each approval ended with. Used by tests/entry/test_sqlite_concurrency.py."""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def main(path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from entry import services
    from indicators.models import Indicator, Observation
    from parks.models import Park, ParkRole
    from plans.seeding import seed_load
    from tests.entry.factories import user_with_role

    seed_load()
    yuxi = Park.objects.get(code="yuxi-hitech")
    staff = user_with_role("staff", "yuxi-hitech", ParkRole.Role.ENTRY)
    reviewers = [user_with_role(f"reviewer{n}", "yuxi-hitech", ParkRole.Role.REVIEWER) for n in (1, 2)]
    gdp = Indicator.objects.get(code="gdp-incl-tobacco")
    services.commentary_save(user=staff, park=yuxi, indicator=gdp, year=2023, reasons="增速放缓")  # 600 lags
    draft = services.observation_save_draft(
        user=staff, park=yuxi, indicator=gdp, year=2023, value=Decimal(600)
    )
    submitted = services.observation_submit(user=staff, observation=draft)
    connection.close()

    # The winner holds its transaction open a moment, so the other approval overlaps it.
    real = services.request_recompute

    def slow_request(*, park_ids):
        time.sleep(0.5)
        real(park_ids=park_ids)

    services.request_recompute = slow_request
    barrier = threading.Barrier(2)
    outcomes: list[dict] = []

    def approve(user):
        from django.db import connections

        barrier.wait()
        try:
            services.observation_approve(user=user, observation=submitted, expected_version=submitted.version)
            outcomes.append({"ok": True})
        except Exception as exc:  # report what happened, whatever it is
            outcomes.append(
                {
                    "ok": False,
                    "type": type(exc).__name__,
                    "status": getattr(exc, "status", None),
                    "message": str(exc),
                }
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    approvals = Observation.history.filter(id=submitted.pk, history_action="approve").count()
    print(json.dumps({"outcomes": outcomes, "approvals": approvals}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
