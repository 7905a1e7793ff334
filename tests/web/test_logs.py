from __future__ import annotations

import json
import logging

from pix_lti.web.logs import JsonFormatter, RequestIdFilter


def test_json_log_lines_carry_the_request_id(client, app) -> None:  # noqa: ANN001
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("pix_lti.access")
    access.addHandler(handler)
    previous = access.level
    access.setLevel(logging.INFO)
    try:
        response = client.get("/connexion", headers={"X-Request-ID": "req-42"})
    finally:
        access.removeHandler(handler)
        access.setLevel(previous)
    assert response.headers["X-Request-ID"] == "req-42"
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "req-42"
    assert line["method"] == "GET" and line["path"] == "/connexion" and line["status"] == 200
    assert line["level"] == "INFO" and isinstance(line["duration_ms"], float)


def test_json_formatter_keeps_exceptions_on_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = JsonFormatter().format(record)
    assert "\n" not in text and json.loads(text)["exception"].startswith("Traceback")


def test_one_access_line_per_request_under_gunicorn(client, app) -> None:  # noqa: ANN001
    """gunicorn writes its own access line (with the request id): the app's goes to DEBUG there."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    access = logging.getLogger("pix_lti.access")
    access.addHandler(handler)
    previous = access.level
    try:
        access.setLevel(logging.INFO)
        client.get("/connexion", environ_base={"gunicorn.socket": object()})
        assert records == []
        access.setLevel(logging.DEBUG)
        client.get("/connexion", environ_base={"gunicorn.socket": object()})
        assert [r.levelno for r in records] == [logging.DEBUG]
    finally:
        access.removeHandler(handler)
        access.setLevel(previous)
