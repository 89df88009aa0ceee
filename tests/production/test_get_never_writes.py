"""GET never writes: every page and API read, walked with real objects as each role, sends
no INSERT, UPDATE or DELETE to the database.

The only writes a GET may make are access records, named in ACCESS_RECORDS: the audit entry
of a download of personal data, and a device's last-seen time (at most once a minute).
"""

from __future__ import annotations

import re

import pytest

from tests.production.test_route_matrix import Actor, build_url, category, routes

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
ACCESS_RECORDS = (
    re.compile(r"^\s*INSERT INTO audit_log\b", re.IGNORECASE),
    re.compile(r"^\s*UPDATE devices SET last_seen_at\b", re.IGNORECASE),
)


def _writes(statements: list[str]) -> list[str]:
    return [s.split("(")[0].strip() for s in statements
            if WRITE.match(s) and not any(r.match(s) for r in ACCESS_RECORDS)]


@pytest.mark.parametrize("role", ["organizer", "admin", "door", "device", "attendee"])
def test_no_get_writes(app, client, auth, world, count_queries, role):
    actor = Actor(role, client, auth, world)
    failures = []
    for endpoint, method, rule in routes(app):
        if method != "GET" or category(endpoint) is None:
            continue
        url = build_url(rule, world)
        with count_queries() as counter:
            actor.send(endpoint, method, url)
        if writes := _writes(counter.statements):
            failures.append(f"GET {url} ({endpoint}): {sorted(set(writes))}")
    assert not failures, f"as {role}, GET wrote:\n" + "\n".join(failures)
