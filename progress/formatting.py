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


def estimate(value, *, digits: int = 3) -> str:
    """An estimate to ``digits`` significant digits, never fewer than its whole part:
    612.3456 → "612"; 45.678 → "45.7"; 0.04567 → "0.0457"; 12345.6 → "12346"."""
    if _missing(value):
        return DASH
    x = float(value)
    if x == 0:
        return "0"
    places = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return number(round(x, places), places=places)


def odds(probability, low, high, basis: str, final_year, unit: str) -> str:
    """The odds of a row as a sentence (``progress.odds``): "按当前趋势，2025年达标概率约 35%（80%区间
    610–690 亿元）"; the reason when there is too little data; "" when the row has no odds."""
    from django.utils.translation import gettext as _

    if basis == "insufficient":
        return _("数据不足，无法估计达标概率")
    if basis not in {"own", "pooled"} or _missing(probability):
        return ""
    share = float(probability) * 100
    if share < 1:
        chance = _("不足1%")
    elif share > 99:
        chance = _("超过99%")
    else:
        chance = _("约 %(share)s%%") % {"share": f"{share:.0f}"}
    text = _("按当前趋势，%(year)s年达标概率%(chance)s（80%%区间 %(low)s–%(high)s%(unit)s）") % {
        "year": "" if _missing(final_year) else int(final_year),
        "chance": chance,
        "low": estimate(low),
        "high": estimate(high),
        "unit": f" {unit}" if unit else "",
    }
    if basis == "pooled":
        text += _("；本园区年度变化不足3个，波动率取自同一指标多个园区的汇总")
    return text
