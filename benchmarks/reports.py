#!/usr/bin/env python
"""How long does one park's report take? Yuxi's 14th plan in 2023 (mid-term, demo data) and the 13th plan
in 2020 (final evaluation), DOCX and PDF, against the goal of issue 12: under 5 s for one park's report.

For each report it times, separately and in total: gathering the figures (``reports.context``), building
and drawing the charts (kaleido in headless Chromium), and writing the file. Charts are timed three ways:
with a cold browser (the first report a process writes: Chromium starts and loads plotly.js), with the
browser already open (the next reports, as in a web worker or the Celery worker), and from the chart
cache (a report whose figures did not change).

Everything runs in a scratch SQLite database in a temporary directory (seed, ``demo_data``, recompute);
nothing touches ``db.sqlite3`` or ``DATABASE_URL``. It prints the figures and exits 0: a measurement, never
a test; it asserts nothing about time.

Usage::

    .venv/bin/python benchmarks/reports.py            # 5 runs of each warm measurement
    .venv/bin/python benchmarks/reports.py --runs 10
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 5.0


def setup_django(scratch: Path) -> None:
    # This file is named like the app: keep its own folder off the path so "reports" is the app.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed", verbosity=0)
    call_command("demo_data", verbosity=0)
    from progress.services import progress_recompute

    progress_recompute()


def timed(func):
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - start, time.process_time() - cpu


def measure(case: str, park_code: str, plan_code: str, year: int, fmt: str, runs: int) -> list[tuple]:
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache

    from parks.models import Park
    from plans.models import Plan
    from reports import images
    from reports.context import park_report
    from reports.services import write

    park, plan = Park.objects.get(code=park_code), Plan.objects.get(code=plan_code)

    def one(*, clear_cache: bool):
        if clear_cache:
            cache.clear()
        report, t_context, _c = timed(
            lambda: park_report(user=AnonymousUser(), park=park, plan=plan, year=year)
        )
        _r, t_charts, _c = timed(lambda: images.add_charts(report))
        content, t_write, c_write = timed(lambda: write(report, fmt))
        return t_context, t_charts, t_write, t_context + t_charts + t_write, len(report.charts), len(content)

    rows = []
    cold = one(clear_cache=True) if not images._browser._kaleido else None
    if cold is not None:
        rows.append((case, fmt, "cold browser", *cold))
    warm = [one(clear_cache=True) for _ in range(runs)]
    rows.append((case, fmt, f"browser open (median of {runs})", *_median(warm)))
    cached = [one(clear_cache=False) for _ in range(runs)]
    rows.append((case, fmt, f"charts cached (median of {runs})", *_median(cached)))
    return rows


def _median(runs: list[tuple]) -> tuple:
    return tuple(statistics.median(values) for values in zip(*runs, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        setup_django(Path(scratch))
        from reports import images

        if images.browser_path() is None:
            print("no Chromium found (set BROWSER_PATH): charts cannot be drawn", file=sys.stderr)
            return 2
        rows = []
        for fmt in ("docx", "pdf"):
            rows += measure(
                "yuxi-14th-fyp 2023 (mid-term)", "yuxi-hitech", "yuxi-14th-fyp", 2023, fmt, args.runs
            )
            rows += measure(
                "yuxi-13th-fyp 2020 (final)", "yuxi-hitech", "yuxi-13th-fyp", 2020, fmt, args.runs
            )
        images._browser.close()
    print(f"One park's report (goal: under {GOAL_SECONDS:.0f} s). Seconds, wall clock.")
    header = ("report", "fmt", "charts", "figures", "charts", "file", "total", "n charts", "bytes", "met")
    print(
        "  ".join(f"{h:<34}" if i == 0 else f"{h:<30}" if i == 2 else f"{h:>8}" for i, h in enumerate(header))
    )
    for case, fmt, how, t_context, t_charts, t_write, total, n, size in rows:
        met = "yes" if total < GOAL_SECONDS else "no"
        figures = f"{t_context:8.2f}  {t_charts:8.2f}  {t_write:8.2f}  {total:8.2f}"
        print(f"{case:<34}  {fmt:>8}  {how:<30}  {figures}  {int(n):8d}  {int(size):8d}  {met:>8}")
    load_after = os.getloadavg()
    from importlib.metadata import version

    print(
        f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, kaleido {version('kaleido')}, "
        f"WeasyPrint {version('weasyprint')}, python-docx {version('python-docx')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
