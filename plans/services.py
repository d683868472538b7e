"""Writes of the plans app: recomputing and storing progress, and asking for a recompute."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from api.cache import invalidate_api_cache
from plans.engine import compute_progress
from plans.models import ProgressDirty, ProgressResult
from plans.selectors import ProgressInputs, park_scope, progress_inputs

logger = logging.getLogger(__name__)

FLOAT_COLUMNS = [
    "actual",
    "base_value",
    "target_year",
    "target_final",
    "compared_actual",
    "completion_rate",
    "gap_year",
    "gap_year_pct",
    "gap_final",
    "gap_final_pct",
    "yoy_growth",
    "cagr_actual",
    "cagr_required",
    "cagr_remaining",
    "projected_final",
    "pace",
    "task_progress",
    "expected_progress",
    "progress_index",
]
TEXT_COLUMNS = ["target_kind_final", "mode", "status", "trend", "note"]
# Figures in the indicator's unit. Inputs are stored with 8 decimal places, so these are rounded to 8
# places: that removes binary floating-point noise (522.8 − 530 is −7.2, not −7.2000000000000455)
# and nothing the inputs could carry.
UNIT_COLUMNS = [
    "actual",
    "base_value",
    "target_year",
    "target_final",
    "compared_actual",
    "gap_year",
    "gap_final",
    "projected_final",
]
UNIT_DECIMALS = 8
KEY_COLUMNS = ["park_id", "plan_id", "plan_indicator_id", "year"]
RESULT_COLUMNS = [*KEY_COLUMNS, "final_year", *FLOAT_COLUMNS, *TEXT_COLUMNS]


def progress_compute(inputs: ProgressInputs) -> pd.DataFrame:
    """Run the engine on loaded inputs; return rows shaped like ProgressResult (without updated_at)."""
    result = compute_progress(inputs.items, inputs.targets, inputs.actuals, inputs.milestones)
    if not inputs.notes.empty:
        result = _add_selector_notes(result, inputs.notes)
    result[UNIT_COLUMNS] = result[UNIT_COLUMNS].round(UNIT_DECIMALS)
    keyed = inputs.items[["key", "park_id", "plan_id"]]
    result = result.merge(keyed, on="key", how="left").rename(columns={"key": "plan_indicator_id"})
    return result[RESULT_COLUMNS]


def _add_selector_notes(result: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    by_year = notes.dropna(subset=["year"]).astype({"year": "int64"})
    by_key = notes[notes["year"].isna()][["key", "note"]].rename(columns={"note": "key_note"})
    merged = result.merge(by_year.rename(columns={"note": "year_note"}), on=["key", "year"], how="left")
    merged = merged.merge(by_key, on="key", how="left")
    parts = merged[["note", "year_note", "key_note"]].fillna("")
    merged["note"] = parts.apply(lambda col: col.str.strip()).agg("; ".join, axis=1).str.strip("; ")
    merged["note"] = merged["note"].str.replace(r"(; )+", "; ", regex=True)
    return merged.drop(columns=["year_note", "key_note"])


def progress_recompute(*, park_ids: Sequence[int] | None = None) -> int:
    """Recompute and store the progress of the plans of ``park_ids`` (every park when None).

    Idempotent: rows whose figures did not change are left alone, rows for years that no longer have an
    actual or a target are deleted. Returns the number of result rows in scope.
    """
    scope = None if park_ids is None else park_scope(park_ids)
    inputs = progress_inputs(park_ids=scope)
    result = progress_compute(inputs)
    with transaction.atomic():
        _store(result, keys=None if scope is None else inputs.items["key"].tolist())
        invalidate_api_cache("progress")  # cached API responses: a new generation, now and on commit
    return len(result)


def _store(result: pd.DataFrame, *, keys: list[int] | None) -> None:
    """Upsert ``result`` into ProgressResult through a staging table, and delete stale rows."""
    table = connection.ops.quote_name(ProgressResult._meta.db_table)
    columns = RESULT_COLUMNS
    column_list = ", ".join(columns)
    postgres = connection.vendor == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS progress_staging")
        cursor.execute(f"CREATE TEMP TABLE progress_staging AS SELECT {column_list} FROM {table} WHERE 1 = 0")
        _load_staging(cursor, result, columns, postgres)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[len(KEY_COLUMNS) :])
        changed = " OR ".join(f"{table}.{c} {distinct} excluded.{c}" for c in columns[len(KEY_COLUMNS) :])
        now = timezone.now()
        cursor.execute(
            f"""
            INSERT INTO {table} ({column_list}, updated_at)
            SELECT {column_list}, %s FROM progress_staging WHERE true
            ON CONFLICT (park_id, plan_id, plan_indicator_id, year)
            DO UPDATE SET {updates}, updated_at = excluded.updated_at
            WHERE {changed}
            """,
            [now],
        )
        scope_clause, params = "", []
        if keys is not None:
            marks = ", ".join(["%s"] * len(keys))
            scope_clause = f"plan_indicator_id IN ({marks}) AND" if keys else "1 = 0 AND"
            params = list(keys)
        cursor.execute(
            f"""
            DELETE FROM {table} WHERE {scope_clause} NOT EXISTS (
                SELECT 1 FROM progress_staging s
                WHERE s.park_id = {table}.park_id AND s.plan_id = {table}.plan_id
                  AND s.plan_indicator_id = {table}.plan_indicator_id AND s.year = {table}.year
            )
            """,
            params,
        )
        cursor.execute("DROP TABLE progress_staging")


def _load_staging(cursor, result: pd.DataFrame, columns: list[str], postgres: bool) -> None:
    if result.empty:
        return
    if postgres:
        buffer = io.StringIO()
        frame = result[columns].copy()
        frame["final_year"] = frame["final_year"].astype("Int64")
        frame.to_csv(buffer, index=False, header=False, na_rep="\\N", float_format="%.17g")
        buffer.seek(0)
        cursor.copy_expert(
            f"COPY progress_staging ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )
        return
    frame = result[columns].astype(object).where(result[columns].notna(), None)
    rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False, name=None)]
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO progress_staging ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _plain(value):
    """numpy scalars → Python scalars for the database driver."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def progress_request_recompute(*, park_id: int) -> None:
    """Mark a park for recompute in the current transaction (the outbox), and queue the task once the
    transaction commits. A burst of changes leaves one outbox row, and only the first task that claims
    it does the work."""
    ProgressDirty.objects.update_or_create(park_id=park_id, defaults={"requested_at": timezone.now()})
    transaction.on_commit(lambda: _enqueue(park_id))


def _enqueue(park_id: int) -> None:
    from plans.tasks import recompute_park

    try:
        recompute_park.delay(park_id)
    except Exception:  # broker down: the outbox row stays, and the periodic drain picks it up
        logger.warning(
            "could not queue the recompute of park %s; it stays in the outbox", park_id, exc_info=True
        )


def progress_claim_and_recompute(*, park_id: int) -> bool:
    """Claim the park's outbox row (a conditional DELETE, so two workers never both take it) and
    recompute. Returns False when there was nothing to do."""
    with transaction.atomic():
        claimed, _ = ProgressDirty.objects.filter(park_id=park_id).delete()
        if not claimed:
            return False
        progress_recompute(park_ids=[park_id])
    return True


def progress_drain_outbox() -> int:
    """Recompute every park left in the outbox (after a broker outage, say). Returns how many."""
    done = 0
    for park_id in ProgressDirty.objects.order_by("requested_at").values_list("park_id", flat=True):
        done += progress_claim_and_recompute(park_id=park_id)
    return done
