"""Drop knox's own token table. Our tokens are ``parks.ApiToken`` (``KNOX_TOKEN_MODEL``), so knox's model
is swapped out, yet knox's migrations create its table anyway. Django does not know that table (a
swapped model has none), so ``flush`` does not truncate it, and on PostgreSQL its foreign key to the
users then makes every flush fail. It holds nothing: dropping it loses no data."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("parks", "0004_carry_over_drf_tokens"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", reverse_sql=migrations.RunSQL.noop),
    ]
