"""LTI Dynamic Registration (IMS, 1.0): the platform opens our registration URL with ``openid_configuration`` and
``registration_token``; we read the platform's configuration, post our tool configuration, and keep the result as a
*pending* registration that an administrator activates (choosing the organisation it serves)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session

from pix_lti.launch import registrations
from pix_lti.launch.claims import ALL_SCOPES
from pix_lti.launch.models import LtiRegistration, RegistrationStatus

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
TOOL_NAME = "pix_lti"


class DynamicRegistrationError(Exception):
    """Why the registration failed, for the administrator who started it in the LMS."""


def tool_values(public_url: str) -> dict[str, Any]:
    """What to paste into an LMS (also the body of a dynamic registration)."""
    base = public_url.rstrip("/")
    return {
        "domain": urlsplit(base).netloc,
        "login_url": f"{base}/lti/login",
        "redirect_uris": [f"{base}/lti/launch"],
        "target_link_uri": f"{base}/lti/launch",
        "deep_linking_url": f"{base}/lti/launch",
        "jwks_url": f"{base}/lti/jwks.json",
        "icon_url": f"{base}/lti/static/launch/icon.svg",
        "dynamic_registration_url": f"{base}/lti/inscription",
        "scopes": list(ALL_SCOPES),
        "custom_parameters": "",  # none needed: deep linking sets them per activity
        "claims": ["iss", "sub", "given_name", "family_name", "name"],
    }


def tool_registration_document(public_url: str) -> dict[str, Any]:
    values = tool_values(public_url)
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": values["login_url"],
        "redirect_uris": values["redirect_uris"],
        "client_name": TOOL_NAME,
        "jwks_uri": values["jwks_url"],
        "logo_uri": values["icon_url"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(values["scopes"]),
        TOOL_CONFIGURATION: {
            "domain": values["domain"],
            "description": "Évaluation des compétences numériques (CRCN) / digital skills assessment",
            "target_link_uri": values["target_link_uri"],
            "claims": values["claims"],
            "messages": [
                {"type": "LtiDeepLinkingRequest", "target_link_uri": values["deep_linking_url"],
                 "label": "pix_lti", "placements": ["ContentArea"]},
                {"type": "LtiResourceLinkRequest", "target_link_uri": values["target_link_uri"]},
            ],
        },
    }


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    if not response.ok:
        raise DynamicRegistrationError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    try:
        data = response.json()
    except ValueError:
        raise DynamicRegistrationError(f"{what}: the answer is not JSON") from None
    if not isinstance(data, dict):
        raise DynamicRegistrationError(f"{what}: the answer is not a JSON object")
    return data


def register_dynamically(session: Session, http: requests.Session, public_url: str, openid_configuration: str,
                         registration_token: str | None) -> LtiRegistration:
    try:
        registrations.check_url("openid_configuration", openid_configuration)
    except registrations.RegistrationError as exc:
        raise DynamicRegistrationError(str(exc)) from None
    bearer = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    try:
        config = _json(http.get(openid_configuration, headers={"Accept": "application/json", **bearer}),
                       "platform configuration")
        issuer = config.get("issuer")
        if not isinstance(issuer, str) or not issuer:
            raise DynamicRegistrationError("platform configuration: no issuer")
        # The configuration must come from the issuer's own host (spec: same domain), or anyone could pose as it.
        if urlsplit(issuer).netloc.lower() != urlsplit(openid_configuration).netloc.lower():
            raise DynamicRegistrationError(f"platform configuration: issuer {issuer!r} is not served from "
                                           f"{urlsplit(openid_configuration).netloc!r}")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
            if not isinstance(config.get(key), str):
                raise DynamicRegistrationError(f"platform configuration: no {key}")
        registrations.check_url("registration_endpoint", config["registration_endpoint"])
        answer = _json(http.post(config["registration_endpoint"], json=tool_registration_document(public_url),
                                 headers={"Accept": "application/json", **bearer}), "tool registration")
    except requests.RequestException as exc:
        raise DynamicRegistrationError(f"the platform could not be reached ({type(exc).__name__})") from None
    except registrations.RegistrationError as exc:
        raise DynamicRegistrationError(str(exc)) from None
    client_id = answer.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise DynamicRegistrationError("tool registration: the platform returned no client_id")
    tool_conf = answer.get(TOOL_CONFIGURATION) if isinstance(answer.get(TOOL_CONFIGURATION), dict) else {}
    deployment_id = tool_conf.get("deployment_id")
    platform_conf = config.get(PLATFORM_CONFIGURATION) if isinstance(config.get(PLATFORM_CONFIGURATION), dict) else {}
    info = {key: platform_conf[key] for key in ("product_family_code", "version") if isinstance(platform_conf.get(key), str)}
    existing = registrations.find_registration(session, issuer, client_id)
    try:
        return registrations.register(
            session, issuer=issuer, client_id=client_id, auth_login_url=config["authorization_endpoint"],
            auth_token_url=config["token_endpoint"], key_set_url=config["jwks_uri"],
            auth_audience=config.get("authorization_server") if isinstance(config.get("authorization_server"), str)
            else None,
            deployment_ids=[deployment_id] if isinstance(deployment_id, str) else [],
            # A re-registration of a known platform keeps its status; a new one waits for an administrator.
            status=existing.status if existing is not None else RegistrationStatus.PENDING,
            organisation=existing.organisation if existing is not None else None,
            name=str(platform_conf.get("product_family_code") or issuer), source="dynamic", platform_info=info)
    except registrations.RegistrationError as exc:
        raise DynamicRegistrationError(str(exc)) from None
