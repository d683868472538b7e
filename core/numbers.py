"""Numbers people type or files carry, read the same way at every door."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


def parse_number(text: str) -> Decimal:
    """'1,234.5' → Decimal('1234.5'); thousands separators and spaces are accepted.

    Raises ``ValueError`` for text that is not a finite number (``NaN``, ``Infinity``). ``1e30`` and
    ``1e400`` are numbers: the column's digit limit refuses them (``decimal_fits``).
    """
    cleaned = re.sub(r"[,\s，]", "", str(text))
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


def digits(value: Decimal) -> tuple[int, int]:
    """(digits before the point, digits after the point) of a finite decimal, as a column stores it.

    ``Decimal("1.50")`` → (1, 1): trailing zeros after the point carry nothing and are not counted;
    ``Decimal("1E+3")`` → (4, 0).
    """
    if not value:
        return 1, 0
    _sign, digit_tuple, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        return len(digit_tuple) + exponent, 0
    places = -exponent
    return max(len(digit_tuple) - places, 1), places


def decimal_fits(value: Decimal, *, max_digits: int, decimal_places: int) -> str | None:
    """Why ``value`` does not fit a ``DecimalField(max_digits, decimal_places)``, or None when it does.

    The answer is "places" (more decimal places than the column keeps: refused, never rounded) or
    "digits" (too many digits before the point), or "finite".
    """
    if not value.is_finite():
        return "finite"
    whole, places = digits(value)
    if places > decimal_places:
        return "places"
    if whole > max_digits - decimal_places:
        return "digits"
    return None


def number_errors(
    value: Decimal, *, field: str, label: str, max_digits: int, decimal_places: int, row: int | None = None
) -> list[dict]:
    """Why ``value`` cannot be stored in a ``DecimalField(max_digits, decimal_places)`` column: error
    items naming the field (and row), empty when it fits. Values are refused, never rounded."""
    from django.utils.translation import gettext as _

    from core.errors import error_item

    problem = decimal_fits(value, max_digits=max_digits, decimal_places=decimal_places)
    if problem is None:
        return []
    if problem == "places":
        message = _(
            "“%(label)s”最多保留 %(places)s 位小数（%(value)s 有 %(n)s 位）；系统不会四舍五入，请核对后重填"
        ) % {
            "label": label,
            "places": decimal_places,
            "value": _plain(value),
            "n": digits(value)[1],
        }
    elif problem == "digits":
        message = _("“%(label)s”超出可保存的范围（整数部分最多 %(whole)s 位，%(value)s 有 %(n)s 位）") % {
            "label": label,
            "whole": max_digits - decimal_places,
            "value": _plain(value) if digits(value)[0] <= 40 else f"{value:.3E}",
            "n": digits(value)[0],
        }
    else:
        message = _("“%(label)s”必须是有限的数字") % {"label": label}
    return [error_item(field, message, row=row)]


def _plain(value: Decimal) -> str:
    """A decimal without exponent notation: 1E+3 → '1000'."""
    return f"{value.normalize():f}" if value.is_finite() else str(value)
