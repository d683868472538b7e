"""Reading the commentary staff write about a value, from any layer.

Commentary (进展说明, 原因分析, 下一步措施) is entered in entry/, beside the value it explains; the reports
sit beside entry/ on the same level and may not import it. Entry registers the reader at start-up
(``register``) and the reports call :func:`commentary_for`, as lower apps ask for recomputes through
``core.outbox``. A read with no reader registered is an error, never an empty answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

FIELDS = ("progress", "reasons", "measures")  # 进展说明, 原因分析, 下一步措施
_readers: list[Callable[..., dict[int, dict[str, str]]]] = []


def register(reader: Callable[..., dict[int, dict[str, str]]]) -> None:
    """Register ``reader(park_id=..., indicator_ids=..., year=..., public=...)``; once only."""
    if reader not in _readers:
        _readers.append(reader)


def commentary_for(
    *, park_id: int, indicator_ids: Iterable[int], year: int, public: bool
) -> dict[int, dict[str, str]]:
    """Indicator id → {"progress", "reasons", "measures"} (only the fields that were filled in) for one
    park and year. ``public``: the reader may not see drafts, so only the commentary of approved values,
    as it stood when the value was approved."""
    if not _readers:
        raise RuntimeError("no commentary reader registered: is the entry app installed?")
    found: dict[int, dict[str, str]] = {}
    for reader in _readers:
        found.update(reader(park_id=park_id, indicator_ids=list(indicator_ids), year=year, public=public))
    return found
