"""OIDC providers (ENTs offering OpenID Connect). The client secret is stored encrypted with a key derived from the
service's secret key (never in clear in the database)."""

from __future__ import annotations

import base64
import os
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pix_lti.db import Base, utcnow
from pix_lti.identity.models import IdentityKind

# Claim names for each value the provisioning uses; ENTs differ, so every provider may override them.
DEFAULT_CLAIM_MAP: dict[str, str] = {
    "subject": "sub",
    "uai": "uai",
    "profile": "profile",
    "given_name": "given_name",
    "family_name": "family_name",
    "classes": "classes",
    "groups": "groups",
}


def _aead(secret_key: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pix_lti/oidc-client-secrets", info=b"v1").derive(
        secret_key.encode())
    return AESGCM(key)


def encrypt_secret(value: str, secret_key: str) -> str:
    nonce = os.urandom(12)
    return base64.urlsafe_b64encode(nonce + _aead(secret_key).encrypt(nonce, value.encode(), None)).decode()


def decrypt_secret(token: str, secret_key: str) -> str:
    raw = base64.urlsafe_b64decode(token.encode())
    return _aead(secret_key).decrypt(raw[:12], raw[12:], None).decode()


class OidcProvider(Base):
    __tablename__ = "oidc_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    issuer_url: Mapped[str] = mapped_column(String(512), unique=True)  # must equal the discovery document's issuer
    discovery_url: Mapped[str] = mapped_column(String(1024))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    scopes: Mapped[str] = mapped_column(String(512), default="openid profile")
    claim_map: Mapped[dict[str, str]] = mapped_column(JSON, default=lambda: dict(DEFAULT_CLAIM_MAP))
    auto_create_schools: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    identity_kind = IdentityKind.OIDC  # for provisioning (``SsoSource``)

    @property
    def issuer(self) -> str:
        return self.issuer_url

    def attribute(self, key: str) -> str:
        return (self.claim_map or {}).get(key) or DEFAULT_CLAIM_MAP[key]

    def __repr__(self) -> str:
        return f"<OidcProvider {self.id} {self.issuer_url}>"
