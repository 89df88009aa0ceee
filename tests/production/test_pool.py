"""Pool and statement settings follow the process they serve (issue 12 item 5)."""

from __future__ import annotations

from festa.config import engine_options

PG = "postgresql+psycopg://festa@db/festa"


def test_one_connection_per_thread_and_one_for_the_outbox_worker():
    assert engine_options(PG, {})["pool_size"] == 5
    options = engine_options(PG, {"GUNICORN_THREADS": "8"})
    assert (options["pool_size"], options["max_overflow"]) == (9, 2)
    assert engine_options(PG, {"GUNICORN_THREADS": "8", "DB_POOL_SIZE": "3"})["pool_size"] == 3


def test_hot_statements_are_prepared_unless_turned_off():
    assert engine_options(PG, {})["connect_args"] == {"prepare_threshold": 2}
    off = engine_options(PG, {"DB_PREPARE_THRESHOLD": "0"})
    assert off["connect_args"] == {"prepare_threshold": None}
    assert "connect_args" not in engine_options("sqlite:///x.db", {})
