"""``/healthz``: 200 when the database (and Redis, when configured) answer; 503 with a clear log line otherwise."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    checks: dict[str, str] = {}
    healthy = True
    started = time.perf_counter()
    try:
        current_app.extensions["pix_lti.db"].ping()
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "down" for a health check
        healthy = False
        checks["database"] = "unavailable"
        log.error("health check: database unreachable: %s", exc.__class__.__name__ + ": " + str(exc).splitlines()[0][:200])
    store = current_app.extensions["pix_lti.kv"]
    if current_app.config["PIX_SETTINGS"].redis_url:
        try:
            store.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            healthy = False
            checks["redis"] = "unavailable"
            log.error("health check: redis unreachable: %s", exc)
    body = {"status": "ok" if healthy else "unavailable", "checks": checks,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2)}
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
