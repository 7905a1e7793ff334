"""School-IT pages: platform admins only; IdP list with the SP values; SP metadata; a test login that shows the
attributes received without creating or logging in anyone."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.auth.saml.models import SamlIdentityProvider
from pix_lti.identity.models import ExternalIdentity
from tests.auth.saml.conftest import student_attributes
from tests.auth.saml.helpers import post_response
from tests.auth.saml.idp import FakeIdp
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_from
from tests.helpers import login as local_login


def _admin(client: FlaskClient, db_session: Session) -> int:
    admin = make_user(db_session, username="admin.sso", is_platform_admin=True)
    db_session.flush()
    assert local_login(client, "admin.sso", PASSWORD).status_code in (302, 303)
    return admin.id


def test_pages_need_a_platform_admin(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider) -> None:
    assert client.get("/admin/sso/").status_code == 302  # to the login page
    make_user(db_session, username="prof.sso")
    db_session.flush()
    local_login(client, "prof.sso", PASSWORD)
    assert client.get("/admin/sso/").status_code == 403
    assert client.get("/admin/sso/metadata").status_code == 403


def test_admin_sees_idps_values_and_metadata(client: FlaskClient, db_session: Session,
                                             gar: SamlIdentityProvider) -> None:
    _admin(client, db_session)
    page = client.get("/admin/sso/").get_data(as_text=True)
    assert gar.entity_id in page and "http://127.0.0.1:5000/saml/metadata" in page
    assert "http://127.0.0.1:5000/saml/acs" in page
    metadata = client.get("/admin/sso/metadata").get_data(as_text=True)
    assert "EntityDescriptor" in metadata


def test_test_login_shows_attributes_and_creates_nobody(client: FlaskClient, db_session: Session,
                                                        gar: SamlIdentityProvider, fake_idp: FakeIdp) -> None:
    _admin(client, db_session)
    token = csrf_token_from(client.get("/admin/sso/").get_data(as_text=True))
    start = client.post(f"/admin/sso/saml/{gar.id}/test", data={"csrf_token": token})
    assert start.status_code == 302 and start.location.startswith(fake_idp.sso_url)
    request_id = fake_idp.request_id(start.location)
    # No school registered: a real login would be refused, the test still shows what arrived.
    response = post_response(client, fake_idp.response_xml(student_attributes(P_MEL=["x@ac-test.fr"]),
                                                           in_response_to=request_id))
    assert response.status_code == 303 and "/admin/sso/test/" in response.location
    result = client.get(response.location).get_data(as_text=True)
    assert "ido-eleve-0001" in result and "National_elv" in result and "P_MEL" in result
    assert "non (ignoré)" in result
    db_session.expire_all()
    assert db_session.scalar(select(func.count(ExternalIdentity.id))) == 0
    with client.session_transaction() as web_session:
        assert web_session.get("user_id") is not None  # still the admin, not the tested person


def test_admin_adds_an_idp_from_pasted_metadata_and_bad_input_is_reported(
        client: FlaskClient, db_session: Session, fake_idp: FakeIdp) -> None:
    _admin(client, db_session)
    token = csrf_token_from(client.get("/admin/sso/").get_data(as_text=True))
    bad = client.post("/admin/sso/saml", data={"csrf_token": token, "metadata_xml": "<nope/>"}, follow_redirects=True)
    assert "Métadonnées refusées" in bad.get_data(as_text=True)
    insecure = client.post("/admin/sso/saml", data={"csrf_token": token, "metadata_url": "http://gar.example/md"},
                           follow_redirects=True)
    assert "https://" in insecure.get_data(as_text=True)
    response = client.post("/admin/sso/saml", data={"csrf_token": token, "name": "GAR", "auto_create_schools": "1",
                                                    "metadata_xml": fake_idp.metadata_xml()}, follow_redirects=True)
    assert "Fournisseur enregistré" in response.get_data(as_text=True)
    db_session.expire_all()
    idp = db_session.scalar(select(SamlIdentityProvider))
    assert idp is not None and idp.entity_id == fake_idp.entity_id and idp.auto_create_schools
    assert not idp.allow_idp_initiated
