"""Scaling (issue 6): throughput and p99 of the scan API, registration, the schedule page and
schedule.json against the bare baseline in the same run, and how each grows from 100 to
10,000 attendees and from 10 to 2,000 sessions.

Three events of different sizes live in one database and are served by the same gunicorn;
each endpoint is loaded for a few seconds per size.

    .venv/bin/python -m bench.scaling
"""

from __future__ import annotations

import secrets

from bench import data
from bench import harness as h

SIZES = [("small", 100, 10), ("medium", 1000, 200), ("large", 10000, 2000)]
CONNECTIONS = 16
THREADS = 2
SECONDS = 6


def prepare(url: str) -> dict:
    events = {}
    for name, attendees, sessions in SIZES:
        with h.app_context(url):
            event = data.make_event(f"size-{name}", capacity=None)
            data.make_sessions(event, sessions, rooms=max(2, min(60, sessions // 40)))
            codes = data.make_attendees(event, attendees)
            events[name] = {"slug": event.slug, "codes": h.OUT / f"codes-{name}.txt"}
        events[name]["codes"].write_text("\n".join(codes) + "\n")
    return events


def load(label: str, url: str, **options) -> h.WrkResult:
    return h.wrk(label, url, connections=CONNECTIONS, seconds=SECONDS, threads=THREADS,
                 **options)


def measure(app: h.Server, name: str, event: dict, token: str, checkpoint: int) -> dict:
    slug = event["slug"]
    lua = h.ROOT / "bench/lua"
    scans = f"/api/v1/checkpoints/{checkpoint}/scans"
    registrations = f"/api/v1/events/{slug}/registrations"
    return {
        "scan API": load(f"{name} scans", app.url + scans, script=lua / "scan.lua",
                         script_args=[scans, "0", str(event["codes"]), token, str(THREADS)]),
        "registration": load(f"{name} registration", app.url + registrations,
                             script=lua / "registration.lua",
                             script_args=[registrations, "0", secrets.token_hex(3), ""]),
        "schedule page": load(f"{name} schedule page", f"{app.url}/events/{slug}/schedule",
                              script=lua / "get.lua", script_args=["0"]),
        "schedule.json": load(f"{name} schedule.json",
                              f"{app.url}/api/v1/events/{slug}/schedule.json",
                              script=lua / "get.lua", script_args=["0"]),
    }


def device(url: str, app: h.Server, slug: str) -> tuple[str, int]:
    token = h.flask("festa", "device", "create", "--event", slug, "--name", "bench",
                    database_url=url).strip().splitlines()[-1]
    _status, body = h.http_json("GET", app.url + "/api/v1/checkpoints", token=token)
    return token, body["checkpoint"]["id"] if "checkpoint" in body else body["id"]


def table(results: dict, baseline: dict) -> str:
    lines = ["| endpoint | size (attendees / sessions) | req/s | p50 ms | p99 ms | × baseline "
             "throughput | × baseline p99 | statuses |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for endpoint in ("scan API", "registration", "schedule page", "schedule.json"):
        base = baseline["insert" if endpoint in ("scan API", "registration") else "json"]
        for name, attendees, sessions in SIZES:
            r = results[name][endpoint]
            codes = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items()))
            lines.append(f"| {endpoint} | {name} ({attendees:,} / {sessions:,}) | {r.rps:,.0f} | "
                         f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.rps / base.rps:.2f} | "
                         f"{r.p99_ms / base.p99_ms:.1f} | {codes} |")
    return "\n".join(lines)


def growth(results: dict) -> str:
    small, large = results["small"], results["large"]
    parts = []
    for endpoint in ("scan API", "registration", "schedule page", "schedule.json"):
        a, b = small[endpoint], large[endpoint]
        parts.append(f"- {endpoint}: throughput ×{b.rps / a.rps:.2f}, "
                     f"p99 ×{b.p99_ms / a.p99_ms:.1f} from small to large")
    return "\n".join(parts)


def main() -> None:
    h.OUT.mkdir(parents=True, exist_ok=True)
    url = h.fresh_database("scaling")
    h.log("preparing three events (100/10, 1,000/200, 10,000/2,000)")
    events = prepare(url)
    results = {}
    with h.servers(h.app_server(url), h.baseline_server(url)) as (app, base):
        baseline = {
            "json": load("baseline GET /json", base.url + "/json",
                         script=h.ROOT / "bench/lua/get.lua", script_args=["0"]),
            "insert": load("baseline POST /insert", base.url + "/insert",
                           script=h.ROOT / "bench/lua/registration.lua",
                           script_args=["/insert", "0", secrets.token_hex(3), ""]),
        }
        for name, _attendees, _sessions in SIZES:
            h.log(f"measuring {name}")
            token, checkpoint = device(url, app, events[name]["slug"])
            results[name] = measure(app, name, events[name], token, checkpoint)
    errors = sum(n for size in results.values() for r in size.values()
                 for s, n in r.statuses.items() if s.startswith("5"))
    body = f"""Each endpoint loaded for {SECONDS} s at {CONNECTIONS} connections per size; the
baseline (bare Flask, same gunicorn) in the same run:
GET /json {baseline['json'].rps:,.0f} req/s (p99 {baseline['json'].p99_ms:.1f} ms), POST /insert
{baseline['insert'].rps:,.0f} req/s (p99 {baseline['insert'].p99_ms:.1f} ms). Reads are compared
with /json, writes (scans, registrations) with /insert. Scans cycle through the event's
tickets: at the small size most are repeat scans (`already_checked_in`), at the large size
first check-ins.

{table(results, baseline)}

Growth from the small to the large event:

{growth(results)}

Server errors in all runs: {errors}. {'✅' if errors == 0 else '❌'}
"""
    print(body)
    h.write_section("scaling", "Scaling with attendees and sessions", body)
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
