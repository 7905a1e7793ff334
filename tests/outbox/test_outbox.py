"""The generic outbox: written with the event, delivered by the worker with retries, backoff, leases and idempotence."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from pix_lti.db import Database, utcnow
from pix_lti.outbox import services
from pix_lti.outbox.models import OutboxMessage, OutboxStatus

calls: list[tuple[str, dict[str, Any]]] = []


def _ok(message: OutboxMessage, database: Database) -> dict[str, Any]:
    calls.append(("ok", message.payload))
    return {"delivered": message.payload.get("n")}


def _flaky(message: OutboxMessage, database: Database) -> dict[str, Any]:
    calls.append(("flaky", message.payload))
    with database.transaction() as session:  # no transaction is open around a handler: it can write on its own
        assert session.get(OutboxMessage, message.id).status is OutboxStatus.SENDING
    if message.attempts < message.payload["failures"]:
        raise services.RetryableError(f"down (attempt {message.attempts + 1})")
    return {}


def _refused(message: OutboxMessage, database: Database) -> None:
    raise services.PermanentError("the other side refuses this data")


def _buggy(message: OutboxMessage, database: Database) -> None:
    raise KeyError("oops")


for kind, handler in (("test.ok", _ok), ("test.flaky", _flaky), ("test.refused", _refused), ("test.buggy", _buggy)):
    services.register_handler(kind, handler)


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    calls.clear()


def _db(app: Flask) -> Database:
    return app.extensions["pix_lti.db"]


def _enqueue(app: Flask, kind: str, key: str, payload: dict[str, Any] | None = None, **kw: Any) -> int:
    with _db(app).transaction() as session:
        return services.enqueue(session, kind=kind, dedup_key=key, payload=payload or {}, **kw).id


def _get(app: Flask, message_id: int) -> OutboxMessage:
    with _db(app).transaction() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        session.expunge(message)
        return message


def test_enqueue_is_idempotent_and_part_of_the_callers_transaction(app: Flask) -> None:
    first = _enqueue(app, "test.ok", "event-1", {"n": 1}, reference="thing:1")
    assert _enqueue(app, "test.ok", "event-1", {"n": 2}) == first
    assert _get(app, first).payload == {"n": 1}
    with pytest.raises(RuntimeError), _db(app).transaction() as session:
        services.enqueue(session, kind="test.ok", dedup_key="event-2", payload={})
        raise RuntimeError("the event's transaction fails")
    with _db(app).transaction() as session:
        assert session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == "event-2")) is None


def test_delivery_success_records_the_result(app: Flask) -> None:
    message_id = _enqueue(app, "test.ok", "ok-1", {"n": 7})
    report = services.run_once(_db(app))
    assert report.sent == [message_id] and calls == [("ok", {"n": 7})]
    message = _get(app, message_id)
    assert message.status is OutboxStatus.SENT and message.attempts == 1 and message.result == {"delivered": 7}
    assert message.sent_at is not None and message.locked_until is None
    assert services.run_once(_db(app)).processed == 0  # never sent twice by the worker


def test_retries_with_backoff_then_success(app: Flask) -> None:
    message_id = _enqueue(app, "test.flaky", "flaky-1", {"failures": 2})
    now = utcnow()
    rng = random.Random(1)
    assert services.run_once(_db(app), now=lambda: now, rng=rng).retried == [message_id]
    first = _get(app, message_id)
    assert first.status is OutboxStatus.PENDING and first.attempts == 1 and first.last_error == "down (attempt 1)"
    assert timedelta(seconds=24) <= first.next_attempt_at - now <= timedelta(seconds=36)
    assert services.run_once(_db(app), now=lambda: now).processed == 0  # not due yet
    later = first.next_attempt_at + timedelta(seconds=1)
    services.run_once(_db(app), now=lambda: later, rng=rng)
    second = _get(app, message_id)
    assert second.attempts == 2 and timedelta(seconds=48) <= second.next_attempt_at - later <= timedelta(seconds=72)
    final = second.next_attempt_at + timedelta(seconds=1)
    assert services.run_once(_db(app), now=lambda: final).sent == [message_id]
    assert [name for name, _ in calls] == ["flaky"] * 3


def test_gives_up_after_max_attempts_and_resend_starts_again(app: Flask) -> None:
    message_id = _enqueue(app, "test.flaky", "flaky-2", {"failures": 99}, max_attempts=3)
    clock = [utcnow()]
    for _ in range(3):
        services.run_once(_db(app), now=lambda: clock[0])
        clock[0] += timedelta(days=1)
    failed = _get(app, message_id)
    assert failed.status is OutboxStatus.FAILED and failed.attempts == 3
    assert services.run_once(_db(app), now=lambda: clock[0]).processed == 0
    with _db(app).transaction() as session:
        services.resend(session, session.get(OutboxMessage, message_id), now=clock[0])
    again = _get(app, message_id)
    assert again.status is OutboxStatus.PENDING and again.attempts == 0


@pytest.mark.parametrize(("kind", "status", "error"), [
    ("test.refused", OutboxStatus.FAILED, "the other side refuses this data"),
    ("test.buggy", OutboxStatus.PENDING, "KeyError: 'oops'"),
    ("test.unknown", OutboxStatus.FAILED, "no handler for messages of kind 'test.unknown'"),
])
def test_permanent_errors_bugs_and_unknown_kinds(app: Flask, kind: str, status: OutboxStatus, error: str) -> None:
    message_id = _enqueue(app, kind, f"{kind}-1")
    services.run_once(_db(app))
    message = _get(app, message_id)
    assert message.status is status and message.last_error == error and message.attempts == 1


def test_a_dead_workers_claim_expires(app: Flask) -> None:
    message_id = _enqueue(app, "test.ok", "lease-1", {"n": 1})
    now = utcnow()
    assert services.claim(_db(app), now) == [message_id]  # claimed, then the worker dies
    assert services.claim(_db(app), now + timedelta(seconds=30)) == []  # still leased
    report = services.run_once(_db(app), now=lambda: now + services.LEASE + timedelta(seconds=1))
    assert report.sent == [message_id] and len(calls) == 1


def test_backoff_grows_exponentially_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [services.backoff(n, rng).total_seconds() for n in range(1, 16)]
    assert 24 <= delays[0] <= 36 and 48 <= delays[1] <= 72 and 96 <= delays[2] <= 144
    assert max(delays) <= services.BACKOFF_CAP.total_seconds() * 1.2
    assert delays[-1] >= services.BACKOFF_CAP.total_seconds() * 0.8


def test_cli_work_status_list_and_resend(app: Flask, runner: FlaskCliRunner) -> None:
    message_id = _enqueue(app, "test.ok", "cli-1", {"n": 3})
    refused_id = _enqueue(app, "test.refused", "cli-2")
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0 and "sent 1, to retry 0, failed 1" in result.output
    status = runner.invoke(args=["outbox", "status"]).output
    assert "sent     1" in status and "failed   1" in status
    listed = runner.invoke(args=["outbox", "list", "--status", "failed"]).output
    assert str(refused_id) in listed and "refuses" in listed and f"{message_id:>6} " not in listed
    assert "queued again" in runner.invoke(args=["outbox", "resend", str(refused_id)]).output
    assert _get(app, refused_id).status is OutboxStatus.PENDING
    assert runner.invoke(args=["outbox", "resend", "999999"]).exit_code != 0


def test_counts_and_messages_for_references(app: Flask) -> None:
    a = _enqueue(app, "test.ok", "ref-1", reference="lti-link:1")
    _enqueue(app, "test.ok", "ref-2", reference="lti-link:2")
    with _db(app).transaction() as session:
        assert [m.id for m in services.messages_for(session, ["lti-link:1"])] == [a]
        assert services.messages_for(session, []) == []
        assert services.counts_by_status(session, "test.ok") == {"pending": 2}

