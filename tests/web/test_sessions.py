from __future__ import annotations

import pytest
from flask import Flask, session

from pix_lti.kvstore import RedisStore
from pix_lti.web.sessions import ServerSessionInterface


@pytest.fixture
def session_app(app: Flask) -> Flask:
    @app.get("/_test/set")
    def set_value() -> str:
        session["answer"] = 42
        return "set"

    @app.get("/_test/get")
    def get_value() -> str:
        return str(session.get("answer"))

    @app.get("/_test/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    return app


def test_data_lives_on_the_server_not_in_the_cookie(session_app: Flask) -> None:
    client = session_app.test_client()
    response = client.get("/_test/set")
    cookie = response.headers["Set-Cookie"]
    sid = cookie.split(";")[0].split("=", 1)[1]
    assert len(sid) == 43  # the cookie carries only a random id…
    from pix_lti.web.sessions import _storage_key

    stored = session_app.extensions["pix_lti.kv"].get_json(_storage_key(sid))
    assert stored is not None and stored["answer"] == 42  # …and the data is in the server-side store, under its hash
    assert client.get("/_test/get").get_data(as_text=True) == "42"
    # Another client presenting the same id sees the same session: any worker can serve it.
    other = session_app.test_client()
    other.set_cookie("pix_lti_session", sid)
    assert other.get("/_test/get").get_data(as_text=True) == "42"


def test_forged_or_unknown_session_id_starts_empty(session_app: Flask) -> None:
    client = session_app.test_client()
    client.set_cookie("pix_lti_session", "A" * 43)
    assert client.get("/_test/get").get_data(as_text=True) == "None"
    client.set_cookie("pix_lti_session", "../../etc/passwd")
    assert client.get("/_test/get").get_data(as_text=True) == "None"


def test_cleared_session_is_deleted(session_app: Flask) -> None:
    client = session_app.test_client()
    client.get("/_test/set")
    response = client.get("/_test/clear")
    assert "pix_lti_session=;" in response.headers["Set-Cookie"]
    assert client.get("/_test/get").get_data(as_text=True) == "None"


def test_reading_does_not_rewrite_the_session(session_app: Flask) -> None:
    client = session_app.test_client()
    client.get("/_test/set")
    assert "Set-Cookie" not in client.get("/_test/get").headers


def test_sessions_in_redis(session_app: Flask, redis_store: RedisStore) -> None:  # fixture in tests/conftest.py
    session_app.session_interface = ServerSessionInterface(redis_store, 3600)
    client = session_app.test_client()
    client.get("/_test/set")
    assert client.get("/_test/get").get_data(as_text=True) == "42"
