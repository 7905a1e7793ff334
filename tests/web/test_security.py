from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pix_lti.web.security import add_frame_ancestor_source, safe_next_url


@pytest.mark.parametrize("settings_overrides", [{"frame_ancestors": "https://ent.example.org"}], indirect=True)
def test_security_headers(app: Flask) -> None:
    add_frame_ancestor_source(app, lambda: ["https://moodle.example.net"])
    response = app.test_client().get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://ent.example.org https://moodle.example.net" in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "X-Frame-Options" not in response.headers  # it would block every LMS iframe


def test_frame_ancestors_default_to_self_only(client: FlaskClient) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "https://" not in csp.split("frame-ancestors")[1]


@pytest.mark.parametrize(("target", "expected"), [
    ("/profil", "/profil"),
    ("/campagnes/ABC?x=1", "/campagnes/ABC?x=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/ok\r\nSet-Cookie: x", "/"),
    ("", "/"),
    (None, "/"),
])
def test_safe_next_url(target: str | None, expected: str) -> None:
    assert safe_next_url(target) == expected


def test_language_switch_has_no_open_redirect(client: FlaskClient) -> None:
    response = client.get("/langue/en?next=https://evil.example/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    response = client.get("/langue/en?next=/connexion")
    assert response.headers["Location"] == "/connexion"


def test_request_id_is_echoed_or_generated(client: FlaskClient) -> None:
    assert client.get("/", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert generated != "<script>" and len(generated) == 32


@pytest.mark.parametrize("settings_overrides", [{"public_url": "https://pix.example.org"}], indirect=True)
def test_session_cookie_works_in_third_party_iframes_over_https(client: FlaskClient) -> None:
    response = client.get("/connexion", base_url="https://pix.example.org")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize("settings_overrides", [{"proxy_fix": 1, "public_url": "https://pix.example.org"}], indirect=True)
def test_proxy_fix_trusts_forwarded_proto(app: Flask) -> None:
    seen = {}

    @app.get("/_test/scheme")
    def scheme() -> str:
        from flask import request

        seen["secure"] = request.is_secure
        return "ok"

    app.test_client().get("/_test/scheme", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1"})
    assert seen["secure"] is True
