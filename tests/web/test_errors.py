from __future__ import annotations

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient

from pix_lti.web.i18n import LOCALES


@pytest.fixture
def app_with_failing_routes(app: Flask) -> Flask:
    @app.get("/_test/boom")
    def boom() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/_test/conflict")
    def conflict() -> str:
        abort(409, description="Cette question a déjà reçu une réponse.")

    @app.get("/_test/unprocessable")
    def unprocessable() -> str:
        abort(422)

    @app.get("/_test/forbidden")
    def forbidden() -> str:
        abort(403)

    return app


@pytest.mark.parametrize(("path", "code", "fr_title"), [
    ("/does-not-exist", 404, "Page introuvable"),
    ("/_test/forbidden", 403, "Accès refusé"),
    ("/_test/unprocessable", 422, "Données non valides"),
    ("/_test/conflict", 409, "Conflit"),
])
def test_error_pages_in_french_by_default(app_with_failing_routes: Flask, path: str, code: int, fr_title: str) -> None:
    response = app_with_failing_routes.test_client().get(path)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html and fr_title in html
    assert 'href="#main"' in html  # the layout, with its skip link


def test_error_pages_in_english(client: FlaskClient) -> None:
    response = client.get("/does-not-exist", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and '<html lang="en">' in html and "Page not found" in html


def test_view_description_is_shown(app_with_failing_routes: Flask) -> None:
    html = app_with_failing_routes.test_client().get("/_test/conflict").get_data(as_text=True)
    assert "Cette question a déjà reçu une réponse." in html


def test_500_never_leaks_a_trace(app_with_failing_routes: Flask) -> None:
    client = app_with_failing_routes.test_client()
    for headers in ({}, {"Accept": "application/json"}):
        response = client.get("/_test/boom", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body
        assert response.headers["X-Request-ID"] in body  # a reference to give support


def test_json_problem_details(client: FlaskClient) -> None:
    response = client.get("/does-not-exist", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json is not None and response.json["status"] == 404 and response.json["title"] == "Page introuvable"


def test_405_keeps_allow_header(client: FlaskClient) -> None:
    response = client.put("/healthz")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "Méthode non autorisée" in response.get_data(as_text=True)


@pytest.mark.parametrize("settings_overrides", [{"max_content_length": 2048}], indirect=True)
def test_oversized_request_gets_413_page(client: FlaskClient) -> None:
    response = client.post("/connexion", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


def test_every_documented_code_has_both_languages(app: Flask) -> None:
    from flask_babel import force_locale

    from pix_lti.web.errors import MESSAGES

    assert {400, 403, 404, 405, 409, 413, 422, 429, 500} <= set(MESSAGES)
    with app.test_request_context():
        for code, (title, _explanation) in MESSAGES.items():
            with force_locale("fr"):
                french = str(title)
            with force_locale("en"):
                english = str(title)
            assert french != english, f"{code} has no English translation"
    assert LOCALES == ("fr", "en")


def test_ids_beyond_the_integer_columns_match_no_route(app: Flask) -> None:
    """``<int:…>`` is bounded to the INTEGER columns for every feature: a huge id is a 404 before any query (PostgreSQL
    would refuse it with an error, i.e. a 500), while the largest real id still reaches the view."""
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match("/orga/2147483647")
    assert (endpoint, args) == ("orga.organisation", {"org_id": 2147483647})
    for path in ("/orga/2147483648", "/orga/99999999999999999999"):
        response = app.test_client().get(path)
        assert response.status_code == 404
