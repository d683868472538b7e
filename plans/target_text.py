"""Targets as people write them in a cell: "680", "≥680", "年均增长15%", "提高10个百分点", "翻番", "保持".

``target_text`` turns a stored target into that short text and ``parse_target`` reads it back, so a
plan's table exported to Excel and uploaded again changes nothing. Pure functions, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.formatting import decimal_str
from core.numbers import fold_width, number_errors, parse_number
from indicators.models import VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS

# The number inside a target is read by core.numbers.parse_number, the rule of every door.
NUMBER = r"[-+]?[0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
PERCENT_KINDS = ("cagr", "reduction")  # stored as fractions, written as percentages


class TargetTextError(ValueError):
    """The text cannot be read as a target. ``message`` says why when it is more than "not a target"
    (a number the column cannot hold)."""

    def __init__(self, text: str, message: str = ""):
        super().__init__(text)
        self.message = message


@dataclass(frozen=True)
class ParsedTarget:
    kind: str
    value: Decimal | None
    wording: str  # the text as written, kept as the target's wording unless it is a bare number
    explicit_kind: bool  # False for a bare number: "level", unless the stored target says at least/most


def _number(text: str) -> Decimal:
    try:
        return parse_number(text)
    except ValueError as exc:
        raise TargetTextError(text) from exc


def target_text(kind: str, value: Decimal | None) -> str:
    """The short text of a target: what the grid shows and the Excel export writes."""
    if kind == "keep":
        return "保持"
    if value is None:
        return ""
    if kind in PERCENT_KINDS:
        number = decimal_str(value * 100)
        return f"年均增长{number}%" if kind == "cagr" else f"下降{number}%"
    number = decimal_str(value)
    return {
        "level": number,
        "at_least": f"≥{number}",
        "at_most": f"≤{number}",
        "pp_change": f"提高{number}个百分点",
        "multiple": "翻番" if value == 2 else f"{number}倍",
    }.get(kind, number)


PATTERNS: list[tuple[str, str, bool]] = [
    # (kind, regex with one number group or none, value is a percentage)
    ("cagr", rf"^(?:年均)?(?:增长|增速)\s*({NUMBER})\s*[%％](?:以上|左右)?$", True),
    ("reduction", rf"^(?:累计)?(?:下降|降低|减少)\s*({NUMBER})\s*[%％]$", True),
    ("pp_change", rf"^(?:提高|提升|增加)\s*({NUMBER})\s*个?百分点$", False),
    ("at_least", rf"^(?:[≥>＞]=?|不低于|不少于|突破|达到|超过)\s*({NUMBER})(?:以上)?$", False),
    ("at_least", rf"^({NUMBER})\s*以上$", False),
    (
        "at_most",
        rf"^(?:[≤<＜]=?|不高于|不超过|控制在|降低至|降至|下降至|低于)\s*({NUMBER})(?:以[下内])?$",
        False,
    ),
    ("at_most", rf"^({NUMBER})\s*以[下内]$", False),
    ("multiple", rf"^({NUMBER})\s*倍$", False),
]


def parse_target(text: str) -> ParsedTarget:
    """Read a cell: a bare number is a level; otherwise the wording decides the kind.

    Units written after the number ("680亿元") are not accepted here: the unit is the row's. A value
    the column cannot hold (more than 16 digits before the point or 8 after, percentages included once
    divided by 100) is refused, never rounded: every door that sets targets reads them here.
    """
    parsed = _parse_target(text)
    if parsed.value is not None:
        problems = number_errors(
            parsed.value,
            field="value",
            label=_("目标值"),
            max_digits=VALUE_MAX_DIGITS,
            decimal_places=VALUE_DECIMAL_PLACES,
        )
        if problems:
            raise TargetTextError(str(text), problems[0]["message"])
    return parsed


def _parse_target(text: str) -> ParsedTarget:
    raw = str(text).strip()
    compact = fold_width(re.sub(r"\s+", "", raw))  # "≥６８０" reads as "≥680", as parse_number would
    if not compact:
        raise TargetTextError(raw)
    if compact in {"保持", "持续保持", "保持稳定", "稳定"}:
        return ParsedTarget("keep", None, raw, True)
    if compact in {"翻番", "翻一番", "实现翻番"}:
        return ParsedTarget("multiple", Decimal(2), raw, True)
    if re.fullmatch(NUMBER, compact):
        return ParsedTarget("level", _number(compact), "", False)
    for kind, pattern, percent in PATTERNS:
        match = re.match(pattern, compact)
        if match:
            value = _number(match.group(1))
            if percent:
                value = value / 100
            return ParsedTarget(kind, value, raw, True)
    raise TargetTextError(raw)


def same_target(parsed: ParsedTarget, kind: str, value: Decimal | None) -> bool:
    """Whether a cell says what is stored. A bare number matches a stored level, at-least or at-most
    target of that value (a plan table prints 680 where the text says 突破680)."""
    if parsed.value != value and not (parsed.value is None and value is None):
        return False
    if parsed.explicit_kind:
        return parsed.kind == kind
    return kind in ("level", "at_least", "at_most")
