"""Where a scan's and a registration's time goes (issue 12): cProfile over many requests of
each, in this process through the WSGI app (Flask's test client; no gunicorn, no wrk) on a
fresh PostgreSQL database the size of the large event of bench.scaling, plus a conditional
GET of schedule.json answered 304 (the floor of a request that reads the database) and the
outbox worker's rendering of the registration mail that the request no longer does.

Time is grouped by the package the code belongs to (self time: where the interpreter
actually was), so "psycopg" includes waiting for PostgreSQL's answers. The raw profiles
are kept in bench/out/profile-*.pstats (`python -m pstats FILE`, or snakeviz).

    .venv/bin/python -m bench.profiles
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict
from contextlib import contextmanager

import sqlalchemy as sa

from bench import data
from bench import harness as h

ATTENDEES = 10_000
SESSIONS = 2_000
REPEAT = 300  # requests profiled per kind (after WARMUP unprofiled ones)
WARMUP = 30
TOP = 12

# Self time by where the code lives: the first matching fragment of the file's path.
GROUPS = [
    ("psycopg (driver; includes waiting for PostgreSQL)", ("/psycopg/", "/psycopg_c/",
                                                           "/psycopg_pool/")),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("Festa's own code", ("/festa/",)),
    ("Flask, Werkzeug, Flask extensions", ("/flask/", "/werkzeug/", "/flask_", "/itsdangerous/",
                                           "/prometheus_flask_exporter/")),
    ("marshmallow, webargs, apispec", ("/marshmallow/", "/webargs/", "/apispec/")),
    ("Jinja2, MarkupSafe", ("/jinja2/", "/markupsafe/")),
    ("Babel (translations, dates)", ("/babel/", "/flask_babel/")),
    ("Ed25519 signatures (PyNaCl, cryptography)", ("/nacl/", "/cryptography/")),
    ("QR codes, images", ("/qrcode/", "/segno/", "/PIL/", "/pypng/", "/png.py")),
    ("e-mail (stdlib)", ("/email/",)),
    ("prometheus_client", ("/prometheus_client/",)),
    ("logging (stdlib)", ("/logging/",)),
]


def group_of(filename: str) -> str:
    for name, fragments in GROUPS:
        if any(fragment in filename for fragment in fragments):
            return name
    if filename.startswith("~") or filename == "<built-in>":
        return "built-ins (C functions called from the above)"
    return "other Python (stdlib and the rest)"


@contextmanager
def statement_counter(engine: sa.Engine):
    counter = {"n": 0}

    def before(*_args) -> None:
        counter["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def profiled(name: str, run, times: int, engine: sa.Engine) -> dict:
    """Profile `run(i)` `times` times; returns per-call figures and the grouped self time."""
    profiler = cProfile.Profile()
    with statement_counter(engine) as statements:
        wall, cpu = time.perf_counter(), time.process_time()
        profiler.enable()
        for i in range(times):
            run(i)
        profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    path = h.OUT / f"profile-{name}.pstats"
    profiler.dump_stats(path)
    stats = pstats.Stats(str(path))
    groups: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        groups[group_of(filename)] += tottime
        total += tottime
    own = sorted(((ct, f"{filename.split('/festa/')[-1]}:{func}")
                  for (filename, _line, func), (_cc, _nc, _tt, ct, _c) in stats.stats.items()
                  if "/festa/" in filename), reverse=True)
    return {"name": name, "times": times, "wall_ms": wall * 1000 / times,
            "cpu_ms": cpu * 1000 / times, "statements": statements["n"] / times,
            "groups": {k: v * 1000 / times for k, v in groups.items()},
            "profiled_ms": total * 1000 / times, "top": own[:TOP], "path": path}


def prepare(url: str) -> dict:
    with h.app_context(url):
        from festa.checkin.cli import create_device_token

        event = data.make_event("profile", capacity=None)
        data.make_sessions(event, SESSIONS, rooms=50)
        codes = data.make_attendees(event, ATTENDEES)
        token = create_device_token(event.slug, None, "profile")
        return {"slug": event.slug, "codes": codes, "token": token}


def measure(url: str, prepared: dict) -> list[dict]:
    # As under gunicorn in the benches: no request log line (SERVER_ENV).
    with h.app_context(url, FESTA_REQUEST_LOG=False) as app:
        from festa.extensions import db
        from festa.outbox.models import OutboxMessage
        from festa.outbox.services import rendered

        client = app.test_client()
        slug, token, codes = prepared["slug"], prepared["token"], prepared["codes"]
        auth = {"Authorization": f"Bearer {token}"}
        checkpoint = client.get("/api/v1/checkpoints", headers=auth).get_json()
        checkpoint_id = checkpoint["checkpoint"]["id"] if "checkpoint" in checkpoint else (
            checkpoint["id"])
        scans = f"/api/v1/checkpoints/{checkpoint_id}/scans"
        registrations = f"/api/v1/events/{slug}/registrations"

        def scan(i: int) -> None:
            response = client.post(scans, json={"code": codes[i]}, headers=auth)
            assert response.get_json()["result"] == "ok", response.get_json()

        def register(i: int) -> None:
            response = client.post(registrations, json={
                "name": f"프로필 {i}", "email": f"profile-{i}@bench.example", "consent": True})
            assert response.status_code == 201, response.get_json()

        for i in range(WARMUP):  # caches, prepared statements, first imports
            scan(REPEAT + i)
            register(REPEAT + i)
        feed = f"/api/v1/events/{slug}/schedule.json"
        etag = client.get(feed).headers["ETag"]

        def not_modified(_i: int) -> None:
            # The floor of a Festa request that reads the database: two small queries.
            assert client.get(feed, headers={"If-None-Match": etag}).status_code == 304

        for _i in range(WARMUP):
            not_modified(0)
        engine = db.engine
        results = [profiled("scan", scan, REPEAT, engine),
                   profiled("registration", register, REPEAT, engine),
                   profiled("schedule.json 304", not_modified, REPEAT, engine)]
        ids = db.session.scalars(sa.select(OutboxMessage.id).where(
            OutboxMessage.kind == "mail").order_by(OutboxMessage.id).limit(REPEAT)).all()
        db.session.remove()

        def render(i: int) -> None:
            # What the outbox worker does before sending: render from the database.
            rendered(db.session.get(OutboxMessage, ids[i]))
            db.session.rollback()

        results.append(profiled("mail-rendering", render, len(ids), engine))
        return results


def report(results: list[dict]) -> str:
    head = "| | " + " | ".join(r["name"] for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    lines.append("| requests profiled | " + " | ".join(f"{r['times']}" for r in results) + " |")
    lines.append("| wall ms per call, profiled | " + " | ".join(
        f"{r['wall_ms']:.2f}" for r in results) + " |")
    lines.append("| CPU ms per call (this process) | " + " | ".join(
        f"{r['cpu_ms']:.2f}" for r in results) + " |")
    lines.append("| SQL statements per call | " + " | ".join(
        f"{r['statements']:.1f}" for r in results) + " |")
    names = sorted({g for r in results for g in r["groups"]},
                   key=lambda g: -max(r["groups"].get(g, 0) for r in results))
    for name in names:
        cells = (r["groups"].get(name, 0) for r in results)
        lines.append(f"| {name} | " + " | ".join(
            f"{ms:.2f} ({100 * ms / r['profiled_ms']:.0f} %)"
            for ms, r in zip(cells, results, strict=True)) + " |")
    tops = []
    for r in results:
        items = "\n".join(f"  - `{where}` {ct * 1000 / r['times']:.2f} ms"
                          for ct, where in r["top"])
        tops.append(f"- **{r['name']}** — Festa functions by cumulative time per call "
                    f"(each includes what it calls):\n{items}")
    return "\n".join(lines), "\n".join(tops)


def main() -> None:
    h.OUT.mkdir(parents=True, exist_ok=True)
    url = h.fresh_database("profile")
    h.log(f"preparing an event of {ATTENDEES:,} attendees and {SESSIONS:,} sessions")
    prepared = prepare(url)
    h.log(f"profiling {REPEAT} scans, {REPEAT} registrations, their mails")
    results = measure(url, prepared)
    table, tops = report(results)
    body = f"""cProfile of {REPEAT} first check-ins (scan API), {REPEAT} registrations (API, no
session chosen), {REPEAT} `304 Not Modified` answers of schedule.json (the floor of a request
that reads the database) and the outbox worker's rendering of {REPEAT} confirmation mails, in one
process through the WSGI app (Flask's test client: no gunicorn, no HTTP parsing, no other
requests at the same time) on PostgreSQL, at an event of {ATTENDEES:,} attendees and
{SESSIONS:,} sessions, after {WARMUP} unprofiled calls of each. cProfile itself slows
Python down (roughly ×1.5–2), so the milliseconds are larger than under wrk; the shares are
what to read. Self time per call, grouped by package (ms, and share of the profiled time):

{table}

{tops}

Raw profiles: `bench/out/profile-*.pstats`.
"""
    print(body)
    h.write_section("profiles", "Profiles: where a scan's and a registration's time goes", body)


if __name__ == "__main__":
    main()
