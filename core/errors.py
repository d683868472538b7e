"""The one error type every layer raises.

A refusal carries its ``code`` (stable, for machines), a translated ``message`` for people, and its
``errors``: one item per problem, each with ``field``, ``message`` and, in a bulk write, ``row`` (the
0-based index of the row in the request, file or sheet). Callers read those attributes; nobody parses
the message text back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class DomainError(Exception):
    """A refused action. ``code`` is stable for machines; ``message`` is for people."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        errors: Iterable[dict[str, Any]] | None = None,
    ):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.row = row
        items = list(errors) if errors is not None else [error_item(field, message, row=row)]
        self.errors: list[dict[str, Any]] = items

    def __str__(self) -> str:
        return self.message


class Invalid(DomainError):
    code = "invalid"
    status = 400


class NotAllowed(DomainError):
    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


def error_item(field: str | None, message: str, *, row: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"field": field, "message": str(message)}
    if row is not None:
        item["row"] = row
    return item


def with_row(errors: Iterable[dict[str, Any]], row: int) -> list[dict[str, Any]]:
    """The same items, each naming ``row`` (an item that already names one keeps it)."""
    return [{**item, "row": item.get("row", row)} for item in errors]
