"""The migration round trip of tests/core/test_migrations.py, run in a subprocess on a throwaway database
(DATABASE_URL names it; never the test database): ``python -m tests.core.migration_roundtrip``.

1. Migrate an empty database to the state before the layout change (ReportingPeriod still in
   indicators, ProgressResult and ProgressDirty still in plans; core, entry and progress unmigrated) and
   write one row of every kind with the historical models of that state.
2. ``manage.py migrate`` (every app to its latest migration, as a deployment does).
3. Migrate back to the state before the change, then ``migrate`` forward again.

After each step it reads the rows back (with the current models after 1 and 3, with the historical
ones after the step back) and prints everything as one JSON document on stdout; the test compares.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from decimal import Decimal

# The layout change: ReportingPeriod moved to entry, ProgressResult and ProgressDirty to progress.
BEFORE_THE_MOVE = [
    ("parks", "0001_initial"),
    ("indicators", "0003_reportingperiod"),
    ("plans", "0004_progress_fingerprint"),
]
# Apps that came after the move (reports, evaluation) are at zero in that state too.
UNMIGRATED = ["core", "entry", "progress", "reports", "evaluation"]
PROJECT_APPS = {
    "core",
    "parks",
    "indicators",
    "plans",
    "progress",
    "entry",
    "dashboards",
    "reports",
    "evaluation",
}

# (label, app and model before the move, app and model now)
MODELS = [
    ("park", ("parks", "Park"), ("parks", "Park")),
    ("unit", ("indicators", "Unit"), ("indicators", "Unit")),
    ("indicator", ("indicators", "Indicator"), ("indicators", "Indicator")),
    ("observation", ("indicators", "Observation"), ("indicators", "Observation")),
    ("observation_history", ("indicators", "HistoricalObservation"), ("indicators", "HistoricalObservation")),
    ("plan", ("plans", "Plan"), ("plans", "Plan")),
    ("plan_indicator", ("plans", "PlanIndicator"), ("plans", "PlanIndicator")),
    ("progress_result", ("plans", "ProgressResult"), ("progress", "ProgressResult")),
    ("progress_dirty", ("plans", "ProgressDirty"), ("progress", "ProgressDirty")),
    ("reporting_period", ("indicators", "ReportingPeriod"), ("entry", "ReportingPeriod")),
]
MOVED = {label: (old, new) for label, old, new in MODELS if old != new}


def migrate_to(targets: list[tuple[str, str | None]]):
    """Migrate to exactly these targets as ``manage.py migrate <app> <name>`` would (with the pre- and
    post-migrate signals, which create content types and permissions); return the state's apps."""
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(targets)
    before = executor._create_project_state(with_applied_migrations=True)
    emit_pre_migrate_signal(0, False, connection.alias, apps=before.apps, plan=plan)
    executor.migrate(targets, plan=plan, state=before.clone())
    # The state of what is now applied (the state executor.migrate returns after unapplying
    # migrations of several apps can still hold some of them).
    after = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True)
    emit_post_migrate_signal(0, False, connection.alias, apps=after.apps, plan=plan)
    return after.apps


