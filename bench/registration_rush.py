"""Registration rush (issue 3): 5,000 registration POSTs over 32 connections for 1,000 seats,
against the baseline's one-INSERT endpoint in the same run; then 0 oversold is checked.

    .venv/bin/python -m bench.registration_rush
"""

from __future__ import annotations

import secrets

from bench import data
from bench import harness as h

REQUESTS = 5000
CONNECTIONS = 32
SEATS = 1000
THREADS = 2
MAX_SECONDS = 150  # the quota ends the run; this only bounds it


def rush(label: str, server: h.Server, path: str, run: str) -> h.WrkResult:
    return h.wrk(label, server.url + path, connections=CONNECTIONS, seconds=MAX_SECONDS,
                 threads=THREADS, script=h.ROOT / "bench/lua/registration.lua",
                 script_args=[path, str(REQUESTS // THREADS), run, ""])


def check(url: str, event_id: int) -> dict:
    counts = {}
    for status in ("confirmed", "waitlisted", "cancelled"):
        counts[status] = h.scalar(url, "SELECT count(*) FROM registrations "
                                  "WHERE event_id = :e AND status = :s", e=event_id, s=status)
    counts["tickets"] = h.scalar(url, "SELECT count(*) FROM tickets WHERE event_id = :e",
                                 e=event_id)
    counts["seats_taken"] = h.scalar(url, "SELECT seats_taken FROM events WHERE id = :e",
                                     e=event_id)
    counts["oversold"] = max(0, counts["confirmed"] - SEATS)
    return counts


def main() -> None:
    url = h.fresh_database("rush")
    with h.app_context(url):
        event = data.make_event("rush", capacity=SEATS)
        event_id, slug = event.id, event.slug
    run = secrets.token_hex(3)
    with h.servers(h.app_server(url), h.baseline_server(url)) as (app, base):
        h.log("baseline: one INSERT per POST")
        baseline = rush("baseline POST /insert", base, "/insert", run)
        h.log("app: registration API")
        path = f"/api/v1/events/{slug}/registrations"
        result = rush("app POST registrations", app, path, run)
    counts = check(url, event_id)
    errors = sum(n for s, n in result.statuses.items() if s.startswith("5"))
    ok = (counts["oversold"] == 0 and counts["confirmed"] == SEATS and errors == 0
          and counts["tickets"] == counts["confirmed"] == counts["seats_taken"])
    body = f"""{REQUESTS:,} registration POSTs (unique e-mails) over {CONNECTIONS} connections for
an event of {SEATS:,} seats; the baseline gets the same {REQUESTS:,} POSTs on its one-INSERT
endpoint. A run ends when all {REQUESTS:,} have been answered (or after {MAX_SECONDS} s).

{h.WRK_TABLE_HEAD}
{baseline.row()}
{result.row()}

**Ratio: {h.ratio(result, baseline)}.**

After the rush: {counts['confirmed']:,} confirmed, {counts['waitlisted']:,} waitlisted,
{counts['tickets']:,} tickets, seats_taken {counts['seats_taken']:,} —
**{counts['oversold']} oversold**, {errors} server errors. {'✅' if ok else '❌ CHECK FAILED'}
"""
    print(body)
    h.write_section("registration_rush", "Registration rush (5,000 POSTs, 1,000 seats)", body)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
