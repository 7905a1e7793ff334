"""Platform registrations: create (CLI, admin page, Dynamic Registration), look up, activate, disable.
Services receive a session and flush; the caller commits."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from jwcrypto.jwk import JWK
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.identity.models import Organisation
from pix_lti.launch.models import GradeScale, LtiDeployment, LtiRegistration, RegistrationStatus

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class RegistrationError(ValueError):
    """A registration that cannot be saved; the message says which value is wrong."""


def check_url(name: str, value: str | None, *, required: bool = True) -> str | None:
    """HTTPS URLs only (plain HTTP is accepted on loopback, for local trials and tests)."""
    value = (value or "").strip()
    if not value:
        if required:
            raise RegistrationError(f"{name}: required")
        return None
    parts = urlsplit(value)
    if not parts.netloc or parts.scheme not in ("https", "http"):
        raise RegistrationError(f"{name}: {value!r} is not an absolute URL")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise RegistrationError(f"{name}: {value!r} must use https://")
    return value


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def parse_static_key(text: str) -> dict[str, Any]:
    """A platform key given by hand: a JWKS, one JWK, or a PEM public key → a JWKS whose keys all have a kid."""
    text = text.strip()
    try:
        if text.startswith("{"):
            data = json.loads(text)
            keys = data["keys"] if isinstance(data, dict) and "keys" in data else [data]
            jwks = [json.loads(JWK(**key).export_public()) | {"kid": key.get("kid") or JWK(**key).thumbprint(),
                                                              "alg": key.get("alg", "RS256")} for key in keys]
        else:
            jwk = JWK.from_pem(text.encode())
            jwks = [json.loads(jwk.export_public()) | {"kid": jwk.thumbprint(), "alg": "RS256"}]
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistrationError(f"platform key: not a JWKS, JWK or PEM public key ({exc})") from None
    if any(key.get("kty") != "RSA" for key in jwks):
        raise RegistrationError("platform key: only RSA keys (RS256) are accepted")
    return {"keys": jwks}


def find_registration(session: Session, issuer: str, client_id: str) -> LtiRegistration | None:
    return session.scalar(select(LtiRegistration).where(LtiRegistration.issuer == issuer,
                                                        LtiRegistration.client_id == client_id))


def find_for_login(session: Session, issuer: str, client_id: str | None) -> LtiRegistration | None:
    """The registration a login initiation is for. Platforms should send ``client_id``; without it, the issuer must
    have a single registration (otherwise the launch is ambiguous and refused)."""
    if client_id:
        return find_registration(session, issuer, client_id)
    candidates = session.scalars(select(LtiRegistration).where(LtiRegistration.issuer == issuer)).all()
    return candidates[0] if len(candidates) == 1 else None


def add_deployments(session: Session, registration: LtiRegistration, deployment_ids: Iterable[str]) -> list[str]:
    """Add deployment ids not yet known (one registration, many deployments); returns the ones added."""
    known = set(registration.deployment_ids)
    added = []
    for deployment_id in deployment_ids:
        deployment_id = deployment_id.strip()
        if not deployment_id or deployment_id in known:
            continue
        if len(deployment_id) > 255:
            raise RegistrationError("deployment_id: longer than 255 characters")
        registration.deployments.append(LtiDeployment(deployment_id=deployment_id))
        known.add(deployment_id)
        added.append(deployment_id)
    session.flush()
    return added


def register(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str = "",
    key_set_url: str | None = None,
    key_set: dict[str, Any] | None = None,
    deployment_ids: Iterable[str] = (),
    organisation: Organisation | None = None,
    status: RegistrationStatus = RegistrationStatus.ACTIVE,
    name: str = "",
    auth_audience: str | None = None,
    grade_scale: GradeScale = GradeScale.MASTERY,
    source: str = "manual",
    platform_info: dict[str, Any] | None = None,
) -> LtiRegistration:
    """Create the registration, or update the one with the same issuer and client_id (adding deployments)."""
    issuer = issuer.strip()
    client_id = client_id.strip()
    if not issuer or len(issuer) > 512:
        raise RegistrationError("issuer: required (at most 512 characters)")
    if not client_id or len(client_id) > 255:
        raise RegistrationError("client_id: required (at most 255 characters)")
    auth_login_url = check_url("auth_login_url", auth_login_url) or ""
    auth_token_url = check_url("auth_token_url", auth_token_url, required=False) or ""
    key_set_url = check_url("key_set_url", key_set_url, required=False)
    if not key_set_url and not key_set:
        raise RegistrationError("the platform's key: give its JWKS URL or a static key")
    if status is RegistrationStatus.ACTIVE and organisation is None:
        raise RegistrationError("organisation: an active registration must serve an organisation")
    registration = find_registration(session, issuer, client_id)
    if registration is None:
        registration = LtiRegistration(issuer=issuer, client_id=client_id, source=source)
        session.add(registration)
    registration.name = name.strip()[:255] or registration.name or issuer
    registration.auth_login_url = auth_login_url
    registration.auth_token_url = auth_token_url
    registration.auth_audience = (auth_audience or "").strip() or None
    registration.key_set_url = key_set_url
    registration.key_set = key_set
    registration.grade_scale = grade_scale
    if platform_info is not None:
        registration.platform_info = platform_info
    if organisation is not None:
        registration.organisation = organisation
    _set_status(registration, status)
    session.flush()
    add_deployments(session, registration, deployment_ids)
    return registration


def _set_status(registration: LtiRegistration, status: RegistrationStatus) -> None:
    if registration.status == status:
        return
    registration.status = status
    now = utcnow()
    if status is RegistrationStatus.ACTIVE:
        registration.activated_at = now
        registration.disabled_at = None
    elif status is RegistrationStatus.DISABLED:
        registration.disabled_at = now


def activate(session: Session, registration: LtiRegistration, organisation: Organisation | None = None) -> None:
    if organisation is not None:
        registration.organisation = organisation
    if registration.organisation is None and registration.organisation_id is None:
        raise RegistrationError("organisation: choose the organisation this platform serves before activating it")
    if not registration.deployments:
        raise RegistrationError("deployment_id: add at least one deployment before activating")
    _set_status(registration, RegistrationStatus.ACTIVE)
    session.flush()


def disable(session: Session, registration: LtiRegistration) -> None:
    _set_status(registration, RegistrationStatus.DISABLED)
    session.flush()


def registered_origins(session: Session) -> list[str]:
    """Origins of the active platforms (issuer and authorisation endpoint): they may show the tool in an iframe."""
    rows = session.execute(select(LtiRegistration.issuer, LtiRegistration.auth_login_url)
                           .where(LtiRegistration.status == RegistrationStatus.ACTIVE)).all()
    origins = {origin for row in rows for url in row for origin in [origin_of(url or "")] if origin}
    return sorted(origins)
