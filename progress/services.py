"""Writes of the plans app: recomputing and storing progress, and asking for a recompute."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection, transaction
from django.utils import timezone

from core.cache import invalidate_api_cache
from parks.selectors import park_tree
from progress.engine import FIGURE_COLUMNS, compute_progress
from progress.models import ProgressDirty, ProgressResult, RecomputeStamp
from progress.odds import NOTE_FEW_CHANGES, ODDS_COLUMNS, compute_odds
from progress.odds_inputs import pooled_refresh, pooled_volatility
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
    "odds_low",
    "odds_high",
]
UNIT_DECIMALS = 8
KEY_COLUMNS = ["park_id", "plan_id", "plan_indicator_id", "year"]
RESULT_COLUMNS = [*KEY_COLUMNS, *FIGURE_COLUMNS, *ODDS_COLUMNS]


def progress_compute(inputs: ProgressInputs) -> pd.DataFrame:
    """Run the engine on loaded inputs, then the odds (``progress.odds``); return rows shaped like
    ProgressResult (without updated_at)."""
    result = compute_progress(inputs.items, inputs.targets, inputs.actuals, inputs.milestones)
    result = _add_odds(result, inputs)
    if not inputs.notes.empty:
        result = _add_selector_notes(result, inputs.notes)
    result[UNIT_COLUMNS] = result[UNIT_COLUMNS].round(UNIT_DECIMALS)
    # A series key is its plan indicator's id, or a key of its own when one plan indicator is judged as
    # several series (progress.selectors: revised targets); the items say which.
    keyed = inputs.items[["key", "park_id", "plan_id", "plan_indicator_id"]]
    result = result.merge(keyed, on="key", how="left")
    return result[RESULT_COLUMNS]


def _add_odds(result: pd.DataFrame, inputs: ProgressInputs) -> pd.DataFrame:
    """The odds of every row, their reason appended to the note. The volatility pooled across parks
    (``progress.odds_inputs``, stored per indicator) is read only for the series that have too few
    changes of their own, and only their rows are judged a second time with it."""
    odds = compute_odds(inputs.items, inputs.actuals, result)
    few = (odds["odds_note"] == NOTE_FEW_CHANGES).to_numpy()
    wanted = np.unique(result["key"].to_numpy()[few])
    if wanted.size:
        # The pool is per plan indicator; a plan indicator judged as several series shares it.
        series = inputs.items[["key", "plan_indicator_id"]]
        ids = np.unique(series.loc[series["key"].isin(wanted), "plan_indicator_id"].to_numpy())
        pooled = pooled_volatility(ids.tolist())
        pooled = series.merge(pooled.rename(columns={"key": "plan_indicator_id"}), on="plan_indicator_id")
        pooled = pooled.loc[pooled["key"].isin(wanted), ["key", "parks", "sigma"]]
        # A row's odds depend on its series' items and actuals, not on the other rows.
        again = compute_odds(
            inputs.items[inputs.items["key"].isin(wanted)],
            inputs.actuals[inputs.actuals["key"].isin(wanted)],
            result[few],
            pooled,
        )
        odds = odds.copy()
        for column in again.columns:  # column by column: each keeps its dtype
            odds.loc[few, column] = again[column].to_numpy()
    extra = odds["odds_note"].to_numpy(dtype=object)
    has = extra != ""
    note = result["note"].to_numpy(dtype=object).copy()
    note[has] = _appended(note[has], extra[has])
    note = pd.Series(note, index=result.index, dtype=result["note"].dtype)
    return result.assign(note=note, **{c: odds[c].to_numpy() for c in ODDS_COLUMNS})


def _appended(own: np.ndarray, added: np.ndarray) -> np.ndarray:
    """Each note with a further one appended ("own; added", or just "added" where there was none)."""
    own, added = np.asarray(own, dtype=object), np.asarray(added, dtype=object)
    return np.where(own != "", own + "; " + added, added)


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
    result.loc[found, "note"] = _appended(result.loc[found, "note"].to_numpy(), added)
    return result


def _fingerprints(result: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row over every stored figure (signed, to fit a BIGINT column)."""
    figures = result[RESULT_COLUMNS[len(KEY_COLUMNS) :]]
    return pd.util.hash_pandas_object(figures, index=False).to_numpy().view(np.int64)


# Advisory locks (PostgreSQL), one per park: ``pg_advisory_xact_lock(LOCK_NAMESPACE, park_id)``. A
# recompute locks every park whose plans it writes (its scope), in id order so that two recomputes never
# deadlock. Two recomputes that share a park run one after the other — so a recompute that read early can
# never overwrite a fresher result of that park — and recomputes of different park trees run in parallel.
LOCK_NAMESPACE = 817_042  # fits a 32-bit key
# A full recompute works through the park trees in partitions of about this many parks, each in its own
# transaction: memory stays bounded, and Celery workers can take partitions in parallel.
PARTITION_PARKS = 250


