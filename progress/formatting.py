"""Numbers as people read them on the dashboards and in the reports' charts: the stored value, without
float noise or padding.

Stored figures in the indicator's unit carry at most 8 decimal places (progress.services rounds them), so
``number`` prints them exactly: 522.8, 60756, 0.078; never 522.80000000 or 5.228e2. Ratios are fractions
in the database and percentages on screen.
"""

from __future__ import annotations

import math

DASH = "—"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def number(value, *, places: int = 8, signed: bool = False) -> str:
    """522.8 → "522.8"; 60756.0 → "60756"; -7.2000000000000455 → "-7.2"; None/NaN → "—"."""
    if _missing(value):
        return DASH
    text = f"{float(value):{'+' if signed else ''}.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in {"-0", "+0"}:
        text = "0"
    return text


def percent(fraction, *, places: int = 2, signed: bool = False) -> str:
    """0.9864150943 → "98.64%"; 0.0208 → "2.08%" (signed: "+2.08%")."""
    if _missing(fraction):
        return DASH
    return f"{float(fraction) * 100:{'+' if signed else ''}.{places}f}%"


def with_unit(value, unit: str, *, signed: bool = False) -> str:
    text = number(value, signed=signed)
    if text == DASH or not unit:
        return text
    return f"{text} {unit}"


def gap(value, unit: str, pct) -> str:
    """A gap to a target in the unit, with its share of the target: "-7.2 亿元（-1.36%）"."""
    text = with_unit(value, unit, signed=True)
    if text == DASH:
        return text
    share = percent(pct, signed=True)
    return text if share == DASH else f"{text}（{share}）"
