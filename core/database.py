"""Telling a busy database apart from a broken one."""

from __future__ import annotations

from django.db import OperationalError
from django.utils.translation import gettext as _

# What SQLite says when another writer held the database for longer than the busy timeout. It is the
# driver's text, the only thing that tells this case apart; our own errors are never read back.
_BUSY = ("database is locked", "database table is locked")


def is_busy(exc: BaseException) -> bool:
    """The database refused a write only because another transaction held it (retrying may work)."""
    return isinstance(exc, OperationalError) and any(text in str(exc) for text in _BUSY)


def busy_message() -> str:
    return _("数据正在被他人保存，请稍后重试（未保存任何数据）")
