#!/usr/bin/env python
"""How does the site hold up under load? Dashboards browsed by many, data sheets saved by a few.

Issue goal: 50 concurrent users browsing dashboards and 5 saving data sheets for 60 s against gunicorn +
PostgreSQL + Redis, with zero errors and p95 latency ≤ 500 ms on a 2-core machine.

The script builds its own stack on loopback and removes it again:

1. a throwaway PostgreSQL cluster (``initdb`` as the ``postgres`` user when run as root, trust auth,
   ``fsync=off`` like CI unless ``--durable``) and a redis-server without persistence, each on a free
   127.0.0.1 port, in a temporary directory;
2. ``migrate``, ``seed``, ``demo_data --parks N`` (synthetic 2021–2024 actuals for Yuxi and N synthetic
   parks, all flagged synthetic), ``collectstatic`` into the temporary directory;
3. users: ``load-viewer`` (an official with a region scope on 云南省) for the browsers, and one 填报员
   (ParkRole entry) per writer, each on a sheet of its own (yuxi-hitech, then demo-park-01, -02, …):
   five people typing into the same sheet at once would mostly measure version conflicts;
4. gunicorn (``config.wsgi``, sync workers, ``--workers`` default 2 × CPUs + 1) and a Celery worker,
   both with the production settings (``config.settings.production``: DEBUG off, WhiteNoise with the
   hashed, compressed static files, Redis cache). Plain HTTP on loopback needs only what the settings
   already read from the environment: ``SECURE_SSL_REDIRECT=false``, ``SESSION_COOKIE_SECURE=false``,
   ``CSRF_COOKIE_SECURE=false``; the one override is ``STATIC_ROOT`` (a temporary directory, through a
   settings module there that imports the production one), so nothing is written into the project.

Then every user signs in through the login form (GET for the CSRF cookie, POST; not timed in the
window), a short warm-up touches every page kind on every gunicorn worker, each page's service time is
measured one request at a time (``--baseline-runs``), and then the measured window opens for all users:

- browsers (``--users``, default 50) loop: pick a dashboard page (index, park overview, heatmap,
  indicator page, compare, region; parks, indicators and provinces drawn at random), GET it, think
  0–``--think`` s (also before the first page, so that the users do not all arrive in the same
  instant). Static files are not fetched: their names are hashed and WhiteNoise serves them with
  a far-future expiry, so a browser has them cached; ``--static`` adds one cold-cache fetch of a page's
  CSS/JS (plotly.js included) per user at its first page view, reported separately.
- writers (``--writers``, default 5) loop on their 2025 sheet as a browser does: GET the sheet, think,
  POST the whole form (every input, the CSRF token, ``action=save``) with ``--values`` values changed
  (drafts), follow the redirect back to the sheet (which shows "已保存 N 项"), think, and so on.

Every user stops starting requests when ``--duration`` seconds are up; requests in flight then finish
(each has a ``--timeout``, no retries). Random choices come from ``random.Random(--seed + user)``.

Errors: an exception (refused, reset, timed out), a status outside 2xx/3xx, or an unexpected answer
(a page that redirects to the login form, a save that is not confirmed on the page that follows).

It prints throughput, p50/p95/p99 latency per kind and per page, errors with examples, the verdict
against the goals, the load average during the run (the machine may be shared), the CPU time of each
part of the stack and of everything else on the machine, and the capacity this implies (CPU per request)
against the demand the users make. It asserts nothing and exits 0 once it has measured; 2 if the stack
cannot start. Everything it started is killed (by process group) and its temporary directory removed,
also on Ctrl-C.

Usage::

    .venv/bin/python benchmarks/load.py                               # 60 s, 50 browsers, 5 writers
    .venv/bin/python benchmarks/load.py --duration 10 --users 5 --writers 2   # a quick smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import os
import platform
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: the script talks to nothing it did not start
GOAL_P95_MS = 500.0
SHEET_YEAR = 2025  # the last year of the 14th plans (Yuxi's and the demo parks'): no actuals yet
BANNER = "ParkTrack load test"
SETUP_TIMEOUT = 600.0
READY_TIMEOUT = 90.0
# Variables of the calling shell that must not leak into the production-like processes.
DROPPED_ENV = (
    "CI",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
)

# Share of page views per dashboard page (a browsing user's mix; the park pages dominate).
PAGE_WEIGHTS = {"overview": 30, "indicator": 25, "heatmap": 15, "compare": 10, "region": 10, "index": 10}


class SetupError(Exception):
    """The stack could not be built: exit 2."""


# --- the stack: PostgreSQL, Redis, gunicorn, Celery ------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (gunicorn's and Celery's children too), then reap the leader.
        The leader is reaped last, so until then the group id cannot belong to anyone else."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)


class Stack:
    """Everything this run starts, in one temporary directory; ``close`` removes it all."""

    def __init__(self, *, durable: bool):
        self.dir = Path(tempfile.mkdtemp(prefix="parktrack-load-"))
        os.chmod(self.dir, 0o755)  # the postgres user must enter it
        self.durable = durable
        self.procs: list[Proc] = []
        self.pg_bin: Path | None = None
        self.pg_data = self.dir / "pg" / "data"
        self.pg_port = self.redis_port = self.web_port = 0
        self.as_root = os.geteuid() == 0
        self.secret = secrets.token_urlsafe(48)

    # processes

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Proc:
        log = self.dir / f"{name}.log"
        with open(log, "ab") as handle:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env or self.env(),
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )
        proc = Proc(name, process, log)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.kill()
        if self.pg_bin and (self.pg_data / "postmaster.pid").exists():
            try:
                self._pg("pg_ctl", "-D", str(self.pg_data), "-m", "immediate", "-w", "-t", "20", "stop")
            except Exception:
                with contextlib.suppress(OSError, ValueError, IndexError):
                    pid = int((self.pg_data / "postmaster.pid").read_text().splitlines()[0])
                    os.kill(pid, signal.SIGKILL)  # the postmaster this cluster wrote down, nothing else
        shutil.rmtree(self.dir, ignore_errors=True)

    # PostgreSQL

    def _pg(self, *args: str, timeout: float = 120) -> None:
        assert self.pg_bin is not None
        command = " ".join(quote_sh(a) for a in [str(self.pg_bin / args[0]), *args[1:]])
        argv = (
            ["su", "postgres", "-s", "/bin/sh", "-c", command] if self.as_root else ["/bin/sh", "-c", command]
        )
        with open(self.dir / "pg_ctl.log", "ab") as log:
            result = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=timeout
            )
        if result.returncode != 0:
            raise SetupError(
                f"{args[0]} exited with {result.returncode}:\n{tail(self.dir / 'pg_ctl.log')}\n"
                f"{tail(self.dir / 'pg' / 'server.log')}"
            )

    def start_postgres(self) -> None:
        found = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/initdb"),
            key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)] or [0],
        )
        if not found:
            raise SetupError("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb); see .ci/run")
        self.pg_bin = found[-1].parent
        sockets = self.dir / "pg" / "sockets"
        sockets.mkdir(parents=True)
        if self.as_root:  # initdb refuses to run as root: the cluster belongs to postgres, as in .ci/run
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "postgres"], check=True, timeout=30)
                owner = pwd.getpwnam("postgres")
            for path in (self.dir / "pg", sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.pg_port = free_port()
        self._pg("initdb", "-D", str(self.pg_data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        options = f"-h {HOST} -p {self.pg_port} -k {sockets}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        server_log = str(self.dir / "pg" / "server.log")
        self._pg(
            "pg_ctl", "-D", str(self.pg_data), "-l", server_log, "-w", "-t", "60", "-o", options, "start"
        )
        import psycopg2

        connection = psycopg2.connect(host=HOST, port=self.pg_port, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE parktrack_load")
            cursor.execute("SHOW fsync")
            self.pg_fsync = cursor.fetchone()[0]
            cursor.execute("SHOW server_version")
            self.pg_version = cursor.fetchone()[0]
        connection.close()

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.pg_data / "postmaster.pid").read_text().splitlines()[0])
        return None

    # Redis

    def start_redis(self) -> Proc:
        binary = shutil.which("redis-server")
        if not binary:
            raise SetupError("redis-server not found; see .ci/run")
        self.redis_port = free_port()
        redis_dir = self.dir / "redis"
        redis_dir.mkdir()
        proc = self.start(
            "redis",
            [
                binary,
                "--bind",
                HOST,
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(redis_dir),
                "--protected-mode",
                "yes",
            ],  # fmt: skip
            env=dict(os.environ),
        )
        import redis

        client = redis.Redis(host=HOST, port=self.redis_port, socket_connect_timeout=1, socket_timeout=2)

        def ping() -> bool:
            with contextlib.suppress(Exception):
                return bool(client.ping())
            return False

        if not wait_for(lambda: ping() or not proc.alive(), 15) or not ping():
            raise SetupError(f"redis-server did not start:\n{tail(proc.log)}")
        return proc

    # Django

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "parktrack_load_settings",
                "PYTHONPATH": os.pathsep.join([str(self.dir / "settings"), str(ROOT)]),
                "SECRET_KEY": self.secret,
                "DATABASE_URL": f"postgres://postgres@{HOST}:{self.pg_port}/parktrack_load",
                "REDIS_URL": f"redis://{HOST}:{self.redis_port}/0",
                "ALLOWED_HOSTS": f"{HOST},localhost",
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def write_settings(self) -> None:
        folder = self.dir / "settings"
        folder.mkdir()
        (folder / "parktrack_load_settings.py").write_text(
            '"""benchmarks/load.py: the production settings; static files in a temporary directory."""\n'
            "from config.settings.production import *  # noqa: F403\n\n"
            f"STATIC_ROOT = {str(self.dir / 'static')!r}\n"
        )

    def manage(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env(), **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
        )
        if result.returncode != 0:
            raise SetupError(
                f"manage.py {args[0]} exited with {result.returncode}:\n{result.stdout[-3000:]}\n"
                f"{result.stderr[-3000:]}"
            )
        return result.stdout

    def start_celery(self, concurrency: int) -> Proc:
        return self.start(
            "celery",
            [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}",
             "--loglevel=WARNING", "--without-mingle", "--without-gossip", "-n", f"load-{os.getpid()}@%h"],
        )  # fmt: skip

    def start_gunicorn(self, workers: int) -> Proc:
        self.web_port = free_port()
        return self.start(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{self.web_port}",
             "--workers", str(workers), "--timeout", "60", "--graceful-timeout", "5"],
        )  # fmt: skip

    def wait_healthy(self, web: Proc, worker: Proc) -> dict:
        """/healthz answers 200 once the database, Redis and the Celery worker all answer."""
        last: dict = {}

        def healthy() -> bool:
            nonlocal last
            if not (web.alive() and worker.alive()):
                return True
            result = Client(self.web_port, timeout=5).request("GET", "/healthz")
            with contextlib.suppress(ValueError):
                last = json.loads(result.body or b"{}")
            return result.status == 200

        if not wait_for(healthy, READY_TIMEOUT, interval=0.5) or not (web.alive() and worker.alive()):
            raise SetupError(
                f"the stack did not become healthy (last /healthz: {last}).\n--- gunicorn:\n{tail(web.log)}\n"
                f"--- celery:\n{tail(worker.log)}"
            )
        return last


def quote_sh(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


# The users and the pages to browse: run inside the project (manage.py shell), prints one JSON line.
SETUP_CODE = r"""
import json, os
from django.contrib.auth import get_user_model
from dashboards import selectors
from parks.models import Park, ParkRole, RegionScope
from plans.models import Plan, PlanIndicator

