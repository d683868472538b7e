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
