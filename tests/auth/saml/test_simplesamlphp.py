"""End to end through a real external IdP: SimpleSAMLphp (Debian package, PHP's built-in server on loopback) with
GAR-like users. The browser part (IdP redirect, login form, auto-posted response) is driven with an HTTP client.
Skipped when SimpleSAMLphp is not installed (``apt-get install simplesamlphp php-xml``)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.saml.cli import save_identity_provider
from pix_lti.auth.saml.models import SamlIdentityProvider
from pix_lti.auth.saml.sp import generate_key_pair
from pix_lti.identity.models import ExternalIdentity, MembershipRole, Organisation, User
from tests.auth.saml import simplesamlphp
from tests.auth.saml.idp import ACS_URL, SP_ENTITY_ID

pytestmark = pytest.mark.skipif(not simplesamlphp.available(), reason="SimpleSAMLphp (and PHP) not installed")


@pytest.fixture(scope="module")
def ssp(tmp_path_factory: pytest.TempPathFactory, sp_key_pair: tuple[str, str]) -> Iterator[simplesamlphp.SimpleSamlPhp]:
    server = simplesamlphp.SimpleSamlPhp(tmp_path_factory.mktemp("ssp"), SP_ENTITY_ID, ACS_URL, sp_key_pair[1],
                                         generate_key_pair("simplesamlphp-test"))
    yield server
    server.stop()


@pytest.fixture
def ssp_idp(db_session: Session, ssp: simplesamlphp.SimpleSamlPhp) -> SamlIdentityProvider:
    idp = save_identity_provider(db_session, requests.get(ssp.metadata_url, timeout=10).text, name="SimpleSAMLphp")
    db_session.flush()
    return idp


def _form(page: str) -> tuple[str, dict[str, str]]:
    action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    fields = {html.unescape(n): html.unescape(v)
              for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)}
    return action, fields


def _login_through_ssp(client: FlaskClient, username: str, relay: str | None = None) -> tuple[str, dict[str, str]]:
    start = client.get("/saml/login", query_string={"RelayState": relay} if relay else {})
    assert start.status_code == 302
    browser = requests.Session()
    login_page = browser.get(start.location, timeout=10)  # SSOService → redirect to the login form
    assert login_page.status_code == 200 and "AuthState" in login_page.text, login_page.text[:2000]
    auth_state = html.unescape(re.search(r'name="AuthState" value="([^"]+)"', login_page.text).group(1))  # type: ignore[union-attr]
    posted = browser.post(login_page.url, data={"username": username, "password": simplesamlphp.PASSWORD,
                                                "AuthState": auth_state}, timeout=10)
    assert "SAMLResponse" in posted.text, posted.text[:2000]
    return _form(posted.text)


def test_student_and_teacher_sign_in_through_simplesamlphp(client: FlaskClient, db_session: Session,
                                                            ssp_idp: SamlIdentityProvider,
                                                            school: Organisation) -> None:
    action, fields = _login_through_ssp(client, "eleve", relay="/campagnes/CRCDEM356")
    assert action == ACS_URL
    response = client.post("/saml/acs", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.location.endswith("/campagnes/CRCDEM356")
    db_session.expire_all()
    student = db_session.scalar(select(User).join(ExternalIdentity).where(ExternalIdentity.subject == "ssp-eleve-1"))
    assert student is not None and (student.first_name, student.last_name) == ("Zoé", "Leroy")
    assert [(m.organisation_id, m.role) for m in student.memberships] == [(school.id, MembershipRole.STUDENT)]
    # The same response again is a replay.
    assert client.post("/saml/acs", data=fields).status_code == 400

    client.post("/deconnexion")
    _, fields = _login_through_ssp(client, "prof")
    assert client.post("/saml/acs", data=fields).status_code == 303
    db_session.expire_all()
    teacher = db_session.scalar(select(User).join(ExternalIdentity).where(ExternalIdentity.subject == "ssp-prof-1"))
    assert teacher is not None and [m.role for m in teacher.memberships] == [MembershipRole.MEMBER]


def test_tampered_simplesamlphp_response_is_refused(client: FlaskClient, db_session: Session,
                                                    ssp_idp: SamlIdentityProvider, school: Organisation) -> None:
    import base64

    _, fields = _login_through_ssp(client, "eleve")
    xml = base64.b64decode(fields["SAMLResponse"]).replace(b"ssp-eleve-1", b"ssp-attacker")
    response = client.post("/saml/acs", data={**fields, "SAMLResponse": base64.b64encode(xml).decode()})
    assert response.status_code == 400
    db_session.expire_all()
    assert db_session.scalar(select(ExternalIdentity.id)) is None