User = get_user_model()
password = os.environ["LOAD_PASSWORD"]
viewer = User.objects.create_user("load-viewer", password=password)
RegionScope.objects.create(user=viewer, province="云南省")
writers = []
for i, code in enumerate(json.loads(os.environ["LOAD_SHEETS"]), start=1):
    user = User.objects.create_user(f"load-writer-{i}", password=password)
    ParkRole.objects.create(user=user, park=Park.objects.get(code=code), role=ParkRole.Role.ENTRY)
    writers.append({"username": user.username, "park": code})
regions = selectors.visible_park_regions(viewer)
parks = selectors.visible_parks(viewer, regions)
with_plans = sorted(
    {code for code in Plan.objects.filter(park__in=parks, plan_indicators__isnull=False)
     .values_list("park__code", flat=True)}
)
indicators = [
    [park, plan, order]
    for park, plan, order in PlanIndicator.objects.filter(plan__park__in=parks, park__isnull=True)
    .values_list("plan__park__code", "plan__code", "order")
]
print("LOAD-SETUP " + json.dumps({
    "writers": writers,
    "parks": with_plans,
    "indicators": indicators,
    "compare": [o["code"] for o in selectors.compare_indicators(parks)],
    "regions": sorted({(p, f) for p, f in selectors.region_choices(regions)}),
}, ensure_ascii=False))
"""


# --- the HTTP client ---------------------------------------------------------------------------------


@dataclass
class Result:
    status: int  # 0: no answer (exception)
    body: bytes
    headers: dict[str, str]
    ms: float
    error: str = ""


class Client:
    """One browser: its own cookies, a new connection per request (gunicorn's sync workers close
    every connection after the response), no redirects followed implicitly, never a retry."""

    def __init__(self, port: int, *, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.origin = f"http://{HOST}:{port}"

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None, *,
                accept_encoding: str = "identity") -> Result:  # fmt: skip
        headers = {
            "Host": f"{HOST}:{self.port}",
            "User-Agent": "parktrack-load/1",
            "Accept": "text/html,*/*",
            "Accept-Language": "zh-CN,zh;q=0.9",
            "Accept-Encoding": accept_encoding,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin  # what a browser sends; Django's CSRF check compares it
            headers["Referer"] = self.origin + path
        start = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            ms = (time.perf_counter() - start) * 1000
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            return Result(response.status, data, {k.lower(): v for k, v in response.getheaders()}, ms)
        except (OSError, http.client.HTTPException) as exc:
            return Result(0, b"", {}, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def _keep_cookies(self, lines: list[str]) -> None:
        for line in lines:
            jar = SimpleCookie()
            with contextlib.suppress(Exception):
                jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


INPUT_RE = re.compile(r"<input\b([^>]*)>", re.S)
ATTR_RE = re.compile(r'([\w:-]+)="([^"]*)"')
ROW_RE = re.compile(r'<tr id="row-\d+"([^>]*)>(.*?)</tr>', re.S)
ASSET_RE = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="(/static/[^"]+\.(?:js|css))"')
SAVED_RE = re.compile(r"已保存 (\d+) 项")


def attrs(tag: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in ATTR_RE.findall(tag)}


def form_fields(page: str, form_id: str | None = None) -> list[tuple[str, str]]:
    """The named inputs of a page's form (``<form … id=form_id>`` or the first form), as posted."""
    start = page.find(f'id="{form_id}"') if form_id else page.find("<form")
    end = page.find("</form>", start)
    if start < 0 or end < 0:
        return []
    fields = []
    for tag in INPUT_RE.findall(page[start:end]):
        a = attrs(tag)
        if "name" in a and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            fields.append((a["name"], a.get("value", "")))
    return fields


