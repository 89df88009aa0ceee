"""The bare Flask baseline every benchmark compares against, served by the same gunicorn.

Three endpoints and nothing else — no Festa code, no extensions:
- `GET /json` returns a small JSON document (the floor of a Flask request);
- `POST /insert` takes `{"email", "name"}` and does one INSERT on the same PostgreSQL
  (the floor of a request that writes), with the same pool settings as the app;
- `GET /bytes?size=N` returns N bytes made once (the floor of serving a document that
  large, e.g. a cached schedule).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, Response, jsonify, request

DDL = """
CREATE TABLE IF NOT EXISTS bench_baseline (
    id SERIAL PRIMARY KEY,
    email VARCHAR(254) NOT NULL,
    name VARCHAR(100) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


def create_app() -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(
        os.environ["DATABASE_URL"],
        pool_pre_ping=True,
        pool_size=int(os.environ.get("DB_POOL_SIZE") or 5),
        max_overflow=int(os.environ.get("DB_MAX_OVERFLOW") or 5),
    )
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7231)"))  # workers start together
        conn.execute(sa.text(DDL))
    insert = sa.text("INSERT INTO bench_baseline (email, name) VALUES (:email, :name) "
                     "RETURNING id")

    @app.get("/json")
    def json_endpoint():
        return jsonify(status="ok", service="baseline")

    @app.post("/insert")
    def insert_endpoint():
        data = request.get_json(silent=True) or {}
        with engine.begin() as conn:
            new_id = conn.execute(insert, {"email": str(data.get("email", ""))[:254],
                                           "name": str(data.get("name", ""))[:100]}).scalar()
        return jsonify(id=new_id), 201

    blobs: dict[int, bytes] = {}

    @app.get("/bytes")
    def bytes_endpoint():
        size = min(request.args.get("size", 1024, type=int), 16 * 1024 * 1024)
        if size not in blobs:
            blobs[size] = (b'{"x": "' + b"x" * max(size - 10, 0) + b'"}')[:size]
        return Response(blobs[size], mimetype="application/json")

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app


app = create_app()
