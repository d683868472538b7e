"""Status colours, in one place, for every chart, badge and report.

The palette is Okabe & Ito's ("Color Universal Design", 2008) for the six judgements, with Paul Tol's
"wine" for regressing (Okabe–Ito's reddish purple turns grey for deuteranopes) and two greys of different
lightness for the statuses that make no judgement. A test simulates protanopia, deuteranopia and
tritanopia (Machado et al. 2009) and checks that every pair of status colours stays apart.
Colour is never the only cue: every badge and heatmap cell also carries the status label, and each status
has a glyph from the GB2312 set (so the system CJK font draws it).

The palette lives in progress/ so that the dashboards and the reports (neighbours, which may not import
each other) draw with the same colours; dashboards/colors.py generates the dashboards' ``status.css`` from it.
"""

from __future__ import annotations

from progress.models import ProgressResult

Status = ProgressResult.Status

# From best to worst, then the two statuses that make no judgement. Charts stack and order by this.
STATUS_ORDER: list[str] = [
    "achieved",
    "ahead",
    "on_track",
    "lagging",
    "severely_lagging",
    "regressing",
    "no_target",
    "insufficient_data",
]

STATUS_COLORS: dict[str, str] = {
    "achieved": "#0072B2",  # blue
    "ahead": "#009E73",  # bluish green
    "on_track": "#56B4E9",  # sky blue
    "lagging": "#E69F00",  # orange
    "severely_lagging": "#D55E00",  # vermillion
    "regressing": "#882255",  # wine (Tol): the darkest, for the worst
    "no_target": "#BBBBBB",  # mid grey
    "insufficient_data": "#E0E0E0",  # light grey
}

STATUS_GLYPHS: dict[str, str] = {
    "achieved": "★",
    "ahead": "▲",
    "on_track": "●",
    "lagging": "▽",
    "severely_lagging": "▼",
    "regressing": "↓",
    "no_target": "○",
    "insufficient_data": "—",
}

# Statuses that call for attention ("where it is falling behind").
BEHIND = ("lagging", "severely_lagging", "regressing")

NEUTRAL = "#3B4A5A"  # actual values, lines that are not a status
TARGET = "#7B8794"  # targets and the plan's path
FONT_FAMILY = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif'


def status_label(status: str) -> str:
    """The status's label in the active language (the model's choices are the single source)."""
    return str(Status(status).label) if status in STATUS_COLORS else str(status)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two #RRGGBB colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    return (
        "#000000"
        if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#FFFFFF")
        else "#FFFFFF"
    )
