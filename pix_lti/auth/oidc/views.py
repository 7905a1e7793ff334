"""OIDC login: ``/oidc/<provider>/login`` sends the browser to the provider (authorization code + PKCE S256, state and
nonce kept in this browser's server-side session, single use); ``/oidc/callback`` exchanges the code, verifies the ID
token (signature from the provider's JWKS, issuer, audience, nonce, dates) and provisions the person like SAML does."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pix_lti.auth.access import log_in
from pix_lti.auth.forced_change import allowed_before_password_change
from pix_lti.auth.oidc.models import OidcProvider, decrypt_secret
from pix_lti.auth.saml.errors import ADVICE_IT, SsoError
from pix_lti.auth.saml.provisioning import provision_from_attributes
from pix_lti.auth.saml.views import landing, refuse, relay_path
from pix_lti.db import get_db
from pix_lti.identity.services import touch_login

log = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__, url_prefix="/oidc")

SESSION_KEY = "oidc_pending"  # {state: {"provider": id, "nonce": …, "verifier": …, "relay": path}}
MAX_PENDING = 5  # logins started in other tabs; older ones are dropped
DISCOVERY_TTL = 3600
HTTP_TIMEOUT = 10


def _store() -> Any:
    return current_app.extensions["pix_lti.kv"]


def redirect_uri() -> str:
    return current_app.config["PIX_SETTINGS"].public_url.rstrip("/") + "/oidc/callback"


def _provider(provider_id: int) -> OidcProvider:
    provider = get_db().scalar(select(OidcProvider).where(OidcProvider.id == provider_id,
                                                         OidcProvider.enabled.is_(True)))
    if provider is None:
        raise SsoError("unknown_provider", _l("Ce fournisseur d'identité n'est pas déclaré sur pix_lti."), ADVICE_IT,
                       f"oidc provider {provider_id}", status=404)
    return provider


def discovery(provider: OidcProvider) -> dict[str, Any]:
    """The provider's discovery document, cached in the shared store; its issuer must be the declared one."""
    key = f"oidc:discovery:{provider.id}"
    document = _store().get_json(key)
    if document is None:
        try:
            response = requests.get(provider.discovery_url, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SsoError("discovery", _l("Le fournisseur d'identité ne répond pas."), ADVICE_IT,
                           f"discovery {provider.discovery_url}: {exc}", status=502) from exc
        if document.get("issuer") != provider.issuer_url:
            raise SsoError("discovery", _l("Le fournisseur d'identité est mal déclaré."), ADVICE_IT,
                           f"discovery issuer {document.get('issuer')!r} != {provider.issuer_url!r}", status=502)
        _store().set_json(key, document, DISCOVERY_TTL)
    return document


def _client(provider: OidcProvider) -> OAuth2Session:
    secret = decrypt_secret(provider.client_secret_encrypted, current_app.config["SECRET_KEY"]) \
        if provider.client_secret_encrypted else None
    return OAuth2Session(provider.client_id, secret, scope=provider.scopes, redirect_uri=redirect_uri(),
                         code_challenge_method="S256", default_timeout=HTTP_TIMEOUT,
                         token_endpoint_auth_method="client_secret_basic" if secret else "none")


@bp.get("/<int:provider_id>/login")
@allowed_before_password_change
def login(provider_id: int) -> ResponseReturnValue:
    try:
        return start_login(_provider(provider_id), relay_path(request.args.get("RelayState") or
                                                              request.args.get("next")))
    except SsoError as error:
        return refuse(error)


def start_login(provider: OidcProvider, relay: str, test_for: int | None = None) -> ResponseReturnValue:
    """Redirect to the provider; ``test_for``: an administrator's test login (attributes shown, nobody created)."""
    metadata = discovery(provider)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    url, _ = _client(provider).create_authorization_url(metadata["authorization_endpoint"], state=state, nonce=nonce,
                                                        code_verifier=verifier)
    pending = dict(list((session.get(SESSION_KEY) or {}).items())[-(MAX_PENDING - 1):])
    pending[state] = {"provider": provider.id, "nonce": nonce, "verifier": verifier, "relay": relay,
                      "test_for": test_for}
    session[SESSION_KEY] = pending
    return redirect(url)


def _invalid(detail: str) -> SsoError:
    return SsoError("invalid_response", _l("La réponse du fournisseur d'identité n'a pas pu être vérifiée."),
                    ADVICE_IT, detail)


def verify_callback() -> tuple[OidcProvider, dict[str, Any], str, int | None]:
    pending_all = dict(session.get(SESSION_KEY) or {})
    pending = pending_all.pop(request.args.get("state", ""), None)
    session[SESSION_KEY] = pending_all  # single use, even when the rest fails
    if pending is None:
        raise _invalid("unknown or already used state (login not started in this browser?)")
    if request.args.get("error"):
        raise _invalid(f"provider error: {request.args.get('error')} {request.args.get('error_description', '')}")
    provider = _provider(int(pending["provider"]))
    metadata = discovery(provider)
    client = _client(provider)
    try:
        token = client.fetch_token(metadata["token_endpoint"], code=request.args.get("code", ""),
                                   code_verifier=pending["verifier"], grant_type="authorization_code")
        keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=HTTP_TIMEOUT).json())
        id_token = jwt.decode(token.get("id_token", ""), keys, algorithms=["RS256", "PS256", "ES256"])
        jwt.JWTClaimsRegistry(
            leeway=120,  # clock drift between the ENT and us
            iss={"essential": True, "value": provider.issuer_url},
            aud={"essential": True, "value": provider.client_id},
            nonce={"essential": True, "value": pending["nonce"]},
            sub={"essential": True},
            exp={"essential": True},
        ).validate(id_token.claims)
        claims = id_token.claims
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as exc:
        raise _invalid(f"{exc.__class__.__name__}: {exc}") from exc
    values: dict[str, Any] = dict(claims)
    userinfo_url = metadata.get("userinfo_endpoint")
    if userinfo_url:  # many ENTs put the school and class claims only in UserInfo
        try:
            info = client.get(userinfo_url).json()
        except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
            raise _invalid(f"userinfo: {exc}") from exc
        if info.get("sub") != claims["sub"]:
            raise _invalid("userinfo sub differs from the ID token's")
        values = {**info, **values}  # the signed ID token wins
    return provider, values, pending.get("relay") or "", pending.get("test_for")


@bp.get("/callback")
@allowed_before_password_change
def callback() -> ResponseReturnValue:
    try:
        provider, claims, relay, test_for = verify_callback()
        if test_for is not None:  # an administrator's test: show what arrived, create nobody, log nobody in
            from pix_lti.auth.saml.admin import save_test_result

            key = save_test_result(test_for, provider.name or provider.issuer_url, claims, None,
                                   used=set((provider.claim_map or {}).values()))
            return redirect(url_for("sso_admin.test_result", key=key), code=303)
        outcome = provision_from_attributes(get_db(), provider, claims)
    except SsoError as error:
        return refuse(error)
    log_in(outcome.user)
    touch_login(outcome.user)
    log.info("OIDC sign-on: user %s from %s (%s, new=%s)", outcome.user.id, provider.issuer_url, outcome.role.value,
             outcome.is_new)
    return redirect(landing(outcome, relay), code=303)

