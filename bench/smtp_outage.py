"""SMTP outage (issue 6): mail queued while the SMTP server is down is delivered, exactly
once each, after it comes back — by the background workers of every gunicorn process
competing for the same outbox.

    .venv/bin/python -m bench.smtp_outage
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench import data
from bench import harness as h

PEOPLE = 120
OUTAGE_SECONDS = 12
MAX_WAIT = 240  # the outbox backs off 30 s, then 60 s … after failures


def outbox(url: str, status: str) -> int:
    return h.scalar(url, "SELECT count(*) FROM outbox WHERE kind = 'mail' AND status = :s",
                    s=status)


def main() -> None:
    url = h.fresh_database("smtp")
    with h.app_context(url):
        slug = data.make_event("smtp", capacity=None).slug
    port = h.free_port()  # nothing listens there yet: the SMTP server is "down"
    env = h.mail_env(port)
    inbox = h.Inbox()
    controller = inbox.controller(port)
    with h.servers(h.app_server(url, **env)) as (app,):
        run = secrets.token_hex(3)
        h.log(f"SMTP down; {PEOPLE} registrations")

        def register(n: int):
            return h.http_json("POST", f"{app.url}/api/v1/events/{slug}/registrations", {
                "name": f"메일 {n}", "email": f"mail-{run}-{n}@bench.example",
                "consent": True})[0]

        with ThreadPoolExecutor(8) as pool:
            statuses = Counter(pool.map(register, range(PEOPLE)))
        time.sleep(OUTAGE_SECONDS)
        failed_attempts = h.scalar(url, "SELECT count(*) FROM outbox WHERE attempts > 0 "
                                   "AND status = 'pending'")
        sent_during_outage = outbox(url, "sent")
        h.log(f"SMTP up after {OUTAGE_SECONDS} s ({failed_attempts} messages had failed)")
        controller.start()
        started = time.monotonic()
        try:
            while outbox(url, "pending") and time.monotonic() - started < MAX_WAIT:
                time.sleep(1)
            recovered = time.monotonic() - started
            time.sleep(5)  # long enough for any duplicate to show up
        finally:
            controller.stop()
    queued = h.scalar(url, "SELECT count(*) FROM outbox WHERE kind = 'mail'")
    per_recipient = inbox.per_recipient()
    twice = sum(1 for n in per_recipient.values() if n > 1)
    ok = (statuses == {201: PEOPLE} and sent_during_outage == 0 and outbox(url, "pending") == 0
          and outbox(url, "failed") == 0 and len(inbox.messages) == queued
          and len(per_recipient) == PEOPLE and twice == 0)
    body = f"""{PEOPLE} registrations (all answered {dict(statuses)}) while the SMTP server is
down; {h.SERVER_ENV['GUNICORN_WORKERS']} gunicorn workers each run the outbox worker and
compete for the same messages. After {OUTAGE_SECONDS} s {failed_attempts} messages had failed at
least once and were waiting for their back-off; then aiosmtpd starts on the configured port.

- mail queued: {queued}; delivered while down: {sent_during_outage}
- all delivered {recovered:.0f} s after SMTP came back (the outbox backs off 30 s after a
  first failure, then doubles)
- messages received by the SMTP server: {len(inbox.messages)}, for {len(per_recipient)}
  distinct recipients; **recipients who got a message twice: {twice}**
- outbox afterwards: {outbox(url, 'sent')} sent, {outbox(url, 'pending')} pending,
  {outbox(url, 'failed')} failed

{'✅ every queued mail delivered exactly once' if ok else '❌ CHECK FAILED'}
"""
    print(body)
    h.write_section("smtp_outage", "SMTP outage", body)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
