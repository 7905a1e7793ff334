"""A GAR-like identity provider for the tests, built with pysaml2 (xmlsec1) so that the responses the service provider
checks are real signed (and optionally encrypted) SAML 2.0 responses, not hand-written XML."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256 as SHA256
from saml2.xmldsig import SIG_RSA_SHA256 as RSA_SHA256

from pix_lti.auth.saml import sp

PUBLIC_URL = "http://127.0.0.1:5000"
ACS_URL = PUBLIC_URL + sp.ACS_PATH
SP_ENTITY_ID = sp.sp_entity_id(PUBLIC_URL)
NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol", "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
      "ds": "http://www.w3.org/2000/09/xmldsig#"}


class FakeIdp:
    def __init__(self, folder: Path, sp_metadata: str, entity_id: str = "https://idp-auth.gar.test/idp",
                 key_pair: tuple[str, str] | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        key_pem, cert_pem = key_pair or sp.generate_key_pair("gar-test-idp")
        (folder / "idp.key").write_text(key_pem)
        (folder / "idp.crt").write_text(cert_pem)
        (folder / "sp.xml").write_text(sp_metadata)
        self.entity_id = entity_id
        self.sso_url = entity_id.rsplit("/", 1)[0] + "/sso"
        self.cert_pem = cert_pem
        self.key_pem = key_pem
        self.config = IdPConfig().load({
            "entityid": entity_id,
            "key_file": str(folder / "idp.key"),
            "cert_file": str(folder / "idp.crt"),
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"local": [str(folder / "sp.xml")]},
            "allow_unknown_attributes": True,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
            }},
        })
        self.server = Server(config=self.config)

    def metadata_xml(self) -> str:
        return create_metadata_string(None, config=self.config, sign=False).decode()

    def request_id(self, location: str) -> str:
        """The AuthnRequest id of an SP redirect to our SSO URL (what the IdP answers InResponseTo)."""
        query = parse_qs(urlsplit(location).query)
        parsed = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        return parsed.message.id

    def response_xml(self, attributes: dict[str, list[str]], *, in_response_to: str | None = None,
                     destination: str = ACS_URL, audience: str = SP_ENTITY_ID, sign_assertion: bool = True,
                     sign_response: bool = False, encrypt: bool = False) -> str:
        # pysaml2 re-serialises the assertion with other namespace prefixes when it encrypts it, which breaks its own
        # signature (exclusive c14n keeps prefixes): sign with pysaml2, then encrypt like Shibboleth does (below).
        if encrypt and sign_response:
            raise ValueError("the test IdP encrypts signed assertions only (it would have to re-sign the response)")
        kwargs: dict[str, Any] = {}
        response = self.server.create_authn_response(
            identity=attributes, in_response_to=in_response_to, destination=destination, sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="transient-" + attributes.get("IDO", ["x"])[0]),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_assertion=sign_assertion, sign_response=sign_response, sign_alg=RSA_SHA256, digest_alg=SHA256,
            **kwargs)
        return encrypt_assertion(str(response), self._sp_cert()) if encrypt else str(response)

    def sign_response(self, xml: str) -> str:
        """Sign a (modified, unsigned) response as a whole with this IdP's key, RSA-SHA256 (python3-saml's signer)."""
        from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
        from onelogin.saml2.utils import OneLogin_Saml2_Utils

        signed = OneLogin_Saml2_Utils.add_sign(xml, self.key_pem, self.cert_pem, sign_algorithm=C.RSA_SHA256,
                                               digest_algorithm=C.SHA256)
        return signed.decode() if isinstance(signed, bytes) else signed

    def _sp_cert(self) -> str:
        return self.server.metadata.certs(SP_ENTITY_ID, "spsso", "encryption")[0][1]


def encrypt_assertion(xml: str, cert_b64: str) -> str:
    """Replace the (signed) assertion by an EncryptedAssertion for ``cert_b64``: AES-256-CBC content, RSA-OAEP key."""
    import xmlsec

    document = tree(xml)
    assertion = assertion_of(document)
    cert_pem = "-----BEGIN CERTIFICATE-----\n" + cert_b64 + "\n-----END CERTIFICATE-----\n"
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(cert_pem.encode(), xmlsec.constants.KeyDataFormatCertPem, None))
    template = xmlsec.template.encrypted_data_create(document, xmlsec.constants.TransformAes256Cbc,
                                                     type=xmlsec.constants.TypeEncElement, ns="xenc")
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, 256, xmlsec.constants.KeyDataTypeSession)
    wrapper = etree.Element("{%s}EncryptedAssertion" % NS["saml"])
    document.replace(assertion, wrapper)
    wrapper.append(assertion)
    context.encrypt_xml(template, assertion)  # replaces the assertion in place
    return tostring(document)


def encode(xml: str | bytes) -> str:
    return base64.b64encode(xml.encode() if isinstance(xml, str) else xml).decode()


def tree(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def tostring(element: etree._Element) -> str:
    return etree.tostring(element).decode()


def assertion_of(document: etree._Element) -> etree._Element:
    return document.find("saml:Assertion", NS)


def forged_copy(assertion: etree._Element, new_ido: str) -> etree._Element:
    """An unsigned copy of ``assertion`` naming another person (what a wrapping attacker injects)."""
    evil = copy.deepcopy(assertion)
    for signature in evil.findall("ds:Signature", NS):
        evil.remove(signature)
    evil.set("ID", "_evil" + assertion.get("ID", "")[1:])
    for attribute in evil.iter("{%s}Attribute" % NS["saml"]):
        if attribute.get("Name") == "IDO":
            attribute[0].text = new_ido
    return evil
