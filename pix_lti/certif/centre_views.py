"""The centre's pages (staff of the organisation, see ``access.centre_route``): make the organisation a certification
centre, its sessions, a session's page (number, access code, the invigilator password once, candidates with their
eligibility), enrolment by class or by hand, removal before the start."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from pix_lti.assessment.views import max_level, pack_key
from pix_lti.certif import centres
from pix_lti.certif.access import candidate_or_404, centre, centre_route, session_or_404
from pix_lti.certif.eligibility import Eligibility, eligibility
from pix_lti.certif.models import CertificationSession
from pix_lti.db import get_db
from pix_lti.orga.models import OrganisationLearner

PASSWORD_ONCE_KEY = "certif_new_password"  # {session id: password}, popped by the session page (shown once)


def _timezone() -> str:
    return str(current_app.config["PIX_SETTINGS"].timezone)


def _error_text(code: str) -> str:
    return {
        "required": _("Ce champ est obligatoire."),
        "invalid": _("Valeur invalide."),
        "too_long": _("Ce texte est trop long."),
        "already_enrolled": _("Ce candidat est déjà inscrit."),
        "session_closed": _("La session est finalisée : elle ne peut plus être modifiée."),
        "already_started": _("Ce candidat a déjà commencé : il ne peut plus être retiré."),
    }.get(code, code)


def _eligibility_of(user_id: int | None) -> Eligibility | None:
    if user_id is None:
        return None
    return eligibility(get_db(), user_id, pack_key(), max_level())


def _candidate_eligibilities(cs: CertificationSession) -> dict[int, Eligibility | None]:
    """Per candidate: the joined account's eligibility, else the linked roster account's, else unknown (None)."""
    return {c.id: _eligibility_of(c.user_id or (c.organisation_learner.user_id if c.organisation_learner else None))
            for c in cs.candidates}


@centre_route(needs_centre=False)
def home(org_id: int) -> ResponseReturnValue:
    context = centre()
    sessions = []
    if context.centre is not None:
        sessions = list(get_db().scalars(select(CertificationSession).where(
            CertificationSession.centre_id == context.centre.id)
            .order_by(CertificationSession.starts_at.desc(), CertificationSession.id.desc())))
    return render_template("certif/centre.html", sessions=sessions, timezone=_timezone())


@centre_route(admin=True, needs_centre=False)
def activate(org_id: int) -> ResponseReturnValue:
    centres.make_centre(get_db(), centre().organisation)
    flash(_("L'organisation est désormais un centre de certification."), "success")
    return redirect(url_for("certif.centre", org_id=org_id), code=303)


@centre_route()
def new_session(org_id: int) -> ResponseReturnValue:
    draft = centres.SessionDraft()
    status = 200
    if request.method == "POST":
        draft = centres.SessionDraft.from_form(request.form, _timezone())
        if not draft.errors:
            context = centre()
            assert context.centre is not None
            created, password = centres.create_session(get_db(), context.centre, context.user, draft)
            session[PASSWORD_ONCE_KEY] = {str(created.id): password}
            return redirect(url_for("certif.session", org_id=org_id, session_id=created.id), code=303)
        status = 422
    return render_template("certif/session_form.html", draft=draft, cs=None, error_text=_error_text), status


@centre_route()
def edit_session(org_id: int, session_id: int) -> ResponseReturnValue:
    cs = session_or_404(session_id)
    draft = centres.SessionDraft.from_session(cs, _timezone())
    status = 200
    if request.method == "POST":
        draft = centres.SessionDraft.from_form(request.form, _timezone())
        if not draft.errors:
            try:
                centres.update_session(cs, draft)
            except centres.CertifError as refused:
                flash(_error_text(refused.code), "error")
            else:
                flash(_("Session enregistrée."), "success")
            return redirect(url_for("certif.session", org_id=org_id, session_id=cs.id), code=303)
        status = 422
    return render_template("certif/session_form.html", draft=draft, cs=cs, error_text=_error_text), status


@centre_route()
def session_page(org_id: int, session_id: int) -> ResponseReturnValue:
    cs = session_or_404(session_id)
    once: dict[str, str] = session.pop(PASSWORD_ONCE_KEY, None) or {}
    eligibilities = _candidate_eligibilities(cs)
    response = current_app.make_response(render_template(
        "certif/session.html", cs=cs, password=once.get(str(cs.id)), eligibilities=eligibilities,
        divisions=centres.divisions(get_db(), org_id), draft=centres.CandidateDraft(), error_text=_error_text,
        timezone=_timezone()))
    response.headers["Cache-Control"] = "no-store"  # the invigilator password must not stay in a cache
    return response


@centre_route()
def regenerate_password(org_id: int, session_id: int) -> ResponseReturnValue:
    cs = session_or_404(session_id)
    try:
        password = centres.regenerate_password(cs)
    except centres.CertifError as refused:
        flash(_error_text(refused.code), "error")
    else:
        session[PASSWORD_ONCE_KEY] = {str(cs.id): password}
    return redirect(url_for("certif.session", org_id=org_id, session_id=cs.id), code=303)


@centre_route()
def enrol(org_id: int, session_id: int) -> ResponseReturnValue:
    """By hand: names, birth date, external id, accessibility adjustment."""
    cs = session_or_404(session_id)
    draft = centres.CandidateDraft.from_form(request.form)
    if not draft.errors:
        try:
            centres.enrol_by_hand(get_db(), cs, draft)
        except centres.CertifError as refused:
            flash(_error_text(refused.code), "error")
        else:
            flash(_("Candidat inscrit."), "success")
            return redirect(url_for("certif.session", org_id=org_id, session_id=cs.id), code=303)
    eligibilities = _candidate_eligibilities(cs)
    return render_template("certif/session.html", cs=cs, password=None, eligibilities=eligibilities,
                           divisions=centres.divisions(get_db(), org_id), draft=draft, error_text=_error_text,
                           timezone=_timezone()), 422


@centre_route()
def enrol_class(org_id: int, session_id: int) -> ResponseReturnValue:
    """Pick a class of the roster, see each learner's eligibility, enrol the ticked ones."""
    cs = session_or_404(session_id)
    db = get_db()
    if request.method == "POST":
        # ASCII digits only ("²".isdigit() is true but int() refuses it), within a database integer.
        ids = [int(x) for x in request.form.getlist("learner") if x.isascii() and x.isdigit() and len(x) < 10]
        try:
            added = centres.enrol_learners(db, cs, centres.learners_by_ids(db, org_id, ids))
        except centres.CertifError as refused:
            flash(_error_text(refused.code), "error")
        else:
            flash(_("%(n)d candidats inscrits.", n=added), "success")
        return redirect(url_for("certif.session", org_id=org_id, session_id=cs.id), code=303)
    division = request.args.get("classe", "").replace("\x00", "")[:255]
    learners: list[OrganisationLearner] = centres.class_learners(db, org_id, division) if division else []
    enrolled = {c.organisation_learner_id for c in cs.candidates}
    return render_template("certif/enrol_class.html", cs=cs, divisions=centres.divisions(db, org_id),
                           division=division, learners=learners, enrolled=enrolled,
                           eligibilities={learner.id: _eligibility_of(learner.user_id) for learner in learners})


@centre_route()
def remove_candidate(org_id: int, session_id: int, candidate_id: int) -> ResponseReturnValue:
    cs = session_or_404(session_id)
    candidate = candidate_or_404(cs, candidate_id)
    try:
        centres.remove_candidate(get_db(), candidate)
    except centres.CertifError as refused:
        flash(_error_text(refused.code), "error")
    else:
        flash(_("Candidat retiré."), "success")
    return redirect(url_for("certif.session", org_id=org_id, session_id=cs.id), code=303)
