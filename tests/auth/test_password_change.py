from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.auth import services
from pix_lti.auth.passwords import verify_password
from pix_lti.identity.models import User
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_from, login, submit_form

URL = "/compte/mot-de-passe"
NEW = "une phrase assez longue"


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("pix_lti_session")
    return cookie.value if cookie else None


def logged_in(client: FlaskClient, db_session: Session, username: str, **kw: object) -> User:
    user = make_user(db_session, username=username, **kw)
    assert login(client, username, PASSWORD).status_code == 303
    return user


def change(client: FlaskClient, current: str | None, new: str, confirm: str | None = None, **kw: object):  # noqa: ANN201
    data = {"new_password": new, "confirm_password": new if confirm is None else confirm}
    if current is not None:
        data["current_password"] = current
    return submit_form(client, URL, data, **kw)


def test_change_works_and_only_the_new_password_opens_the_account(client: FlaskClient, db_session: Session) -> None:
    user = logged_in(client, db_session, "lea.martin0512")
    page = client.get(URL).get_data(as_text=True)
    assert 'name="current_password"' in page and 'autocomplete="new-password"' in page
    before = session_cookie(client)
    response = change(client, PASSWORD, NEW)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert session_cookie(client) != before  # new session id after the change
    assert "Votre mot de passe a été changé." in client.get("/").get_data(as_text=True)
    assert "Bonjour" in client.get("/").get_data(as_text=True)  # still logged in on this device
    db_session.refresh(user)
    assert verify_password(user.password_hash, NEW) and not verify_password(user.password_hash, PASSWORD)
    assert user.password_hash and user.password_hash.startswith("$argon2id$")

    other = client.application.test_client()
    assert login(other, "lea.martin0512", PASSWORD).status_code == 401
    assert login(other, "lea.martin0512", NEW).status_code == 303


def test_wrong_current_password_changes_nothing(client: FlaskClient, db_session: Session) -> None:
    user = logged_in(client, db_session, "hugo.bernard2103")
    old_hash = user.password_hash
    response = change(client, "not-my-password", NEW)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Le mot de passe actuel est incorrect." in html and "Le mot de passe n'a pas été changé" in html
    db_session.refresh(user)
    assert user.password_hash == old_hash


def test_mismatch_too_short_spaces_and_unchanged_are_refused(client: FlaskClient, db_session: Session) -> None:
    user = logged_in(client, db_session, "ines.petit1709")
    old_hash = user.password_hash
    cases = [
        ((PASSWORD, NEW, NEW + "x"), "Les deux mots de passe ne sont pas identiques."),
        ((PASSWORD, "court", None), "Le mot de passe doit contenir au moins 8 caractères."),
        ((PASSWORD, " espace devant", None), "Le mot de passe ne doit ni commencer ni finir par une espace."),
        ((PASSWORD, "x" * 201, None), "Le mot de passe doit contenir au plus 200 caractères."),
        ((PASSWORD, PASSWORD, None), "Le nouveau mot de passe doit être différent de l&#39;actuel."),
        ((PASSWORD, "Ines.Petit1709", None), "Le mot de passe ne doit pas être votre identifiant."),
        ((PASSWORD, "", ""), "Ce champ est requis."),
    ]
    for (current, new, confirm), message in cases:
        response = change(client, current, new, confirm)
        assert response.status_code == 422, new
        assert message in response.get_data(as_text=True), new
    db_session.refresh(user)
    assert user.password_hash == old_hash


def test_messages_in_english(client: FlaskClient, db_session: Session) -> None:
    logged_in(client, db_session, "noe.durand0101")
    client.get("/langue/en")
    page = client.get(URL).get_data(as_text=True)
    assert "Change password" in page and "Current password" in page and "New password" in page
    assert "The current password is incorrect." in change(client, "wrong-password", NEW).get_data(as_text=True)
    html = change(client, PASSWORD, "short", "shorter").get_data(as_text=True)
    assert "The password must be at least 8 characters long." in html
    assert "The two passwords do not match." in html


def test_post_without_csrf_token_is_refused(client: FlaskClient, db_session: Session) -> None:
    user = logged_in(client, db_session, "sacha.roux0202")
    old_hash = user.password_hash
    response = client.post(URL, data={"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW})
    assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True)
    response = client.post(URL, data={"csrf_token": "forged", "current_password": PASSWORD, "new_password": NEW,
                                      "confirm_password": NEW})
    assert response.status_code == 400
    db_session.refresh(user)
    assert user.password_hash == old_hash


def test_wrong_current_passwords_are_rate_limited_per_user(client: FlaskClient, db_session: Session) -> None:
    user = logged_in(client, db_session, "target.student")
    statuses = [change(client, f"guess-{i}", NEW).status_code for i in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    response = change(client, PASSWORD, NEW)  # even the right one, until the window ends
    assert response.status_code == 429 and response.headers["Retry-After"] == "900"
    db_session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)
    # Another account is not affected by this one's counter.
    other = client.application.test_client()
    logged_in(other, db_session, "bystander.student")
    assert change(other, PASSWORD, NEW).status_code == 303


def test_login_required(client: FlaskClient) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion?next=")


def test_change_follows_a_local_next_only(client: FlaskClient, db_session: Session) -> None:
    logged_in(client, db_session, "lina.moreau0303")
    response = submit_form(client, URL + "?next=/healthz",
                           {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW}, action_url=URL)
    assert response.headers["Location"] == "/healthz"
    response = submit_form(client, URL + "?next=https://evil.example/",
                           {"current_password": NEW, "new_password": NEW + "!", "confirm_password": NEW + "!"},
                           action_url=URL)
    assert response.headers["Location"] == "/"


def test_other_sessions_end_after_a_change(app: Flask, db_session: Session) -> None:
    laptop, school_pc = app.test_client(), app.test_client()
    logged_in(laptop, db_session, "tom.leroy0404")
    assert login(school_pc, "tom.leroy0404", PASSWORD).status_code == 303
    assert "Bonjour" in school_pc.get("/").get_data(as_text=True)
    assert change(laptop, PASSWORD, NEW).status_code == 303
    assert "Bonjour" in laptop.get("/").get_data(as_text=True)
    assert "Bonjour" not in school_pc.get("/").get_data(as_text=True)  # logged out by the change
    assert school_pc.get(URL).status_code == 302


def test_account_without_local_password_cannot_use_the_page(client: FlaskClient, db_session: Session) -> None:
    user = User(first_name="Camille", last_name="Lti")  # people who only arrive through their ENT or LMS
    db_session.add(user)
    db_session.flush()
    with client.session_transaction() as sess:
        sess["user_id"] = user.id
    assert "Bonjour Camille Lti." in client.get("/").get_data(as_text=True)
    response = client.get(URL)
    assert response.status_code == 403 and "vous vous connectez par votre ENT" in response.get_data(as_text=True)


def test_logout_form_still_has_a_token_on_the_page(client: FlaskClient, db_session: Session) -> None:
    logged_in(client, db_session, "zoe.blanc0505")
    html = client.get(URL).get_data(as_text=True)
    assert client.post("/deconnexion", data={"csrf_token": csrf_token_from(html)}).status_code == 303


def test_username_taken_helper_asks_the_database(db_session: Session) -> None:
    make_user(db_session, username="lea.martin0512")
    taken = services.username_taken(db_session)
    assert taken("lea.martin0512") and taken("LEA.martin0512") and not taken("lea.martin051233")
