"""Scaling (issues 6 and 12): throughput and p99 of the scan API, registration, the schedule
page and schedule.json against the bare baseline in the same run, and how each grows from
100 to 10,000 attendees and from 10 to 2,000 sessions. Issue 12's target: scan and
registration throughput at the large event within 20 % of the small one's.

Three events of different sizes live in one database and are served by the same gunicorn;
each endpoint is loaded for a few seconds per size. The requests are the same at every size:
registrations with new e-mails, and scans of the event's first 100 tickets at its entrance
(which counts exits here), in, out, in… so that every scan is an `ok` that writes.

    .venv/bin/python -m bench.scaling
"""

from __future__ import annotations

import secrets
import statistics

from bench import data
from bench import harness as h

SIZES = [("small", 100, 10), ("medium", 1000, 200), ("large", 10000, 2000)]
CONNECTIONS = 16
THREADS = 2
SECONDS = 6
ROUNDS = 3  # the writes, sizes in turn (and the baseline) — the machine's noise comes and goes
SCANNED = 100  # tickets scanned at every size: the small event's all
TARGET = 0.8  # large ÷ small throughput of scans and registrations (issue 12)


def prepare(url: str) -> dict:
    events = {}
    for name, attendees, sessions in SIZES:
        with h.app_context(url):
            event = data.make_event(f"size-{name}", capacity=None)
            data.make_sessions(event, sessions, rooms=max(2, min(60, sessions // 40)))
            codes = data.make_attendees(event, attendees)
            events[name] = {"slug": event.slug, "id": event.id,
                            "codes": h.OUT / f"codes-{name}.txt"}
        events[name]["codes"].write_text("\n".join(codes[:SCANNED]) + "\n")
    return events


def load(label: str, server: h.Server, path: str, **options) -> h.WrkResult:
    return h.wrk(label, server.url + path, connections=CONNECTIONS, seconds=SECONDS,
                 threads=THREADS, server=server, **options)


def writes(app: h.Server, name: str, event: dict) -> dict:
    """One round of the writes at this size: scans, then registrations."""
    lua = h.ROOT / "bench/lua"
    scans = f"/api/v1/checkpoints/{event['checkpoint']}/scans"
    registrations = f"/api/v1/events/{event['slug']}/registrations"
    return {
        "scan API": load(f"{name} scans", app, scans, script=lua / "scan.lua",
                         script_args=[scans, "0", str(event["codes"]), event["token"],
                                      str(THREADS), "alternate"]),
        "registration": load(f"{name} registration", app, registrations,
                             script=lua / "registration.lua",
                             script_args=[registrations, "0", secrets.token_hex(3), ""]),
    }


def reads(app: h.Server, name: str, event: dict) -> dict:
    """The schedule page and schedule.json at this size, served from a warm cache."""
    pages = {"schedule page": f"/events/{event['slug']}/schedule",
             "schedule.json": f"/api/v1/events/{event['slug']}/schedule.json"}
    h.warm(app.url, list(pages.values()), CONNECTIONS)
    return {endpoint: load(f"{name} {endpoint}", app, path,
                           script=h.ROOT / "bench/lua/get.lua", script_args=["0"])
            for endpoint, path in pages.items()}


def combine(rounds: list[h.WrkResult]) -> h.WrkResult:
    """The rounds of one measurement as one: all requests over all the time, the median
    round's p50 and the worst round's p99."""
    statuses: dict[str, int] = {}
    for r in rounds:
        for status, n in r.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    requests, seconds = sum(r.requests for r in rounds), sum(r.seconds for r in rounds)
    cpu = (sum(r.cpu_ms * r.requests for r in rounds) / requests
           if requests and all(r.cpu_ms is not None for r in rounds) else None)
    return h.WrkResult(rounds[0].label, requests, seconds, requests / seconds,
                       statistics.median(r.p50_ms for r in rounds),
                       max(r.p99_ms for r in rounds), statuses,
                       "; ".join(r.errors for r in rounds if r.errors), cpu)


def device(url: str, app: h.Server, slug: str) -> tuple[str, int]:
    """A device token for the event's entrance, which is set to count exits."""
    token = h.flask("festa", "device", "create", "--event", slug, "--name", "bench",
                    database_url=url).strip().splitlines()[-1]
    # Before the app first sees the checkpoint: it may keep checkpoints for a few seconds.
    h.execute(url, "UPDATE checkpoints SET counts_exits = true "
              "WHERE event_id = (SELECT id FROM events WHERE slug = :s)", s=slug)
    _status, body = h.http_json("GET", app.url + "/api/v1/checkpoints", token=token)
    return token, body["checkpoint"]["id"] if "checkpoint" in body else body["id"]


def scan_results(url: str, checkpoint: int) -> dict:
    return dict(h.rows(url, "SELECT result, count(*) FROM scans WHERE checkpoint_id = :c "
                       "GROUP BY result", c=checkpoint))


def table(results: dict, baseline: dict) -> str:
    lines = ["| endpoint | size (attendees / sessions) | req/s | p50 ms | p99 ms | × baseline "
             "throughput | CPU ms/req | × baseline CPU | statuses |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for endpoint in ("scan API", "registration", "schedule page", "schedule.json"):
        base = baseline["insert" if endpoint in ("scan API", "registration") else "json"]
        for name, attendees, sessions in SIZES:
            r = results[name][endpoint]
            codes = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items()))
            cpu = (f"{r.cpu_ms / base.cpu_ms:.1f}" if r.cpu_ms and base.cpu_ms else "—")
            lines.append(f"| {endpoint} | {name} ({attendees:,} / {sessions:,}) | {r.rps:,.0f} | "
                         f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.rps / base.rps:.2f} | "
                         f"{r.cpu} | {cpu} | {codes} |")
    return "\n".join(lines)


def growth(results: dict) -> str:
    small, large = results["small"], results["large"]
    parts = []
    for endpoint in ("scan API", "registration", "schedule page", "schedule.json"):
        a, b = small[endpoint], large[endpoint]
        target, cpu = "", ""
        if a.cpu_ms and b.cpu_ms:
            cpu = f", CPU per request ×{b.cpu_ms / a.cpu_ms:.2f}"
        if endpoint in ("scan API", "registration"):
            target = f" — **within 20 %: {'yes' if b.rps / a.rps >= TARGET else 'no'}**"
            if a.cpu_ms and b.cpu_ms:
                target += (" by throughput, **"
                           f"{'yes' if a.cpu_ms / b.cpu_ms >= TARGET else 'no'}** by CPU")
        parts.append(f"- {endpoint}: throughput **×{b.rps / a.rps:.2f}**, "
                     f"p99 ×{b.p99_ms / a.p99_ms:.1f}{cpu} from small to large{target}")
    return "\n".join(parts)


def scan_summary(scans: dict) -> str:
    return "; ".join(f"{name} " + ", ".join(f"{result} {n:,}" for result, n in sorted(
        counts.items())) for name, counts in scans.items())


def main() -> None:
    h.OUT.mkdir(parents=True, exist_ok=True)
    url = h.fresh_database("scaling")
    h.log("preparing three events (100/10, 1,000/200, 10,000/2,000)")
    events = prepare(url)
    rounds: dict = {name: {"scan API": [], "registration": []} for name, _a, _s in SIZES}
    inserts = []
    with h.private_redis() as redis_url, h.servers(
            h.app_server(url, **({"REDIS_URL": redis_url} if redis_url else {})),
            h.baseline_server(url)) as (app, base):
        for name, _attendees, _sessions in SIZES:
            events[name]["token"], events[name]["checkpoint"] = device(
                url, app, events[name]["slug"])
        for n in range(ROUNDS):
            order = SIZES if n % 2 == 0 else list(reversed(SIZES))
            h.log(f"round {n + 1} of {ROUNDS}: baseline, then "
                  + ", ".join(name for name, _a, _s in order))
            inserts.append(load("baseline POST /insert", base, "/insert",
                                script=h.ROOT / "bench/lua/registration.lua",
                                script_args=["/insert", "0", secrets.token_hex(3), ""]))
            for name, _attendees, _sessions in order:
                for endpoint, result in writes(app, name, events[name]).items():
                    rounds[name][endpoint].append(result)
        h.log("reads")
        baseline = {"insert": combine(inserts),
                    "json": load("baseline GET /json", base, "/json",
                                 script=h.ROOT / "bench/lua/get.lua", script_args=["0"])}
        results = {name: {**{e: combine(r) for e, r in rounds[name].items()},
                          **reads(app, name, events[name])} for name, _a, _s in SIZES}
    scans = {name: scan_results(url, events[name]["checkpoint"]) for name, _a, _s in SIZES}
    errors = sum(n for size in results.values() for r in size.values()
                 for s, n in r.statuses.items() if s.startswith("5"))
    per_round = "; ".join(
        f"{name} scans " + ", ".join(f"{r.rps:,.0f}" for r in rounds[name]["scan API"])
        + ", registrations " + ", ".join(f"{r.rps:,.0f}" for r in rounds[name]["registration"])
        for name, _a, _s in SIZES)
    body = f"""Writes (scans, registrations) in {ROUNDS} rounds, the sizes in turn (small → large,
then large → small, …) with the baseline's POST /insert at the start of each round, {SECONDS} s
at {CONNECTIONS} connections each; their figures sum all rounds (req/s: all requests over all
the time; p50 of the median round, p99 of the worst). Per round, req/s: {per_round};
/insert {', '.join(f'{r.rps:,.0f}' for r in inserts)}. Then the reads, once per size, from a
warm render cache (every worker holding the documents; `REDIS_URL` set). Baselines (bare
Flask, same gunicorn): GET /json {baseline['json'].rps:,.0f} req/s (p99
{baseline['json'].p99_ms:.1f} ms), POST /insert {baseline['insert'].rps:,.0f} req/s (p99
{baseline['insert'].p99_ms:.1f} ms). Reads are compared with /json, writes with /insert.
"CPU ms/req": CPU time of the server's gunicorn processes and of their PostgreSQL backends
over the requests answered: what a request costs, much less disturbed by the rest of the
machine than req/s. The same requests at every size:
registrations with new e-mails (no session chosen), and scans of the event's first
{SCANNED} tickets at its entrance, in, out, in… (every scan an `ok` that writes the scan, the
presence and the door's counter). Scan results recorded: {scan_summary(scans)}.

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
