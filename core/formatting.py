"""Showing stored decimals as people wrote them: 522.8, not 522.80000000 or 5.228E+2."""

from decimal import Decimal


def decimal_str(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text
