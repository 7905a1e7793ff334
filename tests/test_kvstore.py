"""The shared store, on the database and on Redis: single-use keys, counters with windows, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from pix_lti.kvstore import SqlStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sql", "redis"])
def store(request: pytest.FixtureRequest, app: Flask, clock: Clock):  # noqa: ANN201
    if request.param == "sql":
        return SqlStore(app.extensions["pix_lti.db"], clock=clock)
    return request.getfixturevalue("redis_store")


def test_json_round_trip_and_delete(store) -> None:  # noqa: ANN001
    store.set_json("k", {"a": [1, 2], "é": "ü"}, 60)
    assert store.get_json("k") == {"a": [1, 2], "é": "ü"}
    store.set_json("k", {"b": 1}, 60)
    assert store.get_json("k") == {"b": 1}
    store.delete("k")
    assert store.get_json("k") is None


def test_add_is_single_use(store) -> None:  # noqa: ANN001
    assert store.add("nonce:1", 60) is True
    assert store.add("nonce:1", 60) is False
    assert store.add("nonce:2", 60) is True


def test_incr_counts_within_a_window(store) -> None:  # noqa: ANN001
    assert [store.incr("rl:x", 60) for _ in range(3)] == [1, 2, 3]
    assert store.incr("rl:y", 60) == 1


def test_sql_store_expiry(app: Flask, clock: Clock) -> None:
    store = SqlStore(app.extensions["pix_lti.db"], clock=clock)
    store.set_json("k", 1, 60)
    store.add("once", 60)
    store.incr("count", 60)
    store.incr("count", 60)
    clock.now += timedelta(seconds=61)
    assert store.get_json("k") is None
    assert store.add("once", 60) is True  # an expired single-use key may be taken again
    assert store.incr("count", 60) == 1  # a new window starts
    clock.now += timedelta(seconds=120)
    assert store.purge_expired() == 3
