"""The tool's RSA signing keys: generated on first use, kept encrypted in the database (shared by every worker and
host, never in the code), published as a JWKS with ``kid``, rotated with an overlap window.

The encryption key is derived (HKDF) from the service's secret key: changing the secret key makes stored keys
unreadable; the tool then generates a fresh one, which platforms configured with our JWKS URL pick up by themselves.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwcrypto.jwk import JWK
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.launch.models import ToolKey

log = logging.getLogger(__name__)

KEY_SIZE = 2048
DEFAULT_OVERLAP = timedelta(days=7)  # platforms cache JWKS for hours; a week covers any sane cache


def _aead(secret_key: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pix_lti/lti-tool-keys", info=b"v1").derive(
        secret_key.encode())
    return AESGCM(key)


def _encrypt(pem: bytes, secret_key: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _aead(secret_key).encrypt(nonce, pem, b"lti-tool-key")).decode()


def _decrypt(token: str, secret_key: str) -> bytes:
    raw = base64.b64decode(token)
    return _aead(secret_key).decrypt(raw[:12], raw[12:], b"lti-tool-key")


@dataclass(frozen=True)
class SigningKey:
    """What signing needs: the kid and both PEMs (pylti1p3 derives the kid from the public PEM, like we do)."""

    kid: str
    private_pem: str
    public_pem: str


def generate_key(session: Session, secret_key: str) -> ToolKey:
    jwk = JWK.generate(kty="RSA", size=KEY_SIZE)
    public = json.loads(jwk.export_public())
    kid = jwk.thumbprint()  # RFC 7638: the same kid pylti1p3 computes from the public key
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    key = ToolKey(kid=kid, public_jwk=public,
                  private_key_encrypted=_encrypt(jwk.export_to_pem(private_key=True, password=None), secret_key))
    session.add(key)
    session.flush()
    log.info("generated LTI tool key %s", kid)
    return key


def _readable(key: ToolKey, secret_key: str) -> bool:
    try:
        _decrypt(key.private_key_encrypted, secret_key)
        return True
    except (InvalidTag, ValueError):
        return False


def current_key(session: Session, secret_key: str) -> ToolKey:
    """The key that signs now; created when there is none (or none readable with the current secret key)."""
    candidates = session.scalars(select(ToolKey).where(ToolKey.unpublish_at.is_(None))
                                 .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())).all()
    for key in candidates:
        if _readable(key, secret_key):
            return key
        log.warning("LTI tool key %s cannot be decrypted with the current secret key; it is retired", key.kid)
        key.unpublish_at = utcnow()
    return generate_key(session, secret_key)


def signing_key(session: Session, secret_key: str) -> SigningKey:
    key = current_key(session, secret_key)
    private_pem = _decrypt(key.private_key_encrypted, secret_key)
    return SigningKey(kid=key.kid, private_pem=private_pem.decode(),
                      public_pem=JWK.from_pem(private_pem).export_to_pem().decode())


def published_keys(session: Session, now: datetime | None = None) -> list[ToolKey]:
    now = now or utcnow()
    return list(session.scalars(select(ToolKey).where(or_(ToolKey.unpublish_at.is_(None), ToolKey.unpublish_at > now))
                                .order_by(ToolKey.created_at.desc(), ToolKey.id.desc())))


def jwks(session: Session, secret_key: str, now: datetime | None = None) -> dict[str, Any]:
    """The public JWKS: the current key (created if needed) and the previous ones still in their overlap window."""
    current_key(session, secret_key)
    return {"keys": [dict(key.public_jwk) for key in published_keys(session, now)]}


def rotate(session: Session, secret_key: str, overlap: timedelta = DEFAULT_OVERLAP) -> tuple[ToolKey, list[ToolKey]]:
    """A new current key; the keys that were current stay published for ``overlap`` (tokens they signed and
    platforms' JWKS caches stay valid). Returns (new key, keys now scheduled for unpublishing)."""
    now = utcnow()
    previous = list(session.scalars(select(ToolKey).where(ToolKey.unpublish_at.is_(None))))
    for key in previous:
        key.unpublish_at = now + overlap
    new = generate_key(session, secret_key)
    return new, previous
