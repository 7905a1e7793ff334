"""Durable delivery to other systems: outbox rows written with the event, a worker (``pix-lti outbox work``) sending
them with retries, exponential backoff and idempotence. Feature packages register one handler per message kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.outbox.cli import outbox_group

    app.cli.add_command(outbox_group)
