"""Text people type or files carry: the one rule for length and invisible characters."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from core.errors import error_item

# C0 control characters and DEL, except tab, line feed and carriage return (notes have lines). They
# print as nothing, break XML (every XLSX export) and are never what someone meant to type.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_errors(
    value: str | None, *, field: str, label: str, max_length: int, row: int | None = None
) -> list[dict[str, Any]]:
    """Why ``value`` cannot be stored in ``field`` (at most ``max_length`` characters, no control
    characters): error items, empty when it can."""
    if not value:
        return []
    errors = []
    if len(value) > max_length:
        errors.append(
            error_item(
                field,
                _("“%(label)s”最多 %(max)s 个字符（现为 %(n)s 个），请精简后重试")
                % {"label": label, "max": max_length, "n": len(value)},
                row=row,
            )
        )
    found = CONTROL_CHARACTERS.search(value)
    if found:
        errors.append(
            error_item(
                field,
                _("“%(label)s”含有不可见的控制字符（U+%(code)04X），请删除后重试")
                % {"label": label, "code": ord(found.group())},
                row=row,
            )
        )
    return errors
