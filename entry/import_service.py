"""Writes of the indicators app: loading yearly actuals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from entry.imports import ImportRow, read_table, validate_rows
from indicators.models import Observation
from progress.services import progress_request_recompute


@dataclass
class ImportSummary:
    errors: list[str]
    counts: Counter  # new / changed / unchanged
    saved: bool


def observation_import(*, path: Path, dry_run: bool = False, user=None) -> ImportSummary:
    """Validate a whole file of actuals, then save every row as approved, all or nothing.

    Any error → nothing is saved. Saved rows keep their source, are recorded in the history with the
    file's name as the reason, and queue a recompute of every park they touch.
    """
    result = validate_rows(read_table(path), default_source=f"导入文件 {path.name}")
    if result.errors:
        return ImportSummary(errors=result.errors, counts=Counter(), saved=False)
    existing = {
        (o.park_id, o.indicator_id, o.year): o
        for o in Observation.objects.filter(
            park__in={r.park.pk for r in result.rows},
            indicator__in={r.indicator.pk for r in result.rows},
            year__in={r.year for r in result.rows},
        )
    }
    plan = [(row, existing.get((row.park.pk, row.indicator.pk, row.year))) for row in result.rows]
    counts = Counter(_change_kind(row, obs) for row, obs in plan)
    if dry_run:
        return ImportSummary(errors=[], counts=counts, saved=False)
    with transaction.atomic():
        for row, obs in plan:
            if _change_kind(row, obs) == "unchanged":
                continue
            obs = obs or Observation(park=row.park, indicator=row.indicator, year=row.year)
            obs.value, obs.source, obs.note = row.value, row.source, row.note
            obs.status = Observation.Status.APPROVED
            obs.entered_by = obs.entered_by or user
            obs._change_reason = f"import {path.name}"
            obs.save()
        for park_id in sorted({row.park.pk for row, obs in plan if _change_kind(row, obs) != "unchanged"}):
            progress_request_recompute(park_id=park_id)
    return ImportSummary(errors=[], counts=counts, saved=True)


def _change_kind(row: ImportRow, obs: Observation | None) -> str:
    if obs is None:
        return "new"
    same = (
        obs.value == row.value
        and obs.status == Observation.Status.APPROVED
        and obs.source == row.source
        and obs.note == row.note
    )
    return "unchanged" if same else "changed"
