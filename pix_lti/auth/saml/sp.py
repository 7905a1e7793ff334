"""The service provider's identity: entityID (= the metadata URL, as the GAR requires), its key pair (generated once
into the instance folder), the python3-saml settings for one IdP, and IdP metadata parsing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from pix_lti.auth.saml.models import SamlIdentityProvider

METADATA_PATH = "/saml/metadata"
ACS_PATH = "/saml/acs"
REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


@dataclass(frozen=True)
class SpKeys:
    key_pem: str
    cert_pem: str


def _strip_pem(pem: str) -> str:
    return "".join(line for line in pem.strip().splitlines() if "-----" not in line)


def load_or_create_keys(instance_dir: str | os.PathLike[str], common_name: str) -> SpKeys:
    """The SP key and self-signed certificate in ``<instance>/saml/`` (created on first use, key readable by the
    owner only). SAML peers pin the certificate from the metadata, so a self-signed one is the norm."""
    folder = Path(instance_dir) / "saml"
    key_path, cert_path = folder / "sp.key", folder / "sp.crt"
    if not key_path.exists() or not cert_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key_pem, cert_pem = generate_key_pair(common_name)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key_pem)
        cert_path.write_text(cert_pem)
    return SpKeys(key_path.read_text(), cert_path.read_text())


def generate_key_pair(common_name: str, years: int = 10) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "pix_lti")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365 * years)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def sp_entity_id(public_url: str) -> str:
    return public_url.rstrip("/") + METADATA_PATH


def saml_settings(public_url: str, keys: SpKeys, idp: SamlIdentityProvider | None, *,
                  for_metadata: bool = False) -> OneLogin_Saml2_Settings:
    """python3-saml settings in strict mode: signature (response or assertion) required, audience, destination,
    recipient, validity window and InResponseTo checked by the library; replay and IdP-initiated policy by our ACS."""
    base = public_url.rstrip("/")
    data: dict[str, Any] = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": sp_entity_id(base),
            "assertionConsumerService": {"url": base + ACS_PATH, "binding": POST_BINDING},
            "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
            "x509cert": _strip_pem(keys.cert_pem),
            "privateKey": keys.key_pem,
        },
        "security": {
            "authnRequestsSigned": True,
            "wantAssertionsSigned": False,  # a signed Response covering the assertion is enough…
            "wantMessagesSigned": False,    # …and so is a signed assertion; python3-saml refuses when neither is
            "wantNameId": False,            # the GAR identifies people by the IDO attribute, not the NameID
            "wantAttributeStatement": True,
            "rejectUnsolicitedResponsesWithInResponseTo": True,
            "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
            "rejectDeprecatedAlgorithm": True,
            "allowRepeatAttributeName": True,  # an attribute repeated (UAI once per school) has its values merged
            # Only so that python3-saml publishes our key for encryption too (IdPs may then encrypt assertions,
            # which we decrypt); never set while checking responses, where it would require encrypted NameIDs.
            "wantNameIdEncrypted": for_metadata,
        },
    }
    if idp is not None:
        data["idp"] = {
            "entityId": idp.entity_id,
            "singleSignOnService": {"url": idp.sso_url, "binding": REDIRECT_BINDING},
            "x509certMulti": {"signing": list(idp.signing_certs), "encryption": []},
        }
    return OneLogin_Saml2_Settings(data, sp_validation_only=idp is None)


def sp_metadata(public_url: str, keys: SpKeys) -> str:
    settings = saml_settings(public_url, keys, None, for_metadata=True)
    metadata = settings.get_sp_metadata()
    errors = settings.validate_metadata(metadata)
    if errors:  # our own settings produced it: a bug, not a user error
        raise RuntimeError(f"invalid SP metadata: {errors}")
    return metadata.decode() if isinstance(metadata, bytes) else metadata


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    sso_url: str
    signing_certs: list[str]


def parse_idp_metadata(xml: str, entity_id: str | None = None) -> IdpMetadata:
    """The IdP's entityID, HTTP-Redirect SSO URL and every signing certificate (rotation: more than one)."""
    parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, required_sso_binding=REDIRECT_BINDING, entity_id=entity_id)
    idp = parsed.get("idp") or {}
    certs: list[str] = []
    multi = idp.get("x509certMulti") or {}
    for cert in [idp.get("x509cert"), *multi.get("signing", [])]:
        if cert and cert not in certs:
            certs.append(cert)
    sso = (idp.get("singleSignOnService") or {}).get("url")
    if not idp.get("entityId") or not sso:
        raise ValueError("the metadata has no IdP entityID or no HTTP-Redirect SingleSignOnService")
    if not certs:
        raise ValueError("the metadata has no signing certificate")
    return IdpMetadata(idp["entityId"], sso, certs)
