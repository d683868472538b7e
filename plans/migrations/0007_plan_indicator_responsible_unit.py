"""PlanIndicator.responsible_unit (责任单位).

Django adds a NOT NULL column on SQLite by rebuilding the table, which the target-year triggers on
plans_target (migration 0002) do not survive (the rename breaks their reference). Both databases can add
the column in place with a default, so the column is added with SQL and the model state as usual.
"""

from django.db import migrations, models

TABLE, COLUMN = "plans_planindicator", "responsible_unit"


def add_column(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote(TABLE)} ADD COLUMN {quote(COLUMN)} varchar(200) DEFAULT '' NOT NULL"
    )
    if schema_editor.connection.vendor == "postgresql":  # Django keeps no database defaults
        schema_editor.execute(f"ALTER TABLE {quote(TABLE)} ALTER COLUMN {quote(COLUMN)} DROP DEFAULT")


def drop_column(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(f"ALTER TABLE {quote(TABLE)} DROP COLUMN {quote(COLUMN)}")


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0006_plan_audit_composition_statement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_column, drop_column)],
            state_operations=[
                migrations.AddField(
                    model_name="planindicator",
                    name="responsible_unit",
                    field=models.CharField(
                        blank=True,
                        help_text="负责该指标的部门，评估报告原文引用",
                        max_length=200,
                        verbose_name="责任单位",
                    ),
                ),
            ],
        ),
    ]
