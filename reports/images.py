"""The report's charts: the dashboards' own figures (progress.charts), drawn to PNG without internet.

Plotly figures are drawn by kaleido (≥ 1.0), which drives the system's headless Chromium through the
DevTools protocol with the plotly.js of the pinned plotly package and MathJax switched off, so nothing is
fetched from anywhere. One browser per process draws the charts, in two tabs, and stays open a while for
the next report; each PNG is kept in Django's cache under a hash of its figure, so a report whose figures
have not changed is not drawn again.
Without a browser the report is still written, without charts, and says why.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import io
import logging
import os
import shutil
import threading

import pandas as pd
from django.conf import settings
from django.core.cache import cache

from progress import charts as figures
from reports.context import Chart, ParkReport

log = logging.getLogger(__name__)

WIDTH = 900  # CSS pixels; drawn at SCALE for print (1350 px wide, 150 mm on the page ≈ 230 dpi)
SCALE = 1.5
CACHE_SECONDS = 60 * 60 * 24
TABS = 2  # this machine has two cores
DRAW_TIMEOUT = 60


class ChartsUnavailable(Exception):
    """No browser to draw the charts with."""


def browser_path() -> str | None:
    """The Chromium kaleido drives: ``settings.REPORTS_BROWSER`` (from ``BROWSER_PATH``), else the first
    of chromium, chromium-browser, google-chrome on the PATH."""
    configured = getattr(settings, "REPORTS_BROWSER", "") or os.environ.get("BROWSER_PATH", "")
    if configured:
        return configured if os.path.exists(configured) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows)


def report_figures(report: ParkReport) -> list[Chart]:
    """The charts of a park's report: completion by indicator, status by category, and the trajectory
    of each lagging indicator; built by the same functions as the dashboards' charts."""
    year, synthetic = report.year, report.synthetic
    rows = [
        {
            "order": r.order,
            "label": r.name,
            "unit_label": r.unit,
            "category": r.group,
            "actual": r.actual,
            "target_year": r.target_year,
            "completion_rate": r.completion_rate,
            "gap_year": r.gap_year,
            "gap_year_pct": r.gap_year_pct,
            "status": r.status,
        }
        for r in report.rows
    ]
    frame = _frame(rows)
    out = []
    if not frame.empty:
        for column in ("actual", "target_year", "completion_rate", "gap_year", "gap_year_pct"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        out.append(
            Chart(
                "completion",
                f"{year}年各指标目标完成率",
                figures.completion_bars(frame, year=year, synthetic=synthetic),
            )
        )
        out.append(
            Chart(
                "status",
                f"{year}年各领域指标状态",
                figures.status_by_category(frame, year=year, synthetic=synthetic),
            )
        )
    columns = [
        "year",
        "actual",
        "base_value",
        "target_year",
        "target_final",
        "final_year",
        "cagr_actual",
        "cagr_remaining",
        "projected_final",
        "status",
    ]
    for row in report.lagging:
        if not row.history:
            continue
        history = pd.DataFrame.from_records([{c: r.get(c) for c in columns} for r in row.history])
        for column in columns[1:-1]:
            history[column] = pd.to_numeric(history[column], errors="coerce")
        out.append(
            Chart(
                f"trajectory-{row.order}",
                f"{row.name}：实际值与规划目标路径",
                figures.trajectory(
                    history,
                    label=row.name,
                    unit=row.unit,
                    base_year=report.plan.base_year,
                    synthetic=synthetic,
                ),
            )
        )
    return out


def _key(chart: Chart) -> str:
    spec = chart.figure.to_json() + f"|{chart.width}|{SCALE}"
    return "reports:png:" + hashlib.sha256(spec.encode("utf-8")).hexdigest()


class _Browser:
    """One headless Chromium per process, driven by kaleido on an event loop in its own thread.

    Starting Chromium and loading plotly.js into its tabs takes seconds; drawing a chart takes a third of
    one. The browser therefore stays open between reports and closes itself after ``IDLE_SECONDS``
    without work (a web worker does not keep a browser for nothing). Callers from any thread submit their
    charts to the loop and wait; a browser that fails is closed and started afresh next time.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None
        self._idle: asyncio.TimerHandle | None = None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="report-charts", daemon=True).start()
        return self._loop

    async def _open(self, path: str):
        import kaleido  # only a process that draws charts loads it

        if self._kaleido is None:
            browser = kaleido.Kaleido(n=TABS, mathjax=False, path=path, timeout=DRAW_TIMEOUT)
            await browser.open()
            self._kaleido = browser
        return self._kaleido

    async def _close(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None:
            try:
                await browser.close()
            except Exception:  # noqa: BLE001 - a browser that died may fail to close; it is gone anyway
                log.warning("closing the chart browser failed", exc_info=True)

    async def _draw(self, path: str, charts: list[Chart]) -> list[bytes]:
        if self._idle is not None:
            self._idle.cancel()
        try:
            browser = await self._open(path)
            return await asyncio.gather(
                *(
                    browser.calc_fig(
                        chart.figure,
                        opts={
                            "format": "png",
                            "width": chart.width,
                            "height": chart.figure.layout.height,
                            "scale": SCALE,
                        },
                    )
                    for chart in charts
                )
            )
        except BaseException:
            await self._close()
            raise
        finally:
            if self._kaleido is not None:
                loop = asyncio.get_running_loop()
                self._idle = loop.call_later(idle_seconds(), lambda: loop.create_task(self._close()))

    def draw(self, path: str, charts: list[Chart]) -> list[bytes]:
        with self._lock:  # one report's charts at a time: the two tabs are shared by all callers
            loop = self._ensure_loop()
            future = asyncio.run_coroutine_threadsafe(self._draw(path, charts), loop)
            return future.result(timeout=DRAW_TIMEOUT + len(charts) * 10)

    def close(self) -> None:
        """Close the browser now (tests, shutdown)."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=30)


_browser = _Browser()
atexit.register(lambda: _browser.close() if _browser._kaleido is not None else None)


def idle_seconds() -> float:
    return float(getattr(settings, "REPORTS_BROWSER_IDLE_SECONDS", 120))


def _opaque(png: bytes) -> bytes:
    """The chart without its alpha channel (on white, as drawn): a PDF stores an alpha channel as a second
    image, which WeasyPrint encodes again for every chart."""
    from PIL import Image  # WeasyPrint's dependency

    image = Image.open(io.BytesIO(png))
    if image.mode == "RGB":
        return png
    flat = Image.new("RGB", image.size, "white")
    flat.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
    out = io.BytesIO()
    flat.save(out, format="PNG", compress_level=1)  # fast: WeasyPrint re-encodes it anyway
    return out.getvalue()


def draw(charts: list[Chart]) -> None:
    """Fill in each chart's PNG (from the cache, or drawn now). Raises ChartsUnavailable without a
    browser, or when drawing fails."""
    keys = [_key(c) for c in charts]
    cached = cache.get_many(keys)
    missing = [(c, k) for c, k in zip(charts, keys, strict=True) if k not in cached]
    for chart, key in zip(charts, keys, strict=True):
        if key in cached:
            chart.png = cached[key]
    if not missing:
        return
    path = browser_path()
    if path is None:
        raise ChartsUnavailable("no Chromium found (set BROWSER_PATH)")
    try:
        images = _browser.draw(path, [c for c, _k in missing])
    except Exception as exc:  # a browser that fails to start or hangs: the report goes out without charts
        log.exception("drawing the report's charts failed")
        raise ChartsUnavailable(f"drawing failed: {exc}") from exc
    drawn = {}
    for (chart, key), png in zip(missing, images, strict=True):
        chart.png = drawn[key] = _opaque(png)
    cache.set_many(drawn, CACHE_SECONDS)


def add_charts(report: ParkReport) -> ParkReport:
    """Build and draw the report's charts; without a browser, note that they are missing."""
    report.charts = report_figures(report)
    try:
        draw(report.charts)
    except ChartsUnavailable as exc:
        log.warning("report charts not drawn: %s", exc)
        report.charts = []
        report.charts_missing = "本报告未附图表：服务器上用于绘图的 Chromium 浏览器不可用。"
    return report