def _lock_parks(park_ids: Sequence[int]) -> None:
    if connection.vendor != "postgresql" or not park_ids:
        return
    with connection.cursor() as cursor:
        # The subquery is sorted before the function runs over it: locks are taken in id order.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, id)) FROM (SELECT unnest(%s::int[]) AS id ORDER BY 1) s",
            [LOCK_NAMESPACE, sorted(park_ids)],
        )


def progress_recompute(*, park_ids: Sequence[int] | None = None) -> int:
    """Recompute and store the progress of the plans of ``park_ids`` (every park when None, partition
    by partition: see ``progress_partitions``).

    Idempotent: only rows whose figures changed are written (compared by fingerprint), rows for years
    that no longer have an actual or a target are deleted. Returns the number of result rows in scope.
    """
    if park_ids is None:
        pooled_refresh()  # every partition reads the same, fresh pool
        return sum(progress_recompute(park_ids=partition) for partition in progress_partitions())
    scope = park_scope(park_ids)
    with transaction.atomic():
        _lock_parks(scope)
        inputs = progress_inputs(park_ids=scope)
        result = progress_compute(inputs)
        # The plan indicators read, not the series: a row with no series left still loses its old rows.
        changed = _store(result, keys=inputs.plan_indicator_ids)
        if changed:
            invalidate_api_cache("progress")  # cached API responses: a new generation, now and on commit
    return len(result)


def progress_partitions(*, size: int = PARTITION_PARKS) -> list[list[int]]:
    """Every park, as lists of whole park trees (a park with all its zones) of about ``size`` parks each:
    a tree's results depend only on the tree, so partitions can be recomputed separately, in any order
    or in parallel, and give the same rows as one run over everything."""
    tree = park_tree()
    by_top: dict[int, list[int]] = {}
    for park_id in sorted(tree.ids()):
        by_top.setdefault(tree.top(park_id), []).append(park_id)
    partitions: list[list[int]] = [[]]
    for top in sorted(by_top):
        if len(partitions[-1]) >= size:
            partitions.append([])
        partitions[-1].extend(by_top[top])
    return [sorted(p) for p in partitions if p]


