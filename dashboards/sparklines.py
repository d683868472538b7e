"""Table sparklines as inline SVG drawn on the server: dozens of rows cost no JavaScript, print as
vectors and need no inline style (only classes), so they fit a strict Content-Security-Policy."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT, PAD = 96, 28, 3


@dataclass
class Sparkline:
    width: int
    height: int
    actual: list[str] = field(default_factory=list)  # polyline point lists; a gap splits the line
    target: list[str] = field(default_factory=list)
    last: tuple[float, float] | None = None  # the latest actual, drawn as a dot
    summary: str = ""  # the same data as text, for screen readers and hover


def sparkline(
    years: list[int], actual: list[float | None], target: list[float | None], *, summary: str = ""
) -> Sparkline | None:
    """The actual (solid) and target (dashed) paths over ``years``; None when there is nothing to draw."""
    values = [v for v in [*actual, *target] if v is not None]
    if not years or not values:
        return None
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    first, last = min(years), max(years)
    span = (last - first) or 1

    def point(year: int, value: float) -> tuple[float, float]:
        x = PAD + (year - first) / span * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (value - low) / (high - low) * (HEIGHT - 2 * PAD)
        return round(x, 1), round(y, 1)

    def paths(series: list[float | None]) -> list[str]:
        out, current = [], []
        for year, value in zip(years, series, strict=True):
            if value is None:
                if current:
                    out.append(current)
                current = []
                continue
            current.append(point(year, value))
        if current:
            out.append(current)
        return [" ".join(f"{x},{y}" for x, y in segment) for segment in out if segment]

    line = Sparkline(WIDTH, HEIGHT, actual=paths(actual), target=paths(target), summary=summary)
    known = [(y, v) for y, v in zip(years, actual, strict=True) if v is not None]
    if known:
        line.last = point(*known[-1])
    return line
