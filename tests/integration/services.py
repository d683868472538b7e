"""Throwaway services for the fault-tolerance tests: a redis-server, a PostgreSQL cluster, Celery workers
and gunicorn, each started by the test itself on a free loopback port so that the test can stop, freeze,
kill or restart it.

Every process is started in its own session (so its whole process group can be signalled) and is
killed when the test ends, pass or fail; temporary directories are removed. Nothing here connects to a
port it did not start. Logs go to files whose tails are printed at teardown (pytest shows them when a
test fails) and are included in failure messages.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings

STOP_TIMEOUT = 20.0
# Set in the pytest process for its own sake (CI by the CI script, DJANGO_ALLOW_ASYNC_UNSAFE by
# tests/e2e/conftest.py for Playwright); the services started here run as in production without them.
SESSION_ONLY_VARIABLES = ("CI", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
READY_TIMEOUT = 60.0
COMMAND_TIMEOUT = 120.0


# --- small utilities ---------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def tail(path: Path, lines: int = 80) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path="/" + quote(name)).geturl()


def with_redis_db(url: str, db: int) -> str:
    return urlsplit(url)._replace(path=f"/{db}").geturl()


# --- processes ---------------------------------------------------------------------------------------


@dataclass
class Managed:
    """A process started by a test, leading its own process group, logging to ``log_path``.

    The leader is reaped only after its whole group has been SIGKILLed: until then its pid (even as a
    zombie) keeps the group id reserved, so a group signal can only reach processes this test started.
    """

    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def _exit_info(self):
        """The leader's exit information if it has exited (without reaping it), else None."""
        try:
            return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return None

    def alive(self) -> bool:
        return self.process.returncode is None and self._exit_info() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def diagnostics(self, lines: int = 80) -> str:
        if self.process.returncode is not None:
            state = f"exited with {self.process.returncode}"
        else:
            info = self._exit_info()
            state = "running" if info is None else f"exited (status {info.si_status})"
        return f"--- {self.name} (pid {self.pid}, {state}); last lines of {self.log_path}:\n" + tail(
            self.log_path, lines
        )

    def signal_group(self, signum: int) -> None:
        if self.process.returncode is not None:
            return  # reaped: the group id may no longer be ours
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the whole process group (a worker's pool children too), then reap the leader."""
        self.signal_group(signal.SIGCONT)  # a frozen process dies as well, but be explicit
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the group (a clean stop), then SIGKILL whatever is left after ``timeout``."""
        if self.alive():
            self.signal_group(signal.SIGCONT)
            self.signal_group(signal.SIGTERM)
            wait_for(lambda: not self.alive(), timeout=timeout, interval=0.05)
        self.kill()  # the leader may be gone while pool children linger


class Processes:
    """Starts processes for one test and guarantees they are gone when it ends."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.started: list[Managed] = []

    def start(
        self, name: str, command: list[str], *, env: dict[str, str], cwd: Path | None = None
    ) -> Managed:
        log_path = self.directory / f"{name}.log"
        with open(log_path, "ab") as log_file:
            process = subprocess.Popen(
                command,
                cwd=cwd or settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        managed = Managed(name=name, process=process, log_path=log_path)
        self.started.append(managed)
        return managed

    def diagnostics(self) -> str:
        return "\n".join(p.diagnostics() for p in self.started)

    def close(self) -> None:
        # SIGKILL: nothing of these throwaway processes needs a graceful end (a warm Celery shutdown
        # alone takes seconds), and killed sockets are closed by the kernel all the same.
        for managed in reversed(self.started):
            managed.kill()
        # Captured output: pytest shows it only when the test failed.
        print(self.diagnostics())


@contextlib.contextmanager
def processes(directory: Path) -> Iterator[Processes]:
    group = Processes(directory)
    try:
        yield group
    finally:
        group.close()


def run_command(
    command: list[str], *, env: dict[str, str], timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess:
    """Run a command to completion; on failure raise with its output."""
    result = subprocess.run(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{shlex.join(command)} exited with {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )
    return result


# --- Redis -------------------------------------------------------------------------------------------


def redis_binary() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    """A redis-server on 127.0.0.1:<port>, no persistence (a restart loses every queued message)."""

    def __init__(self, group: Processes, directory: Path):
        self.group = group
        self.directory = directory
        self.port = free_port()
        self.current: Managed | None = None
        self.starts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis(
            host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=1, socket_timeout=2
        )

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def start(self) -> None:
        self.starts += 1
        command = [
            redis_binary() or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--protected-mode",
            "yes",
        ]
        self.current = self.group.start(f"redis-{self.starts}", command, env=dict(os.environ))
        if not wait_for(lambda: self.ping() or not self.current.alive(), timeout=10) or not self.ping():
            raise AssertionError(f"redis-server did not start.\n{self.current.diagnostics()}")

    def stop(self) -> None:
        """A clean stop: the port then refuses connections."""
        if self.current is not None:
            self.current.stop()

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts TCP connections but nothing is ever answered, like a hung
        server or a broken network path."""
        assert self.current is not None
        self.current.signal_group(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.current is not None:
            self.current.signal_group(signal.SIGCONT)


@contextlib.contextmanager
def redis_server(group: Processes) -> Iterator[RedisServer]:
    """A redis-server belonging to ``group``: stopped with the group's other processes, after those
    started later (the workers using it)."""
    directory = Path(tempfile.mkdtemp(prefix="parktrack-redis-"))
    server = RedisServer(group, directory)
    try:
        server.start()
        yield server
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# --- PostgreSQL --------------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb (what .ci/run uses)."""

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/", path)
        return tuple(int(part) for part in match.group(1).split(".")) if match else (0,)

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    return Path(found[-1]).parent if found else None


class PostgresCluster:
    """A throwaway cluster on 127.0.0.1:<port>, trust authentication, fsync off.

    initdb refuses to run as root, so as root every PostgreSQL command runs as the ``postgres`` user
    (created if missing) in a temporary directory it owns, as .ci/run does.
    """

    def __init__(self, bin_dir: Path, directory: Path):
        self.bin_dir = bin_dir
        self.directory = directory
        self.data = directory / "data"
        self.sockets = directory / "sockets"
        self.server_log = directory / "server.log"
        self.ctl_log = directory / "pg_ctl.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = shlex.join([str(self.bin_dir / args[0]), *args[1:]])
        argv = (
            ["su", "postgres", "-s", "/bin/sh", "-c", command] if self.as_root else ["/bin/sh", "-c", command]
        )
        with open(self.ctl_log, "ab") as log:
            log.write(f"$ {command}\n".encode())
            log.flush()
            result = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=timeout
            )
        if result.returncode != 0:
            raise AssertionError(f"{command} exited with {result.returncode}.\n{self.diagnostics()}")

    def prepare(self) -> None:
        """initdb and start the server."""
        self.sockets.mkdir()
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "postgres"], check=True, timeout=30)
            owner = pwd.getpwnam("postgres")
            os.chmod(self.directory, 0o755)
            for path in (self.directory, self.sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self.start()

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.server_log), "-w", "-t", "30",
                  "-o", self.options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self, mode: str = "fast") -> None:
        """Stop (``fast``: every session is disconnected) and start again, waiting until it accepts
        connections. The server keeps the options it was first started with."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.server_log), "-m", mode, "-w", "-t", "30",
                  "restart")  # fmt: skip

    def connect(self, database: str = "postgres"):
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=5
        )
        connection.autocommit = True
        return connection

    def create_database(self, name: str) -> None:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def query(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        connection = self.connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def diagnostics(self) -> str:
        return (
            f"--- pg_ctl ({self.ctl_log}):\n{tail(self.ctl_log, 30)}\n"
            f"--- PostgreSQL server log ({self.server_log}):\n{tail(self.server_log, 40)}"
        )

    def destroy(self) -> None:
        """Stop the server however it can be stopped, then remove its files."""
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "20", "stop")
            except Exception:
                self._kill_postmaster()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGKILL)  # the postmaster this cluster wrote down, nothing else


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    bin_dir = postgres_bin()
    assert bin_dir is not None, "PostgreSQL binaries (initdb) not found"
    # Not under pytest's basetemp: that is private to root (0700) and the postgres user must enter it.
    directory = Path(tempfile.mkdtemp(prefix="parktrack-pg-"))
    cluster = PostgresCluster(bin_dir, directory)
    try:
        cluster.prepare()
        yield cluster
    finally:
        print(cluster.diagnostics())  # captured: shown when the test failed
        cluster.destroy()


# --- Celery ------------------------------------------------------------------------------------------


def point_celery_app(app, *, broker_url: str, eager: bool) -> None:
    """Send the test process's tasks to ``broker_url`` (eagerly or not).

    The broker URL is read when the app first builds its connection pools, which it then keeps; drop
    them the way Celery does after a fork (``Celery._after_fork``) and the next publish builds new ones.
    """
    app.conf.task_always_eager = eager
    app.conf.broker_url = broker_url
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None and amqp._producer_pool is not None:
        amqp._producer_pool.force_close_all()
        amqp._producer_pool = None


@contextlib.contextmanager
def celery_app_on(broker_url: str) -> Iterator:
    """The test process's Celery app, publishing to ``broker_url`` for the duration."""
    from config.celery_app import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    point_celery_app(app, broker_url=broker_url, eager=False)
    try:
        yield app
    finally:
        point_celery_app(app, broker_url=saved["broker_url"], eager=saved["task_always_eager"])


