"""Registrations for school IT: CLI (register, list, activate, disable, tool-config, keys), Dynamic Registration
against the real platform, the admin pages, tool key rotation and the JWKS."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.identity.models import Organisation
from pix_lti.launch import keys, registrations
from pix_lti.launch.models import LtiRegistration, RegistrationStatus, ToolKey
from tests.factories import make_user
from tests.helpers import csrf_token_from, login
from tests.launch.helpers import lti_user
from tests.launch.platform import FakePlatform, LaunchSpec, pem, run_launch


def _admin(client: FlaskClient, db: Session) -> None:
    make_user(db, username="it.admin", is_platform_admin=True)
    login(client, "it.admin", "correct-horse-battery")


def test_cli_register_list_activate_disable(runner: FlaskCliRunner, db_session: Session, school: Organisation,
                                            tmp_path: Path) -> None:
    result = runner.invoke(args=["lti", "register", "--issuer", "https://moodle.example.org", "--client-id", "abc",
                                 "--auth-login-url", "https://moodle.example.org/mod/lti/auth.php",
                                 "--auth-token-url", "https://moodle.example.org/mod/lti/token.php",
                                 "--key-set-url", "https://moodle.example.org/mod/lti/certs.php",
                                 "--deployment", "1", "--deployment", "2", "--uai", school.uai, "--name", "Moodle"])
    assert result.exit_code == 0, result.output
    assert "active, deployments: 1, 2" in result.output
    listed = json.loads(runner.invoke(args=["lti", "list", "--json"]).output)
    assert listed[0]["issuer"] == "https://moodle.example.org" and listed[0]["organisation"] == school.name
    registration_id = str(listed[0]["id"])
    assert "disabled" in runner.invoke(args=["lti", "disable", registration_id]).output
    assert "disabled" in runner.invoke(args=["lti", "list"]).output
    assert "active" in runner.invoke(args=["lti", "activate", registration_id, "--deployment", "3"]).output
    assert json.loads(runner.invoke(args=["lti", "list", "--json"]).output)[0]["deployments"] == ["1", "2", "3"]
    # Mistakes are reported, not raised.
    bad = runner.invoke(args=["lti", "register", "--issuer", "x", "--client-id", "y", "--auth-login-url",
                              "http://lms.example.org/auth", "--key-set-url", "https://lms.example.org/k",
                              "--uai", school.uai])
    assert bad.exit_code != 0 and "must use https://" in bad.output
    no_org = runner.invoke(args=["lti", "register", "--issuer", "x", "--client-id", "y", "--auth-login-url",
                                 "https://lms.example.org/auth", "--key-set-url", "https://lms.example.org/k"])
    assert no_org.exit_code != 0 and "organisation" in no_org.output
    # A static PEM key instead of a JWKS URL.
    from tests.launch.platform import new_rsa_key

    key_file = tmp_path / "platform.pem"
    key_file.write_text(pem(new_rsa_key(), False))
    static = runner.invoke(args=["lti", "register", "--issuer", "https://lms2.example.org", "--client-id", "c2",
                                 "--auth-login-url", "https://lms2.example.org/auth", "--key-file", str(key_file),
                                 "--deployment", "d", "--uai", school.uai])
    assert static.exit_code == 0, static.output
    row = db_session.scalar(select(LtiRegistration).where(LtiRegistration.client_id == "c2"))
    assert row.key_set["keys"][0]["kty"] == "RSA" and row.key_set["keys"][0]["kid"]


def test_tool_config_and_keys_cli(runner: FlaskCliRunner, db_session: Session) -> None:
    values = json.loads(runner.invoke(args=["lti", "tool-config"]).output)
    assert values["login_url"] == "http://127.0.0.1:5000/lti/login"
    assert values["jwks_url"] == "http://127.0.0.1:5000/lti/jwks.json"
    first = runner.invoke(args=["lti", "keys", "list"]).output
    assert "current" in first
    rotated = runner.invoke(args=["lti", "keys", "rotate", "--overlap-hours", "24"])
    assert "1 previous key(s) published for 24 more hours" in rotated.output
    listed = runner.invoke(args=["lti", "keys", "list"]).output.strip().splitlines()
    assert len(listed) == 2 and "current" in listed[0] and "published until" in listed[1]


def test_key_rotation_keeps_the_previous_key_published_during_the_overlap(app: Flask, client: FlaskClient,
                                                                          db_session: Session) -> None:
    before = client.get("/lti/jwks.json").get_json()["keys"]
    assert len(before) == 1 and before[0]["kty"] == "RSA" and before[0]["alg"] == "RS256" and before[0]["kid"]
    assert "d" not in before[0]  # public part only
    new, previous = keys.rotate(db_session, app.config["SECRET_KEY"], timedelta(hours=48))
    kids = [k["kid"] for k in client.get("/lti/jwks.json").get_json()["keys"]]
    assert kids == [new.kid, before[0]["kid"]]  # the new key signs from now on; the old one is still published
    later = utcnow() + timedelta(hours=49)
    assert [k["kid"] for k in keys.jwks(db_session, app.config["SECRET_KEY"], now=later)["keys"]] == [new.kid]
    assert keys.signing_key(db_session, app.config["SECRET_KEY"]).kid == new.kid
    # Stored encrypted: the PEM never appears in the database.
    stored = db_session.scalar(select(ToolKey).where(ToolKey.kid == new.kid))
    assert "PRIVATE KEY" not in stored.private_key_encrypted
    # Another secret key cannot read it: a fresh key is made (platforms re-read our JWKS URL).
    assert keys.signing_key(db_session, "another-secret-key-0123456789-abcdef").kid != new.kid


def test_dynamic_registration_creates_a_pending_registration_that_an_admin_activates(
        app: Flask, client: FlaskClient, db_session: Session, platform: FakePlatform, school: Organisation) -> None:
    response = client.get("/lti/inscription", query_string={
        "openid_configuration": f"{platform.base}/.well-known/openid-configuration",
        "registration_token": "reg-token-123"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert "registration_done.js" in html and "dyn-client-1" in html
    [sent] = platform.registrations
    assert sent["initiate_login_uri"] == "http://127.0.0.1:5000/lti/login"
    assert sent["jwks_uri"] == "http://127.0.0.1:5000/lti/jwks.json"
    assert sent["redirect_uris"] == ["http://127.0.0.1:5000/lti/launch"]
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    tool_conf = sent["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert {m["type"] for m in tool_conf["messages"]} == {"LtiDeepLinkingRequest", "LtiResourceLinkRequest"}
    registration = db_session.scalar(select(LtiRegistration).where(LtiRegistration.client_id == "dyn-client-1"))
    assert registration.status is RegistrationStatus.PENDING and registration.deployment_ids == ["dyn-deployment-1"]
    assert registration.platform_info == {"product_family_code": "fake-lms", "version": "1.0"}

    admin = app.test_client()
    _admin(admin, db_session)
    page = admin.get("/admin/lti/").get_data(as_text=True)
    assert "à activer" in page and "http://127.0.0.1:5000/lti/jwks.json" in page
    detail = admin.get(f"/admin/lti/{registration.id}").get_data(as_text=True)
    activated = admin.post(f"/admin/lti/{registration.id}/activer",
                           data={"csrf_token": csrf_token_from(detail), "organisation_id": str(school.id)})
    assert activated.status_code == 303
    db_session.expire_all()
    assert registration.status is RegistrationStatus.ACTIVE and registration.organisation_id == school.id
    # The platform can now launch under its new client id.
    platform_client, platform.client_id, platform.deployment_id = platform.client_id, "dyn-client-1", "dyn-deployment-1"
    try:
        run = run_launch(client, platform, LaunchSpec(user_id="after-dynreg"))
    finally:
        platform.client_id, platform.deployment_id = platform_client, "deployment-1"
    assert run.response.status_code == 303 and lti_user(db_session, platform.issuer, "after-dynreg") is not None


@pytest.mark.parametrize(("query", "message"), [
    ({"openid_configuration": "http://evil.example.org/.well-known/openid-configuration"}, "must use https://"),
    ({"openid_configuration": "PLATFORM/.well-known/openid-configuration", "registration_token": "wrong"}, "HTTP 401"),
])
def test_dynamic_registration_failures_are_explained(client: FlaskClient, db_session: Session,
                                                     platform: FakePlatform, query: dict, message: str) -> None:
    query = {k: v.replace("PLATFORM", platform.base) for k, v in query.items()}
    response = client.get("/lti/inscription", query_string=query)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db_session.scalar(select(LtiRegistration)) is None


def test_admin_pages_register_and_disable(app: Flask, client: FlaskClient, db_session: Session,
                                          school: Organisation, platform: FakePlatform) -> None:
    assert client.get("/admin/lti/").status_code == 302  # login first
    _admin(client, db_session)
    page = client.get("/admin/lti/").get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(page), "name": "ENT Moodle", "issuer": platform.issuer,
            "client_id": "admin-client", "auth_login_url": f"{platform.base}/auth",
            "auth_token_url": f"{platform.base}/token", "key_set_url": f"{platform.base}/jwks",
            "deployment_ids": "d1, d2", "organisation_id": str(school.id), "grade_scale": "level"}
    missing = client.post("/admin/lti/", data={**form, "key_set_url": ""})
    assert missing.status_code == 422 and "JWKS URL or a static key" in missing.get_data(as_text=True)
    created = client.post("/admin/lti/", data=form)
    assert created.status_code == 303
    registration = registrations.find_registration(db_session, platform.issuer, "admin-client")
    assert registration.deployment_ids == ["d1", "d2"] and registration.grade_scale.value == "level"
    detail = client.get(created.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/admin/lti/{registration.id}/desactiver",
                       data={"csrf_token": csrf_token_from(detail)}).status_code == 303
    db_session.expire_all()
    assert registration.status is RegistrationStatus.DISABLED
    rotate = client.post("/admin/lti/cles/rotation", data={"csrf_token": csrf_token_from(detail)})
    assert rotate.status_code == 303 and len(client.get("/lti/jwks.json").get_json()["keys"]) == 2
    # Teachers and learners are not school IT.
    other = app.test_client()
    make_user(db_session, username="not.admin")
    login(other, "not.admin", "correct-horse-battery")
    assert other.get("/admin/lti/").status_code == 403


def test_public_configuration_page(client: FlaskClient) -> None:
    html = client.get("/lti/configuration").get_data(as_text=True)
    for value in ("http://127.0.0.1:5000/lti/login", "http://127.0.0.1:5000/lti/launch",
                  "http://127.0.0.1:5000/lti/jwks.json", "http://127.0.0.1:5000/lti/inscription",
                  "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"):
        assert value in html
    assert client.get("/lti/configuration?format=json").get_json()["icon_url"].endswith("/lti/static/launch/icon.svg")
    assert client.get("/lti/static/launch/icon.svg").status_code == 200
    english = client.get("/lti/configuration", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Public keyset URL (JWKS)" in english and "Adding pix_lti to a learning platform" in english
