"""The invigilator portal: a login with the session number and the invigilator password (no account needed; rate
limited), whose scope is that session only — its id is kept in the server-side session and every URL's session id must
be that one (404 otherwise). Live list of candidates, authorise / pause / end / absent, incidents, finalisation."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pix_lti.assessment.views import now
from pix_lti.certif import invigilation
from pix_lti.certif.access import candidate_or_404
from pix_lti.certif.centres import CertifError, form_text
from pix_lti.certif.models import CertificationSession, SessionStatus
from pix_lti.db import get_db, keep_changes_on_error
from pix_lti.web import ratelimit

INVIGILATOR_KEY = "certif_invigilator_session"
LOGIN_PER_SESSION = ratelimit.Limit("certif-invigilator-session", max_hits=10, window_seconds=15 * 60)
LOGIN_PER_ADDRESS = ratelimit.Limit("certif-invigilator-ip", max_hits=60, window_seconds=15 * 60)
LIST_REFRESH_SECONDS = 15


def _message(code: str) -> str:
    return {
        "session_closed": _("La session est finalisée : plus rien ne peut y être modifié."),
        "not_joined": _("Ce candidat n'a pas encore rejoint la session."),
        "cannot_authorise": _("Ce candidat ne peut pas être autorisé maintenant."),
        "cannot_pause": _("Ce test ne peut pas être mis en pause."),
        "cannot_end": _("Ce candidat n'a pas de test en cours."),
        "already_started": _("Ce candidat a déjà commencé son test."),
        "tests_running": _("Des tests sont encore en cours : terminez-les avant de finaliser la session."),
    }.get(code, _("Action impossible."))


def login() -> ResponseReturnValue:
    error = None
    status = 200
    number = ""
    if request.method == "POST":
        number = form_text(request.form, "session_number")[:20]
        keep_changes_on_error()
        ratelimit.hit_and_check(LOGIN_PER_ADDRESS, request.remote_addr or "-")
        ratelimit.hit_and_check(LOGIN_PER_SESSION, number or "-")
        found = invigilation.check_credentials(get_db(), number, form_text(request.form, "password")[:100])
        if found is not None:
            session.regenerate()  # type: ignore[attr-defined]  # against session fixation, like a login
            session[INVIGILATOR_KEY] = found.id
            return redirect(url_for("certif.invigilator_session", session_id=found.id), code=303)
        error, status = _("Numéro de session ou mot de passe incorrect."), 401
    return render_template("certif/invigilator_login.html", error=error, number=number), status


def logout() -> ResponseReturnValue:
    session.pop(INVIGILATOR_KEY, None)
    flash(_("Vous avez quitté l'espace surveillant."), "info")
    return redirect(url_for("certif.invigilator_login"), code=303)


def _scoped(session_id: int) -> CertificationSession:
    """The session this browser's invigilator logged into, or 404 for any other (or without login)."""
    if session.get(INVIGILATOR_KEY) != session_id:
        abort(404)
    found = get_db().get(CertificationSession, session_id)
    if found is None:
        abort(404)
    return found


def session_page(session_id: int) -> ResponseReturnValue:
    certification_session = _scoped(session_id)
    counts = invigilation.answer_counts(get_db(), certification_session)
    is_open = certification_session.status is SessionStatus.CREATED
    response = current_app.make_response(render_template(
        "certif/invigilator_session.html", cs=certification_session, answer_counts=counts, is_open=is_open,
        refresh=LIST_REFRESH_SECONDS if is_open else None, by_status=invigilation.count_by_status(certification_session)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _act(session_id: int, candidate_id: int, action: str) -> ResponseReturnValue:
    certification_session = _scoped(session_id)
    candidate = candidate_or_404(certification_session, candidate_id)
    try:
        if action == "authorise":
            invigilation.authorise(candidate, now())
            flash(_("%(name)s est autorisé à commencer.", name=f"{candidate.first_name} {candidate.last_name}"),
                  "success")
        elif action == "pause":
            invigilation.pause(candidate, now())
        elif action == "end":
            invigilation.end_test(get_db(), candidate, now())
            flash(_("Le test de %(name)s est terminé.", name=f"{candidate.first_name} {candidate.last_name}"),
                  "success")
        elif action == "absent":
            invigilation.mark_absent(candidate)
        elif action == "present":
            invigilation.mark_present(candidate)
        else:
            abort(404)
    except CertifError as refused:
        flash(_message(refused.code), "error")
    back = request.form.get("back") == "candidate"
    if back:
        return redirect(url_for("certif.invigilator_candidate", session_id=session_id, candidate_id=candidate_id),
                        code=303)
    return redirect(url_for("certif.invigilator_session", session_id=session_id), code=303)


def authorise(session_id: int, candidate_id: int) -> ResponseReturnValue:
    return _act(session_id, candidate_id, "authorise")


def pause(session_id: int, candidate_id: int) -> ResponseReturnValue:
    return _act(session_id, candidate_id, "pause")


def end(session_id: int, candidate_id: int) -> ResponseReturnValue:
    return _act(session_id, candidate_id, "end")


def absent(session_id: int, candidate_id: int) -> ResponseReturnValue:
    return _act(session_id, candidate_id, "absent")


def present(session_id: int, candidate_id: int) -> ResponseReturnValue:
    return _act(session_id, candidate_id, "present")


def candidate_page(session_id: int, candidate_id: int) -> ResponseReturnValue:
    """One candidate: their test, the incidents reported, and the form to report one (no auto-refresh here)."""
    certification_session = _scoped(session_id)
    candidate = candidate_or_404(certification_session, candidate_id)
    shown = invigilation.shown_challenges(candidate)
    draft = invigilation.IncidentDraft()
    status = 200
    if request.method == "POST":
        draft = invigilation.IncidentDraft.from_form(request.form, set(shown))
        if not draft.errors:
            try:
                invigilation.report_incident(get_db(), candidate, draft, now())
            except CertifError as refused:
                flash(_message(refused.code), "error")
            else:
                flash(_("Incident enregistré."), "success")
            return redirect(url_for("certif.invigilator_candidate", session_id=session_id,
                                    candidate_id=candidate_id), code=303)
        status = 422
    return render_template("certif/invigilator_candidate.html", cs=certification_session, candidate=candidate,
                           shown=shown, draft=draft, is_open=certification_session.status is SessionStatus.CREATED,
                           answer_count=candidate.course.assessment.answer_count if candidate.course else 0), status


def finalise(session_id: int) -> ResponseReturnValue:
    certification_session = _scoped(session_id)
    error = None
    status = 200
    comment = certification_session.examiner_comment
    if request.method == "POST":
        comment = form_text(request.form, "examiner_comment")
        if request.form.get("confirm") != "1":
            error, status = _("Cochez la case pour confirmer les absences et les incidents."), 422
        else:
            try:
                invigilation.finalise(get_db(), certification_session, examiner_comment=comment, now=now())
            except CertifError as refused:
                error, status = _message(refused.code), 409
            else:
                flash(_("La session est finalisée. Les résultats seront publiés après examen."), "success")
                return redirect(url_for("certif.invigilator_session", session_id=session_id), code=303)
    return render_template("certif/invigilator_finalise.html", cs=certification_session, error=error,
                           comment=comment, running=invigilation.running_candidates(certification_session),
                           is_open=certification_session.status is SessionStatus.CREATED), status
