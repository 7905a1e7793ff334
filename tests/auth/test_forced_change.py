"""First login with a temporary password: nothing but the change page (and leaving, language, static, health) until done."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import verify_password
from pix_lti.identity.models import User
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_from, login, submit_form

URL = "/compte/mot-de-passe"
NEW = "mon propre mot de passe"


def forced_login(client: FlaskClient, db_session: Session, username: str = "lea.martin0512") -> User:
    user = make_user(db_session, username=username, must_change_password=True)
    assert login(client, username, PASSWORD).status_code == 303
    return user


def assert_sent_to_change_page(response, wanted_next: str | None) -> None:  # noqa: ANN001
    assert response.status_code == 303, response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.path == URL
    assert parse_qs(location.query).get("next") == ([wanted_next] if wanted_next else None)


def plain_get_rules(app: Flask) -> list[str]:
    """Every page of the application reachable by GET without URL arguments (whichever features are installed)."""
    exempt = {"auth.change_password", "i18n.switch_locale", "health.healthz", "static"}
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint not in exempt
                   and not rule.endpoint.endswith(".static")
                   # entry points and machine endpoints (LTI login/launch, JWKS…) are marked allowed on purpose
                   and not getattr(app.view_functions[rule.endpoint], "_pix_allowed_before_password_change", False)})


def test_every_page_sends_to_the_change_page_until_done(app: Flask, client: FlaskClient, db_session: Session) -> None:
    forced_login(client, db_session)
    pages = plain_get_rules(app)
    assert "/" in pages and "/connexion" in pages
    for page in pages:
        assert_sent_to_change_page(client.get(page), page)
    assert_sent_to_change_page(client.get("/?onglet=2"), "/?onglet=2")
    # Other methods too (no "next": a POST cannot be replayed); CSRF is checked first, so send a valid token.
    token = csrf_token_from(client.get(URL).get_data(as_text=True))
    assert_sent_to_change_page(client.post("/connexion", data={"csrf_token": token, "username": "x", "password": "y"}),
                               None)
    # Unknown addresses still answer 404 rather than a redirect.
    assert client.get("/nulle-part").status_code == 404


def test_change_page_does_not_ask_the_temporary_password_again(client: FlaskClient, db_session: Session) -> None:
    forced_login(client, db_session)
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="current_password"' not in html and 'name="new_password"' in html
    assert "Choisissez votre mot de passe" in html and "mot de passe provisoire" in html


def test_flag_cleared_and_old_password_refused_after_the_change(app: Flask, client: FlaskClient,
                                                                db_session: Session) -> None:
    user = forced_login(client, db_session)
    response = submit_form(client, URL + "?next=/", {"new_password": NEW, "confirm_password": NEW}, action_url=URL)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    db_session.refresh(user)
    assert user.must_change_password is False
    assert verify_password(user.password_hash, NEW)
    home = client.get("/")
    assert home.status_code == 200 and "Bonjour" in home.get_data(as_text=True)
    assert client.get(URL).status_code == 200 and 'name="current_password"' in client.get(URL).get_data(as_text=True)

    other = app.test_client()
    assert login(other, "lea.martin0512", PASSWORD).status_code == 401
    response = login(other, "lea.martin0512", NEW)
    assert response.status_code == 303 and other.get("/").status_code == 200


def test_forced_change_must_replace_the_temporary_password(client: FlaskClient, db_session: Session) -> None:
    user = forced_login(client, db_session)
    for new, confirm, message in [(PASSWORD, PASSWORD, "doit être différent de l&#39;actuel"),
                                  ("court", "court", "au moins 8 caractères"),
                                  (NEW, NEW + "?", "ne sont pas identiques")]:
        response = submit_form(client, URL, {"new_password": new, "confirm_password": confirm})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    db_session.refresh(user)
    assert user.must_change_password is True and verify_password(user.password_hash, PASSWORD)
    assert_sent_to_change_page(client.get("/"), "/")


def test_forced_change_is_csrf_protected(client: FlaskClient, db_session: Session) -> None:
    user = forced_login(client, db_session)
    response = client.post(URL, data={"new_password": NEW, "confirm_password": NEW})
    assert response.status_code == 400
    db_session.refresh(user)
    assert user.must_change_password is True


def test_logout_language_static_and_health_stay_reachable(app: Flask, client: FlaskClient, db_session: Session,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    forced_login(client, db_session)
    # The health check opens its own connection, which this test's open write transaction would block on SQLite.
    monkeypatch.setattr(app.extensions["pix_lti.db"], "ping", lambda: None)
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
    response = client.get("/langue/en?next=/compte/mot-de-passe")
    assert response.status_code == 303 and response.headers["Location"] == URL
    assert "Choose your password" in client.get(URL).get_data(as_text=True)
    token = csrf_token_from(client.get(URL).get_data(as_text=True))
    response = client.post("/deconnexion", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    # Logged out: pages are open again (as an anonymous visitor), the change page asks for a login.
    assert client.get("/").status_code == 200
    assert client.get(URL).status_code == 302


def test_json_clients_get_a_403_problem_instead_of_a_redirect(client: FlaskClient, db_session: Session) -> None:
    forced_login(client, db_session)
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["detail"] == "Vous devez d'abord changer votre mot de passe."


def test_people_without_the_flag_are_not_redirected(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, username="hugo.bernard2103")
    assert login(client, "hugo.bernard2103", PASSWORD).status_code == 303
    assert client.get("/").status_code == 200


def test_login_redirect_keeps_the_page_asked_for(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, username="ines.petit1709", must_change_password=True)
    response = submit_form(client, "/connexion?next=/healthz", {"username": "ines.petit1709", "password": PASSWORD},
                           action_url="/connexion")
    assert response.headers["Location"] == "/healthz"  # exempt: reached directly
    assert_sent_to_change_page(client.get("/"), "/")
    response = submit_form(client, URL + "?next=/", {"new_password": NEW, "confirm_password": NEW}, action_url=URL)
    assert response.headers["Location"] == "/"


def test_views_can_be_marked_reachable_during_a_pending_change(app: Flask, db_session: Session) -> None:
    from pix_lti.auth.forced_change import allowed_before_password_change

    @allowed_before_password_change
    def launch() -> str:
        return "launched"

    app.add_url_rule("/lti/launch-test", view_func=launch)
    client = app.test_client()
    forced_login(client, db_session)
    assert client.get("/lti/launch-test").get_data(as_text=True) == "launched"
