"""SQLite under concurrency: two approvals of one value at the same moment on a file database. One
wins; the other waits for the write lock (BEGIN IMMEDIATE), then sees the value changed and gets a
409 Conflict with a clear message, never "database is locked"."""

from __future__ import annotations

import json
import subprocess
import sys

from django.conf import settings


def test_two_concurrent_approvals_on_sqlite_one_wins_the_other_gets_a_conflict(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tests.entry.sqlite_race", str(tmp_path / "race.sqlite3")],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    outcomes = sorted(report["outcomes"], key=lambda o: o["ok"])
    assert [o["ok"] for o in outcomes] == [False, True], report
    loser = outcomes[0]
    assert (loser["type"], loser["status"]) == ("Conflict", 409), report
    assert "该数值已被他人修改" in loser["message"]
    assert report["approvals"] == 1
