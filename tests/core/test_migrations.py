"""The layout change (ReportingPeriod to entry/, ProgressResult and ProgressDirty to progress/) moves no
table and loses no data: a database written before it migrates forward with every row intact, the
moved models' content types (and so their permissions) follow them, and it migrates back and forward
again.

The round trip (tests/core/migration_roundtrip.py) runs in a subprocess on a throwaway database, never
on the test database, which is seeded once per session (tests/conftest.py) and must stay as it is: on
a SQLite file always, and on a database created for it on the PostgreSQL server of DATABASE_URL when
there is one (CI), which it drops afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tests.conftest import require_service
from tests.core.migration_roundtrip import MODELS, MOVED

TIMEOUT = 180


def run_roundtrip(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.core.migration_roundtrip"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, f"the migration round trip failed:\n{result.stderr[-6000:]}"
    return json.loads(result.stdout)


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    require_service(url.startswith("postgres"), "PostgreSQL (DATABASE_URL)")
    return url


def roundtrip_on_postgres(server_url: str) -> dict:
    """On a database of its own on that server, created here and dropped afterwards."""
    import dj_database_url
    import psycopg2

    from tests.integration.services import with_database

    params = dj_database_url.parse(server_url)
    name = f"test_parktrack_migrations_{uuid.uuid4().hex[:8]}"

    def server():
        kwargs = {"user": params["USER"], "password": params["PASSWORD"], "host": params["HOST"]}
        kwargs.update(port=params["PORT"] or None, connect_timeout=10)
        try:
            connection = psycopg2.connect(dbname="postgres", **kwargs)
        except psycopg2.OperationalError:  # no "postgres" database: the one DATABASE_URL names
            connection = psycopg2.connect(dbname=params["NAME"], **kwargs)
        connection.autocommit = True
        return connection

    connection = server()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            return run_roundtrip(with_database(server_url, name))
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        connection.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def report(request, tmp_path_factory) -> dict:
    """The round trip's findings, once per database backend."""
    if request.param == "sqlite":
        found = run_roundtrip(
            f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'before-the-move.sqlite3'}"
        )
    else:
        found = roundtrip_on_postgres(postgres_url())
    assert found["vendor"] == request.param
    return found


def same_fields(now: list[dict], before: list[dict]) -> list[dict]:
    """The rows as read now, limited to the fields the rows had before the move (later migrations may
    add fields; none may be lost or changed)."""
    fields = set().union(*before)
    return [{key: value for key, value in row.items() if key in fields} for row in now]


def test_no_data_is_lost_forward_back_and_forward_again(report):
    before = report["before"]
    assert {label: len(found) for label, found in before.items()} == {label: 1 for label, *_ in MODELS}
    for label, rows in before.items():
        assert same_fields(report["after"][label], rows) == rows, f"{label} after migrating forward"
        assert report["back"][label] == rows, f"{label} after migrating back"
        assert same_fields(report["again"][label], rows) == rows, f"{label} after migrating forward again"

    progress_result = report["after"]["progress_result"][0]
    assert (progress_result["actual"], progress_result["status"], progress_result["fingerprint"]) == (
        471.6,
        "on_track",
        2**62 + 12345,
    )
    period = report["after"]["reporting_period"][0]
    assert (period["year"], period["deadline"], period["is_open"]) == (2024, "2025-03-31", False)


def test_the_content_types_follow_the_moved_models(report):
    """The same content type (same id, so the same permissions, group grants and admin history) now
    carries the new app label, and it is the one the current models resolve to."""
    for label, ((old_app, _model), (new_app, _)) in MOVED.items():
        [before] = report["content_types_before"][label]
        assert before["app_label"] == old_app
        # Exactly one content type for the model: the old one, relabelled (none created beside it).
        assert report["content_types_after"][label] == [{**before, "app_label": new_app}], label
        assert report["current_content_types_after"][label] == {"id": before["id"], "app_label": new_app}
        assert report["current_content_types_again"][label] == {"id": before["id"], "app_label": new_app}


def test_the_moved_tables_keep_the_constraint_and_index_names_the_models_declare(report):
    for label, names in report["schema_after"].items():
        assert names["missing"] == [], label
    assert report["schema_after"]["progress_result"]["declared"] == [
        "progress_park_plan_year",
        "progress_result_unique_key",
    ]
