"""LTI 1.3 Advantage tool: registrations, keys, OIDC login and launches (pylti1p3 with database/Redis-backed adapters),
deep linking, grades back through the outbox (AGS), rosters (NRPS), Dynamic Registration, school-IT pages and CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.launch.setup import init_launch

    init_launch(app)
