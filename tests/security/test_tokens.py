"""REST API tokens (issue 11): stored hashed, with an expiry, revocable, the secret shown once.

- the database holds no usable secret: the secret appears in no column of the token table;
- an expired token and a revoked one (by the command or in the admin) answer 401;
- ``api_token create`` prints the secret once; ``api_token list`` and the admin never show it (nor its
  hash);
- a legacy rest_framework.authtoken key still authenticates after the data migration that carries it over
  (parks/migrations/0004_carry_over_drf_tokens.py, called directly on a table made as DRF made it).
"""

from __future__ import annotations

import datetime
import importlib
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from parks.models import ApiToken
from tests.core.api_fixtures import *  # noqa: F403 (the users fixture)

pytestmark = pytest.mark.django_db

OBSERVATIONS = "/api/v1/observations/"
YUXI = {"park": "yuxi-hitech"}
CARRY_OVER = importlib.import_module("parks.migrations.0004_carry_over_drf_tokens")


def create(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api_token", "create", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def command(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def get(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(OBSERVATIONS, YUXI)


def token_table_text() -> str:
    """Every column of every row of every token table, as stored (knox's own table is dropped by
    parks 0005: our tokens are parks.ApiToken)."""
    found = []
    tables = [t for t in connection.introspection.table_names() if "token" in t]
    assert ApiToken._meta.db_table in tables and "knox_authtoken" not in tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(found)


def admin_web(users) -> Client:
    client = Client()
    client.force_login(users["admin"])
    return client


def assert_unauthorized(response) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "authentication_failed"


# --- stored hashed, shown once --------------------------------------------------------------------------


def test_the_database_holds_no_usable_secret(users):
    secret, _ = create("staff", "--name", "etl")
    secret = secret.strip()
    assert get(secret).status_code == 200
    token = ApiToken.objects.get(user=users["staff"])
    stored = token_table_text()
    assert token.token_key in stored and token.digest in stored  # the rows are there…
    assert secret not in stored  # …but not the secret
    assert secret[: len(token.token_key) + 1] not in stored  # no more of it than the prefix
    assert len(token.token_key) == 15 and len(token.digest) == 128


def test_create_prints_the_secret_once(users):
    out, err = create("viewer", "--name", "大屏")
    secret = out.strip()
    assert out == f"{secret}\n" and len(secret) == 64  # stdout: the secret alone, for scripts
    assert secret not in err and ApiToken.objects.get(user=users["viewer"]).token_key in err
    assert "只显示这一次" in err
    # Nothing prints it again, and a second create makes a different secret.
    assert secret not in command("list") + command("list", "viewer")
    again, _ = create("viewer", "--name", "大屏", "--rotate")
    assert again.strip() != secret


def test_list_never_shows_a_secret_or_its_hash(users):
    secrets = [create(role, "--name", "etl")[0].strip() for role in ("viewer", "staff", "reviewer")]
    listing = command("list")
    for secret, token in zip(secrets, ApiToken.objects.order_by("created"), strict=True):
        assert token.token_key in listing
        assert secret not in listing and token.digest not in listing


# --- expiry and revocation --------------------------------------------------------------------------------


def test_an_expired_token_answers_401(users, monkeypatch):
    secret = create("viewer", "--days", "1")[0].strip()
    assert get(secret).status_code == 200  # its lookup is cached now (parks.authentication)
    later = timezone.now() + datetime.timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # a day passes: the token has expired
    assert_unauthorized(get(secret))
    assert not ApiToken.objects.exists()  # knox deletes it on the way


def test_every_token_has_an_expiry(users):
    from tests.core.api_fixtures import token_client

    token_client(users["viewer"])
    create("staff")
    assert not ApiToken.objects.filter(expiry__isnull=True).exists()
    assert ApiToken._meta.get_field("expiry").null is False


def test_a_revoked_token_answers_401(users):
    etl = create("staff", "--name", "etl")[0].strip()
    screen = create("staff", "--name", "screen")[0].strip()
    command("revoke", "staff", "--name", "etl")
    assert_unauthorized(get(etl))
    assert get(screen).status_code == 200  # the user's other client keeps working
    command("revoke", "staff", "--all")
    assert_unauthorized(get(screen))


def test_a_bad_or_undecodable_token_answers_401():
    assert_unauthorized(get("0" * 64))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token caf\xe9")  # not UTF-8 on the wire
    assert_unauthorized(client.get(OBSERVATIONS, YUXI))


# --- the admin: list and delete, never the secret ----------------------------------------------------------


def test_the_admin_lists_tokens_without_the_secret_or_its_hash(users):
    secret = create("viewer", "--name", "大屏")[0].strip()
    token = ApiToken.objects.get(user=users["viewer"])
    client = admin_web(users)
    pages = [
        client.get("/admin/parks/apitoken/"),
        client.get("/admin/parks/apitoken/", {"q": token.token_key}),
        client.get(f"/admin/parks/apitoken/{token.pk}/change/"),
        client.get(f"/admin/parks/apitoken/{token.pk}/delete/"),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "viewer" in html and token.token_key in html
        assert secret not in html and token.digest not in html
    listing = pages[0].content.decode()
    assert "大屏" in listing and "到期时间" in listing and "创建时间" in listing


def test_the_admin_cannot_add_or_change_a_token_only_delete_it(users):
    secret = create("viewer")[0].strip()
    token = ApiToken.objects.get(user=users["viewer"])
    client = admin_web(users)
    assert client.get("/admin/parks/apitoken/add/").status_code == 403
    changed = client.post(
        f"/admin/parks/apitoken/{token.pk}/change/", {"name": "x", "expiry": "2099-01-01 00:00:00"}
    )
    assert changed.status_code == 403
    token.refresh_from_db()
    assert token.name == ""
    deleted = client.post(f"/admin/parks/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not ApiToken.objects.exists()
    assert_unauthorized(get(secret))
    logged = LogEntry.objects.get(object_id=str(token.pk))
    assert token.digest not in logged.object_repr and secret not in logged.object_repr


# --- legacy rest_framework.authtoken keys survive the upgrade ---------------------------------------------


def legacy_table(rows: list[tuple[str, int, str]]) -> None:
    """authtoken_token as DRF's migrations left it on an existing installation, with these rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token "
            "(key varchar(40) NOT NULL PRIMARY KEY, created timestamp NOT NULL, user_id bigint NOT NULL)"
        )
        for row in rows:
            cursor.execute("INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)", row)


def run_carry_over() -> None:
    """The data migration's function, with the models as they are just before it."""
    state = MigrationLoader(connection).project_state(("parks", "0003_apitoken"))
    CARRY_OVER.carry_over(state.apps, connection.schema_editor())


def test_a_legacy_key_authenticates_after_the_migration(users, settings):
    legacy_key = "0f1e2d3c4b5a69788796a5b4c3d2e1f00a1b2c3d"  # 40 hex characters, as DRF made them
    other_key = "9b8a7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d"
    legacy_table(
        [
            (legacy_key, "2024-03-01 08:30:00", users["viewer"].pk),
            (other_key, "2025-01-02 03:04:05", users["staff"].pk),
        ]
    )
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")
    before = timezone.now()

    run_carry_over()

    assert get(legacy_key).status_code == 200
    assert get(legacy_key).json()["count"] == get(other_key).json()["count"] > 0
    token = ApiToken.objects.get(user=users["viewer"])
    assert token.name == "旧令牌" and token.token_key == legacy_key[:15]
    assert token.created == datetime.datetime(2024, 3, 1, 8, 30, tzinfo=datetime.UTC)
    ttl = datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert before + ttl <= token.expiry <= timezone.now() + ttl
    # The plain keys are gone: no old table, no record of its migrations, no key in the new table.
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()
    stored = token_table_text()
    assert legacy_key not in stored and other_key not in stored
    # It is an ordinary token now: revocable, and it expires.
    command("revoke", "viewer")
    assert_unauthorized(get(legacy_key))


def test_the_migration_does_nothing_without_a_legacy_table(users):
    assert "authtoken_token" not in connection.introspection.table_names()
    run_carry_over()
    assert not ApiToken.objects.exists()