@dataclass
class SheetRow:
    field: str  # value-<key>
    measure: str
    prev: str


def sheet_rows(page: str) -> list[SheetRow]:
    rows = []
    for tr_attrs, inner in ROW_RE.findall(page):
        a = attrs(tr_attrs)
        for tag in INPUT_RE.findall(inner):
            name = attrs(tag).get("name", "")
            if name.startswith("value-"):
                rows.append(SheetRow(name, a.get("data-measure", ""), a.get("data-prev", "")))
    return rows


def new_value(row: SheetRow, current: str, rng: random.Random) -> str:
    """A plausible value near last year's, in the printed unit, with as many decimals as last year's,
    and numerically different from the value in the input (else the server rightly saves nothing)."""
    prev = row.prev.replace(",", "")
    try:
        base = float(prev)
        places = min(len(prev.split(".")[1]) if "." in prev else 0, 4)
    except ValueError:
        base, places = rng.uniform(5, 80), 1
    value = base * rng.uniform(0.97, 1.08)
    if row.measure == "share":
        value = min(value, 99.0)
    step = -(10**-places) if row.measure == "share" else 10**-places
    try:
        shown = Decimal(current.replace(",", "")) if current.strip() else None
    except InvalidOperation:
        shown = None
    text = f"{value:.{places}f}"
    while shown is not None and Decimal(text) == shown:
        value += step
        text = f"{value:.{places}f}"
    return text


