"""Carry the REST API tokens of rest_framework.authtoken over to parks.ApiToken (django-rest-knox).

The old tokens were plain 40-character keys, one per user, without an expiry. Each becomes an ApiToken
holding the same secret the way knox stores it: ``token_key`` = its first ``CONSTANTS.TOKEN_KEY_LENGTH``
characters, ``digest`` = ``knox.crypto.hash_token(key)``. knox's TokenAuthentication looks a presented
token up by those first characters and compares the hash of the whole token, so every client keeps
working with the key it has. A carried-over token expires ``REST_KNOX["TOKEN_TTL"]`` (API_TOKEN_TTL_DAYS)
after the upgrade and is named "旧令牌" in ``manage.py api_token list``.

Then the plain keys go: the old table is dropped and authtoken's rows in django_migrations with it (what
``migrate authtoken zero`` would have done before the app was removed from INSTALLED_APPS). Were the app
installed again, only its rows are deleted and its (empty) table is left to it.

Plain SQL on the old table: rest_framework.authtoken is no longer an installed app, so neither its models
nor its migrations are loaded (and nothing here depends on them). On a database that never had the table
(a new installation) nothing happens. Going back keeps the ApiTokens: the old keys cannot be recovered
from their hashes.

This lives in parks because the tokens do (parks.ApiToken, ``manage.py api_token``, the admin), and knox
is a third-party package, not one of our apps, so importing it breaks no layer of tests/test_layers.py.
"""

import datetime

from django.apps import apps as installed_apps
from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings

LEGACY_TABLE = "authtoken_token"
LEGACY_NAME = "旧令牌"


def _aware(value) -> datetime.datetime:
    """A datetime column read with plain SQL: SQLite gives text (UTC, as Django writes it)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return timezone.now()
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if LEGACY_TABLE not in connection.introspection.table_names(cursor):
            return
        cursor.execute(
            f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} FROM {quote(LEGACY_TABLE)}"
        )
        legacy = cursor.fetchall()

    ApiToken = apps.get_model("parks", "ApiToken")
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    for key, user_id, created in legacy:
        digest = hash_token(key)
        if ApiToken.objects.filter(digest=digest).exists():
            continue
        token = ApiToken.objects.create(
            digest=digest,
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            name=LEGACY_NAME,
            expiry=expiry,
        )
        # ``created`` is auto_now_add: keep the old date with an update.
        ApiToken.objects.filter(pk=token.pk).update(created=_aware(created))

    if installed_apps.is_installed("rest_framework.authtoken"):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {quote(LEGACY_TABLE)}")
        return
    schema_editor.execute(schema_editor.sql_delete_table % {"table": quote(LEGACY_TABLE)})
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parks", "0003_apitoken"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop, elidable=False),
    ]
