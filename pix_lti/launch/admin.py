"""Administration pages for school IT (platform administrators): the values to paste into the LMS, registrations
(add by hand, activate a dynamically registered platform, disable, deployments), tool keys, grade delivery."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from pix_lti.auth.access import admin_required
from pix_lti.db import get_db
from pix_lti.identity.models import Organisation
from pix_lti.launch import keys, registrations
from pix_lti.launch.dynamic_registration import tool_values
from pix_lti.launch.grades import SCORE_KIND, link_reference
from pix_lti.launch.models import GradeScale, LtiRegistration, LtiResourceLink
from pix_lti.launch.setup import forget_origins
from pix_lti.outbox.services import counts_by_status, messages_for

admin_bp = Blueprint("launch_admin", __name__, url_prefix="/admin/lti", template_folder="templates")


def _registration_or_404(registration_id: int) -> LtiRegistration:
    registration = get_db().get(LtiRegistration, registration_id)
    if registration is None:
        abort(404)
    return registration


def _organisations() -> list[Organisation]:
    return list(get_db().scalars(select(Organisation).where(Organisation.archived_at.is_(None))
                                 .order_by(Organisation.name)))


def _organisation_from_form() -> Organisation | None:
    raw = request.form.get("organisation_id", "")
    return get_db().get(Organisation, int(raw)) if raw.isdigit() else None


@admin_bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    db = get_db()
    rows = db.scalars(select(LtiRegistration).order_by(LtiRegistration.status, LtiRegistration.name)).all()
    return render_template("launch/admin_index.html", registrations=rows, organisations=_organisations(),
                           values=tool_values(current_app.config["PIX_SETTINGS"].public_url),
                           tool_keys=keys.published_keys(db), grade_counts=counts_by_status(db, SCORE_KIND),
                           form={}, error=None)


@admin_bp.post("/")
@admin_required
def create() -> ResponseReturnValue:
    db = get_db()
    form = request.form
    try:
        static_key = form.get("key_set", "").strip()
        registration = registrations.register(
            db, issuer=form.get("issuer", ""), client_id=form.get("client_id", ""),
            auth_login_url=form.get("auth_login_url", ""), auth_token_url=form.get("auth_token_url", ""),
            key_set_url=form.get("key_set_url") or None,
            key_set=registrations.parse_static_key(static_key) if static_key else None,
            deployment_ids=re.split(r"[\s,;]+", form.get("deployment_ids", "")),
            organisation=_organisation_from_form(), name=form.get("name", ""), source="manual",
            grade_scale=GradeScale(form.get("grade_scale") or GradeScale.MASTERY.value))
    except (registrations.RegistrationError, ValueError) as exc:
        rows = db.scalars(select(LtiRegistration).order_by(LtiRegistration.name)).all()
        return render_template("launch/admin_index.html", registrations=rows, organisations=_organisations(),
                               values=tool_values(current_app.config["PIX_SETTINGS"].public_url),
                               tool_keys=keys.published_keys(db), grade_counts=counts_by_status(db, SCORE_KIND),
                               form=form, error=str(exc)), 422
    forget_origins(current_app)
    flash(_("Plateforme enregistrée."), "success")
    return redirect(url_for("launch_admin.detail", registration_id=registration.id), code=303)


@admin_bp.get("/<int:registration_id>")
@admin_required
def detail(registration_id: int) -> ResponseReturnValue:
    registration = _registration_or_404(registration_id)
    db = get_db()
    link_ids = db.scalars(select(LtiResourceLink.id).where(LtiResourceLink.registration_id == registration.id)).all()
    grades = [m for m in messages_for(db, [link_reference(i) for i in link_ids]) if m.kind == SCORE_KIND]
    return render_template("launch/admin_registration.html", registration=registration,
                           organisations=_organisations(), grades=grades)


@admin_bp.post("/<int:registration_id>/activer")
@admin_required
def activate(registration_id: int) -> ResponseReturnValue:
    registration = _registration_or_404(registration_id)
    db = get_db()
    try:
        new_deployments = re.split(r"[\s,;]+", request.form.get("deployment_ids", ""))
        registrations.add_deployments(db, registration, new_deployments)
        registrations.activate(db, registration, _organisation_from_form())
    except registrations.RegistrationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("launch_admin.detail", registration_id=registration.id), code=303)
    forget_origins(current_app)
    flash(_("Plateforme activée : les lancements sont acceptés."), "success")
    return redirect(url_for("launch_admin.detail", registration_id=registration.id), code=303)


@admin_bp.post("/<int:registration_id>/desactiver")
@admin_required
def disable(registration_id: int) -> ResponseReturnValue:
    registration = _registration_or_404(registration_id)
    registrations.disable(get_db(), registration)
    forget_origins(current_app)
    flash(_("Plateforme désactivée : les lancements sont refusés et les notes ne sont plus envoyées."), "success")
    return redirect(url_for("launch_admin.detail", registration_id=registration.id), code=303)


@admin_bp.post("/cles/rotation")
@admin_required
def rotate_keys() -> ResponseReturnValue:
    new, previous = keys.rotate(get_db(), current_app.config["SECRET_KEY"])
    flash(_("Nouvelle clé %(kid)s ; les %(count)d précédentes restent publiées 7 jours.", kid=new.kid,
            count=len(previous)), "success")
    return redirect(url_for("launch_admin.index"), code=303)

