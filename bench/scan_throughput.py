"""Scan API throughput (issue 4): POST /api/v1/checkpoints/{id}/scans at 16 connections on
gunicorn + PostgreSQL, against the baseline's JSON and one-INSERT endpoints in the same run.

Tickets are pre-issued (real Ed25519-signed codes), the device token comes from the CLI, and
every code is scanned once: each request is a first check-in ("ok"), the costly case.

    .venv/bin/python -m bench.scan_throughput
"""

from __future__ import annotations

import secrets

from bench import data
from bench import harness as h

ATTENDEES = 20000
CONNECTIONS = 16
THREADS = 2
SECONDS = 15


def prepare(url: str) -> tuple[str, object]:
    """(slug, codes file) with ATTENDEES tickets issued."""
    with h.app_context(url):
        event = data.make_event("scan", capacity=None)
        slug = event.slug
        codes = data.make_attendees(event, ATTENDEES)
    path = h.OUT / "scan-codes.txt"
    path.write_text("\n".join(codes) + "\n")
    return slug, path


def main() -> None:
    h.OUT.mkdir(parents=True, exist_ok=True)
    url = h.fresh_database("scan")
    h.log(f"issuing {ATTENDEES:,} tickets")
    slug, codes = prepare(url)
    token = h.flask("festa", "device", "create", "--event", slug, "--name", "bench",
                    database_url=url).strip().splitlines()[-1]
    with h.servers(h.app_server(url), h.baseline_server(url)) as (app, base):
        status, body = h.http_json("GET", app.url + "/api/v1/checkpoints", token=token)
        assert status == 200, body
        checkpoint = body["checkpoint"]["id"] if "checkpoint" in body else body["id"]
        path = f"/api/v1/checkpoints/{checkpoint}/scans"
        quota = ATTENDEES // THREADS
        h.log("baseline")
        json_result = h.wrk("baseline GET /json", base.url + "/json", connections=CONNECTIONS,
                            seconds=SECONDS, threads=THREADS, server=base,
                            script=h.ROOT / "bench/lua/get.lua", script_args=["0"])
        insert = h.wrk("baseline POST /insert", base.url + "/insert", connections=CONNECTIONS,
                       seconds=SECONDS, threads=THREADS, server=base,
                       script=h.ROOT / "bench/lua/registration.lua",
                       script_args=["/insert", "0", secrets.token_hex(3), ""])
        h.log("app: scans")
        scans = h.wrk("app POST scans", app.url + path, connections=CONNECTIONS,
                      seconds=SECONDS, threads=THREADS, server=app,
                      script=h.ROOT / "bench/lua/scan.lua",
                      script_args=[path, str(quota), str(codes), token, str(THREADS)])
    results = {r: h.scalar(url, "SELECT count(*) FROM scans WHERE result = :r", r=r)
               for r in ("ok", "already_checked_in", "invalid")}
    presences = h.scalar(url, "SELECT count(*) FROM presences")
    errors = sum(n for s, n in scans.statuses.items() if s.startswith("5"))
    # Every scan must have been decided (a 401 storm would leave 0 ok = 0 presences).
    ok = (errors == 0 and results["ok"] > 0 and results["ok"] == presences
          and results["invalid"] == 0)
    body = f"""Scans of pre-issued tickets (each code once: every scan a first check-in) over
{CONNECTIONS} connections for {SECONDS} s, against the bare baseline in the same run.
"CPU ms/req": CPU time of the server's gunicorn processes and of their PostgreSQL
backends over the requests answered (wrk's not included): what a request costs, much less
disturbed by the rest of the machine than req/s.

{h.WRK_TABLE_HEAD}
{json_result.row()}
{insert.row()}
{scans.row()}

**Ratio: {h.ratio(scans, insert)} against the one-INSERT endpoint; {h.ratio(scans, json_result)}
against the JSON endpoint.**

Recorded scans: {results['ok']:,} ok, {results['already_checked_in']:,} already_checked_in,
{results['invalid']} invalid; {presences:,} people inside — one presence per ok scan, {errors}
server errors. {'✅' if ok else '❌ CHECK FAILED'}
"""
    print(body)
    h.write_section("scan_throughput", "Scan API throughput (16 connections)", body)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
