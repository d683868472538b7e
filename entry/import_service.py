"""``import_observations``: a file of official figures, read, then written through the entry services."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.errors import DomainError
from entry.imports import FIELD_LABELS, read_table, validate_rows
from entry.services import EntryRow, observation_import


@dataclass
class ImportSummary:
    errors: list[str]
    counts: Counter  # new / changed / unchanged
    saved: bool


def observation_import_file(*, path: Path, dry_run: bool = False, user=None) -> ImportSummary:
    """Validate a whole file of actuals, then save every row as approved, all or nothing.

    The file is read and resolved first (parks, indicators, units, numbers, duplicates); then every row
    meets the rules of every other door (``entry.services.observation_import``). Any error → nothing is
    saved, and each error names its row as the spreadsheet shows it and its field.
    """
    result = validate_rows(read_table(path), default_source=f"导入文件 {path.name}")
    if result.errors:
        return ImportSummary(errors=result.errors, counts=Counter(), saved=False)
    rows = [EntryRow(r.park, r.indicator, r.year, r.value, r.note, r.source) for r in result.rows]
    try:
        counts, _saved = observation_import(user=user, rows=rows, text=path.name, dry_run=dry_run)
    except DomainError as exc:
        lines = []
        for error in exc.errors:
            line = result.rows[error["row"]].row if error.get("row") is not None else "?"
            label = FIELD_LABELS.get(error.get("field") or "", error.get("field") or "")
            lines.append(f"第 {line} 行【{label}】{error['message']}")
        return ImportSummary(errors=lines, counts=Counter(), saved=False)
    figures = Counter(new=counts.new, changed=counts.changed, unchanged=counts.unchanged)
    return ImportSummary(errors=[], counts=figures, saved=not dry_run)
