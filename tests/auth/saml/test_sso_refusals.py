"""The negative suite: every forged, altered, misdirected, stale or replayed response is answered 4xx and nobody is
created. The responses are real ones from the pysaml2 IdP, altered the way an attacker could."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.auth.saml.models import SamlIdentityProvider
from pix_lti.identity.models import ExternalIdentity, Organisation, User
from tests.auth.saml.conftest import student_attributes
from tests.auth.saml.helpers import post_response, start_login
from tests.auth.saml.idp import NS, FakeIdp, assertion_of, forged_copy, tostring, tree


def _people(db_session: Session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(ExternalIdentity.id))) or 0


def _refused(response, code: str | None = None) -> None:  # noqa: ANN001
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
    if code:
        assert f"<code>{code}</code>" in response.get_data(as_text=True)


@pytest.fixture
def signed(client: FlaskClient, gar: SamlIdentityProvider, school: Organisation,
           fake_idp: FakeIdp) -> Callable[..., str]:
    """A genuine signed response answering a fresh SP request (options passed to the IdP)."""

    def make(**options: object) -> str:
        request_id = start_login(client, fake_idp)
        return fake_idp.response_xml(options.pop("attributes", student_attributes()),  # type: ignore[arg-type]
                                     in_response_to=request_id, **options)

    return make


def test_unsigned_response(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    _refused(post_response(client, signed(sign_assertion=False, sign_response=False)), "invalid_response")
    assert _people(db_session) == 0


def test_signed_with_another_key(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider,
                                 school: Organisation, fake_idp: FakeIdp, rogue_idp: FakeIdp) -> None:
    request_id = start_login(client, fake_idp)
    xml = rogue_idp.response_xml(student_attributes(), in_response_to=request_id)
    _refused(post_response(client, xml), "invalid_response")
    assert _people(db_session) == 0


def test_attribute_changed_after_signing(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    xml = signed().replace("ido-eleve-0001", "ido-someone-else")
    _refused(post_response(client, xml), "invalid_response")
    assert _people(db_session) == 0


def test_wrapping_signed_assertion_moved_into_extensions(client: FlaskClient, db_session: Session,
                                                         signed: Callable[..., str]) -> None:
    """XSW: the signed assertion hidden in samlp:Extensions, a forged one where the SP reads."""
    document = tree(signed())
    original = assertion_of(document)
    evil = forged_copy(original, "ido-attacker")
    evil.set("ID", original.get("ID"))  # same ID: a naive "find the referenced element" would validate it
    extensions = etree.Element("{%s}Extensions" % NS["samlp"])
    document.insert(list(document).index(original), extensions)
    document.remove(original)
    extensions.append(original)
    document.append(evil)
    _refused(post_response(client, tostring(document)))
    assert _people(db_session) == 0


def test_wrapping_duplicated_assertion(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    """XSW: a forged unsigned assertion added before the genuine signed one."""
    document = tree(signed())
    original = assertion_of(document)
    document.insert(list(document).index(original), forged_copy(original, "ido-attacker"))
    _refused(post_response(client, tostring(document)))
    assert _people(db_session) == 0


def test_wrapping_signed_assertion_inside_the_forged_one(client: FlaskClient, db_session: Session,
                                                         signed: Callable[..., str]) -> None:
    """XSW: the forged assertion carries the genuine signed assertion beside its own content."""
    document = tree(signed())
    original = assertion_of(document)
    evil = forged_copy(original, "ido-attacker")
    document.replace(original, evil)
    evil.append(original)
    _refused(post_response(client, tostring(document)))
    assert _people(db_session) == 0


def test_wrapping_signature_moved_onto_forged_assertion(client: FlaskClient, db_session: Session,
                                                        signed: Callable[..., str]) -> None:
    """XSW: the genuine Signature moved into the forged assertion, the genuine one kept beside it unsigned."""
    document = tree(signed())
    original = assertion_of(document)
    evil = forged_copy(original, "ido-attacker")
    signature = original.find("ds:Signature", NS)
    original.remove(signature)
    evil.insert(1, signature)
    document.append(evil)
    _refused(post_response(client, tostring(document)))
    assert _people(db_session) == 0


@pytest.mark.parametrize("shift", [+3600, -3600], ids=["expired_not_on_or_after", "future_not_before"])
def test_outside_the_validity_window(client: FlaskClient, db_session: Session, signed: Callable[..., str],
                                     monkeypatch: pytest.MonkeyPatch, shift: int) -> None:
    """Beyond the 5-minute lifetime (and the 3-minute clock drift tolerated): the SP's clock is moved, the response
    stays genuine."""
    xml = signed()
    now = OneLogin_Saml2_Utils.now()
    monkeypatch.setattr(OneLogin_Saml2_Utils, "now", staticmethod(lambda: now + shift))
    _refused(post_response(client, xml), "invalid_response")
    assert _people(db_session) == 0


def test_wrong_audience(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    _refused(post_response(client, signed(audience="https://another-resource.example/saml/metadata")),
             "invalid_response")
    assert _people(db_session) == 0


def test_wrong_destination(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    _refused(post_response(client, signed(destination="https://another-resource.example/saml/acs")),
             "invalid_response")
    assert _people(db_session) == 0


def test_replayed_assertion(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider,
                            school: Organisation, fake_idp: FakeIdp) -> None:
    gar.allow_idp_initiated = True  # without InResponseTo, only the assertion id stops a replay
    db_session.flush()
    xml = fake_idp.response_xml(student_attributes())
    assert post_response(client, xml).status_code == 303
    db_session.expire_all()
    before = db_session.scalar(select(User.last_login_at))
    _refused(post_response(client, xml), "replayed")
    db_session.expire_all()
    assert db_session.scalar(select(User.last_login_at)) == before


def test_replayed_sp_initiated_response(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    xml = signed()
    assert post_response(client, xml).status_code == 303
    _refused(post_response(client, xml))  # the request id was consumed with the first response
    assert _people(db_session) == 1


def test_unknown_in_response_to(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider,
                                school: Organisation, fake_idp: FakeIdp) -> None:
    xml = fake_idp.response_xml(student_attributes(), in_response_to="ONELOGIN_never_sent_by_us")
    _refused(post_response(client, xml), "invalid_response")
    assert _people(db_session) == 0


def test_missing_ido(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    _refused(post_response(client, signed(attributes=student_attributes(IDO=None))), "missing_subject")
    assert _people(db_session) == 0


def test_unknown_uai_with_auto_create_off(client: FlaskClient, db_session: Session,
                                          signed: Callable[..., str]) -> None:
    response = post_response(client, signed(attributes=student_attributes(UAI=["0750003W"])))
    _refused(response, "unknown_school")
    assert response.status_code == 403
    assert _people(db_session) == 0


def test_unknown_issuer(client: FlaskClient, db_session: Session, school: Organisation, fake_idp: FakeIdp) -> None:
    _refused(post_response(client, fake_idp.response_xml(student_attributes())), "unknown_idp")
    assert _people(db_session) == 0


def test_garbage(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider) -> None:
    _refused(client.post("/saml/acs", data={"SAMLResponse": "not base64 <xml"}))
    _refused(client.post("/saml/acs", data={}))
    assert _people(db_session) == 0


def test_refusal_page_in_english(client: FlaskClient, db_session: Session, signed: Callable[..., str]) -> None:
    client.get("/langue/en")
    response = post_response(client, signed(attributes=student_attributes(UAI=["0750003W"])))
    assert response.status_code == 403
    assert "This school is not registered on pix_lti." in response.get_data(as_text=True)
