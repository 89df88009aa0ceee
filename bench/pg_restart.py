"""PostgreSQL restarted in the middle of a registration run (issue 6): every registration
answered 201 is in the database afterwards, the app serves again within seconds, and no 500
is seen after recovery (requests caught in the outage get 503 "try again").

Restarts the machine's PostgreSQL cluster once (`pg_ctlcluster … restart`), so anything
else using it sees the same short outage.

    .venv/bin/python -m bench.pg_restart
"""

from __future__ import annotations

import secrets
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from bench import data
from bench import harness as h

CLIENTS = 8
RUN_SECONDS = 25
RESTART_AT = 6
MAX_REQUESTS = 20000


def restart_postgres() -> float:
    """Restart the local cluster; returns how long the command took."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, timeout=120, capture_output=True)
    return time.monotonic() - started


def load(app: h.Server, slug: str, stop_at: float) -> list[tuple[float, int | None, str]]:
    """(time, status, e-mail) of every registration attempt until `stop_at`."""
    run = secrets.token_hex(3)
    outcomes: list[tuple[float, int | None, str]] = []
    lock = threading.Lock()
    counter = iter(range(MAX_REQUESTS))

    def client() -> None:
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            email = f"pg-{run}-{n}@bench.example"
            status, _body = h.http_json("POST", f"{app.url}/api/v1/events/{slug}/registrations",
                                        {"name": f"재시작 {n}", "email": email,
                                         "consent": True}, timeout=10)
            with lock:
                outcomes.append((time.monotonic(), status, email))
            if status != 201:
                time.sleep(0.2)  # a polite client backs off on 503 (Retry-After)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RUN_SECONDS + 60)
    return outcomes


def stored_emails(url: str, emails: list[str]) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT email FROM registrations")).scalars()
            return set(rows) & set(emails)
    finally:
        engine.dispose()


def main() -> None:
    url = h.fresh_database("pgrestart")
    with h.app_context(url):
        slug = data.make_event("pgrestart", capacity=None).slug
    with h.servers(h.app_server(url)) as (app,):
        start = time.monotonic()
        restart = {}

        def restarter() -> None:
            time.sleep(RESTART_AT)
            restart["at"] = time.monotonic()
            restart["took"] = restart_postgres()
            restart["done"] = time.monotonic()

        thread = threading.Thread(target=restarter)
        thread.start()
        outcomes = load(app, slug, start + RUN_SECONDS)
        thread.join(timeout=120)
        health = h.get_status(app.url + "/healthz"), h.get_status(app.url + "/readyz")
    acked = [email for _t, status, email in outcomes if status == 201]
    missing = len(set(acked) - stored_emails(url, acked))
    begun, done = restart["at"], restart["done"]
    before = Counter(str(s) for t, s, _e in outcomes if t < begun)
    during = Counter(str(s) for t, s, _e in outcomes if begun <= t < done)
    after = Counter(str(s) for t, s, _e in outcomes if t >= done)
    failures = sum(1 for _t, s, _e in outcomes if s != 201)
    back = next((t for t, s, _e in outcomes if t >= done and s == 201), None)
    recovery = (back - done) if back else float("inf")
    # Requests answered after the restart returned plus a second's grace: all must be 201.
    settled = Counter(str(s) for t, s, _e in outcomes if t >= done + 1)
    errors_500 = sum(n for s, n in (before + during + after).items() if s.startswith("500"))
    ok = (missing == 0 and recovery < 5 and errors_500 == 0 and failures <= CLIENTS
          and set(settled) == {"201"} and health == (200, 200))
    body = f"""{CLIENTS} clients register continuously for {RUN_SECONDS} s; {RESTART_AT} s in,
PostgreSQL is restarted (`pg_ctlcluster … restart`, {restart['took']:.1f} s). The pool's
`pool_pre_ping` replaces connections that died, new connections are retried for a few
seconds while the server starts (`DB_CONNECT_RETRY_SECONDS`), and a request whose
transaction was cut off gets 503 with Retry-After — never 500.

| phase | answers |
|---|---|
| before the restart | {dict(before)} |
| while `pg_ctlcluster restart` ran | {dict(during)} |
| after it returned | {dict(after)} |

- requests that failed: **{failures}** (at most one in flight per client: ≤ {CLIENTS});
  500s: **{errors_500}**
- first 201 **{recovery:.1f} s** after PostgreSQL was back; from a second later on, every
  answer is a 201: **{'yes' if set(settled) == {'201'} else 'NO'}** ({dict(settled)})
- registrations answered 201: {len(acked):,}; **missing from the database afterwards:
  {missing}**
- `/healthz` and `/readyz` afterwards: {health[0]}, {health[1]}

{'✅' if ok else '❌ CHECK FAILED'}
"""
    print(body)
    h.write_section("pg_restart", "PostgreSQL restart during registrations", body)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