def input_signature() -> str | None:
    """A hash over every row the engine reads (observations, targets and their revisions, plans, their
    indicators, members, level targets and milestones, the catalogue, the parks), or None where the
    database cannot compute one (SQLite).

    PostgreSQL hashes each row's text (``hashtext(t::text)``), so any insert, update or delete in those
    tables changes the signature; it reads the tables once, far less than a recompute."""
    if connection.vendor != "postgresql":
        return None
    from indicators.models import Indicator, Observation, Unit
    from parks.models import Park
    from plans.models import LevelTarget, Milestone, Plan, PlanIndicator, PlanMember, Target, TargetRevision

    models = (
        Observation,
        Target,
        TargetRevision,
        LevelTarget,
        PlanIndicator,
        PlanMember,
        Plan,
        Milestone,
        Indicator,
        Unit,
        Park,
    )
    tables = [m._meta.db_table for m in models]
    sql = " UNION ALL ".join(
        f"SELECT %s, count(*), COALESCE(sum(hashtext(t::text)::bigint), 0) "
        f"FROM {connection.ops.quote_name(table)} t"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        rows = sorted(cursor.fetchall())
    return hashlib.sha256(repr(rows).encode()).hexdigest()


FULL_RUN = "full"


def progress_recompute_all(*, force: bool = False, queue=None) -> int:
    """The nightly full recompute: nothing at all when no input changed since the last full run finished
    (by ``input_signature``; always runs on SQLite, which has no signature), else every partition.

    Without ``queue`` the partitions run here and now, and the stamp is written at the end; returns the
    result rows. With ``queue(park_ids, index, signature)`` (the Celery task queues one task per
    partition) each partition reports back through ``progress_partition_done`` and the last one writes
    the stamp; returns the number of partitions queued."""
    signature = input_signature()
    stamp = RecomputeStamp.objects.filter(name=FULL_RUN).first()
    if not force and signature is not None and stamp is not None and stamp.signature == signature:
        logger.info("full recompute skipped: no input changed since %s", stamp.computed_at)
        return 0
    if queue is None:
        done = progress_recompute()  # every partition, here and now
        if signature is not None:
            RecomputeStamp.objects.update_or_create(
                name=FULL_RUN,
                defaults={"signature": signature, "computed_at": timezone.now(), "pending_signature": ""},
            )
        return done
    pooled_refresh()  # the pooled volatility, fresh, before any partition reads it
    partitions = progress_partitions()
    if signature is not None:
        RecomputeStamp.objects.update_or_create(
            name=FULL_RUN,
            defaults={"pending_signature": signature, "remaining": list(range(len(partitions)))},
        )
    for index, ids in enumerate(partitions):
        queue(ids, index, signature)
    return len(partitions)


def progress_partition_done(*, index: int, signature: str | None) -> bool:
    """Record that partition ``index`` of the queued full run with ``signature`` finished; the last one
    writes the stamp. A partition reported twice (a retried task) counts once. True when the stamp was
    written."""
    if signature is None:
        return False
    with transaction.atomic():
        stamp = RecomputeStamp.objects.select_for_update().filter(name=FULL_RUN).first()
        if stamp is None or stamp.pending_signature != signature or index not in stamp.remaining:
            return False
        stamp.remaining = [i for i in stamp.remaining if i != index]
        finished = not stamp.remaining
        if finished:
            stamp.signature, stamp.computed_at, stamp.pending_signature = signature, timezone.now(), ""
        stamp.save()
    return finished


def _store(result: pd.DataFrame, *, keys: list[int] | None) -> int:
    """Write the rows of ``result`` whose fingerprint differs from the stored one, and delete stored rows
    that ``result`` no longer has. Returns how many rows were written or deleted."""
    table = connection.ops.quote_name(ProgressResult._meta.db_table)
    where, params = "1 = 1", []
    if keys is not None:
        where = f"plan_indicator_id IN ({', '.join(['%s'] * len(keys))})" if keys else "1 = 0"
        params = list(keys)
    stored = read_frame(
        f"SELECT id, park_id, plan_id, plan_indicator_id, year, fingerprint FROM {table} WHERE {where}",
        params,
        ["id", *KEY_COLUMNS, "fingerprint"],
        # Read as integers: a 64-bit hash must not pass through a float (2^53 is exact, 2^63 is not).
        dtypes={**dict.fromkeys(["id", *KEY_COLUMNS], "int64"), "fingerprint": "Int64"},
    )
    result = result.assign(fingerprint=_fingerprints(result))
    # A left merge keeps ``result``'s row order, so the mask below lines up with it.
    current = result.merge(stored, on=KEY_COLUMNS, how="left", suffixes=("", "_stored"))
    differs = (current["fingerprint"] != current["fingerprint_stored"]).fillna(True).astype(bool)
    new = current["id"].isna().to_numpy()
    to_write = result[differs.to_numpy() & ~new]  # stored rows whose figures changed
    to_add = result[new]  # rows not stored yet (every row of a first fill)
    kept = stored.merge(result[KEY_COLUMNS], on=KEY_COLUMNS, how="left", indicator=True)
    stale_ids = kept.loc[kept["_merge"] == "left_only", "id"].astype("int64").tolist()
    with connection.cursor() as cursor:
        for start in range(0, len(stale_ids), 10_000):
            chunk = stale_ids[start : start + 10_000]
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
        if not to_add.empty:
            # Straight into the table (one COPY on PostgreSQL): no staging copy, no conflict to resolve.
            # The recompute holds the locks of these parks, so no one else inserts the same keys.
            _load(
                cursor,
                table,
                to_add.assign(updated_at=connection.ops.adapt_datetimefield_value(timezone.now())),
                [*RESULT_COLUMNS, "fingerprint", "updated_at"],
            )
        if not to_write.empty:
            _upsert(cursor, table, to_write)
    return len(stale_ids) + len(to_write) + len(to_add)


def _upsert(cursor, table: str, rows: pd.DataFrame) -> None:
    columns = [*RESULT_COLUMNS, "fingerprint"]
    column_list = ", ".join(columns)
    cursor.execute("DROP TABLE IF EXISTS progress_staging")
    cursor.execute(f"CREATE TEMP TABLE progress_staging AS SELECT {column_list} FROM {table} WHERE 1 = 0")
    _load(cursor, "progress_staging", rows, columns)
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


def _load(cursor, table: str, result: pd.DataFrame, columns: list[str]) -> None:
    """Insert the ``columns`` of ``result`` into ``table``: one COPY on PostgreSQL, else executemany."""
    if result.empty:
        return
    if connection.vendor == "postgresql":
        # Arrow's CSV writer (C++) formats the frame about 7× faster than DataFrame.to_csv, with the
        # shortest text that reads back as the same double. Every non-null value is quoted and a null is
        # an unquoted empty field, which is what COPY … csv reads as NULL ("" stays an empty text).
        frame = result[columns].copy()
        frame["final_year"] = frame["final_year"].astype("Int64")
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(
            pa.Table.from_pandas(frame, preserve_index=False),
            sink,
            write_options=pa_csv.WriteOptions(include_header=False, quoting_style="all_valid"),
        )
        buffer = io.BytesIO(sink.getvalue().to_pybytes())
        copy = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        cursor.copy_expert(copy, buffer)
        return
    frame = result[columns].astype(object).where(result[columns].notna(), None)
    rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False, name=None)]
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


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
