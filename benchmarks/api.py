#!/usr/bin/env python
"""How fast is the park progress endpoint next to a trivial JSON view on the same server?

Starts gunicorn on 127.0.0.1 (loopback only) with the product's WSGI application and the bench-only
settings (benchmarks/api_settings.py, benchmarks/api_urls.py: the product's URLs plus two yardsticks
that never exist in the product), then drives four URLs side by side: every round visits each URL
with the same number of requests from several client processes, and each URL's figure is the
median of its rounds.

- the trivial JSON view: a plain Django view returning {"ok": true} (the goal's yardstick);
- the same through DRF with the API's token authentication: the floor of any token endpoint;
- one park's progress as a big screen pulls it, with a token of a user who has a role in the park;
- the same anonymously (the park is public; the bench lifts the anonymous throttle, whose
  bookkeeping still runs, because every request comes from one address).

Two servers are measured in turn: the product as configured (progress responses cached, with an
ETag), and the same with the cache switched off (BENCH_CACHE=off: every request computed). Goal (from
the issue): the progress endpoint reaches at least 0.5× the trivial view's requests per second. The
script prints the figures and exits 0: a measurement, never an assertion.

The data: by default a fresh SQLite file in a temporary directory, migrated, seeded (the seed
documents' parks, plans and actuals) and recomputed; ``--database-url`` uses another database (it is
migrated and seeded too: the seed is idempotent, and the script adds a user "bench-viewer").

Usage::

    .venv/bin/python benchmarks/api.py
    .venv/bin/python benchmarks/api.py --workers 3 --requests 400 --rounds 5 --clients 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GOAL_RATIO = 0.5
PARK = "yuxi-hitech"
PROGRESS_PATH = f"/api/v1/progress/?park={PARK}&plan=yuxi-14th-fyp"
TRIVIAL_PATH = "/bench/trivial/"
TRIVIAL_DRF_PATH = "/bench/trivial-drf/"
PREPARE = """
from django.contrib.auth import get_user_model
from parks.models import ApiToken, Park, ParkRole
from progress.services import progress_recompute

user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
ParkRole.objects.get_or_create(user=user, park=Park.objects.get(code="{park}"), role="viewer")
progress_recompute()
ApiToken.objects.filter(user=user, name="benchmark").delete()
print(ApiToken.objects.create(user=user, name="benchmark")[1])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"benchmarks/api.py: manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare(env: dict) -> str:
    manage(env, "migrate", "--noinput")
    manage(env, "seed")
    output = manage(env, "shell", stdin=PREPARE.format(park=PARK))
    return output.strip().splitlines()[-1]


class Server:
    """gunicorn serving config.wsgi on a free loopback port."""

    def __init__(self, env: dict, workers: int):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                PYTHON, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(workers),
                "--log-level", "warning",
            ],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def wait_ready(self, token: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"benchmarks/api.py: gunicorn exited:\n{self.process.stderr.read()[-3000:]}")
            try:
                status, _ = request(self.port, TRIVIAL_PATH, None)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit("benchmarks/api.py: gunicorn did not answer within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def request(port: int, path: str, token: str | None, connection=None) -> tuple[int, bytes]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}"} if token else {}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if connection is None:
        conn.close()
    return response.status, body


def _client(args: tuple[int, str, str | None, int]) -> int:
    port, path, token, count = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    failures = 0
    for _ in range(count):
        status, _ = request(port, path, token, conn)  # reconnects when the sync worker closes
        failures += status != 200
    conn.close()
    return failures


