"""Shared machinery of the benchmarks: a fresh PostgreSQL database, gunicorn servers for the
app and the bare Flask baseline (same settings), wrk runs, and BENCHMARKS.md sections.

Everything runs on 127.0.0.1; every loop is bounded in count and in time.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BENCHMARKS = ROOT / "BENCHMARKS.md"
VENV_BIN = ROOT / ".venv" / "bin"
PG_SERVER = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
WRK = "/usr/bin/wrk"
# One set of bench databases per checkout: two worktrees benchmarking at once on one server
# must not drop each other's database mid-run.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX") or f"festa_bench_{ROOT.name}"
# Same for the app and the baseline: what differs between them is the code, nothing else.
SERVER_ENV = {
    "GUNICORN_WORKERS": os.environ.get("BENCH_WORKERS", "4"),
    "GUNICORN_THREADS": os.environ.get("BENCH_THREADS", "4"),
    "GUNICORN_ACCESSLOG": "",  # both off: we measure request handling, not log writing
    "GUNICORN_MAX_REQUESTS": "0",
    "RATELIMIT_ENABLED": "false",
    "DB_POOL_SIZE": "5",
    "DB_MAX_OVERFLOW": "5",
    "FESTA_REQUEST_LOG": "false",
}


# A signing key of the run's own (inherited by the servers and `flask` commands): ticket codes,
# and so the QR images the app keeps on disk by code, are new in every run as for real
# tickets — with the instance's key, a fresh database's ticket ids would give last run's
# codes and mail would skip drawing its QR code.
os.environ.setdefault("FESTA_SIGNING_KEY", base64.urlsafe_b64encode(
    secrets.token_bytes(32)).rstrip(b"=").decode())


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# ---------------------------------------------------------------- database


def fresh_database(name: str) -> str:
    """Drop and create `<DB_PREFIX>_<name>`, migrate it to head; returns its URL."""
    db_name = f"{DB_PREFIX}_{name}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :n"), {"n": db_name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    url = f"{PG_SERVER}/{db_name}"
    flask("db", "upgrade", database_url=url)
    return url


def flask(*args: str, database_url: str, env: dict | None = None) -> str:
    """Run `flask --app festa …` against the bench database; returns stdout."""
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "festa", *args],
        cwd=ROOT, env=_env(database_url, env), capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def _env(database_url: str, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(SERVER_ENV)
    env.update({"DATABASE_URL": database_url, "OUTBOX_WORKER": "false",
                "PYTHONPATH": str(ROOT)})
    env.update(extra or {})
    return env


@contextmanager
def app_context(database_url: str, **config):
    """The Festa app in this process on the bench database (for preparing data)."""
    os.environ.setdefault("OUTBOX_WORKER", "false")
    sys.path.insert(0, str(ROOT))
    from festa import create_app
    from festa.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False,
                      "OUTBOX_WORKER": False, **config})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def scalar(database_url: str, sql: str, **params):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def rows(database_url: str, sql: str, **params) -> list:
    """All rows of a query."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def execute(database_url: str, sql: str, **params) -> None:
    """One statement, committed (a setting the bench needs that no CLI command changes)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql), params)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    module: str
    database_url: str
    env: dict = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/healthz", timeout: float = 60) -> Server:
        self.port = self.port or free_port()
        OUT.mkdir(parents=True, exist_ok=True)
        # Its PostgreSQL backends carry this name, so their CPU is counted as the server's.
        self.application_name = f"bench-{self.name}-{self.port}"
        url = sa.engine.make_url(self.database_url).update_query_dict(
            {"application_name": self.application_name}).render_as_string(hide_password=False)
        env = _env(url, {"GUNICORN_BIND": f"127.0.0.1:{self.port}",
                                       "FESTA_BASE_URL": f"http://127.0.0.1:{self.port}",
                                       **self.env})
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each server makes its own
        self.log_path = OUT / f"{Path(sys.argv[0]).stem}-{self.name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", self.module],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            if get_status(self.url + ready_path) == 200:
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not become ready in {timeout} s")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the gunicorn master, its workers and
        their PostgreSQL backends: unlike throughput, hardly changed by what else the
        machine is doing."""
        if self.process is None:
            return 0.0
        backends = set(rows(f"{PG_SERVER}/postgres", "SELECT pid FROM pg_stat_activity "
                            "WHERE application_name = :a", a=self.application_name))
        backends = {pid for (pid,) in backends}
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if self.process.pid in (pid, ppid) or pid in backends:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()


