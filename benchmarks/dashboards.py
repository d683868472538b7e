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

With ``--national 300,1000,3000`` it measures instead the same pages on the recompute benchmark's
synthetic national data set (``benchmarks/recompute.py``: N parks × 30 indicators × 16 years in a scratch
PostgreSQL database on the server of ``DATABASE_URL``), signed in as a region official of one province,
for a synthetic park with 30 indicators and 2 zones: park overview, heatmap, indicator, dashboards
index, region (the official's province) and compare (every park the official may see). Each figure is
the server time of a page whose results are stored (a refresh, not a first fill: the recompute ran
before). Goals (issue 16): overview, heatmap and index ≤ 200 ms at any scale, region and compare ≤ 1 s.

It prints the figures. With ``--check`` it exits 1 when a page's query count changes between scales or
its time grows faster than the data (time per park from the smallest to the largest scale above
``SCALING_SLACK``); ``--check-goals`` also fails on a missed time goal. Absolute times are never checked
by default: CI runs ``--national 100,300 --check`` on its own PostgreSQL.

Usage::

    .venv/bin/python benchmarks/dashboards.py                 # 50 server runs, 10 browser runs
    .venv/bin/python benchmarks/dashboards.py --runs 200 --browser-runs 20
    .venv/bin/python benchmarks/dashboards.py --no-browser    # without Chromium
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/dashboards.py --national 300,1000,3000
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
GOAL_NATIONAL_MS = {"park overview": 200.0, "heatmap": 200.0, "dashboards index": 200.0, "region": 1000.0}
GOAL_NATIONAL_MS["compare"] = 1000.0
SCALING_SLACK = 1.5


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


def measure_server(url: str, runs: int, *, user=None, cached: bool = False) -> dict:
    """``cached=False`` computes every request (PAGE_CACHE_SECONDS = 0: the page's work); ``cached=True``
    serves the page as configured, so every request after the warm-up finds its parts in the page
    cache (core.cache.cached_page_part) and only checks who may see it and renders the template."""
    from django.test.utils import override_settings

    with override_settings(**({} if cached else {"PAGE_CACHE_SECONDS": 0})):
        return _measure_server(url, runs, user=user)


def _measure_server(url: str, runs: int, *, user=None) -> dict:
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


def national(args) -> int:
    """The pages on the synthetic national data set, at each scale of ``--national``."""
    from urllib.parse import quote

    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    sys.path.insert(0, str(ROOT))
    from benchmarks import recompute as bench

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        bench.fail(
            "--national needs DATABASE_URL=postgres://… (a scratch database is created on that server)"
        )
    scales = [int(x) for x in args.national.split(",") if x.strip()]
    bench_url, admin_kwargs, _ = bench.bench_database_url(url, args.bench_db)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    by_scale: dict[int, dict[str, dict]] = {}
    static = tempfile.TemporaryDirectory(prefix="parktrack-bench-static-")
    try:
        for index, n_parks in enumerate(scales):
            start = time.perf_counter()
            bench.fresh_database(admin_kwargs, args.bench_db, bench_url, first=index == 0)
            from django.conf import settings
            from django.contrib.auth import get_user_model
            from django.core.management import call_command

            from parks.models import Park, RegionScope
            from progress.services import progress_recompute

            if index == 0:
                settings.STATIC_ROOT = Path(static.name)  # DEBUG is off: hashed, compressed files
                call_command("collectstatic", interactive=False, verbosity=0)
            bench.generate(n_parks)
            rows = progress_recompute()
            park = Park.objects.filter(is_synthetic=True, zones__isnull=False).order_by("code").first()
            official = get_user_model().objects.create_user("bench-region-official", password="bench-only")
            RegionScope.objects.create(user=official, province=park.province)
            in_province = Park.objects.filter(province=park.province).count()
            print(
                f"=== {n_parks:,} parks: {rows:,} stored results, "
                f"prepared in {time.perf_counter() - start:.1f} s; "
                f"signed in as an official of {park.province} ({in_province} parks); park {park.code} "
                f"with {park.zones.count()} zones ==="
            )
            pages = [
                ("park overview", f"/dashboards/parks/{park.code}/"),
                ("heatmap", f"/dashboards/parks/{park.code}/heatmap/"),
                ("indicator", f"/dashboards/parks/{park.code}/plans/{park.plans.get().code}/indicators/1/"),
                ("dashboards index", "/dashboards/"),
                ("region", f"/dashboards/regions/?province={quote(park.province)}"),
                ("compare", "/dashboards/compare/?indicator=synthetic-gdp"),
            ]
            figures = {}
            for name, page in pages:
                figures[name] = measure_server(page, args.runs, user=official)
                goal = GOAL_NATIONAL_MS.get(name)
                met = (
                    "" if goal is None else f"goal ≤ {goal:.0f} ms: {verdict(figures[name]['median'], goal)}"
                )
                print(
                    f"  {name:<18} median {figures[name]['median']:7.1f} ms  "
                    f"p90 {figures[name]['p90']:7.1f}  CPU {figures[name]['cpu']:7.1f}  "
                    f"queries {figures[name]['queries']:3d}  {met}"
                )
            by_scale[n_parks] = figures
    finally:
        from django.db import connections

        connections.close_all()
        bench.drop_bench_database(admin_kwargs, args.bench_db)
        static.cleanup()

    ok = True
    if len(by_scale) > 1:
        small, large = min(by_scale), max(by_scale)
        print(f"=== scaling from {small:,} to {large:,} parks ({large / small:.1f}× the data) ===")
        for name in by_scale[small]:
            a, b = by_scale[small][name], by_scale[large][name]
            # CPU time of this process (the page's own work): other work on the machine inflates the
            # wall clock unevenly between scales.
            growth = (b["cpu"] / large) / (a["cpu"] / small)
            same_queries = b["queries"] <= a["queries"]
            fine = growth <= SCALING_SLACK and same_queries
            ok &= fine
            print(
                f"  {name:<18} {a['median']:7.1f} → {b['median']:7.1f} ms "
                f"({b['median'] / a['median']:.2f}×; CPU {a['cpu']:.1f} → {b['cpu']:.1f}), "
                f"queries {a['queries']} → {b['queries']}: {'ok' if fine else 'GROWS'}"
            )
    if args.check_goals:
        for n_parks, figures in by_scale.items():
            for name, goal in GOAL_NATIONAL_MS.items():
                if figures[name]["median"] > goal:
                    print(
                        f"  goal missed at {n_parks:,} parks: {name} "
                        f"{figures[name]['median']:.0f} ms > {goal:.0f}"
                    )
                    ok = False
    if args.check and not ok:
        print("--check: FAILED")
        return 1
    if args.check:
        print("--check: passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="server-time runs per page (median)")
    parser.add_argument("--browser-runs", type=int, default=10, help="browser runs (median)")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium measurement")
    parser.add_argument("--no-demo", action="store_true", help="the seed only: the 14th plan has no actuals")
    parser.add_argument(
        "--national", default="", help="park counts, e.g. 300,1000,3000: the synthetic national data set"
    )
    parser.add_argument("--bench-db", default="parktrack_bench_dashboards", help="scratch database name")
    parser.add_argument("--check", action="store_true", help="exit 1 when a page's cost grows with the data")
    parser.add_argument("--check-goals", action="store_true", help="with --check: also fail on time goals")
    args = parser.parse_args()
    if args.national:
        return national(args)

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
            "median CPU time of this process (ms; CPU time does not count waiting for a busy machine's "
            "cores); each page computed on every request, then served from the page cache"
        )
        overview = None
        for name, url in pages:
            anon = measure_server(url, args.runs)
            signed = measure_server(url, max(5, args.runs // 5), user=user)
            hit = measure_server(url, args.runs, cached=True)
            hit_signed = measure_server(url, max(5, args.runs // 5), user=user, cached=True)
            overview = overview or (anon, signed, hit, hit_signed)
            for label, a, s in ((name, anon, signed), ("  from the page cache", hit, hit_signed)):
                print(
                    f"  {label:<24} {a['median']:6.1f} / {a['p90']:6.1f} / {a['min']:6.1f}   "
                    f"CPU {a['cpu']:6.1f}   "
                    f"queries: {a['queries']} anonymous, {s['queries']} signed in   "
                    f"{a['bytes'] / 1024:.0f} kB HTML"
                )
        anon, signed, hit, hit_signed = overview
        print()
        print(
            f"Park overview, goal ≤ {GOAL_QUERIES} queries: {max(anon['queries'], signed['queries'])} "
            f"({verdict(max(anon['queries'], signed['queries']), GOAL_QUERIES)})"
        )
        print(
            f"Park overview, goal ≤ {GOAL_SERVER_MS:.0f} ms server time: median {anon['median']:.1f} ms wall "
            f"({verdict(anon['median'], GOAL_SERVER_MS)}), {anon['cpu']:.1f} ms CPU "
            f"({verdict(anon['cpu'], GOAL_SERVER_MS)}); from the page cache {hit['median']:.1f} ms wall, "
            f"{hit['cpu']:.1f} ms CPU, {hit['queries']} queries anonymous, {hit_signed['queries']} signed in"
        )

        if args.no_browser:
            return 0
        if not Path(CHROMIUM).exists():
            print(f"\n{CHROMIUM} not found: the browser measurement is skipped")
            return 0
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
