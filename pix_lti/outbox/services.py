"""Queue messages (in the caller's transaction) and deliver them (worker): claim with a lease, call the kind's
handler, record the outcome; retry with exponential backoff; give up after ``max_attempts`` or a permanent error.

Handlers receive a snapshot of the message and the database; no transaction is open while they run (they deliver
over the network: no lock may be held meanwhile), so they open their own short ones. They return a small JSON-able
report, or raise ``RetryableError`` (try again later) / ``PermanentError`` (do not retry; a person may "resend" after
fixing the cause). Handlers must be idempotent: after a crash between sending and recording, the message is sent
again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pix_lti.db import Database, utcnow
from pix_lti.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=2)  # a claimed message whose worker died becomes claimable again after this
MAX_ERROR_LENGTH = 2000


class RetryableError(Exception):
    """The other side is down, slow or asked us to come back: try again later."""


class PermanentError(Exception):
    """Retrying cannot help (the link was deleted, the platform refuses the data)."""


Handler = Callable[[OutboxMessage, Database], dict[str, Any] | None]
_handlers: dict[str, Handler] = {}  # code configuration (kind → function), filled at import time


def register_handler(kind: str, handler: Handler) -> None:
    _handlers[kind] = handler


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def enqueue(session: Session, *, kind: str, dedup_key: str, payload: dict[str, Any], reference: str = "",
            max_attempts: int = 12, now: datetime | None = None) -> OutboxMessage:
    """Add a message to the caller's transaction (so it exists if and only if the event is committed). The same
    ``dedup_key`` twice gives the existing message back (idempotent hooks, retried requests)."""
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key))
    if existing is not None:
        return existing
    now = now or utcnow()
    message = OutboxMessage(kind=kind, dedup_key=dedup_key[:255], reference=reference[:255], payload=payload,
                            status=OutboxStatus.PENDING, attempts=0, max_attempts=max_attempts,
                            next_attempt_at=now, created_at=now, updated_at=now, last_error="")
    try:
        with session.begin_nested():  # a concurrent enqueue of the same event wins; we return its row
            session.add(message)
            session.flush()
    except IntegrityError:
        existing = session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key))
        if existing is None:
            raise
        return existing
    return message


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… capped at 6 h, with ±20 % jitter so that a recovering LMS is not hit by every
    retry at the same second."""
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return delay * (rng or random).uniform(0.8, 1.2)


def resend(session: Session, message: OutboxMessage, now: datetime | None = None) -> None:
    """A person asks to deliver again (after a failure, or to re-push a sent grade): a fresh series of attempts."""
    now = now or utcnow()
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.locked_until = None
    message.updated_at = now
    session.flush()


@dataclass
class WorkReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.failed)


def _claimable(now: datetime) -> Any:
    return or_(and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.locked_until < now))


def claim(database: Database, now: datetime, limit: int = 50, kinds: Sequence[str] | None = None) -> list[int]:
    """Take up to ``limit`` due messages for this worker (a lease, committed at once). On PostgreSQL, ``SKIP LOCKED``
    lets several workers claim side by side without waiting for or taking each other's rows."""
    with database.transaction() as session:
        query = select(OutboxMessage).where(_claimable(now)).order_by(OutboxMessage.next_attempt_at,
                                                                      OutboxMessage.id).limit(limit)
        if kinds:
            query = query.where(OutboxMessage.kind.in_(kinds))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        messages = session.scalars(query).all()
        for message in messages:
            message.status = OutboxStatus.SENDING
            message.locked_until = now + LEASE
            message.updated_at = now
        return [m.id for m in messages]


def _record_failure(database: Database, message_id: int, error: str, permanent: bool, now: datetime,
                    rng: random.Random | None) -> OutboxStatus:
    with database.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        message.attempts += 1
        message.last_error = error[:MAX_ERROR_LENGTH]
        message.locked_until = None
        message.updated_at = now
        if permanent or message.attempts >= message.max_attempts:
            message.status = OutboxStatus.FAILED
        else:
            message.status = OutboxStatus.PENDING
            message.next_attempt_at = now + backoff(message.attempts, rng)
        return message.status


def _record_success(database: Database, message_id: int, result: dict[str, Any] | None, now: datetime) -> None:
    with database.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        message.status = OutboxStatus.SENT
        message.attempts += 1
        message.sent_at = now
        message.updated_at = now
        message.locked_until = None
        message.last_error = ""
        message.result = result


def deliver(database: Database, message_id: int, now: datetime, rng: random.Random | None = None) -> OutboxStatus:
    """Run the handler of one claimed message, outside any transaction, and record the outcome."""
    with database.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return OutboxStatus.FAILED
        if message.status is not OutboxStatus.SENDING:  # resent or reclaimed meanwhile
            return message.status
        session.expunge(message)  # a snapshot: the handler must not write through it
    handler = handler_for(message.kind)
    try:
        if handler is None:
            raise PermanentError(f"no handler for messages of kind {message.kind!r}")
        result = handler(message, database)
    except PermanentError as exc:
        log.warning("outbox message %s failed permanently: %s", message_id, exc)
        return _record_failure(database, message_id, str(exc), True, now, rng)
    except RetryableError as exc:
        log.info("outbox message %s will be retried: %s", message_id, exc)
        return _record_failure(database, message_id, str(exc), False, now, rng)
    except Exception as exc:  # a bug or an unexpected answer: keep the message, retry with backoff, and say so
        log.exception("outbox message %s: unexpected error", message_id)
        return _record_failure(database, message_id, f"{type(exc).__name__}: {exc}", False, now, rng)
    _record_success(database, message_id, result, now)
    return OutboxStatus.SENT


def run_once(database: Database, *, limit: int = 50, now: Callable[[], datetime] = utcnow,
             kinds: Sequence[str] | None = None, rng: random.Random | None = None) -> WorkReport:
    """One pass: claim the due messages and deliver each. The caller provides the Flask app context handlers need."""
    report = WorkReport()
    for message_id in claim(database, now(), limit, kinds):
        status = deliver(database, message_id, now(), rng)
        {OutboxStatus.SENT: report.sent, OutboxStatus.PENDING: report.retried}.get(status, report.failed).append(
            message_id)
    return report


def counts_by_status(session: Session, kind: str | None = None) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return {str(status): count for status, count in session.execute(query).all()}


def messages_for(session: Session, references: Sequence[str], limit: int = 200) -> list[OutboxMessage]:
    if not references:
        return []
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.reference.in_(references))
                                .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))
