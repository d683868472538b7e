"""Numbers people type or files carry, read the same way at every door."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Full-width forms of ASCII (U+FF01–FF5E: "１２３．５", "，", "－") and the ideographic space read as
# their ASCII characters, as NFKC reads them. Other compatibility characters NFKC would also fold
# ("²", "①", "⑴") are not digits here, nor are digits of other scripts ("١٢٣", "१२३").
_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20, 0x2212: 0x2D}  # and "−" (U+2212)
_SEPARATOR = r"[, \u00a0\u2009\u202f]"  # thousands: comma, space, no-break and thin spaces
NUMBER = re.compile(
    rf"(?P<sign>[+-]?) *"
    rf"(?P<whole>[0-9]{{1,3}}(?:{_SEPARATOR}+[0-9]{{3}})+|[0-9]*)"
    r"(?P<fraction>\.[0-9]*)?"
    r"(?P<exponent>[eE][+-]?[0-9]+)?"
)
MAX_EXPONENT = 999  # |adjusted exponent|: 1e400 is a number (too big for any column), 1e99999 is not


def fold_width(text: str) -> str:
    """Full-width ASCII ("１２３．５", "，", "％", "＞") as ASCII, the ideographic space as a space."""
    return str(text).translate(_WIDTH)


def parse_number(text: str) -> Decimal:
    """A number as people type it or files carry it, read the same way at every door (the sheet, the
    revise form, uploads, ``import_observations``, the API, plan targets).

    Accepted: ASCII digits with an optional sign (+ or -), one decimal point, thousands separators
    ("1,234.5", "1 234", "1，234" — groups of three after the first, so "1,5" is refused rather than
    guessed), an exponent ("1.5e3", "1E+11" as spreadsheets write big numbers), and the same written in
    full-width characters ("１２３．５"). Refused with ``ValueError``: empty text, underscores ("1_000"),
    digits of other scripts ("١٢٣") or superscripts, ``NaN``, ``Infinity``, anything else. ``1e30`` and
    ``1e400`` are numbers: the column's digit limit refuses them (``decimal_fits``); an exponent beyond
    ±999 is not a number anyone means.
    """
    cleaned = fold_width(text).strip()
    match = NUMBER.fullmatch(cleaned)
    if not match or not re.search(r"[0-9]", match.group("whole") + (match.group("fraction") or "")):
        raise ValueError(text)
    whole = re.sub(_SEPARATOR, "", match.group("whole"))
    try:
        value = Decimal(
            f"{match.group('sign')}{whole}{match.group('fraction') or ''}{match.group('exponent') or ''}"
        )
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ValueError(text) from exc
    if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
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
            "value": _plain(value) if digits(value)[1] <= 40 else f"{value:.3E}",
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
