"""Two gunicorn instances on one PostgreSQL (issue 6): a registration rush for a small
session through both at once (0 oversold), then every ticket scanned at both instances at
the same moment (exactly one "ok" each).

    .venv/bin/python -m bench.two_instances
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench import data
from bench import harness as h

PEOPLE = 400
SEATS = 50
CLIENTS = 32


def prepare(url: str) -> tuple[str, int]:
    with h.app_context(url):
        event = data.make_event("two", capacity=None)
        session = data.make_sessions(event, 1, rooms=1, capacity=SEATS)[0]
        session.reservation_required = True
        from festa.extensions import db

        db.session.commit()
        return event.slug, session.id


def rush(servers: list[h.Server], slug: str, session_id: int) -> list[tuple[int | None, dict]]:
    """PEOPLE registrations with the session, alternating between the instances."""
    run = secrets.token_hex(3)

    def register(n: int):
        server = servers[n % len(servers)]
        return h.http_json("POST", f"{server.url}/api/v1/events/{slug}/registrations", {
            "name": f"동시 {n}", "email": f"two-{run}-{n}@bench.example", "consent": True,
            "sessions": [session_id]})

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(register, range(PEOPLE)))


def scan_pairs(servers, tokens, checkpoint: int, codes: list[str]) -> list[list[str]]:
    """Each code at both instances at once (a barrier per pair); the results per code."""
    results: list[list[str]] = [[] for _ in codes]
    lock = threading.Lock()

    def scan(index: int, side: int, barrier: threading.Barrier) -> None:
        barrier.wait(timeout=30)
        status, body = h.http_json(
            "POST", f"{servers[side].url}/api/v1/checkpoints/{checkpoint}/scans",
            {"code": codes[index]}, token=tokens[side])
        with lock:
            results[index].append(body.get("result", f"HTTP {status}"))

    with ThreadPoolExecutor(CLIENTS) as pool:
        for start in range(0, len(codes), CLIENTS // 2):
            futures = []
            for index in range(start, min(start + CLIENTS // 2, len(codes))):
                barrier = threading.Barrier(2)
                futures += [pool.submit(scan, index, side, barrier) for side in (0, 1)]
            for future in futures:
                future.result()
    return results


def main() -> None:
    url = h.fresh_database("two")
    slug, session_id = prepare(url)
    tokens = [h.flask("festa", "device", "create", "--event", slug, "--name", f"gate {n}",
                      database_url=url).strip().splitlines()[-1] for n in ("A", "B")]
    with h.servers(h.app_server(url, "app-a"), h.app_server(url, "app-b")) as servers:
        h.log(f"registration rush: {PEOPLE} people for {SEATS} seats through both instances")
        started = time.monotonic()
        answers = rush(list(servers), slug, session_id)
        rush_seconds = time.monotonic() - started
        statuses = Counter(str(status) for status, _body in answers)
        codes = [body["ticket"]["code"] for status, body in answers
                 if status == 201 and body.get("ticket")]
        _status, body = h.http_json("GET", servers[0].url + "/api/v1/checkpoints",
                                    token=tokens[0])
        checkpoint = body["checkpoint"]["id"] if "checkpoint" in body else body["id"]
        h.log(f"scanning {len(codes)} tickets at both instances at once")
        started = time.monotonic()
        per_code = scan_pairs(list(servers), tokens, checkpoint, codes)
        scan_seconds = time.monotonic() - started
    confirmed = h.scalar(url, "SELECT count(*) FROM reservations WHERE session_id = :s "
                         "AND status = 'confirmed'", s=session_id)
    waitlisted = h.scalar(url, "SELECT count(*) FROM reservations WHERE session_id = :s "
                          "AND status = 'waitlisted'", s=session_id)
    outcomes = Counter(tuple(sorted(r)) for r in per_code)
    one_ok_each = outcomes.get(("already_checked_in", "ok"), 0)
    ok_rows = h.scalar(url, "SELECT count(*) FROM scans WHERE result = 'ok'")
    oversold = max(0, confirmed - SEATS)
    ok = (oversold == 0 and confirmed == SEATS and statuses == {"201": PEOPLE}
          and one_ok_each == len(codes) == ok_rows)
    shown = ", ".join(f"{' + '.join(k)}: {v}" for k, v in sorted(outcomes.items()))
    body = f"""Two app instances (separate gunicorn masters, {h.SERVER_ENV['GUNICORN_WORKERS']}
workers each) on one PostgreSQL database.

- **Registration rush** for a session of {SEATS} seats: {PEOPLE} people register with it, from
  {CLIENTS} concurrent clients alternating between the instances, in {rush_seconds:.1f} s.
  Answers: {dict(statuses)}. Session reservations: {confirmed} confirmed, {waitlisted}
  waitlisted — **{oversold} oversold**.
- **Same tickets at both gates**: each of the {len(codes)} tickets is scanned at instance A
  (device "gate A") and instance B (device "gate B") at the same moment (a barrier per
  pair), in {scan_seconds:.1f} s. Outcome per ticket: {shown}. Recorded `ok` scans:
  {ok_rows} — **exactly one ok per ticket: {'yes' if one_ok_each == len(codes) else 'NO'}**.

{'✅' if ok else '❌ CHECK FAILED'}
"""
    print(body)
    h.write_section("two_instances", "Two instances on one PostgreSQL", body)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
