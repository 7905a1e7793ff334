"""SAML sign-on with real signed responses from a pysaml2 IdP: students, teachers, heads, several schools, new and
returning people, classes and groups kept in sync, landing pages, encrypted assertions, IdP-initiated policy."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.auth.saml.models import SamlIdentityProvider, SchoolGroup, SchoolGroupMember
from pix_lti.identity.models import ExternalIdentity, IdentityKind, Membership, MembershipRole, Organisation, User
from tests.auth.saml.conftest import OTHER_UAI, SCHOOL_UAI, student_attributes
from tests.auth.saml.helpers import login, post_response
from tests.auth.saml.idp import FakeIdp


def _person(db_session: Session, ido: str) -> User | None:
    db_session.expire_all()
    return db_session.scalar(select(User).join(ExternalIdentity).where(
        ExternalIdentity.kind == IdentityKind.SAML, ExternalIdentity.subject == ido))


def _session_user(client: FlaskClient) -> int | None:
    with client.session_transaction() as web_session:
        return web_session.get("user_id")


def test_xmlsec_and_python3_saml_sign_and_verify_with_installed_lxml() -> None:
    """The pinned lxml/xmlsec pair must share libxml2: signing then verifying a document proves it."""
    import xmlsec
    from lxml import etree
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    from pix_lti.auth.saml.sp import generate_key_pair

    assert xmlsec.get_libxml_version() == etree.LIBXML_VERSION
    key, cert = generate_key_pair("check")
    xml = ('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a1" Version="2.0">'
           '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">x</saml:Issuer>'
           '<samlp:Extensions><v xmlns="urn:x">1</v></samlp:Extensions></samlp:Response>')
    signed = OneLogin_Saml2_Utils.add_sign(xml, key, cert)
    assert OneLogin_Saml2_Utils.validate_sign(signed, cert, raise_exceptions=True)
    tampered = signed.replace(b">1</v>", b">2</v>")
    assert not OneLogin_Saml2_Utils.validate_sign(tampered, cert)


def test_metadata_is_served_at_the_entity_id(client: FlaskClient) -> None:
    response = client.get("/saml/metadata")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'entityID="http://127.0.0.1:5000/saml/metadata"' in body
    assert 'Location="http://127.0.0.1:5000/saml/acs"' in body
    assert "X509Certificate" in body


def test_new_student_is_created_without_email_in_school_class_and_group(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, school: Organisation,
        fake_idp: FakeIdp) -> None:
    response = login(client, fake_idp, student_attributes())
    assert response.status_code == 303, response.get_data(as_text=True)
    user = _person(db_session, "ido-eleve-0001")
    assert user is not None and (user.first_name, user.last_name) == ("Léa", "Martin")
    assert user.username is None and user.password_hash is None
    assert _session_user(client) == user.id
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(school.id, MembershipRole.STUDENT)]
    groups = db_session.scalars(select(SchoolGroup).join(SchoolGroupMember)
                                .where(SchoolGroupMember.user_id == user.id).order_by(SchoolGroup.kind)).all()
    assert [(g.kind, g.code, g.label) for g in groups] == [("DIV", "3A", "Troisième A"),
                                                           ("GRO", "3A-ANG1", "Anglais groupe 1")]


def test_student_lands_on_the_relay_state_only_when_it_is_same_site(
        client: FlaskClient, gar: SamlIdentityProvider, school: Organisation, fake_idp: FakeIdp) -> None:
    response = login(client, fake_idp, student_attributes(), relay="/campagnes/CRCDEM356")
    assert response.location.endswith("/campagnes/CRCDEM356")
    client.post("/deconnexion")
    response = login(client, fake_idp, student_attributes(), relay="https://evil.example/phish")
    assert "evil.example" not in response.location
    client.post("/deconnexion")
    # The GAR carries the resource URL, absolute: our own origin is reduced to its path.
    response = login(client, fake_idp, student_attributes(), relay="http://127.0.0.1:5000/campagnes/CRCPRF478")
    assert response.location == "/campagnes/CRCPRF478"
    client.post("/deconnexion")
    response = login(client, fake_idp, student_attributes(), relay="http://127.0.0.1:5000.evil.example/x")
    assert "evil" not in response.location


def test_returning_student_is_the_same_person_names_refreshed_and_classes_synced(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, school: Organisation,
        fake_idp: FakeIdp) -> None:
    login(client, fake_idp, student_attributes())
    first = _person(db_session, "ido-eleve-0001")
    assert first is not None
    response = login(client, fake_idp, student_attributes(NOM=["Martin-Durand"], DIV=["4B##Quatrième B"], GRO=None))
    assert response.status_code == 303
    again = _person(db_session, "ido-eleve-0001")
    assert again is not None and again.id == first.id and again.last_name == "Martin-Durand"
    assert db_session.scalar(select(func.count(User.id))) == 1
    rows = db_session.execute(select(SchoolGroup.code, SchoolGroupMember.left_at).join(SchoolGroupMember)
                              .where(SchoolGroupMember.user_id == again.id)).all()
    current = sorted(code for code, left_at in rows if left_at is None)
    left = sorted(code for code, left_at in rows if left_at is not None)
    assert current == ["4B"] and left == ["3A", "3A-ANG1"]


@pytest.mark.parametrize(("profile", "role"), [("National_ens", MembershipRole.MEMBER),
                                               ("National_doc", MembershipRole.MEMBER),
                                               ("National_dir", MembershipRole.ADMIN)])
def test_staff_become_members_or_admins_and_land_on_orga_or_home(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, school: Organisation,
        fake_idp: FakeIdp, profile: str, role: MembershipRole) -> None:
    attributes = student_attributes(IDO=["ido-staff"], PRO=[profile], DIV=["3A", "4B"], GRO=None, P_MEL=["x@ac.fr"])
    response = login(client, fake_idp, attributes, relay="/campagnes/CRCDEM356")
    assert response.status_code == 303
    user = _person(db_session, "ido-staff")
    assert user is not None and [m.role for m in user.memberships] == [role]
    with client.application.test_request_context():
        from flask import url_for

        expected = url_for("orga.index") if "orga.index" in client.application.view_functions else "/"
    assert response.location == expected  # staff land on Orga, whatever the RelayState


def test_several_uai_give_one_membership_per_registered_school(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, school: Organisation,
        fake_idp: FakeIdp) -> None:
    from pix_lti.identity.models import OrganisationType
    from pix_lti.identity.services import ensure_organisation

    other = ensure_organisation(db_session, name="Lycée Victor-Hugo", type=OrganisationType.SCO, uai=OTHER_UAI)
    db_session.flush()
    attributes = student_attributes(IDO=["ido-prof-2"], PRO=["National_ens"], UAI=[SCHOOL_UAI, OTHER_UAI, "0000000Z"])
    assert login(client, fake_idp, attributes).status_code == 303
    user = _person(db_session, "ido-prof-2")
    assert user is not None
    assert sorted(m.organisation_id for m in user.memberships) == sorted([school.id, other.id])


def test_unknown_school_is_created_only_when_the_idp_allows_it(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, fake_idp: FakeIdp) -> None:
    response = login(client, fake_idp, student_attributes())
    assert response.status_code == 403
    assert "pas inscrit" in response.get_data(as_text=True)
    assert _person(db_session, "ido-eleve-0001") is None

    gar.auto_create_schools = True
    db_session.flush()
    assert login(client, fake_idp, student_attributes()).status_code == 303
    created = db_session.scalar(select(Organisation).where(Organisation.uai == SCHOOL_UAI))
    assert created is not None and created.type.value == "SCO"


def test_encrypted_assertion_is_decrypted_with_the_sp_key(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, school: Organisation,
        fake_idp: FakeIdp) -> None:
    from tests.auth.saml.helpers import start_login

    request_id = start_login(client, fake_idp)
    xml = fake_idp.response_xml(student_attributes(), in_response_to=request_id, sign_assertion=True,
                                encrypt=True)
    assert "EncryptedAssertion" in xml
    response = post_response(client, xml)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _person(db_session, "ido-eleve-0001") is not None


def test_idp_initiated_response_only_where_enabled(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, school: Organisation,
        fake_idp: FakeIdp) -> None:
    xml = fake_idp.response_xml(student_attributes())
    assert post_response(client, xml, relay="/campagnes/CRCDEM356").status_code == 403
    assert _person(db_session, "ido-eleve-0001") is None
    gar.allow_idp_initiated = True
    db_session.flush()
    response = post_response(client, fake_idp.response_xml(student_attributes()), relay="/campagnes/CRCDEM356")
    assert response.status_code == 303 and response.location.endswith("/campagnes/CRCDEM356")


def test_signed_response_without_signed_assertion_is_accepted(
        client: FlaskClient, db_session: Session, gar: SamlIdentityProvider, school: Organisation,
        fake_idp: FakeIdp) -> None:
    response = login(client, fake_idp, student_attributes(), sign_assertion=False, sign_response=True)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_repeated_attribute_values_are_merged(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider,
                                              school: Organisation, fake_idp: FakeIdp) -> None:
    """Some IdPs send one <Attribute Name="UAI"> per school instead of one multi-valued attribute."""
    import copy

    from pix_lti.identity.models import OrganisationType
    from pix_lti.identity.services import ensure_organisation
    from tests.auth.saml.helpers import start_login
    from tests.auth.saml.idp import NS, tostring, tree

    other = ensure_organisation(db_session, name="Lycée Victor-Hugo", type=OrganisationType.SCO, uai=OTHER_UAI)
    db_session.flush()
    request_id = start_login(client, fake_idp)
    document = tree(fake_idp.response_xml(student_attributes(IDO=["ido-prof-9"], PRO=["National_ens"]),
                                          in_response_to=request_id, sign_assertion=False))
    uai = next(a for a in document.iter("{%s}Attribute" % NS["saml"]) if a.get("Name") == "UAI")
    repeated = copy.deepcopy(uai)
    repeated[0].text = OTHER_UAI
    uai.addnext(repeated)
    response = post_response(client, fake_idp.sign_response(tostring(document)))
    assert response.status_code == 303, response.get_data(as_text=True)
    user = _person(db_session, "ido-prof-9")
    assert user is not None and sorted(m.organisation_id for m in user.memberships) == sorted([school.id, other.id])