@dataclass
class WorkerSpec:
    broker_url: str
    database_url: str
    app_module: str = "config"
    pool: str = "prefork"
    extra_env: dict[str, str] = field(default_factory=dict)
    conn_max_age: str = "0"


def start_worker(group: Processes, name: str, spec: WorkerSpec, *, wait: bool = True) -> Managed:
    """A ``celery worker`` subprocess (local settings: not eager) on ``spec.broker_url``; with ``wait``,
    ready to consume when this returns."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "REDIS_URL": spec.broker_url,
        "DATABASE_URL": spec.database_url,
        "CONN_MAX_AGE": spec.conn_max_age,
        "LOG_FORMAT": "text",
        "PYTHONUNBUFFERED": "1",
        **spec.extra_env,
    }
    for name in SESSION_ONLY_VARIABLES:
        env.pop(name, None)
    command = [
        sys.executable, "-m", "celery", "-A", spec.app_module, "worker", f"--pool={spec.pool}",
        "--concurrency=1", "--loglevel=INFO", "--without-mingle", "--without-gossip",
        "-n", f"{name}-{os.getpid()}@%h",
    ]  # fmt: skip
    worker = group.start(name, command, env=env)
    if wait:
        wait_until_ready(worker)
    return worker


def wait_until_ready(worker: Managed, timeout: float = READY_TIMEOUT) -> None:
    ready = re.compile(r"\bready\.")
    started = time.monotonic()
    if not wait_for(lambda: bool(ready.search(worker.log())) or not worker.alive(), timeout=timeout) or (
        not worker.alive()
    ):
        raise AssertionError(f"{worker.name} did not become ready.\n{worker.diagnostics()}")
    print(f"{worker.name} ready in {time.monotonic() - started:.1f} s")


# --- HTTP --------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: str
    url: str


def http_get(
    url: str, *, opener: urllib.request.OpenerDirector | None = None, timeout: float = 15
) -> Response:
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(url, timeout=timeout) as response:
            return Response(response.status, response.read().decode("utf-8", "replace"), response.geturl())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode("utf-8", "replace"), url)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return Response(0, repr(error), url)


def http_post(
    url: str, data: dict[str, str], *, opener: urllib.request.OpenerDirector, timeout: float = 15
) -> Response:
    from urllib.parse import urlencode

    request = urllib.request.Request(url, data=urlencode(data).encode(), method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.read().decode("utf-8", "replace"), response.geturl())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode("utf-8", "replace"), url)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return Response(0, repr(error), url)


def start_gunicorn(group: Processes, *, env: dict[str, str]) -> tuple[Managed, str]:
    """gunicorn with one sync worker, as in production; returns the process and its base URL once it
    answers HTTP."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--timeout", "60", "--graceful-timeout", "5", "--access-logfile", "-",
    ]  # fmt: skip
    web = group.start("gunicorn", command, env=env)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    # "/" rather than /healthz, whose worker ping alone waits a second.
    if not wait_for(lambda: http_get(base + "/", timeout=5).status != 0 or not web.alive(), timeout=30):
        raise AssertionError(f"gunicorn did not answer.\n{web.diagnostics()}")
    if not web.alive():
        raise AssertionError(f"gunicorn exited.\n{web.diagnostics()}")
    print(f"gunicorn answering in {time.monotonic() - started:.1f} s")
    return web, base
