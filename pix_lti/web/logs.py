"""Logging: plain text or one JSON object per line, each carrying the request id (also sent back as ``X-Request-ID``)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(log_format: str, level: str) -> None:
    """Configure the root logger once per process (idempotent: the app factory may run several times in tests)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_pix_lti", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._pix_lti = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    root.setLevel(level)


def init_request_ids(app: Flask) -> None:
    access_log = logging.getLogger("pix_lti.access")

    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        started = g.get("request_started")
        # Under gunicorn, its access log (config/gunicorn.conf.py: status, time and the X-Request-ID) already has a
        # line per request: this one goes to DEBUG there, one line per request is enough.
        level = logging.DEBUG if "gunicorn.socket" in request.environ else logging.INFO
        if started is not None and access_log.isEnabledFor(level) and request.path != "/healthz":
            duration = round((time.perf_counter() - started) * 1000, 2)
            access_log.log(
                level, "%s %s %s %.2fms", request.method, request.path, response.status_code, duration,
                extra={"method": request.method, "path": request.path, "status": response.status_code,
                       "duration_ms": duration},
            )
        return response