def worker_cpu_seconds(master: int) -> float | None:
    """CPU time (user + system) used so far by gunicorn's workers, from /proc (Linux); None elsewhere.
    Unlike requests per second it does not depend on what else the machine is doing."""
    try:
        with open(f"/proc/{master}/task/{master}/children") as handle:
            children = handle.read().split()
        ticks = 0
        for child in children:
            with open(f"/proc/{child}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(
    pool, server: Server, path: str, token: str | None, total: int, clients: int
) -> tuple[float, float]:
    """(requests per second, server CPU milliseconds per request)."""
    per_client = max(1, total // clients)
    cpu_before = worker_cpu_seconds(server.process.pid)
    started = time.perf_counter()
    failures = sum(pool.map(_client, [(server.port, path, token, per_client)] * clients))
    elapsed = time.perf_counter() - started
    cpu_after = worker_cpu_seconds(server.process.pid)
    if failures:
        print(f"  warning: {failures} non-200 answers from {path}")
    count = per_client * clients
    cpu = (
        (cpu_after - cpu_before) * 1000 / count
        if cpu_before is not None and cpu_after is not None
        else math.nan
    )
    return count / elapsed, cpu


def targets(token: str) -> list[tuple[str, str, str | None]]:
    """(label, path, token): the yardsticks first, then the endpoint under test."""
    return [
        ("trivial JSON view (plain Django)", TRIVIAL_PATH, None),
        ("trivial DRF view, token auth", TRIVIAL_DRF_PATH, token),
        ("park progress, viewer token", PROGRESS_PATH, token),
        ("park progress, anonymous (public)", PROGRESS_PATH, None),
    ]


def run_server(env: dict, token: str, args, label: str, requests: int) -> dict:
    server = Server(env, args.workers)
    urls = targets(token)
    rates: dict[str, list[float]] = {name: [] for name, _, _ in urls}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in urls}
    try:
        server.wait_ready(token)
        status, body = request(server.port, PROGRESS_PATH, token)
        if status != 200:
            sys.exit(f"benchmarks/api.py: {PROGRESS_PATH} answered {status}: {body[:300]!r}")
        rows = json.loads(body)["count"]
        with multiprocessing.Pool(args.clients) as pool:
            for _name, path, tok in urls:  # warm-up: imports, caches
                measure(pool, server, path, tok, args.clients * 20, args.clients)
            for _ in range(args.rounds):  # side by side: every round visits every URL
                for name, path, tok in urls:
                    rate, cpu_ms = measure(pool, server, path, tok, requests, args.clients)
                    rates[name].append(rate)
                    cpu[name].append(cpu_ms)
    finally:
        server.stop()
    return {
        "label": f"{label}, {requests} requests per URL per round",
        "rows": rows,
        "bytes": len(body),
        "rates": {name: statistics.median(values) for name, values in rates.items()},
        "cpu": {name: statistics.median(values) for name, values in cpu.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--clients", type=int, default=4, help="client processes sending requests (default 4)"
    )
    parser.add_argument("--requests", type=int, default=400, help="requests per URL per round (default 400)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each visiting every URL (default 5)")
    parser.add_argument("--database-url", help="use this database instead of a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="parktrack-bench-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.api_settings",
            "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.sqlite3",
            "PYTHONPATH": str(ROOT),
        }
        print("preparing the database (migrate, seed, recompute)…", flush=True)
        token = prepare(env)
        results = [
            run_server(env, token, args, "as configured (progress cached)", args.requests),
            # Every request computed is slow: a quarter of the requests keeps the run short.
            run_server(
                {**env, "BENCH_CACHE": "off"},
                token,
                args,
                "cache off (every request computed)",
                max(40, args.requests // 4),
            ),
        ]

    database = (args.database_url or "sqlite").split("://", 1)[0]
    cache_backend = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "local memory, per worker"
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, database: {database}, cache: {cache_backend}"
    )
    print(
        f"gunicorn: {args.workers} sync workers on 127.0.0.1; {args.clients} client processes; "
        f"{args.rounds} rounds; medians of the rounds"
    )
    print(
        f"progress: GET {PROGRESS_PATH} ({results[0]['rows']} rows, first page {results[0]['bytes']} bytes)"
    )
    trivial_name = targets(token)[0][0]
    for result in results:
        print()
        print(f"{result['label']}:")
        print(f"  {'':<40}{'req/s':>8}{'ratio':>8}{'server CPU ms/req':>20}{'CPU ratio':>11}")
        base, base_cpu = result["rates"][trivial_name], result["cpu"][trivial_name]
        for name, rate in result["rates"].items():
            cpu_ms = result["cpu"][name]
            print(f"  {name:<40}{rate:>8.0f}{rate / base:>7.2f}×{cpu_ms:>20.2f}{base_cpu / cpu_ms:>10.2f}×")
    cached = results[0]
    print()
    print("ratio: requests per second against the trivial view's, measured side by side (it moves with")
    print("whatever else the machine runs); CPU ratio: the trivial view's server CPU time per request over")
    print("the URL's, i.e. the throughput ratio on a machine doing nothing else.")
    for name in ("park progress, viewer token", "park progress, anonymous (public)"):
        ratio = cached["rates"][name] / cached["rates"][trivial_name]
        cpu_ratio = cached["cpu"][trivial_name] / cached["cpu"][name]
        verdict = "meets" if min(ratio, cpu_ratio) >= GOAL_RATIO else "misses"
        print(
            f"goal ≥ {GOAL_RATIO}× the trivial view — {name}: {ratio:.2f}× (CPU {cpu_ratio:.2f}×), {verdict}"
        )
    floor = cached["cpu"][trivial_name] / cached["cpu"]["trivial DRF view, token auth"]
    print(f"floor of any token-authenticated DRF endpoint here: CPU {floor:.2f}× the trivial view")


if __name__ == "__main__":
    main()
