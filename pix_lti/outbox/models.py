"""The outbox: messages to deliver to another system (a grade to an LMS, later a certification result), written in the
same transaction as the event that causes them, then delivered by a worker with retries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pix_lti.db import Base, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"   # waiting for its next attempt (``next_attempt_at``)
    SENDING = "sending"   # claimed by a worker until ``locked_until`` (a crashed worker's claim expires)
    SENT = "sent"
    FAILED = "failed"     # gave up (permanent error or too many attempts); "resend" makes it pending again


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # selects the handler, e.g. "lti.score"
    # Idempotence: the same event queued twice (a retried request, a second hook call) is one message.
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    # What the message is about, for status pages ("lti-link:12", "user:5"); not interpreted by the outbox.
    reference: Mapped[str] = mapped_column(String(255), default="", index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, name="outbox_status", native_enum=False, create_constraint=True, length=16,
             values_callable=lambda e: [m.value for m in e], validate_strings=True),
        default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=12)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the handler reports on success
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status} attempts={self.attempts}>"