# --- recording ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # browse, sheet (GET), save (POST), static
    page: str
    at: float  # seconds since the window opened
    ms: float
    status: int
    error: str


@dataclass
class Recorder:
    t0: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, page: str, started: float, result: Result, error: str = "") -> None:
        if not error:
            if result.status == 0:
                error = result.error
            elif not 200 <= result.status < 400:
                error = f"HTTP {result.status}: {snippet(result.body)}"
        sample = Sample(kind, page, started - self.t0, result.ms, result.status, error)
        with self.lock:
            self.samples.append(sample)


def snippet(body: bytes, size: int = 160) -> str:
    text = re.sub(r"<[^>]+>", " ", body.decode("utf-8", "replace"))
    return re.sub(r"\s+", " ", text).strip()[:size]


# --- the users ---------------------------------------------------------------------------------------


@dataclass
class Workload:
    """What the users do and where (filled from the setup's JSON)."""

    pages: dict
    think: float
    values: int
    seed: int
    static: bool


def login(client: Client, username: str, password: str) -> str:
    """Sign in through the form as a browser does; '' on success, else why not."""
    page = client.request("GET", "/accounts/login/")
    if page.status != 200:
        return page.error or f"login page: HTTP {page.status}"
    fields = dict(form_fields(page.body.decode("utf-8", "replace")))
    token = fields.get("csrfmiddlewaretoken", "")
    form = [("csrfmiddlewaretoken", token), ("username", username), ("password", password),
            ("next", "/dashboards/")]  # fmt: skip
    answer = client.request("POST", "/accounts/login/", form)
    if answer.status != 302 or "sessionid" not in client.cookies:
        return answer.error or f"login: HTTP {answer.status} {snippet(answer.body)}"
    return ""


def page_url(kind: str, pages: dict, rng: random.Random) -> str:
    parks = pages["parks"]
    # Half of the park pages are Yuxi's (the real plan, the biggest page), the rest any visible park.
    park = "yuxi-hitech" if "yuxi-hitech" in parks and rng.random() < 0.5 else rng.choice(parks)
    if kind == "overview":
        return f"/dashboards/parks/{park}/"
    if kind == "heatmap":
        return f"/dashboards/parks/{park}/heatmap/"
    if kind == "indicator":
        yuxi = [i for i in pages["indicators"] if i[0] == "yuxi-hitech"]
        code, plan, order = rng.choice(yuxi if yuxi and rng.random() < 0.5 else pages["indicators"])
        return f"/dashboards/parks/{code}/plans/{plan}/indicators/{order}/"
    if kind == "compare":
        return "/dashboards/compare/?indicator=" + quote(rng.choice(pages["compare"]))
    if kind == "region":
        province, prefecture = rng.choice(pages["regions"])
        return "/dashboards/regions/?" + urlencode(
            {"province": province, **({"prefecture": prefecture} if prefecture else {})}
        )
    return "/dashboards/"


def browse_url(pages: dict, rng: random.Random) -> tuple[str, str]:
    """A page view of the mix: (page kind, URL)."""
    kind = rng.choices(list(PAGE_WEIGHTS), weights=list(PAGE_WEIGHTS.values()))[0]
    return kind, page_url(kind, pages, rng)


def think(rng: random.Random, plan: Workload, end: float, stop: threading.Event) -> None:
    pause = min(rng.uniform(0, plan.think), max(0.0, end - time.perf_counter()))
    stop.wait(pause)


def browser(
    index: int, client: Client, plan: Workload, rec: Recorder, end: float, stop: threading.Event
) -> None:
    rng = random.Random(plan.seed + index)
    fetched_static = not plan.static
    think(rng, plan, end, stop)  # arrivals spread over the first think time, not all in one instant
    while not stop.is_set() and time.perf_counter() < end:
        page, url = browse_url(plan.pages, rng)
        started = time.perf_counter()
        result = client.request("GET", url)
        error = ""
        if result.status in (301, 302) and "/accounts/login/" in result.headers.get("location", ""):
            error = "redirected to the login form (session lost)"
        rec.add("browse", page, started, result, error)
        if not fetched_static and result.status == 200:
            fetched_static = True
            for asset in dict.fromkeys(ASSET_RE.findall(result.body.decode("utf-8", "replace"))):
                started = time.perf_counter()
                rec.add("static", asset.rsplit("/", 1)[-1], started,
                        client.request("GET", asset, accept_encoding="gzip, br"))  # fmt: skip
        think(rng, plan, end, stop)


def get_sheet(client: Client, path: str, rec: Recorder, page: str = "sheet") -> str:
    """GET the sheet; its HTML, or '' when it did not come."""
    started = time.perf_counter()
    result = client.request("GET", path)
    rec.add("sheet", page, started, result)
    return result.body.decode("utf-8", "replace") if result.status == 200 else ""


