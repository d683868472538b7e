"""Writes of the plans app: recomputing and storing progress, and asking for a recompute."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from core.cache import invalidate_api_cache
from progress.engine import FIGURE_COLUMNS, compute_progress
from progress.models import ProgressDirty, ProgressResult
from progress.selectors import ProgressInputs, park_scope, progress_inputs, read_frame

logger = logging.getLogger(__name__)

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
RESULT_COLUMNS = [*KEY_COLUMNS, *FIGURE_COLUMNS]


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
    """Append the selector's notes (zone roll-ups, unconvertible units) to the engine's, touching only
    the rows that have one (a national recompute has 1.3 million rows and a handful of such notes)."""
    per_year = notes.dropna(subset=["year"]).astype({"year": "int64"})
    per_key = notes[notes["year"].isna()][["key", "note"]]
    extra = pd.concat(
        [
            per_year.groupby(["key", "year"])["note"].agg("; ".join).reset_index(),
            result[["key", "year"]].merge(
                per_key.groupby("key")["note"].agg("; ".join).reset_index(), on="key"
            ),
        ],
        ignore_index=True,
    )
    if extra.empty:
        return result
    extra = extra.groupby(["key", "year"])["note"].agg("; ".join).rename("extra")
    index = pd.MultiIndex.from_frame(result[["key", "year"]])
    found = index.isin(extra.index)
    if not found.any():
        return result
    result = result.copy()
    added = extra.reindex(index[found]).to_numpy()
    own = result.loc[found, "note"].to_numpy()
    result.loc[found, "note"] = [f"{a}; {b}" if a else b for a, b in zip(own, added, strict=True)]
    return result


def _fingerprints(result: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row over every stored figure (signed, to fit a BIGINT column)."""
    figures = result[RESULT_COLUMNS[len(KEY_COLUMNS) :]]
    return pd.util.hash_pandas_object(figures, index=False).to_numpy().view(np.int64)


# Every recompute takes this lock (PostgreSQL): a full recompute that read early can never overwrite a
# fresher one-park result stored while it was computing.
RECOMPUTE_LOCK = 8_170_420_251


def progress_recompute(*, park_ids: Sequence[int] | None = None) -> int:
    """Recompute and store the progress of the plans of ``park_ids`` (every park when None).

    Idempotent: only rows whose figures changed are written (compared by fingerprint), rows for years
    that no longer have an actual or a target are deleted. Returns the number of result rows in scope.
    """
    scope = None if park_ids is None else park_scope(park_ids)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])
        inputs = progress_inputs(park_ids=scope)
        result = progress_compute(inputs)
        changed = _store(result, keys=None if scope is None else inputs.items["key"].tolist())
        if changed:
            invalidate_api_cache("progress")  # cached API responses: a new generation, now and on commit
    return len(result)


def _store(result: pd.DataFrame, *, keys: list[int] | None) -> int:
    """Write the rows of ``result`` whose fingerprint differs from the stored one, and delete stored rows
    that ``result`` no longer has. Returns how many rows were written or deleted."""
    table = connection.ops.quote_name(ProgressResult._meta.db_table)
    where, params = "1 = 1", []
    if keys is not None:
        where = f"plan_indicator_id IN ({', '.join(['%s'] * len(keys))})" if keys else "1 = 0"
        params = list(keys)
    stored = read_frame(
        # As text: a 64-bit hash must not pass through a float on its way (2^53 is exact, 2^63 is not).
        f"SELECT id, park_id, plan_id, plan_indicator_id, year, CAST(fingerprint AS TEXT) FROM {table} "
        f"WHERE {where}",
        params,
        ["id", *KEY_COLUMNS, "fingerprint"],
    )
    result = result.assign(fingerprint=_fingerprints(result))
    stored = stored.astype(dict.fromkeys(["id", *KEY_COLUMNS], "int64"))
    stored["fingerprint"] = pd.array(
        [None if pd.isna(v) else int(v) for v in stored["fingerprint"].astype(object)], dtype="Int64"
    )
    # A left merge keeps ``result``'s row order, so the mask below lines up with it.
    current = result.merge(stored, on=KEY_COLUMNS, how="left", suffixes=("", "_stored"))
    differs = (current["fingerprint"] != current["fingerprint_stored"]).fillna(True).astype(bool)
    to_write = result[differs.to_numpy()]
    kept = stored.merge(result[KEY_COLUMNS], on=KEY_COLUMNS, how="left", indicator=True)
    stale_ids = kept.loc[kept["_merge"] == "left_only", "id"].astype("int64").tolist()
    with connection.cursor() as cursor:
        for start in range(0, len(stale_ids), 10_000):
            chunk = stale_ids[start : start + 10_000]
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
        if not to_write.empty:
            _upsert(cursor, table, to_write)
    return len(stale_ids) + len(to_write)


def _upsert(cursor, table: str, rows: pd.DataFrame) -> None:
    columns = [*RESULT_COLUMNS, "fingerprint"]
    column_list = ", ".join(columns)
    postgres = connection.vendor == "postgresql"
    cursor.execute("DROP TABLE IF EXISTS progress_staging")
    cursor.execute(f"CREATE TEMP TABLE progress_staging AS SELECT {column_list} FROM {table} WHERE 1 = 0")
    _load_staging(cursor, rows, columns, postgres)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[len(KEY_COLUMNS) :])
    cursor.execute(
        f"""
        INSERT INTO {table} ({column_list}, updated_at)
        SELECT {column_list}, %s FROM progress_staging WHERE true
        ON CONFLICT (park_id, plan_id, plan_indicator_id, year)
        DO UPDATE SET {updates}, updated_at = excluded.updated_at
        """,
        [timezone.now()],
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
    progress_request_recompute_many(park_ids=[park_id])


def progress_request_recompute_many(*, park_ids: Sequence[int]) -> None:
    """``progress_request_recompute`` for many parks in a fixed number of queries (the handler that
    ``core.outbox.request_recompute`` calls)."""
    ids = sorted(set(park_ids))
    if not ids:
        return
    now = timezone.now()
    ProgressDirty.objects.bulk_create(
        [ProgressDirty(park_id=park_id, requested_at=now) for park_id in ids],
        update_conflicts=True,
        unique_fields=["park"],
        update_fields=["requested_at"],
    )
    for park_id in ids:
        transaction.on_commit(lambda park_id=park_id: _enqueue(park_id))


def _enqueue(park_id: int) -> None:
    from progress.tasks import recompute_park

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
