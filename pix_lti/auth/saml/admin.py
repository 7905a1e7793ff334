"""School-IT pages (platform administrators): the identity providers (SAML and OIDC), the SP values and metadata to
give the GAR, and a test login that shows the attributes an IdP sends without creating or logging anyone in."""

from __future__ import annotations

import secrets
from typing import Any

import requests
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from sqlalchemy import select

from pix_lti.auth.access import admin_required, current_user
from pix_lti.auth.oidc.models import OidcProvider
from pix_lti.auth.saml import sp
from pix_lti.auth.saml.models import SamlIdentityProvider
from pix_lti.db import get_db

admin_bp = Blueprint("sso_admin", __name__, url_prefix="/admin/sso")

TEST_RESULT_KEY = "saml:test-result:{}"
TEST_TTL = 600


def _public_url() -> str:
    return current_app.config["PIX_SETTINGS"].public_url.rstrip("/")


@admin_bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    db = get_db()
    base = _public_url()
    return render_template(
        "auth/sso/admin_index.html",
        saml_idps=db.scalars(select(SamlIdentityProvider).order_by(SamlIdentityProvider.id)).all(),
        oidc_providers=db.scalars(select(OidcProvider).order_by(OidcProvider.id)).all(),
        values={"entity_id": sp.sp_entity_id(base), "acs": base + sp.ACS_PATH, "login": base + "/saml/login",
                "oidc_redirect": base + "/oidc/callback"},
    )


@admin_bp.post("/saml")
@admin_required
def add_idp() -> ResponseReturnValue:
    """Add or update (same entityID: certificate rotation) a SAML IdP from its metadata URL or pasted XML."""
    from pix_lti.auth.saml.cli import save_identity_provider

    url = request.form.get("metadata_url", "").strip()
    xml = request.form.get("metadata_xml", "").strip()
    try:
        if url:
            if not url.startswith("https://"):
                raise ValueError(_("L'adresse des métadonnées doit commencer par https://."))
            response = requests.get(url, timeout=15)
            response.raise_for_status()
            xml = response.text
        if not xml:
            raise ValueError(_("Donnez l'adresse des métadonnées ou collez leur contenu XML."))
        idp = save_identity_provider(
            get_db(), xml, metadata_url=url or None, name=request.form.get("name", "").strip(),
            allow_idp_initiated=request.form.get("idp_initiated") == "1",
            auto_create_schools=request.form.get("auto_create_schools") == "1")
    except requests.RequestException as exc:
        flash(_("Métadonnées illisibles : %(error)s", error=str(exc)), "error")
    except Exception as exc:  # noqa: BLE001 - the metadata parser raises several kinds; all are the admin's input
        flash(_("Métadonnées refusées : %(error)s", error=str(exc)), "error")
    else:
        flash(_("Fournisseur enregistré : %(name)s", name=idp.name), "success")
    return redirect(url_for("sso_admin.index"), code=303)


@admin_bp.get("/metadata")
@admin_required
def metadata() -> ResponseReturnValue:
    from pix_lti.auth.saml.views import sp_keys

    return render_template("auth/sso/admin_metadata.html", xml=sp.sp_metadata(_public_url(), sp_keys()))


@admin_bp.post("/saml/<int:idp_id>/test")
@admin_required
def test_login(idp_id: int) -> ResponseReturnValue:
    """Start a login at the IdP marked as a test: the ACS will only record the attributes for this administrator."""
    from pix_lti.auth.saml.views import REQUEST_KEY, REQUEST_TTL, _request_data, sp_keys

    idp = get_db().get(SamlIdentityProvider, idp_id)
    if idp is None:
        abort(404)
    user = current_user()
    auth = OneLogin_Saml2_Auth(_request_data(), sp.saml_settings(_public_url(), sp_keys(), idp))
    location = auth.login()
    current_app.extensions["pix_lti.kv"].set_json(
        REQUEST_KEY.format(auth.get_last_request_id()),
        {"idp": idp.id, "relay": "", "test_for": user.id if user else None}, REQUEST_TTL)
    return redirect(location)


def save_test_result(admin_id: int, idp_name: str, attributes: dict[str, Any], name_id: str | None,
                     used: set[str]) -> str:
    """Kept 10 minutes in the shared store for the administrator who started the test (the IdP's POST may arrive
    without our session cookie, so the result page is reached by a random key, and checked against the admin)."""
    key = secrets.token_urlsafe(24)
    # SAML gives lists of strings; OIDC claims may be single values, lists or objects: shown as lists of strings.
    attributes = {name: [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
                  for name, value in attributes.items()}
    current_app.extensions["pix_lti.kv"].set_json(
        TEST_RESULT_KEY.format(key),
        {"admin": admin_id, "idp": idp_name, "attributes": attributes, "name_id": name_id, "used": sorted(used)},
        TEST_TTL)
    return key


@admin_bp.get("/test/<key>")
@admin_required
def test_result(key: str) -> ResponseReturnValue:
    result = current_app.extensions["pix_lti.kv"].get_json(TEST_RESULT_KEY.format(key))
    user = current_user()
    if not result or user is None or result.get("admin") != user.id:
        abort(404)
    return render_template("auth/sso/admin_test_result.html", result=result, used=set(result.get("used", ())))


@admin_bp.post("/oidc/<int:provider_id>/test")
@admin_required
def test_oidc_login(provider_id: int) -> ResponseReturnValue:
    from pix_lti.auth.oidc.views import start_login
    from pix_lti.auth.saml.errors import SsoError
    from pix_lti.auth.saml.views import refuse

    provider = get_db().get(OidcProvider, provider_id)
    user = current_user()
    if provider is None or user is None:
        abort(404)
    try:
        return start_login(provider, "", test_for=user.id)
    except SsoError as error:
        return refuse(error)
