"""``pix-lti outbox …``: the delivery worker and its status."""

from __future__ import annotations

import signal
import time
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from pix_lti.outbox import services
from pix_lti.outbox.models import OutboxMessage, OutboxStatus


@click.group("outbox", help="Durable delivery of grades and other messages to external systems.")
def outbox_group() -> None:
    pass


def _load_handlers() -> None:
    """Import the features that register handlers (the worker may run without any request having imported them)."""
    from pix_lti.launch import grades  # noqa: F401  (registers "lti.score")


@outbox_group.command("work")
@click.option("--once", is_flag=True, help="Process the messages due now, then exit (cron, tests).")
@click.option("--batch", default=50, show_default=True, help="Messages claimed per pass.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds to wait when nothing is due.")
@with_appcontext
def work(once: bool, batch: int, interval: float) -> None:
    """Deliver due messages with retries and exponential backoff; runs until stopped (SIGTERM/SIGINT end it after
    the current message). Several workers may run at once (PostgreSQL: SKIP LOCKED)."""
    _load_handlers()
    database = current_app.extensions["pix_lti.db"]
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    if not once:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    while True:
        report = services.run_once(database, limit=batch)
        if report.processed:
            click.echo(f"sent {len(report.sent)}, to retry {len(report.retried)}, failed {len(report.failed)}")
        if once or stopping:
            break
        if report.processed < batch:
            time.sleep(interval)


@outbox_group.command("status")
@with_appcontext
def status() -> None:
    """Count messages by status."""
    with current_app.extensions["pix_lti.db"].transaction() as session:
        counts = services.counts_by_status(session)
    for name in OutboxStatus:
        click.echo(f"{name.value:<8} {counts.get(name.value, 0)}")


@outbox_group.command("list")
@click.option("--status", "status_", type=click.Choice([s.value for s in OutboxStatus]), default=None)
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def list_messages(status_: str | None, limit: int) -> None:
    """List the latest messages (id, kind, status, attempts, next attempt, last error)."""
    with current_app.extensions["pix_lti.db"].transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status_:
            query = query.where(OutboxMessage.status == OutboxStatus(status_))
        for m in session.scalars(query):
            click.echo(f"{m.id:>6} {m.kind:<12} {m.status.value:<8} attempts={m.attempts:<3} "
                       f"next={m.next_attempt_at:%Y-%m-%d %H:%M:%S} {m.reference} {m.last_error[:80]}")


@outbox_group.command("resend")
@click.argument("message_id", type=int)
@with_appcontext
def resend(message_id: int) -> None:
    """Deliver MESSAGE_ID again (a new series of attempts)."""
    with current_app.extensions["pix_lti.db"].transaction() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            raise click.ClickException(f"no outbox message {message_id}")
        services.resend(session, message)
    click.echo(f"message {message_id} queued again")