@contextmanager
def servers(*items: Server):
    started = []
    try:
        for server in items:
            started.append(server.start(
                "/json" if server.module.startswith("bench.baseline") else "/healthz"))
        yield items
    finally:
        for server in reversed(started):
            server.stop()


def app_server(database_url: str, name: str = "app", **env) -> Server:
    return Server(name, "wsgi:app", database_url, env)


def baseline_server(database_url: str) -> Server:
    return Server("baseline", "bench.baseline:app", database_url)


def get_status(url: str, timeout: float = 5) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes, float]:
    """(status, headers, body, seconds) of one GET."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            return response.status, dict(response.headers), body, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), time.perf_counter() - started


def warm(base_url: str, paths: list[str], connections: int) -> None:
    """Enough concurrent GETs of each path that every gunicorn worker holds its cached
    document (copied from Redis, or rendered once per worker without it) before a
    measurement: first renderings are not what a load test of a cached page measures."""
    with ThreadPoolExecutor(connections) as pool:
        for path in paths:
            statuses = set(pool.map(lambda _n, p=path: get(base_url + p)[0],
                                    range(4 * connections)))
            assert statuses == {200}, (path, statuses)


def http_json(method: str, url: str, body: dict | None = None, token: str | None = None,
              timeout: float = 15) -> tuple[int | None, dict]:
    """One JSON request; (status, body) — status None when the connection failed."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())
    except (urllib.error.URLError, OSError):
        return None, {}


def _json(raw: bytes) -> dict:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {}


@contextmanager
def private_redis():
    """A Redis server of this run's own on a free port (nothing kept on disk): its URL, or
    None when redis-server is not installed."""
    binary = "/usr/bin/redis-server"
    if not os.path.exists(binary):
        yield None
        return
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---------------------------------------------------------------- SMTP


class Inbox:
    """An aiosmtpd handler that keeps what arrives (recipients, raw message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def controller(self, port: int) -> Controller:
        """An SMTP server on 127.0.0.1:`port` delivering here (start() it)."""
        return Controller(self, hostname="127.0.0.1", port=port)

    def per_recipient(self) -> dict[str, int]:
        """How many messages each recipient got."""
        counts: dict[str, int] = {}
        with self.lock:
            for recipients, _content in self.messages:
                for recipient in recipients:
                    counts[recipient] = counts.get(recipient, 0) + 1
        return counts


def mail_env(port: int) -> dict:
    """Settings for an app server that delivers mail to 127.0.0.1:`port` in the background."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "OUTBOX_WORKER": "true"}


# ---------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    label: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    statuses: dict
    errors: str
    cpu_ms: float | None = None  # server + its database CPU per request (Server.cpu_seconds)

    @property
    def cpu(self) -> str:
        return f"{self.cpu_ms:.1f}" if self.cpu_ms is not None else "—"

    def row(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"| {self.label} | {self.requests:,} | {self.rps:,.0f} | {self.p50_ms:.1f} | "
                f"{self.p99_ms:.1f} | {self.cpu} | "
                f"{codes or '—'}{'; ' + self.errors if self.errors else ''} |")


