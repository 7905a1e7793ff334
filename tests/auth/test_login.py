from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_from, login, submit_form


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("pix_lti_session")
    return cookie.value if cookie else None


def test_login_and_logout(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, username="lea.martin0512", first_name="Léa", last_name="Martin")
    client.get("/connexion")
    before = session_cookie(client)
    response = login(client, "Lea.Martin0512 ", PASSWORD)  # case and spaces do not matter
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert session_cookie(client) != before  # new session id at login (no fixation)
    html = client.get("/").get_data(as_text=True)
    assert "Bonjour Léa Martin." in html
    db_session.refresh(user)
    assert user.last_login_at is not None
    response = client.post("/deconnexion", data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 303
    assert "Bonjour" not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, username="hugo.b")
    for username in ("hugo.b", "nobody"):
        response = login(client, username, "wrong-password")
        assert response.status_code == 401
        assert "Identifiant ou mot de passe incorrect." in response.get_data(as_text=True)
    assert "Bonjour" not in client.get("/").get_data(as_text=True)


def test_next_only_follows_local_paths(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, username="ines.p")
    response = submit_form(client, "/connexion?next=https://evil.example/", {"username": "ines.p", "password": PASSWORD},
                           action_url="/connexion")
    assert response.headers["Location"] == "/"
    client.post("/deconnexion", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))})
    response = submit_form(client, "/connexion?next=/healthz", {"username": "ines.p", "password": PASSWORD},
                           action_url="/connexion")
    assert response.headers["Location"] == "/healthz"


def test_post_without_csrf_token_is_refused_and_changes_nothing(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, username="noe.c")
    response = client.post("/connexion", data={"username": "noe.c", "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    db_session.refresh(user)
    assert user.last_login_at is None
    assert client.post("/deconnexion").status_code == 400


def test_login_is_rate_limited_per_username(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, username="target.user")
    statuses = [login(client, "target.user", f"guess-{i}").status_code for i in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # Even the right password is refused until the window ends.
    response = login(client, "target.user", PASSWORD)
    assert response.status_code == 429 and "Trop de tentatives" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "900"


def test_login_page_in_english(client: FlaskClient, app: Flask) -> None:
    html = client.get("/connexion", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log in" in html and "Username" in html and "Password" in html
