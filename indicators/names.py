"""Matching the names documents print for indicators."""

from __future__ import annotations

import re


def name_variants(printed: str, unit_symbol: str) -> set[str]:
    """A printed name and the same name without the unit the plan prints inside it:
    '地区生产总值（亿元，含烟）' → also '地区生产总值（含烟）'; '固定资产投资（亿元）' → '固定资产投资'."""
    base = printed.lstrip("—-").strip()
    variants = {printed, base}
    u = re.escape(unit_symbol)
    stripped = re.sub(rf"[（(]{u}[)）]", "", base)
    stripped = re.sub(rf"[（(]{u}[，,]\s*", "（", stripped)
    stripped = re.sub(rf"[，,]\s*{u}[)）]", "）", stripped)
    variants.add(stripped.strip())
    return variants