def save_round(client: Client, path: str, page: str, rng: random.Random, values: int, rec: Recorder) -> str:
    """POST the sheet's whole form with ``values`` values changed (a draft save), then follow the
    redirect back to the sheet as a browser does and check it says so. Returns the sheet now shown,
    or '' when there is none (the caller GETs it again)."""
    fields = form_fields(page, "sheet-form")
    rows = sheet_rows(page)
    if not rows:
        rec.add("save", "save", time.perf_counter(), Result(0, b"", {}, 0.0), "the sheet has no input")
        return ""
    current = dict(fields)
    changes = {r.field: new_value(r, current.get(r.field, ""), rng)
               for r in rng.sample(rows, min(values, len(rows)))}  # fmt: skip
    form = [(name, changes.get(name, value)) for name, value in fields] + [("action", "save")]
    started = time.perf_counter()
    result = client.request("POST", path, form)
    error = ""
    if result.status == 400:
        error = f"HTTP 400 (refused): {snippet(result.body, 400)}"
    elif result.status == 302 and urlsplit(result.headers.get("location", "")).path != path:
        error = f"redirected to {result.headers.get('location')}"
    rec.add("save", "save", started, result, error)
    if result.status != 302 or error:
        return ""
    started = time.perf_counter()
    follow = client.request("GET", path)
    body = follow.body.decode("utf-8", "replace")
    saved = SAVED_RE.search(body)
    confirm = ""
    if follow.status == 200 and not (saved and int(saved.group(1)) == len(changes)):
        confirm = f"save not confirmed: expected 已保存 {len(changes)} 项, the page says {saved and saved[0]}"
    rec.add("sheet", "sheet (after save)", started, follow, confirm)
    return body if follow.status == 200 else ""


def writer(index: int, client: Client, park: str, plan: Workload, rec: Recorder, end: float,
           stop: threading.Event) -> None:  # fmt: skip
    rng = random.Random(plan.seed + 10_000 + index)
    path = f"/entry/{park}/{SHEET_YEAR}/"
    page = ""
    think(rng, plan, end, stop)
    while not stop.is_set() and time.perf_counter() < end:
        # No sheet in hand (the first visit, or after a failed save): GET it as it is now.
        page = save_round(client, path, page, rng, plan.values, rec) if page else get_sheet(client, path, rec)
        think(rng, plan, end, stop)


def baseline(browse_client: Client | None, write_client: Client | None, park: str, pages: dict,
             runs: int, seed: int) -> Recorder:  # fmt: skip
    """Service times without the crowd: every page kind ``runs`` times, one request at a time."""
    rng = random.Random(seed - 2)
    rec = Recorder(t0=time.perf_counter())
    if browse_client is not None:
        for kind in PAGE_WEIGHTS:
            for _ in range(runs):
                started = time.perf_counter()
                rec.add("browse", kind, started, browse_client.request("GET", page_url(kind, pages, rng)))
    if write_client is not None:
        path = f"/entry/{park}/{SHEET_YEAR}/"
        page = get_sheet(write_client, path, rec)
        for _ in range(runs):
            page = (
                save_round(write_client, path, page, rng, 3, rec)
                if page
                else get_sheet(write_client, path, rec)
            )
    return rec


# --- the CPU and load of the machine -------------------------------------------------------------------


TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_process() -> dict[int, tuple[int, int, int, float]]:
    """pid → (ppid, session, pgrp, CPU seconds) for every process (threads included)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(f"/proc/{entry}/stat").read_text()
            fields = text[text.rindex(")") + 2 :].split()
            out[int(entry)] = (int(fields[1]), int(fields[3]), int(fields[2]),
                               (int(fields[11]) + int(fields[12])) / TICK)  # fmt: skip
    return out


def machine_busy() -> tuple[float, float]:
    """(busy CPU seconds, all CPU seconds) since boot, over every core."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


def component_cpu(
    snapshot: dict, stack: Stack, web: Proc, worker: Proc, redis_proc: Proc
) -> dict[str, float]:
    postmaster = stack.postmaster_pid()
    parts = {"gunicorn (web)": 0.0, "PostgreSQL": 0.0, "Celery worker": 0.0, "Redis": 0.0, "this script": 0.0}
    for pid, (ppid, session, _pgrp, seconds) in snapshot.items():
        if session == web.process.pid:
            parts["gunicorn (web)"] += seconds
        elif session == worker.process.pid:
            parts["Celery worker"] += seconds
        elif session == redis_proc.process.pid:
            parts["Redis"] += seconds
        elif postmaster and (pid == postmaster or ppid == postmaster):
            parts["PostgreSQL"] += seconds
        elif pid == os.getpid():
            parts["this script"] += seconds
    return parts


class LoadSampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.values: list[float] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.values.append(os.getloadavg()[0])
            self.halt.wait(2.0)


# --- the report ----------------------------------------------------------------------------------------


