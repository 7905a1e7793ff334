"""Idle connections are pinged before use (a database restart is survived); busy ones are not (no round trip)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from pix_lti import db as db_module
from pix_lti.db import make_engine

BASE_URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not BASE_URL.startswith("postgresql"), reason="pool pinging is for PostgreSQL")


def _pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_connection_in_use_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(BASE_URL, pool_size=1)
    pings = []
    original = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or original(conn))
    try:
        first = _pid(engine)
        assert _pid(engine) == first and _pid(engine) == first
        assert pings == []
    finally:
        engine.dispose()


def test_idle_connection_killed_by_the_server_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(BASE_URL, pool_size=1)
    admin = make_engine(BASE_URL, pool_size=1)
    try:
        first = _pid(engine)
        with admin.connect() as connection:  # what a server restart does to pooled connections
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            connection.commit()
        monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)  # the pooled connection now counts as idle
        second = _pid(engine)  # no error: the ping failed, the pool connected again
        assert second != first
    finally:
        engine.dispose()
        admin.dispose()
