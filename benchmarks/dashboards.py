#!/usr/bin/env python
"""How fast is the park overview? Yuxi's 14th plan (表2's indicators, the text's industries and zones).

Measures, against the goals of issue 6:

1. queries per request of the park overview (goal ≤ 10), anonymous and signed in;
2. server time of the park overview with Django's test client, many runs, median (goal ≤ 200 ms): the
   whole request (middleware, selectors, pandas, Plotly figures, template);
3. time to fully drawn in headless Chromium (goal ≤ 2 s): from navigation start to the moment charts.js
   marks every chart drawn (``data-charts-rendered-ms`` = ``performance.now()`` after the last
   ``Plotly.newPlot`` resolved), with an empty cache (a first visit) and with a warm one.

The site runs production-like: DEBUG off, static files collected with hashed names and compressed, served by
WhiteNoise from a threaded WSGI server in this process. Everything happens in a scratch SQLite database in a
temporary directory (the seed, then ``demo_data``'s synthetic 2021–2024 actuals so that the overview has a
realistic picture, then the progress recompute); nothing touches ``db.sqlite3`` or ``DATABASE_URL``.

It prints the figures and exits 0: a measurement, never a test; it asserts nothing about time.

Usage::

    .venv/bin/python benchmarks/dashboards.py                 # 50 server runs, 10 browser runs
    .venv/bin/python benchmarks/dashboards.py --runs 200 --browser-runs 20
    .venv/bin/python benchmarks/dashboards.py --no-browser    # without Chromium
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
GOAL_QUERIES = 10
GOAL_SERVER_MS = 200.0
GOAL_DRAWN_MS = 2000.0
OVERVIEW = "/dashboards/parks/yuxi-hitech/"


def setup_django(scratch: Path) -> None:
    # This file is named like the app: keep its own folder off the path so "dashboards" is the app.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    import django
    from django.conf import settings

    django.setup()
    settings.STATIC_ROOT = scratch / "static"


def prepare(*, demo: bool) -> dict:
    """Migrate, seed, add the demo data, recompute, collect the static files. Returns what was loaded."""
    from django.core.management import call_command

    from dashboards.services import demo_data_create
    from plans.models import PlanIndicator
    from plans.seeding import seed_load
    from progress.models import ProgressResult
    from progress.services import progress_recompute

    call_command("migrate", verbosity=0)
    seed_load()
    progress_recompute()
    if demo:
        demo_data_create()
    call_command("collectstatic", interactive=False, verbosity=0)
    plan_rows = PlanIndicator.objects.filter(plan__code="yuxi-14th-fyp")
    return {
        "indicators": plan_rows.filter(park=None).count(),
        "zone_rows": plan_rows.exclude(park=None).count(),
        "results": ProgressResult.objects.filter(plan__code="yuxi-14th-fyp").count(),
    }


def measure_server(url: str, runs: int, *, user=None) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    response = client.get(url)  # warm-up: imports, template compilation
    if response.status_code != 200:
        sys.exit(f"benchmarks/dashboards.py: {url} answered {response.status_code}")
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)  # now: every request start empties the query log
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    return {
        "queries": query_count,
        "median": statistics.median(times),
        "p90": times[int(len(times) * 0.9) - 1],
        "min": times[0],
        "cpu": statistics.median(cpu),
        "bytes": len(response.content),
    }


def start_server() -> tuple[object, str]:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):  # noqa: D102 - silence the access log
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def measure_browser(base: str, url: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    cold, warm, cold_start, warm_start, fetched, encoded = [], [], [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
            page = context.new_page()
            # First visit (empty cache), then the same page again.
            for bucket, started in ((cold, cold_start), (warm, warm_start)):
                page.goto(base + url)
                page.wait_for_selector("html[data-charts-rendered='true']", timeout=30_000)
                bucket.append(float(page.get_attribute("html", "data-charts-rendered-ms")))
                started.append(float(page.get_attribute("html", "data-charts-start-ms")))
                if bucket is cold:
                    timing = page.evaluate(
                        "() => performance.getEntriesByType('resource')"
                        ".filter(e => e.name.includes('plotly'))"
                        ".map(e => [e.responseEnd, e.encodedBodySize])[0]"
                    )
                    fetched.append(timing[0])
                    encoded.append(timing[1])
            charts = page.locator(".chart-plot .main-svg").count()
            context.close()
        browser.close()
    return {
        "cold": statistics.median(cold),
        "warm": statistics.median(warm),
        "charts_svg": charts,
        "cold_max": max(cold),
        "warm_max": max(warm),
        "cold_start": statistics.median(cold_start),
        "fetched": statistics.median(fetched),
        "encoded_kb": statistics.median(encoded) / 1024,
        "warm_start": statistics.median(warm_start),
    }


def verdict(value: float, goal: float) -> str:
    return "meets the goal" if value <= goal else "MISSES the goal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="server-time runs per page (median)")
    parser.add_argument("--browser-runs", type=int, default=10, help="browser runs (median)")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium measurement")
    parser.add_argument("--no-demo", action="store_true", help="the seed only: the 14th plan has no actuals")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="parktrack-bench-dashboards-") as tmp:
        setup_django(Path(tmp))
        start = time.perf_counter()
        loaded = prepare(demo=not args.no_demo)
        prepared = time.perf_counter() - start

        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("bench-official", password="bench-only")
        print("ParkTrack dashboards benchmark")
        print(
            f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print(
            f"  data: Yuxi 十四五 — {loaded['indicators']} plan indicators of the park, "
            f"{loaded['zone_rows']} zone rows, {loaded['results']} stored results"
            + ("" if args.no_demo else "; 2021–2024 actuals are synthetic demo data (manage.py demo_data)")
        )
        print(f"  prepared in {prepared:.1f} s (migrate, seed, demo data, recompute, collectstatic)")
        print()
        pages = [
            ("park overview (十四五)", OVERVIEW),
            ("park overview (十三五)", OVERVIEW + "?plan=yuxi-13th-fyp"),
            ("heatmap", "/dashboards/parks/yuxi-hitech/heatmap/"),
            ("indicator", "/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/1/"),
            ("compare", "/dashboards/compare/?indicator=gdp-incl-tobacco"),
            ("region", "/dashboards/regions/?province=%E4%BA%91%E5%8D%97%E7%9C%81"),
        ]
        print(
            f"Server time, Django test client, {args.runs} runs each: wall clock median / p90 / min, and the "
            "median CPU time of this process (ms; CPU time does not count waiting for a busy machine's cores)"
        )
        overview = None
        for name, url in pages:
            anon = measure_server(url, args.runs)
            signed = measure_server(url, max(5, args.runs // 5), user=user)
            overview = overview or (anon, signed)
            print(
                f"  {name:<24} {anon['median']:6.1f} / {anon['p90']:6.1f} / {anon['min']:6.1f}   "
                f"CPU {anon['cpu']:6.1f}   "
                f"queries: {anon['queries']} anonymous, {signed['queries']} signed in   "
                f"{anon['bytes'] / 1024:.0f} kB HTML"
            )
        anon, signed = overview
        print()
        print(
            f"Park overview, goal ≤ {GOAL_QUERIES} queries: {max(anon['queries'], signed['queries'])} "
            f"({verdict(max(anon['queries'], signed['queries']), GOAL_QUERIES)})"
        )
        print(
            f"Park overview, goal ≤ {GOAL_SERVER_MS:.0f} ms server time: median {anon['median']:.1f} ms wall "
            f"({verdict(anon['median'], GOAL_SERVER_MS)}), {anon['cpu']:.1f} ms CPU "
            f"({verdict(anon['cpu'], GOAL_SERVER_MS)})"
        )

        if args.no_browser:
            return
        if not Path(CHROMIUM).exists():
            print(f"\n{CHROMIUM} not found: the browser measurement is skipped")
            return
        server, base = start_server()
        try:
            drawn = measure_browser(base, OVERVIEW, args.browser_runs)
        finally:
            server.shutdown()
        print()
        print(
            f"Park overview in headless Chromium, {args.browser_runs} runs "
            f"(navigation start → every chart drawn; {drawn['charts_svg']} plot SVGs)"
        )
        print(
            f"  plotly.js ({drawn['encoded_kb']:.0f} kB over the wire) fetched at {drawn['fetched']:.0f} ms "
            "on a first visit"
        )
        for label, key in (("first visit, empty cache", "cold"), ("repeat visit, warm cache", "warm")):
            print(
                f"  {label}: median {drawn[key]:.0f} ms (max {drawn[key + '_max']:.0f}; plotly.js ready at "
                f"{drawn[key + '_start']:.0f} ms)   goal ≤ {GOAL_DRAWN_MS:.0f} ms: "
                f"{verdict(drawn[key], GOAL_DRAWN_MS)}"
            )


if __name__ == "__main__":
    main()