def before_the_move_targets() -> list[tuple[str, str | None]]:
    """The three apps at their last migration before the move, the new apps at zero, every other app
    (Django's contrib apps, authtoken, axes) at its latest."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    leaves = MigrationLoader(connection).graph.leaf_nodes()
    others = [leaf for leaf in leaves if leaf[0] not in PROJECT_APPS]
    return [*BEFORE_THE_MOVE, *[(app, None) for app in UNMIGRATED], *others]


def seed(apps) -> None:
    """One row of every kind, written with the historical models (the state before the move)."""
    park = apps.get_model("parks", "Park").objects.create(
        code="migration-park", name_zh="迁移测试园区", kind="high_tech", province="云南省"
    )
    unit = apps.get_model("indicators", "Unit").objects.create(
        code="migration-yi-yuan", symbol="亿元", dimension="cny", factor=Decimal("10000")
    )
    indicator = apps.get_model("indicators", "Indicator").objects.create(
        code="migration-gdp",
        name_zh="地区生产总值",
        direction=1,
        measure="level",
        nature="anticipatory",
        unit=unit,
    )
    observation = apps.get_model("indicators", "Observation").objects.create(
        park=park, indicator=indicator, year=2021, value=Decimal("471.6"), source="迁移测试"
    )
    # Its history row, as simple_history writes it: a copy of every field plus the history fields.
    copied = {
        field.attname: getattr(observation, field.attname) for field in observation._meta.concrete_fields
    }
    apps.get_model("indicators", "HistoricalObservation").objects.create(
        **copied, history_date=datetime.datetime(2024, 3, 1, 8, 30, tzinfo=datetime.UTC), history_type="+"
    )
    plan = apps.get_model("plans", "Plan").objects.create(
        park=park,
        code="migration-14th",
        name="十四五规划",
        kind="five_year",
        start_year=2021,
        end_year=2025,
        base_year=2020,
    )
    plan_indicator = apps.get_model("plans", "PlanIndicator").objects.create(
        plan=plan,
        indicator=indicator,
        unit=unit,
        order=1,
        name_printed="地区生产总值（亿元）",
        nature="anticipatory",
    )
    apps.get_model("plans", "ProgressResult").objects.create(
        park=park,
        plan=plan,
        plan_indicator=plan_indicator,
        year=2021,
        actual=471.6,
        base_value=420.25,
        target_final=700.0,
        final_year=2025,
        completion_rate=0.6737,
        progress_index=1.0125,
        mode="index",
        status="on_track",
        trend="up",
        note="迁移前写入",
        fingerprint=2**62 + 12345,
        updated_at=datetime.datetime(2024, 3, 1, 8, 30, tzinfo=datetime.UTC),
    )
    apps.get_model("plans", "ProgressDirty").objects.create(
        park=park, requested_at=datetime.datetime(2024, 3, 2, 9, 0, tzinfo=datetime.UTC)
    )
    apps.get_model("indicators", "ReportingPeriod").objects.create(
        park=park,
        year=2024,
        deadline=datetime.date(2025, 3, 31),
        is_open=False,
        entry_reminded_on=datetime.date(2025, 3, 1),
    )


def rows(apps, *, moved: bool) -> dict[str, list[dict]]:
    """Every row of every model, as plain values, read with the models where they were before the move
    or (``moved``) where they are now."""
    return {
        label: list(apps.get_model(*(new if moved else old)).objects.order_by("pk").values())
        for label, old, new in MODELS
    }


def content_types(apps) -> dict[str, dict]:
    """The moved models' content types before the move (by their old app label), with their ids and
    permissions, and every content type now present for those model names."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    found = {}
    for label, ((_app, model), _new) in MOVED.items():
        found[label] = [
            {
                "id": ct.pk,
                "app_label": ct.app_label,
                "permissions": sorted(
                    Permission.objects.filter(content_type=ct).values_list("pk", "codename")
                ),
            }
            for ct in ContentType.objects.filter(model=model.lower()).order_by("pk")
        ]
    return found


def current_content_types() -> dict[str, dict]:
    """For the moved models as the code has them now: the id and app label of their content type."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    found = {}
    for label, (_old, new) in MOVED.items():
        ct = ContentType.objects.get_for_model(apps.get_model(*new))
        found[label] = {"id": ct.pk, "app_label": ct.app_label}
    return found


def schema_names() -> dict[str, dict]:
    """The moved models' constraint and index names: those the current models declare, and those the
    database has (the tables never moved, so the names must still agree)."""
    from django.apps import apps
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for label, (_old, new) in MOVED.items():
            model = apps.get_model(*new)
            meta = model._meta
            declared = {c.name for c in meta.constraints} | {i.name for i in meta.indexes}
            present = set(connection.introspection.get_constraints(cursor, meta.db_table))
            found[label] = {"declared": sorted(declared), "missing": sorted(declared - present)}
    return found


def migrate_to_latest() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("migrate", "--check", verbosity=0)  # exits non-zero if anything is left unapplied


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.apps import apps as current_apps
    from django.db import connection

    report: dict = {"vendor": connection.vendor}

    historical = migrate_to(before_the_move_targets())
    seed(historical)
    report["before"] = rows(historical, moved=False)
    report["content_types_before"] = content_types(historical)

    migrate_to_latest()
    report["after"] = rows(current_apps, moved=True)
    report["content_types_after"] = content_types(current_apps)
    report["current_content_types_after"] = current_content_types()
    report["schema_after"] = schema_names()

    historical = migrate_to(before_the_move_targets())
    report["back"] = rows(historical, moved=False)

    migrate_to_latest()
    report["again"] = rows(current_apps, moved=True)
    report["content_types_again"] = content_types(current_apps)
    report["current_content_types_again"] = current_content_types()

    from django.core.serializers.json import DjangoJSONEncoder

    json.dump(report, sys.stdout, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


if __name__ == "__main__":
    main()
