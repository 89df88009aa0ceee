"""Schedule pages at 2,000 sessions (issue 12, item 3): the schedule page (ko and en) and
the schedule feeds (JSON, XML, iCalendar) served from the render cache, against the bare
baseline's JSON endpoint in the same run; then conditional GETs: `304 Not Modified` while
the programme is unchanged, and after a programme change (a session moved through the
API) a `200` with a new ETag and the change in it.

Each URL is loaded twice: asking as a browser does (`Accept-Encoding: gzip, br`, the
compressed variant) and without `Accept-Encoding` (the whole document), both reported.

    .venv/bin/python -m bench.schedule_pages
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta

import brotli

from bench import data
from bench import harness as h

SESSIONS = 2000
ROOMS = 50
CONNECTIONS = 16
THREADS = 2
SECONDS = 10
ORGANIZER = "organizer@bench.example"
BROWSER = {"Accept-Encoding": "gzip, br"}  # what browsers and `curl --compressed` send
TABLE_HEAD = ("| URL | size | first request ms (renders) | req/s | p50 ms | p99 ms "
              "| × baseline /json | × baseline /bytes | CPU ms/req | statuses |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")


def prepare(url: str) -> str:
    with h.app_context(url):
        event = data.make_event("schedule", capacity=None)
        data.make_sessions(event, SESSIONS, rooms=ROOMS)
        slug = event.slug
    h.flask("festa", "user", "create", ORGANIZER, "--role", "organizer", "--event", slug,
            "--password", "bench-organizer-password", database_url=url)
    return slug


def load(label: str, server: h.Server, path: str, headers: dict | None = None) -> h.WrkResult:
    return h.wrk(label, server.url + path, connections=CONNECTIONS, seconds=SECONDS,
                 threads=THREADS, script=h.ROOT / "bench/lua/get.lua", script_args=["0"],
                 headers=headers, server=server)


def move_one_session(app: h.Server, slug: str, token: str) -> dict:
    """Shorten the first session by five minutes through the API (a programme change)."""
    _status, sessions = h.http_json("GET", f"{app.url}/api/v1/events/{slug}/sessions",
                                    token=token, timeout=120)
    items = sessions if isinstance(sessions, list) else sessions.get("items", sessions)
    first = items[0]
    end = datetime.fromisoformat(first["end"]) - timedelta(minutes=5)
    status, body = h.http_json("PATCH", f"{app.url}/api/v1/events/{slug}/sessions/{first['id']}",
                               {"end": end.isoformat(), "version": first["version"]},
                               token=token)
    assert status == 200, (status, body)
    return {"id": first["id"], "end": end}


def conditional(app: h.Server, slug: str, token: str) -> dict:
    """ETag round trip on schedule.json: 304 unchanged, 200 + new ETag after a change."""
    feed = f"{app.url}/api/v1/events/{slug}/schedule.json"
    status, headers, body, _s = h.get(feed)
    etag = headers["ETag"]
    again, again_headers, again_body, again_s = h.get(feed, {"If-None-Match": etag})
    moved = move_one_session(app, slug, token)
    after, after_headers, after_body, after_s = h.get(feed, {"If-None-Match": etag})
    changed_end = moved["end"].isoformat(timespec="minutes")[11:16]
    shows_change = f'"id": {moved["id"]}' in after_body.decode() and after_body != body
    settled, settled_headers, _b, settled_s = h.get(feed, {
        "If-None-Match": after_headers.get("ETag", "")})
    return {
        "first": (status, etag, len(body)), "unchanged": (again, len(again_body), again_s),
        "after": (after, after_headers.get("ETag"), len(after_body), after_s, shows_change),
        "settled": (settled, settled_headers.get("ETag"), settled_s), "end": changed_end,
    }


def row(label: str, result: h.WrkResult, baselines: tuple, cold: tuple | None) -> str:
    """A table row; `cold` is the first GET of the URL (its size and rendering time)."""
    json_endpoint, same_size = baselines
    size, first = (f"{len(cold[2]) / 1024:,.0f} KB", f"{cold[3] * 1000:,.0f}") if cold else (
        "0 KB", "—")
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items()))
    return (f"| {label} | {size} | {first} | {result.rps:,.0f} | {result.p50_ms:.1f} | "
            f"{result.p99_ms:.1f} | **{result.rps / json_endpoint.rps:.2f}×** | "
            f"{result.rps / same_size.rps:.2f}× | {result.cpu} | {codes} |")


def decoded(headers: dict, body: bytes) -> bytes:
    """The body as the client reads it, after its Content-Encoding."""
    encoding = headers.get("Content-Encoding")
    return {"gzip": gzip.decompress, "br": brotli.decompress}.get(encoding, bytes)(body)


def main() -> None:
    h.OUT.mkdir(parents=True, exist_ok=True)
    url = h.fresh_database("schedule")
    h.log(f"preparing an event of {SESSIONS:,} sessions in {ROOMS} rooms")
    slug = prepare(url)
    token = h.flask("festa", "token", "create", ORGANIZER, database_url=url).strip()
    pages = {
        "schedule page (ko)": f"/events/{slug}/schedule?lang=ko",
        "schedule page (en)": f"/events/{slug}/schedule?lang=en",
        "schedule.json": f"/api/v1/events/{slug}/schedule.json",
        "schedule.json (en)": f"/api/v1/events/{slug}/schedule.json?lang=en",
        "schedule.xml": f"/api/v1/events/{slug}/schedule.xml",
        "schedule.ics": f"/api/v1/events/{slug}/schedule.ics",
    }
    with h.private_redis() as redis_url, h.servers(
            h.app_server(url, **({"REDIS_URL": redis_url} if redis_url else {})),
            h.baseline_server(url)) as (app, base):
        # The first request of each renders it (then kept in Redis for the other workers).
        cold = {label: h.get(app.url + path) for label, path in pages.items()}
        h.warm(app.url, list(pages.values()), CONNECTIONS)
        packed = {label: h.get(app.url + path, BROWSER) for label, path in pages.items()}
        same_bytes = all(decoded(packed[label][1], packed[label][2]) == cold[label][2]
                         for label in pages if not label.startswith("schedule page"))
        encodings = {label: packed[label][1].get("Content-Encoding") for label in pages}
        h.log("baseline GET /json, GET /bytes")
        baseline = load("baseline GET /json", base, "/json", BROWSER)
        size = len(cold["schedule.json"][2])
        same_size = load("baseline GET /bytes", base, f"/bytes?size={size}")
        compressed, plain = {}, {}
        for label, path in pages.items():
            h.log(f"app: {label}")
            compressed[label] = load(f"app {label} compressed", app, path, BROWSER)
            plain[label] = load(f"app {label}", app, path)
        etag = h.get(app.url + pages["schedule.json"])[1]["ETag"]
        packed_etag = packed["schedule.json"][1].get("ETag", etag)
        not_modified = "schedule.json, matching If-None-Match"
        compressed[not_modified] = load("app schedule.json 304 compressed", app,
                                        pages["schedule.json"],
                                        {**BROWSER, "If-None-Match": packed_etag})
        plain[not_modified] = load("app schedule.json 304", app, pages["schedule.json"],
                                   {"If-None-Match": etag})
        h.log("conditional GETs around a programme change")
        round_trip = conditional(app, slug, token)
    results = [*compressed.values(), *plain.values()]
    errors = sum(n for r in results for s, n in r.statuses.items() if s.startswith("5"))
    compressed_rows = "\n".join(
        row(label, r, (baseline, same_size),
            packed.get(label) and (*packed[label][:3], cold[label][3]))
        for label, r in compressed.items())
    plain_rows = "\n".join(row(label, r, (baseline, same_size), cold.get(label))
                           for label, r in plain.items())
    rt = round_trip
    ok = (errors == 0 and rt["unchanged"][0] == 304 and rt["unchanged"][1] == 0
          and rt["after"][0] == 200 and rt["after"][1] not in (None, rt["first"][1])
          and rt["after"][4] and rt["settled"][0] == 304 and same_bytes
          and set(compressed[not_modified].statuses) == {"304"}
          and set(plain[not_modified].statuses) == {"304"})
    targets = ("schedule page (ko)", "schedule page (en)", "schedule.json")
    meets = {name: all(r[label].rps / baseline.rps >= 0.5 for label in targets)
             for name, r in (("compressed", compressed), ("uncompressed", plain))}
    redis_note = ("a Redis server of the run's own" if redis_url else
                  "NOT SET: redis-server missing, each worker rendered for itself")
    answered = ", ".join(f"{label}: {encodings[label] or 'not compressed'}" for label in pages)
    body = f"""One published event of {SESSIONS:,} sessions in {ROOMS} rooms over 3 days (a speaker
and a track each). Each URL loaded for {SECONDS} s at {CONNECTIONS} connections after one
request has rendered it (the "first request" column) and {4 * CONNECTIONS} more have spread
it to every gunicorn worker. The app runs with `REDIS_URL` ({redis_note}):
one rendering is shared by the {h.SERVER_ENV['GUNICORN_WORKERS']} workers, and each then serves it
from its own memory.

