"""The SAML endpoints: SP metadata (at the entityID URL), SP-initiated login (HTTP-Redirect) and the assertion consumer
(HTTP-POST). The ACS is a cross-site POST from the IdP: exempt from CSRF tokens, it relies on the signature, the
remembered request id (InResponseTo) and the single-use assertion id instead."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML
from sqlalchemy import select
from werkzeug.routing import BuildError

from pix_lti.auth.access import log_in
from pix_lti.auth.forced_change import allowed_before_password_change
from pix_lti.auth.saml import reconcile_views, sp
from pix_lti.auth.saml.admin import save_test_result
from pix_lti.auth.saml.errors import ADVICE_IT, SsoError, invalid_response
from pix_lti.auth.saml.models import SamlIdentityProvider
from pix_lti.auth.saml.provisioning import SsoOutcome, provision_from_attributes
from pix_lti.auth.saml.reconcile_views import remember_candidates
from pix_lti.auth.saml.reconciliation import reconcile
from pix_lti.db import get_db
from pix_lti.identity.models import MembershipRole
from pix_lti.identity.services import touch_login
from pix_lti.web.security import safe_next_url

log = logging.getLogger(__name__)

bp = Blueprint("saml", __name__, url_prefix="/saml")  # templates: auth/templates/auth/sso (auth blueprint)

REQUEST_TTL = 600  # seconds a login may take at the IdP (the GAR asks for its own authentication in between)
REQUEST_KEY = "saml:request:{}"
ASSERTION_KEY = "saml:assertion:{}:{}"
NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol", "saml": "urn:oasis:names:tc:SAML:2.0:assertion"}


def _public_url() -> str:
    return current_app.config["PIX_SETTINGS"].public_url.rstrip("/")


def _store() -> Any:
    return current_app.extensions["pix_lti.kv"]


def sp_keys() -> sp.SpKeys:
    return sp.load_or_create_keys(current_app.instance_path, urlsplit(_public_url()).hostname or "pix_lti")


def _request_data() -> dict[str, Any]:
    """What python3-saml compares Destination/Recipient with: the public URL (behind a proxy, not the socket's)."""
    public = urlsplit(_public_url())
    return {"https": "on" if public.scheme == "https" else "off", "http_host": public.netloc,
            "script_name": request.path, "get_data": request.args.to_dict(), "post_data": request.form.to_dict()}


def relay_path(value: str | None) -> str:
    """The landing path a RelayState names: the GAR carries the resource URL, absolute; only our own origin's URLs
    (reduced to their path) and same-site relative paths are honoured, never another site (no open redirect)."""
    value = (value or "").strip()
    origin = _public_url()
    if value.startswith(origin + "/"):
        value = value[len(origin):]
    return safe_next_url(value, default="")


def refuse(error: SsoError) -> Response:
    log.warning("Single sign-on refused: %s %s", error.code, error.detail)
    return Response(render_template("auth/sso/refused.html", error=error), status=error.status, mimetype="text/html")


@bp.get("/metadata")
@allowed_before_password_change
def metadata() -> ResponseReturnValue:
    xml = sp.sp_metadata(_public_url(), sp_keys())
    return Response(xml, mimetype="application/samlmetadata+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


def _identity_provider(reference: str | None) -> SamlIdentityProvider:
    providers = get_db().scalars(select(SamlIdentityProvider).where(SamlIdentityProvider.enabled.is_(True))
                                 .order_by(SamlIdentityProvider.id)).all()
    if reference:
        chosen = [p for p in providers if str(p.id) == reference or p.entity_id == reference]
    else:  # one enabled IdP (the usual case: the GAR) needs no parameter
        chosen = providers if len(providers) == 1 else []
    if not chosen:
        raise SsoError("unknown_idp", _l("Ce fournisseur d'identité n'est pas déclaré sur pix_lti."), ADVICE_IT,
                       f"idp={reference!r}", status=404)
    return chosen[0]


@bp.get("/login")
@allowed_before_password_change
def login() -> ResponseReturnValue:
    """SP-initiated: a signed AuthnRequest by HTTP-Redirect. The RelayState (where to land) is remembered with the
    request id on our side, so the IdP cannot turn it into an open redirect."""
    try:
        idp = _identity_provider(request.args.get("idp"))
    except SsoError as error:
        return refuse(error)
    target = relay_path(request.args.get("RelayState") or request.args.get("next"))
    auth = OneLogin_Saml2_Auth(_request_data(), sp.saml_settings(_public_url(), sp_keys(), idp))
    location = auth.login(return_to=target or None)
    _store().set_json(REQUEST_KEY.format(auth.get_last_request_id()), {"idp": idp.id, "relay": target}, REQUEST_TTL)
    return redirect(location)


def _peek(saml_response: str) -> tuple[str, str | None]:
    """The issuer and InResponseTo of a not yet verified response, only to choose the IdP's settings and the
    pending request; everything is verified afterwards against that IdP's certificates."""
    try:
        document = OneLogin_Saml2_XML.to_etree(base64.b64decode(saml_response, validate=False))
    except Exception as exc:  # noqa: BLE001 - bad base64, bad XML, or DTD/entities (python3-saml raises a bare Exception)
        raise invalid_response(f"not a SAML response: {exc.__class__.__name__}") from exc
    issuers = document.xpath("/samlp:Response/saml:Issuer/text() | /samlp:Response/saml:Assertion/saml:Issuer/text()",
                             namespaces=NS)
    if not issuers:
        raise invalid_response("no Issuer")
    return str(issuers[0]).strip(), document.get("InResponseTo")


def _idp_by_entity_id(entity_id: str) -> SamlIdentityProvider:
    idp = get_db().scalar(select(SamlIdentityProvider).where(SamlIdentityProvider.entity_id == entity_id,
                                                             SamlIdentityProvider.enabled.is_(True)))
    if idp is None:
        raise SsoError("unknown_idp", _l("Ce fournisseur d'identité n'est pas déclaré sur pix_lti."), ADVICE_IT,
                       f"issuer={entity_id!r}", status=403)
    return idp


def verify_response() -> tuple[SamlIdentityProvider, OneLogin_Saml2_Auth, str, int | None]:
    """Check the posted response completely; returns the IdP, the verified auth object, the landing target and, for
    an administrator's test login, that administrator's id."""
    saml_response = request.form.get("SAMLResponse", "")
    if not saml_response:
        raise invalid_response("no SAMLResponse in the POST")
    issuer, in_response_to = _peek(saml_response)
    idp = _idp_by_entity_id(issuer)
    relay, test_for = "", None
    if in_response_to:
        pending = _store().get_json(REQUEST_KEY.format(in_response_to))
        if not pending or pending.get("idp") != idp.id:
            raise invalid_response(f"InResponseTo {in_response_to!r} matches no pending request of this IdP")
        _store().delete(REQUEST_KEY.format(in_response_to))  # one response per request
        relay = pending.get("relay") or ""
        test_for = pending.get("test_for")
    elif not idp.allow_idp_initiated:
        raise SsoError("unsolicited", _l("Connexion refusée : elle doit commencer sur pix_lti."), ADVICE_IT,
                       "IdP-initiated responses are not enabled for this IdP", status=403)
    else:
        relay = relay_path(request.form.get("RelayState"))
    auth = OneLogin_Saml2_Auth(_request_data(), sp.saml_settings(_public_url(), sp_keys(), idp))
    try:
        auth.process_response(request_id=in_response_to)
    except (OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError) as exc:
        raise invalid_response(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - untrusted input (decryption, XML, base64): any failure is a refusal
        log.exception("unexpected error while verifying a SAML response")
        raise invalid_response(f"{exc.__class__.__name__}: {exc}") from exc
    if auth.get_errors() or not auth.is_authenticated():
        raise invalid_response(auth.get_last_error_reason() or ", ".join(auth.get_errors()))
    assertion_id = auth.get_last_assertion_id()
    if not assertion_id:
        raise invalid_response("assertion without ID")
    # Single use: kept until the assertion expires (plus the clock drift the library tolerates).
    not_on_or_after = auth.get_last_assertion_not_on_or_after() or 0
    ttl = max(int(not_on_or_after - datetime.now(UTC).timestamp()) + 600, 600)
    if not _store().add(ASSERTION_KEY.format(idp.id, assertion_id), ttl):
        raise SsoError("replayed", _l("Cette réponse d'authentification a déjà été utilisée."),
                       detail=f"assertion {assertion_id} already consumed")
    return idp, auth, relay, test_for


def landing(outcome: SsoOutcome, relay: str) -> str:
    """Teachers and heads arrive on Orga; students on the page the RelayState names, else on their profile."""
    if outcome.role in (MembershipRole.MEMBER, MembershipRole.ADMIN):
        return _endpoint("orga.index", "/")
    return relay or _endpoint("assessment.profile", "/")


def _endpoint(endpoint: str, fallback: str) -> str:
    try:
        return url_for(endpoint)
    except BuildError:
        return fallback


@bp.post("/acs")
@allowed_before_password_change
def acs() -> ResponseReturnValue:
    try:
        idp, auth, relay, test_for = verify_response()
        if test_for is not None:  # an administrator's test: show what arrived, create nobody, log nobody in
            key = save_test_result(test_for, idp.name or idp.entity_id, auth.get_attributes(), auth.get_nameid(),
                                   used=set((idp.attribute_map or {}).values()))
            return redirect(url_for("sso_admin.test_result", key=key), code=303)
        outcome = provision_from_attributes(get_db(), idp, auth.get_attributes())
    except SsoError as error:
        return refuse(error)
    log_in(outcome.user)
    touch_login(outcome.user)
    log.info("SAML sign-on: user %s from %s (%s, new=%s)", outcome.user.id, idp.entity_id, outcome.role.value,
             outcome.is_new)
    target = landing(outcome, relay)
    if outcome.role is MembershipRole.STUDENT:
        found = reconcile(get_db(), outcome.organisations[0], outcome.user, outcome.classes)
        if found.ambiguous:  # several learners of the class share the names: ask, never guess
            remember_candidates(outcome.user.id, found.candidates, target)
            return redirect(url_for("saml.reconcile"), code=303)
    return redirect(target, code=303)


bp.add_url_rule("/rapprochement", view_func=reconcile_views.reconcile, methods=["GET", "POST"], endpoint="reconcile")
bp.add_url_rule("/rapprochement/passer", view_func=reconcile_views.skip, methods=["POST"], endpoint="reconcile_skip")
