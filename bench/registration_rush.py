"""Registration rush (issue 3): 5,000 registration POSTs over 32 connections for 1,000 seats,
against the baseline's one-INSERT endpoint in the same run; then 0 oversold is checked, and
every mail (rendered and sent by the outbox workers of the gunicorn processes, after the
commit) is counted at a real SMTP server (aiosmtpd): each delivered exactly once.

    .venv/bin/python -m bench.registration_rush
"""

from __future__ import annotations

import secrets
import time

from bench import data
from bench import harness as h

REQUESTS = 5000
CONNECTIONS = 32
SEATS = 1000
THREADS = 2
MAX_SECONDS = 300  # the quota ends the run; this only bounds it (a busy machine is slow)
MAIL_WAIT = 600  # seconds for the outbox to drain after the rush (bounded)
QUIET = 10  # then this long without anything new: a duplicate would show up


def rush(label: str, server: h.Server, path: str, run: str) -> h.WrkResult:
    return h.wrk(label, server.url + path, connections=CONNECTIONS, seconds=MAX_SECONDS,
                 server=server,
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


def pending_mail(url: str) -> int:
    return h.scalar(url, "SELECT count(*) FROM outbox WHERE kind = 'mail' "
                    "AND status = 'pending'")


def drain(url: str, inbox: h.Inbox) -> float:
    """Seconds until no mail is pending any more (bounded), then a quiet spell."""
    started = time.monotonic()
    while pending_mail(url) and time.monotonic() - started < MAIL_WAIT:
        time.sleep(1)
    drained = time.monotonic() - started
    time.sleep(QUIET)
    return drained


def mail_check(url: str, event_id: int, inbox: h.Inbox, drained: float) -> dict:
    per_recipient = inbox.per_recipient()
    queued = h.scalar(url, "SELECT count(*) FROM outbox WHERE kind = 'mail' "
                      "AND event_id = :e", e=event_id)
    people = h.scalar(url, "SELECT count(DISTINCT email) FROM registrations "
                      "WHERE event_id = :e", e=event_id)
    return {
        "queued": queued, "received": len(inbox.messages), "recipients": len(per_recipient),
        "people": people, "twice": sum(1 for n in per_recipient.values() if n > 1),
        "pending": pending_mail(url), "drained": drained,
        "failed": h.scalar(url, "SELECT count(*) FROM outbox WHERE status = 'failed'"),
    }


def registration_cpu(result: h.WrkResult, mail: dict, sent_during: int) -> str:
    """CPU per registration less the mail the outbox workers sent meanwhile (an estimate:
    each such mail taken at the cost measured after the rush)."""
    if result.cpu_ms is None or not mail["cpu_ms"] or not result.requests:
        return "—"
    own = result.cpu_ms - sent_during * mail["cpu_ms"] / result.requests
    return f"{own:.1f}"


def main() -> None:
    url = h.fresh_database("rush")
    with h.app_context(url):
        event = data.make_event("rush", capacity=SEATS)
        event_id, slug = event.id, event.slug
    run = secrets.token_hex(3)
    inbox = h.Inbox()
    smtp_port = h.free_port()
    smtp = inbox.controller(smtp_port)
    smtp.start()
    try:
        with h.servers(h.app_server(url, **h.mail_env(smtp_port)),
                       h.baseline_server(url)) as (app, base):
            h.log("baseline: one INSERT per POST")
            baseline = rush("baseline POST /insert", base, "/insert", run)
            h.log("app: registration API (outbox workers delivering meanwhile)")
            path = f"/api/v1/events/{slug}/registrations"
            result = rush("app POST registrations", app, path, run)
            sent_during = len(inbox.messages)
            h.log(f"rush over ({sent_during} mails so far); waiting for the outbox")
            cpu_before = app.cpu_seconds()
            mail = mail_check(url, event_id, inbox, drain(url, inbox))
            drained = mail["received"] - sent_during
            mail["cpu_ms"] = ((app.cpu_seconds() - cpu_before) * 1000 / drained
                              if drained else None)
    finally:
        smtp.stop()
    counts = check(url, event_id)
    errors = sum(n for s, n in result.statuses.items() if s.startswith("5"))
    mail_ok = (mail["pending"] == 0 and mail["failed"] == 0 and mail["twice"] == 0
               and mail["received"] == mail["queued"] == mail["recipients"] == mail["people"])
    ok = (counts["oversold"] == 0 and counts["confirmed"] == SEATS and errors == 0
          and counts["tickets"] == counts["confirmed"] == counts["seats_taken"] and mail_ok)
    mail_cpu = f"{mail['cpu_ms']:.1f}" if mail["cpu_ms"] else "—"
    body = f"""{REQUESTS:,} registration POSTs (unique e-mails) over {CONNECTIONS} connections for
an event of {SEATS:,} seats; the baseline gets the same {REQUESTS:,} POSTs on its one-INSERT
endpoint. A run ends when all {REQUESTS:,} have been answered (or after {MAX_SECONDS} s).
"CPU ms/req": CPU time of the server's gunicorn processes and of their PostgreSQL
backends over the requests answered (wrk's not included): what a request costs, much less
disturbed by the rest of the machine than req/s.
The app's includes the outbox workers' mail rendering and sending during the rush.

{h.WRK_TABLE_HEAD}
{baseline.row()}
{result.row()}

**Ratio: {h.ratio(result, baseline)}.**

After the rush: {counts['confirmed']:,} confirmed, {counts['waitlisted']:,} waitlisted,
{counts['tickets']:,} tickets, seats_taken {counts['seats_taken']:,} —
**{counts['oversold']} oversold**, {errors} server errors.

Mail: the app servers send through aiosmtpd on 127.0.0.1 (in the bench's process); each
gunicorn worker runs the outbox worker, which renders a message (QR, calendar) from the
database after the commit and sends it, during the rush and after it.

- registrations (distinct e-mails): {mail['people']:,}; mail queued: {mail['queued']:,}
- received by the SMTP server while the rush ran: {sent_during:,}; all sent
  {mail['drained']:.0f} s after the rush ended (then {QUIET} s more for late duplicates)
- CPU per mail rendered and sent after the rush (outbox workers and their database
  backends, the server idle otherwise): {mail_cpu} ms; so of the
  {result.cpu} ms per registration during the rush, about
  {registration_cpu(result, mail, sent_during)} ms were the registration itself
- received in all: {mail['received']:,}, for {mail['recipients']:,} distinct recipients;
  **recipients who got a message twice: {mail['twice']}**; outbox afterwards:
  {mail['pending']} pending, {mail['failed']} failed

{'✅ 0 oversold, every mail delivered exactly once' if ok else '❌ CHECK FAILED'}
"""
    print(body)
    h.write_section("registration_rush", "Registration rush (5,000 POSTs, 1,000 seats)", body)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