Every URL is loaded twice: **as a browser asks** (`Accept-Encoding: gzip, br`, as browsers,
`curl --compressed` and scanners' HTTP libraries send it) and **without `Accept-Encoding`**
(the whole uncompressed document; the size is then the limit, see GET /bytes). Answered to
`gzip, br`: {answered}.

Baselines in the same run: GET /json with `Accept-Encoding: gzip, br` (the bare baseline
compresses nothing: it answers the same bytes either way) {baseline.rps:,.0f} req/s
(p50 {baseline.p50_ms:.1f} ms, p99 {baseline.p99_ms:.1f} ms, {baseline.cpu} ms of CPU per
request); GET /bytes, {size / 1024:,.0f} KB made once and returned by a bare Flask view (the
floor of serving a document the size of schedule.json uncompressed): {same_size.rps:,.0f} req/s
(p50 {same_size.p50_ms:.1f} ms, p99 {same_size.p99_ms:.1f} ms, {same_size.cpu} ms of CPU per
request). "CPU ms/req": CPU time of the server's gunicorn processes and of their PostgreSQL
backends over the requests answered (less disturbed by the rest of the machine than req/s).

Asked as a browser does (`Accept-Encoding: gzip, br`; size as sent):

{TABLE_HEAD}
{compressed_rows}

Asked without `Accept-Encoding` (size as sent, uncompressed):

{TABLE_HEAD}
{plain_rows}

Schedule page and schedule.json ≥ 0.5× the bare JSON endpoint: asked as a browser does
**{'yes' if meets['compressed'] else 'no'}**; without `Accept-Encoding`
**{'yes' if meets['uncompressed'] else 'no'}**. Compressed feeds decode to the same bytes as
the uncompressed ones: {'yes' if same_bytes else 'NO'}.

Conditional GETs of schedule.json (ETag = event, programme version, language):

- first GET: {rt['first'][0]}, ETag `{rt['first'][1]}`, {rt['first'][2] / 1024:,.0f} KB
- same ETag in `If-None-Match`: **{rt['unchanged'][0]}**, {rt['unchanged'][1]} bytes
  ({rt['unchanged'][2] * 1000:.1f} ms)
- one session shortened to end at {rt['end']} through `PATCH /api/v1/events/…/sessions/…`,
  then the old ETag again: **{rt['after'][0]}**, new ETag `{rt['after'][1]}`,
  {rt['after'][2] / 1024:,.0f} KB rendered anew ({rt['after'][3] * 1000:,.0f} ms), the moved
  session in it: {'yes' if rt['after'][4] else 'NO'}
- the new ETag in `If-None-Match`: **{rt['settled'][0]}** ({rt['settled'][2] * 1000:.1f} ms)

Server errors: {errors}. {'✅' if ok else '❌ CHECK FAILED'}
"""
    print(body)
    h.write_section("schedule_pages", f"Schedule pages and feeds at {SESSIONS:,} sessions", body)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