def pct(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, -(-len(sorted_ms) * p // 100))
    return sorted_ms[int(rank) - 1]


def stats_line(label: str, samples: list[Sample], duration: float) -> str:
    ms = sorted(s.ms for s in samples)
    errors = sum(1 for s in samples if s.error)
    return (
        f"  {label:<22} {len(samples):7d} {len(samples) / duration:8.1f} {pct(ms, 50):8.0f} "
        f"{pct(ms, 95):8.0f} {pct(ms, 99):8.0f} {(ms[-1] if ms else float('nan')):8.0f} {errors:7d}"
    )


def report(rec: Recorder, args, duration: float, extra: dict) -> None:
    samples = rec.samples
    after = sum(1 for s in samples if s.at + s.ms / 1000 > duration)
    print()
    print(
        f"Measured window {duration:.0f} s: {len(samples)} requests ({after} answered after it closed; they "
        "count, and so does the redirect a save answers, followed as a browser does)"
    )
    header = (
        f"  {'kind':<22} {'requests':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'errors':>7}"
    )
    print(header)
    kinds = [("all", samples)]
    for kind in ("browse", "save", "sheet", "static"):
        chosen = [s for s in samples if s.kind == kind]
        if chosen:
            label = {"browse": "browse (dashboards)", "save": "save (POST sheet)",
                     "sheet": "sheet (GET)", "static": "static (first visit)"}[kind]  # fmt: skip
            kinds.append((label, chosen))
    for label, chosen in kinds:
        print(stats_line(label, chosen, duration))
    print()
    print("  by page")
    for page in [*PAGE_WEIGHTS, "sheet", "sheet (after save)", "save"]:
        chosen = [s for s in samples if s.page == page]
        if chosen:
            print(stats_line(page, chosen, duration))
    static = sorted({s.page for s in samples if s.kind == "static"})
    for name in static:
        print(stats_line(name[:22], [s for s in samples if s.page == name], duration))
    print()
    print("  over time (all requests, by start second, 10 s buckets)")
    last = 10 * ((int(duration + 0.999) - 1) // 10)
    for start in range(0, last + 1, 10):
        # The last bucket also holds the redirects of saves that were followed after the window closed.
        chosen = [s for s in samples if start <= s.at < start + 10 or (start == last and s.at >= start)]
        if chosen:
            ms = sorted(s.ms for s in chosen)
            print(
                f"    {start:3d}–{min(start + 10, duration):3.0f} s: {len(chosen):5d} requests, p50 "
                f"{pct(ms, 50):5.0f} ms, p95 {pct(ms, 95):5.0f} ms, "
                f"errors {sum(1 for s in chosen if s.error)}"
            )

    errors = [s for s in samples if s.error]
    print()
    if errors:
        print(f"Errors: {len(errors)}; first examples:")
        seen = set()
        for s in errors:
            key = (s.kind, s.page, s.error[:60])
            if key in seen:
                continue
            seen.add(key)
            print(f"  at {s.at:5.1f} s  {s.kind}/{s.page}  {s.status}  {s.error[:300]}")
            if len(seen) >= 6:
                break
    else:
        print("Errors: none")

    browse = sorted(s.ms for s in samples if s.kind == "browse")
    save = sorted(s.ms for s in samples if s.kind == "save")
    print()
    print(f"Goals (issue): zero errors, p95 ≤ {GOAL_P95_MS:.0f} ms")
    print(f"  errors: {len(errors)}  → {'met' if not errors else 'MISSED'}")
    for label, ms in (("browse", browse), ("save", save), ("all", sorted(s.ms for s in samples))):
        if ms:
            p95 = pct(ms, 95)
            print(f"  p95 {label}: {p95:.0f} ms → {'met' if p95 <= GOAL_P95_MS else 'MISSED'}")

    print()
    loads = extra["loads"]
    print(
        f"Load average (1 min): {extra['load_before']:.2f} before setup, {extra['load_start']:.2f} when the "
        f"window opened, {extra['load_end']:.2f} when it closed; during the window mean "
        f"{sum(loads) / len(loads):.2f}, max {max(loads):.2f} (sampled every 2 s)"
    )
    busy = extra["busy"]
    cpus = os.cpu_count() or 1
    print(
        f"CPU time in the window ({cpus} CPUs × {duration:.0f} s = {cpus * duration:.0f} CPU-s available; "
        f"machine busy {busy:.0f} CPU-s = {busy / (cpus * duration) * 100:.0f}%):"
    )
    parts = extra["cpu"]
    for name, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<16} {seconds:7.1f} CPU-s")
    print(
        f"  {'other processes':<16} {max(0.0, busy - sum(parts.values())):7.1f} CPU-s (work outside this run)"
    )
    answered = sum(1 for s in samples if s.at + s.ms / 1000 <= duration)
    if not answered:
        return
    web_ms = parts["gunicorn (web)"] * 1000 / answered
    db_ms = parts["PostgreSQL"] * 1000 / answered
    capacity = cpus * 1000 / (web_ms + db_ms)
    users, mean_think = extra["users"], extra["think"] / 2
    demand = users / mean_think if mean_think else float("inf")
    print(f"  per request answered in the window: {web_ms:.0f} ms gunicorn + {db_ms:.0f} ms PostgreSQL CPU")
    print()
    print(
        f"Capacity: at {web_ms + db_ms:.0f} CPU-ms a request, {cpus} CPUs serve at most "
        f"≈ {capacity:.0f} req/s if nothing else runs on the machine."
    )
    print(
        f"Demand: {users} users thinking 0–{extra['think']:g} s (mean {mean_think:g} s) ask for up to "
        f"{demand:.0f} req/s; ≈ {users / (mean_think + extra['mix_ms'] / 1000):.0f} req/s with the "
        f"one-at-a-time service time of the browse mix ({extra['mix_ms']:.0f} ms)."
    )
    if demand > capacity:
        print(
            "  → more than the capacity: requests queue in gunicorn's backlog, and by Little's law the mean "
            f"response time at full capacity is ≈ {users} / {capacity:.0f} − {mean_think:g} = "
            f"{max(0.0, users / capacity - mean_think):.1f} s."
        )


def print_baseline(rec: Recorder, runs: int) -> float:
    """Print the one-at-a-time service times; return the mix-weighted mean of the page medians (ms)."""
    print()
    print(f"Service time, one request at a time ({runs} each; no other users of this run):")
    medians = {}
    for page in [*PAGE_WEIGHTS, "sheet", "save", "sheet (after save)"]:
        ms = sorted(s.ms for s in rec.samples if s.page == page)
        if ms:
            medians[page] = pct(ms, 50)
            errors = [s.error for s in rec.samples if s.page == page and s.error]
            print(
                f"  {page:<20} median {pct(ms, 50):6.0f} ms   min {ms[0]:6.0f}   max {ms[-1]:6.0f}"
                + (f"   errors: {errors[0][:200]}" if errors else "")
            )
    weights = {k: w for k, w in PAGE_WEIGHTS.items() if k in medians}
    return sum(medians[k] * w for k, w in weights.items()) / sum(weights.values()) if weights else 0.0


# --- main ----------------------------------------------------------------------------------------------


def run_group(targets, concurrency: int) -> list:
    """Run callables with at most ``concurrency`` at a time; return their results in order."""
    results: list = [None] * len(targets)
    lock = threading.Lock()
    queue = list(enumerate(targets))

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                i, target = queue.pop(0)
            results[i] = target()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main() -> int:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of measured load (default 60)")
    parser.add_argument("--users", type=int, default=50, help="concurrent dashboard browsers (default 50)")
    parser.add_argument("--writers", type=int, default=5, help="concurrent data-sheet writers (default 5)")
    parser.add_argument("--think", type=float, default=1.0, help="think time: uniform 0..THINK s (default 1)")
    parser.add_argument("--values", type=int, default=3, help="values changed per save (default 3)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * cpus + 1,
        help=f"gunicorn sync workers (default 2×CPUs+1 = {2 * cpus + 1})",
    )
    parser.add_argument(
        "--celery-concurrency", type=int, default=2, help="Celery worker processes (default 2)"
    )
    parser.add_argument(
        "--demo-parks", type=int, default=6, help="synthetic parks from demo_data (default 6)"
    )
    parser.add_argument(
        "--static", action="store_true", help="each browser fetches its first page's CSS/JS once"
    )
    parser.add_argument(
        "--durable", action="store_true", help="PostgreSQL with fsync on (default: off, as CI)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, s (default 30)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--baseline-runs",
        type=int,
        default=5,
        help="one-at-a-time requests per page before the window (default 5)",
    )
    args = parser.parse_args()
    if not (args.duration > 0 and args.users >= 0 and 0 <= args.writers <= 100 and args.users + args.writers):
        parser.error("need a positive --duration, at least one user, and at most 100 writers")

    # Ctrl-C and SIGTERM both end in the finally below.
    def interrupted(signum, frame):
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: a background job ignores it
        signal.signal(signum, interrupted)

    load_before = os.getloadavg()[0]
    stack = Stack(durable=args.durable)
    stop = threading.Event()
    try:
        started = time.perf_counter()
        print(BANNER)
        print(f"  stack in {stack.dir} (removed at the end)")
        stack.write_settings()
        stack.start_postgres()
        redis_proc = stack.start_redis()
        demo_parks = min(99, max(args.demo_parks, args.writers - 1))
        sheets = (["yuxi-hitech"] + [f"demo-park-{i:02d}" for i in range(1, demo_parks + 1)])[
            : max(1, args.writers)
        ]
        sheets = [sheets[i % len(sheets)] for i in range(args.writers)]
        for command in (["migrate", "--noinput"], ["seed"], ["demo_data", "--parks", str(demo_parks)],
                        ["collectstatic", "--noinput"]):  # fmt: skip
            step = time.perf_counter()
            stack.manage(*command)
            print(f"  manage.py {' '.join(command)}: {time.perf_counter() - step:.1f} s")
        password = secrets.token_urlsafe(18)
        out = stack.manage(
            "shell",
            "-c",
            SETUP_CODE,
            extra_env={"LOAD_PASSWORD": password, "LOAD_SHEETS": json.dumps(sheets)},
        )
        line = next((x for x in out.splitlines() if x.startswith("LOAD-SETUP ")), None)
        if line is None:
            raise SetupError(f"the user setup printed nothing usable:\n{out[-2000:]}")
        pages = json.loads(line.removeprefix("LOAD-SETUP "))
        if not (pages["parks"] and pages["indicators"] and pages["compare"] and pages["regions"]):
            raise SetupError(f"nothing to browse: {pages}")
        worker = stack.start_celery(args.celery_concurrency)
        web = stack.start_gunicorn(args.workers)
        health = stack.wait_healthy(web, worker)
        print(
            f"  stack ready in {time.perf_counter() - started:.1f} s; /healthz: "
            f"{health.get('checks', health)}"
        )

        plan = Workload(pages=pages, think=args.think, values=args.values, seed=args.seed, static=args.static)
        print()
        print(
            f"  machine: {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}, "
            f"PostgreSQL {stack.pg_version} (fsync={stack.pg_fsync}), gunicorn {args.workers} sync workers "
            f"(config.settings.production over plain HTTP on {HOST}:{stack.web_port}), "
            f"Celery worker --concurrency={args.celery_concurrency}"
        )
        print(
            f"  load: {args.users} browsers + {args.writers} writers for {args.duration:.0f} s, think time "
            f"uniform 0–{args.think:g} s, seed {args.seed}; page mix "
            + ", ".join(f"{k} {v}%" for k, v in PAGE_WEIGHTS.items())
            + "; static files "
            + ("fetched once per browser (cold cache)" if args.static else "not fetched (cached)")
        )
        print(
            f"  writers: {args.values} values changed per save (drafts) on their {SHEET_YEAR} sheet: "
            + ", ".join(f"{w['username']}→{w['park']}" for w in pages["writers"])
        )
        print(
            f"  data: seed documents + demo_data (synthetic 2021–2024 actuals for Yuxi, {demo_parks} "
            f"synthetic parks); {len(pages['parks'])} parks with plans, "
            f"{len(pages['indicators'])} indicator pages, "
            f"{len(pages['compare'])} comparable indicators, {len(pages['regions'])} region choices"
        )

        # Sign everybody in (not timed in the window): the login form, a PBKDF2 check each.
        browsers = [Client(stack.web_port, timeout=args.timeout) for _ in range(args.users)]
        writers = [Client(stack.web_port, timeout=args.timeout) for _ in range(args.writers)]
        step = time.perf_counter()
        logins = [(c, "load-viewer") for c in browsers] + [
            (c, w["username"]) for c, w in zip(writers, pages["writers"], strict=True)
        ]
        failures = [
            f
            for f in run_group([lambda c=c, u=u: login(c, u, password) for c, u in logins], args.workers)
            if f
        ]
        if len(failures) == len(logins):
            raise SetupError(f"nobody could sign in: {failures[0]}")
        print(
            f"  signed in {len(logins) - len(failures)} of {len(logins)} users "
            f"in {time.perf_counter() - step:.1f} s" + (f" (failures: {failures[:3]})" if failures else "")
        )
        # Warm-up: every page kind on every worker (imports, templates, caches), not recorded.
        step = time.perf_counter()
        rng = random.Random(args.seed - 1)
        warm_client = browsers[0] if browsers else writers[0]
        urls = [browse_url(pages, rng)[1] for _ in range(len(PAGE_WEIGHTS) * args.workers * 2)]
        urls += [f"/entry/{p}/{SHEET_YEAR}/" for p in dict.fromkeys(sheets)] * args.workers
        warm = run_group([lambda u=u: warm_client.request("GET", u) for u in urls], args.workers)
        bad = [r.status for r in warm if not 200 <= r.status < 400]
        print(
            f"  warm-up: {len(urls)} requests in {time.perf_counter() - step:.1f} s"
            + (f", {len(bad)} not 2xx/3xx" if bad else "")
        )

        # Service times without the crowd (the same stack, one request at a time).
        base = baseline(
            browsers[0] if browsers else None, writers[0] if writers else None, sheets[0] if sheets else "",
            pages, args.baseline_runs, args.seed,
        )  # fmt: skip
        mix_ms = print_baseline(base, args.baseline_runs)

        # The measured window.
        rec = Recorder()
        sampler = LoadSampler()
        threads = []
        for i, client in enumerate(browsers):
            if client.cookies.get("sessionid"):
                threads.append(lambda i=i, c=client: browser(i, c, plan, rec, end, stop))
        for i, (client, w) in enumerate(zip(writers, pages["writers"], strict=True)):
            if client.cookies.get("sessionid"):
                threads.append(lambda i=i, c=client, p=w["park"]: writer(i, c, p, plan, rec, end, stop))
        load_start = os.getloadavg()[0]
        cpu_before, busy_before = cpu_by_process(), machine_busy()[0]
        rec.t0 = time.perf_counter()
        end = rec.t0 + args.duration
        running = [threading.Thread(target=t, daemon=True) for t in threads]
        sampler.start()
        print(f"\nRunning {len(running)} users for {args.duration:.0f} s …", flush=True)
        for t in running:
            t.start()
        stop.wait(max(0.0, end - time.perf_counter()))
        cpu_after, busy_after = cpu_by_process(), machine_busy()[0]  # CPU over exactly the window
        sampler.halt.set()
        load_end = os.getloadavg()[0]
        for t in running:
            t.join(timeout=max(0.0, end - time.perf_counter()) + args.timeout + 5)
        finished = time.perf_counter()
        stuck = sum(1 for t in running if t.is_alive())
        if stuck:
            print(
                f"  {stuck} users still busy {finished - end:.0f} s after the window closed (not waited for)"
            )
        before = component_cpu(cpu_before, stack, web, worker, redis_proc)
        after = component_cpu(cpu_after, stack, web, worker, redis_proc)
        cpu = {k: after[k] - before[k] for k in after}
        with rec.lock:
            snapshot = Recorder(rec.t0, list(rec.samples))
        report(
            snapshot,
            args,
            args.duration,
            {
                "loads": sampler.values or [load_end],
                "load_before": load_before,
                "load_start": load_start,
                "load_end": load_end,
                "busy": busy_after - busy_before,
                "cpu": cpu,
                "mix_ms": mix_ms,
                "users": len(running),
                "think": args.think,
            },
        )
        for name, proc in (("gunicorn", web), ("celery", worker)):
            if not proc.alive():
                print(f"\n{name} exited during the run:\n{tail(proc.log)}")
        return 0
    except SetupError as exc:
        print(f"\nbenchmarks/load.py: the stack could not start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything", file=sys.stderr)
        return 130
    finally:
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)


if __name__ == "__main__":
    sys.exit(main())
