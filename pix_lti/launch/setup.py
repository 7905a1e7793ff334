"""Wiring of the LTI feature into the app: blueprints, CSRF exemptions of the cross-site LTI endpoints, the
CSP ``frame-ancestors`` source (registered platforms may frame the tool), the CLI group, the grade handler and a
demo line."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from pix_lti.db import get_db
from pix_lti.demo import DemoSummary, register_demo_loader
from pix_lti.web.security import add_frame_ancestor_source

log = logging.getLogger(__name__)

ORIGINS_CACHE_SECONDS = 30.0
_ORIGINS = "pix_lti.launch.origins"


def forget_origins(app: Flask) -> None:
    """Drop this process's cached platform origins (after a registration changed here)."""
    app.extensions[_ORIGINS]["at"] = 0.0


def _origins_source(app: Flask) -> Callable[[], list[str]]:
    """The active platforms' origins, read from the database at most every 30 s per process. A cache, not state:
    a new registration frames the tool everywhere within 30 s; the database stays the only source of truth."""
    cache: dict[str, object] = app.extensions.setdefault(_ORIGINS, {"at": 0.0, "origins": []})

    def source() -> list[str]:
        if time.monotonic() - float(cache["at"]) > ORIGINS_CACHE_SECONDS:  # type: ignore[arg-type]
            from pix_lti.launch.registrations import registered_origins

            # Read in the request's own session: a second transaction would wait for the request's on SQLite (every
            # transaction holds the write lock there); the read is harmless to the request's unit of work.
            session = get_db()
            try:
                cache["origins"] = registered_origins(session)
                cache["at"] = time.monotonic()
            except Exception:  # the database is down: keep the last known origins, try again in 30 s
                log.warning("could not read LTI platform origins for frame-ancestors", exc_info=True)
                session.rollback()
                cache["at"] = time.monotonic()
        return list(cache["origins"])  # type: ignore[call-overload]

    return source


def _demo(session: Session, summary: DemoSummary) -> None:
    summary.urls.append(("/lti/configuration", "LTI 1.3: values to paste into an LMS"))
    summary.lines.append("LTI: register an LMS with `pix-lti lti register …` or its Dynamic Registration URL "
                         "/lti/inscription (see docs/lti.md).")


def init_launch(app: Flask) -> None:
    from pix_lti.launch import grades  # noqa: F401  (registers the "lti.score" outbox handler)
    from pix_lti.launch import teacher  # noqa: F401  (adds the teacher routes to the blueprint)
    from pix_lti.launch import views
    from pix_lti.launch.admin import admin_bp
    from pix_lti.launch.cli import lti_group

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_bp)
    csrf = app.extensions["csrf"]
    # The platform posts these cross-site: no CSRF token can exist; state, nonce and the signed JWT protect them.
    csrf.exempt(views.login)
    csrf.exempt(views.launch)
    add_frame_ancestor_source(app, _origins_source(app))
    register_demo_loader(app, _demo)
    app.cli.add_command(lti_group)