def wrk(label: str, url: str, *, connections: int, seconds: int, script: Path | None = None,
        script_args: list[str] | None = None, threads: int = 2,
        headers: dict[str, str] | None = None, server: Server | None = None) -> WrkResult:
    """Run wrk against a 127.0.0.1 URL; the Lua script may stop early after N responses.
    With `server`, also what the run cost that server in CPU per request."""
    assert url.startswith("http://127.0.0.1:"), "load goes to this machine only"
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    cpu_before = server.cpu_seconds() if server else 0.0
    with tempfile.TemporaryDirectory(prefix="festa-wrk-") as markers:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, env={**os.environ, "BENCH_MARKER_DIR": markers})
        deadline = time.monotonic() + seconds + 60
        while process.poll() is None and time.monotonic() < deadline:
            if len(os.listdir(markers)) >= threads:
                process.send_signal(signal.SIGINT)  # every thread met its quota
                break
            time.sleep(0.05)
        output, _ = process.communicate(timeout=60)
    cpu = server.cpu_seconds() - cpu_before if server else None
    (OUT / f"wrk-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.txt").write_text(output)
    result = parse_wrk(label, output)
    if cpu is not None and result.requests:
        result.cpu_ms = cpu * 1000 / result.requests
    return result


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(label: str, output: str) -> WrkResult:
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1))
    duration = re.search(r"requests in ([\d.]+)(ms|s|m)", output)
    seconds = float(duration.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[duration.group(2)]
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))
    statuses = {}
    match = re.search(r"STATUSES (\{.*\})", output)
    if match:
        statuses = {str(k): v for k, v in json.loads(match.group(1)).items()}
    errors = ""
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors = "socket errors " + socket_errors.group(1).strip()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx and not statuses:
        statuses = {"non-2xx": int(non2xx.group(1))}
    return WrkResult(label, requests, seconds, requests / seconds if seconds else 0.0,
                     p50, p99, statuses, errors)


WRK_TABLE_HEAD = ("| endpoint | requests | req/s | p50 ms | p99 ms | CPU ms/req "
                  "| statuses |\n|---|---:|---:|---:|---:|---:|---|")


def ratio(app: WrkResult, baseline: WrkResult) -> str:
    """Throughput of the app as a share of the baseline's, how much slower its p99 is, and
    how its CPU per request compares (inverted: the share of the baseline's capacity)."""
    cpu = ""
    if app.cpu_ms and baseline.cpu_ms:
        cpu = (f"; CPU per request {app.cpu_ms / baseline.cpu_ms:.1f}× the baseline's, i.e. "
               f"{baseline.cpu_ms / app.cpu_ms:.2f}× its capacity")
    return (f"throughput {app.rps / baseline.rps:.2f}× baseline "
            f"(p99 {app.p99_ms / baseline.p99_ms:.1f}× baseline{cpu})")


# ---------------------------------------------------------------- BENCHMARKS.md


def machine() -> str:
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    try:
        pg = scalar(f"{PG_SERVER}/postgres", "SHOW server_version")
    except Exception:  # noqa: BLE001 - the note is informative only
        pg = "?"
    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPU cores (nproc; load average {load} at the end), "
            f"{mem_kb / 1024 / 1024:.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"PostgreSQL {pg}, {wrk_version.split(' [')[0]}, gunicorn "
            f"{SERVER_ENV['GUNICORN_WORKERS']} workers × {SERVER_ENV['GUNICORN_THREADS']} "
            f"threads (gthread), commit {commit}")


def write_section(key: str, title: str, body: str) -> None:
    """Replace (or append) this benchmark's section of BENCHMARKS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (f"<!-- bench:{key} -->\n## {title}\n\n"
               f"*Run {stamp} with `.venv/bin/python -m bench.{key}` on: {machine()}.*\n\n"
               f"{body.strip()}\n<!-- /bench:{key} -->")
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{key} -->.*?<!-- /bench:{key} -->", re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else (
        text.rstrip() + "\n\n" + section + "\n")
    BENCHMARKS.write_text(text)
    log(f"wrote section '{key}' of {BENCHMARKS.name}")


HEADER = """# Benchmarks

Load and fault runs from `bench/` (`make bench` runs them all; each also runs alone with
`.venv/bin/python -m bench.<name>`). Every run creates a fresh PostgreSQL database, migrates
it, and serves the app **and a bare Flask baseline** (`bench/baseline.py`: a JSON endpoint and
a one-INSERT endpoint on the same PostgreSQL) with the same gunicorn settings
(`gunicorn.conf.py`), rate limits off, load from `wrk` on 127.0.0.1.

The machine is small and shared (2 cores, also running the load generator and PostgreSQL,
and other people's work): absolute figures are noisy. **The ratio to the baseline measured in
the same run is what counts.**
"""
