from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from pix_lti.app import create_app
from pix_lti.db import Database
from tests.conftest import TEST_SECRET


def test_healthz_up(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}, "duration_ms": response.json["duration_ms"]}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_database_down_is_503_with_clear_log(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    # A real unreachable PostgreSQL: nothing listens on port 1 of the loopback.
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    app = create_app({"env": "testing", "secret_key": TEST_SECRET, "database_url": url, "instance_dir": str(tmp_path),
                      "database_connect_timeout": 1, "log_level": "WARNING"},
                     database=Database.from_url(url, connect_timeout=1))
    with caplog.at_level(logging.ERROR, logger="pix_lti.web.health"):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable" and response.json["checks"]["database"] == "unavailable"
    assert any("database unreachable" in record.getMessage() for record in caplog.records)


def test_healthz_redis_down_is_503(tmp_path, database_url: str, database: Database) -> None:
    app = create_app({"env": "testing", "secret_key": TEST_SECRET, "database_url": database_url,
                      "instance_dir": str(tmp_path), "redis_url": "redis://127.0.0.1:1/0", "log_level": "ERROR"}, database=database)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["checks"]["redis"] == "unavailable"
