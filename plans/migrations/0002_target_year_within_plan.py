"""Database triggers: a target or milestone year must lie inside its plan's years.

A CHECK constraint cannot look at another table, so these are triggers, written for both
databases ParkTrack runs on. They raise integrity errors, like the other constraints.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER plans_target_year_in_plan_insert BEFORE INSERT ON plans_target
    WHEN EXISTS (
        SELECT 1 FROM plans_planindicator pi JOIN plans_plan p ON p.id = pi.plan_id
        WHERE pi.id = NEW.plan_indicator_id AND (NEW.year < p.start_year OR NEW.year > p.end_year)
    )
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: target year outside its plan'); END;
    """,
    """
    CREATE TRIGGER plans_target_year_in_plan_update BEFORE UPDATE ON plans_target
    WHEN EXISTS (
        SELECT 1 FROM plans_planindicator pi JOIN plans_plan p ON p.id = pi.plan_id
        WHERE pi.id = NEW.plan_indicator_id AND (NEW.year < p.start_year OR NEW.year > p.end_year)
    )
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: target year outside its plan'); END;
    """,
    """
    CREATE TRIGGER plans_milestone_year_in_plan_insert BEFORE INSERT ON plans_milestone
    WHEN EXISTS (
        SELECT 1 FROM plans_plan p
        WHERE p.id = NEW.plan_id AND (NEW.year < p.start_year OR NEW.year > p.end_year)
    )
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: milestone year outside its plan'); END;
    """,
    """
    CREATE TRIGGER plans_milestone_year_in_plan_update BEFORE UPDATE ON plans_milestone
    WHEN EXISTS (
        SELECT 1 FROM plans_plan p
        WHERE p.id = NEW.plan_id AND (NEW.year < p.start_year OR NEW.year > p.end_year)
    )
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: milestone year outside its plan'); END;
    """,
    """
    CREATE TRIGGER plans_plan_years_cover_targets BEFORE UPDATE ON plans_plan
    WHEN EXISTS (
        SELECT 1 FROM plans_target t JOIN plans_planindicator pi ON pi.id = t.plan_indicator_id
        WHERE pi.plan_id = NEW.id AND (t.year < NEW.start_year OR t.year > NEW.end_year)
    ) OR EXISTS (
        SELECT 1 FROM plans_milestone m
        WHERE m.plan_id = NEW.id AND (m.year < NEW.start_year OR m.year > NEW.end_year)
    )
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: plan years exclude its targets'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS plans_target_year_in_plan_insert",
    "DROP TRIGGER IF EXISTS plans_target_year_in_plan_update",
    "DROP TRIGGER IF EXISTS plans_milestone_year_in_plan_insert",
    "DROP TRIGGER IF EXISTS plans_milestone_year_in_plan_update",
    "DROP TRIGGER IF EXISTS plans_plan_years_cover_targets",
]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION plans_target_year_in_plan() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM plans_planindicator pi JOIN plans_plan p ON p.id = pi.plan_id
            WHERE pi.id = NEW.plan_indicator_id AND (NEW.year < p.start_year OR NEW.year > p.end_year)
        ) THEN
            RAISE EXCEPTION 'target year % outside its plan', NEW.year USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER plans_target_year_in_plan BEFORE INSERT OR UPDATE ON plans_target
    FOR EACH ROW EXECUTE FUNCTION plans_target_year_in_plan();
    """,
    """
    CREATE FUNCTION plans_milestone_year_in_plan() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM plans_plan p
            WHERE p.id = NEW.plan_id AND (NEW.year < p.start_year OR NEW.year > p.end_year)
        ) THEN
            RAISE EXCEPTION 'milestone year % outside its plan', NEW.year USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER plans_milestone_year_in_plan BEFORE INSERT OR UPDATE ON plans_milestone
    FOR EACH ROW EXECUTE FUNCTION plans_milestone_year_in_plan();
    """,
    """
    CREATE FUNCTION plans_plan_years_cover_targets() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM plans_target t JOIN plans_planindicator pi ON pi.id = t.plan_indicator_id
            WHERE pi.plan_id = NEW.id AND (t.year < NEW.start_year OR t.year > NEW.end_year)
        ) OR EXISTS (
            SELECT 1 FROM plans_milestone m
            WHERE m.plan_id = NEW.id AND (m.year < NEW.start_year OR m.year > NEW.end_year)
        ) THEN
            RAISE EXCEPTION 'plan years exclude its targets' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER plans_plan_years_cover_targets BEFORE UPDATE ON plans_plan
    FOR EACH ROW EXECUTE FUNCTION plans_plan_years_cover_targets();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS plans_target_year_in_plan ON plans_target",
    "DROP FUNCTION IF EXISTS plans_target_year_in_plan()",
    "DROP TRIGGER IF EXISTS plans_milestone_year_in_plan ON plans_milestone",
    "DROP FUNCTION IF EXISTS plans_milestone_year_in_plan()",
    "DROP TRIGGER IF EXISTS plans_plan_years_cover_targets ON plans_plan",
    "DROP FUNCTION IF EXISTS plans_plan_years_cover_targets()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRES_FORWARD, POSTGRES_REVERSE),
}


def _run(schema_editor, forward: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"ParkTrack supports SQLite and PostgreSQL, not {vendor}")
    for sql in STATEMENTS[vendor][0 if forward else 1]:
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, forward=True)


def backwards(apps, schema_editor):
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
