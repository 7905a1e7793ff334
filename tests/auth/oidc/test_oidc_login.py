"""OIDC sign-on against the loopback authlib provider: the whole code flow with PKCE, state and nonce, provisioning
like SAML (school by UAI, role by profile, names refreshed), and refusals (state, nonce, issuer, audience)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pix_lti.auth.oidc.models import OidcProvider, decrypt_secret
from pix_lti.identity.models import ExternalIdentity, IdentityKind, MembershipRole, Organisation, User
from tests.auth.oidc.conftest import SCHOOL_UAI
from tests.auth.oidc.provider import CLIENT_SECRET, FakeOidcProvider

STUDENT = {"sub": "ent-eleve-42", "given_name": "Inès", "family_name": "Petit", "uai": [SCHOOL_UAI],
           "profile": "National_elv", "classes": ["5C##Cinquième C"]}


def _login(client: FlaskClient, ent: OidcProvider, relay: str | None = None) -> TestResponse:
    start = client.get(f"/oidc/{ent.id}/login", query_string={"RelayState": relay} if relay else {})
    assert start.status_code == 302, start.get_data(as_text=True)
    query = parse_qs(urlsplit(start.location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    at_provider = requests.get(start.location, allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return client.get(back.path, query_string=back.query)


def _people(db_session: Session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(ExternalIdentity.id))) or 0


def test_client_secret_is_stored_encrypted(app, ent: OidcProvider) -> None:  # noqa: ANN001
    assert CLIENT_SECRET not in ent.client_secret_encrypted
    assert decrypt_secret(ent.client_secret_encrypted, app.config["SECRET_KEY"]) == CLIENT_SECRET


def test_student_signs_in_and_lands_on_the_relay_state(client: FlaskClient, db_session: Session, ent: OidcProvider,
                                                       school: Organisation, oidc_server: FakeOidcProvider) -> None:
    oidc_server.user = dict(STUDENT)
    response = _login(client, ent, relay="/campagnes/CRCDEM356")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.location.endswith("/campagnes/CRCDEM356")
    db_session.expire_all()
    user = db_session.scalar(select(User).join(ExternalIdentity).where(
        ExternalIdentity.kind == IdentityKind.OIDC, ExternalIdentity.issuer == oidc_server.issuer,
        ExternalIdentity.subject == "ent-eleve-42"))
    assert user is not None and (user.first_name, user.last_name) == ("Inès", "Petit")
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(school.id, MembershipRole.STUDENT)]
    with client.session_transaction() as web_session:
        assert web_session["user_id"] == user.id


def test_claims_only_in_userinfo_are_used(client: FlaskClient, db_session: Session, ent: OidcProvider,
                                          school: Organisation, oidc_server: FakeOidcProvider) -> None:
    oidc_server.user = {"sub": "ent-prof-7", "given_name": "Paul", "family_name": "Durand"}
    oidc_server.userinfo_extra = {"uai": SCHOOL_UAI, "profile": "National_ens"}
    response = _login(client, ent)
    assert response.status_code == 303, response.get_data(as_text=True)
    db_session.expire_all()
    user = db_session.scalar(select(User).join(ExternalIdentity).where(ExternalIdentity.subject == "ent-prof-7"))
    assert user is not None and [m.role for m in user.memberships] == [MembershipRole.MEMBER]


def test_returning_person_is_the_same_account(client: FlaskClient, db_session: Session, ent: OidcProvider,
                                              school: Organisation, oidc_server: FakeOidcProvider) -> None:
    oidc_server.user = dict(STUDENT)
    _login(client, ent)
    oidc_server.user = {**STUDENT, "family_name": "Petit-Moreau"}
    assert _login(client, ent).status_code == 303
    assert _people(db_session) == 1
    db_session.expire_all()
    assert db_session.scalar(select(User.last_name)) == "Petit-Moreau"


def test_callback_without_a_started_login_is_refused(client: FlaskClient, db_session: Session, ent: OidcProvider,
                                                     school: Organisation) -> None:
    response = client.get("/oidc/callback", query_string={"code": "x", "state": "forged"})
    assert response.status_code == 400
    assert _people(db_session) == 0


def test_state_is_single_use(client: FlaskClient, db_session: Session, ent: OidcProvider, school: Organisation,
                             oidc_server: FakeOidcProvider) -> None:
    oidc_server.user = dict(STUDENT)
    start = client.get(f"/oidc/{ent.id}/login")
    back = urlsplit(requests.get(start.location, allow_redirects=False, timeout=5).headers["Location"])
    assert client.get(back.path, query_string=back.query).status_code == 303
    assert client.get(back.path, query_string=back.query).status_code == 400


def test_id_token_for_another_audience_or_issuer_is_refused(client: FlaskClient, db_session: Session,
                                                            ent: OidcProvider, school: Organisation,
                                                            oidc_server: FakeOidcProvider) -> None:
    oidc_server.user = dict(STUDENT)
    oidc_server.id_token_overrides = {"aud": ["another-client"]}
    assert _login(client, ent).status_code == 400
    oidc_server.id_token_overrides = {"iss": "https://evil.example"}
    assert _login(client, ent).status_code == 400
    assert _people(db_session) == 0


def test_unknown_school_is_refused(client: FlaskClient, db_session: Session, ent: OidcProvider,
                                   oidc_server: FakeOidcProvider) -> None:
    oidc_server.user = dict(STUDENT)
    response = _login(client, ent)
    assert response.status_code == 403
    assert _people(db_session) == 0


def test_id_token_with_another_nonce_or_expired_is_refused(client: FlaskClient, db_session: Session,
                                                           ent: OidcProvider, school: Organisation,
                                                           oidc_server: FakeOidcProvider) -> None:
    import time

    oidc_server.user = dict(STUDENT)
    oidc_server.nonce_override = "a-nonce-from-another-login"
    assert _login(client, ent).status_code == 400
    oidc_server.nonce_override = None
    oidc_server.id_token_overrides = {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}
    assert _login(client, ent).status_code == 400
    assert _people(db_session) == 0


def test_admin_test_login_shows_claims_and_creates_nobody(client: FlaskClient, db_session: Session,
                                                          ent: OidcProvider, oidc_server: FakeOidcProvider) -> None:
    from tests.factories import PASSWORD, make_user
    from tests.helpers import csrf_token_from
    from tests.helpers import login as local_login

    make_user(db_session, username="admin.oidc", is_platform_admin=True)
    db_session.flush()
    local_login(client, "admin.oidc", PASSWORD)
    oidc_server.user = {**STUDENT, "email": "ines@ent.example"}
    token = csrf_token_from(client.get("/admin/sso/").get_data(as_text=True))
    start = client.post(f"/admin/sso/oidc/{ent.id}/test", data={"csrf_token": token})
    assert start.status_code == 302 and start.location.startswith(oidc_server.issuer)
    back = urlsplit(requests.get(start.location, allow_redirects=False, timeout=5).headers["Location"])
    response = client.get(back.path, query_string=back.query)
    assert response.status_code == 303 and "/admin/sso/test/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "ent-eleve-42" in page and "email" in page and "non (ignoré)" in page
    assert _people(db_session) == 0  # no school needed, nobody created
