"""Jury pages (platform administrators, see :mod:`pix_lti.certif.jury`): finalised sessions, their results, the
actions on a result and the publication. Views parse, call the service, redirect; the request's end commits."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pix_lti.auth.access import admin_required, current_user
from pix_lti.certif import jury
from pix_lti.certif.centres import form_text
from pix_lti.certif.models import CertificationResult, CertificationSession, SessionStatus
from pix_lti.certif.scoring import proposed_status
from pix_lti.db import get_db
from pix_lti.identity.models import User


def reason_labels() -> dict[str, str]:
    """Readable labels of the machine reason codes (shared with the certificate and export pages)."""
    return {
        "too_few_answers": _("Trop peu de réponses"),
        "low_reproducibility": _("Taux de reproductibilité inférieur à 50 %"),
        "no_competence_certified": _("Aucune compétence certifiée"),
        "fraud": _("Fraude signalée"),
        "jury": _("Rejeté par le jury"),
    }


def end_reason_labels() -> dict[str, str]:
    """How a test ended (``CertificationCourse.end_reason``), in words."""
    return {
        "finished": _("Test terminé par le candidat"),
        "ended_by_invigilator": _("Test arrêté par le surveillant"),
        "aborted": _("Test interrompu"),
    }


def incident_labels() -> dict[str, str]:
    return {"TECHNICAL": _("Technique"), "FRAUD": _("Fraude"), "OTHER": _("Autre")}


def mode_labels() -> dict[str, str]:
    return {"v3": _("v3 (test adaptatif)"), "v2": _("v2 (3 épreuves par compétence)")}


def _error_message(code: str) -> str:
    return {
        "session_not_open": _("Cette session n'est plus modifiable : ses résultats sont publiés."),
        "result_decided": _("Rouvrez ce résultat avant de neutraliser une épreuve."),
        "unknown_challenge": _("Cette épreuve n'a pas été répondue par ce candidat."),
    }.get(code, _("Action impossible."))


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _session_or_404(session_id: int) -> CertificationSession:
    certification_session = get_db().get(CertificationSession, session_id)
    if certification_session is None or certification_session.status is SessionStatus.CREATED:
        abort(404)
    return certification_session


def _result_or_404(result_id: int) -> CertificationResult:
    result = get_db().get(CertificationResult, result_id)
    if result is None:
        abort(404)
    return result


@admin_required
def sessions() -> ResponseReturnValue:
    db = get_db()
    rows = jury.reviewable_sessions(db)
    return render_template("certif/jury_sessions.html", sessions=rows)


@admin_required
def session_page(session_id: int) -> ResponseReturnValue:
    db = get_db()
    certification_session = _session_or_404(session_id)
    results = jury.session_results(db, certification_session)
    return render_template("certif/jury_session.html", cert_session=certification_session, results=results,
                           proposed={r.id: proposed_status(r) for r in results}, reasons=reason_labels(),
                           end_reasons=end_reason_labels(), incident_names=incident_labels(), modes=mode_labels(),
                           open=certification_session.status is SessionStatus.FINALISED)


@admin_required
def result_action(result_id: int, action: str) -> ResponseReturnValue:
    db = get_db()
    result = _result_or_404(result_id)
    session_id = result.course.candidate.session_id
    comment = form_text(request.form, "comment")
    try:
        if action == "neutraliser":
            jury.neutralise(db, result, form_text(request.form, "challenge_id"), _user(), comment)
            flash(_("Épreuve neutralisée ; le résultat est recalculé."), "success")
        elif action == "rejeter":
            jury.reject(db, result, _user(), comment)
            flash(_("Résultat rejeté."), "success")
        elif action == "annuler":
            jury.cancel(db, result, _user(), comment)
            flash(_("Certification annulée."), "success")
        elif action == "rouvrir":
            jury.reopen(db, result, _user())
            flash(_("Résultat rouvert et recalculé."), "success")
        elif action == "commenter":
            jury.comment(db, result, _user(), comment)
            flash(_("Commentaire enregistré."), "success")
        else:
            abort(404)
    except jury.JuryError as exc:
        flash(_error_message(exc.code), "error")
    return redirect(url_for("certif_results.jury_session", session_id=session_id, _anchor=f"resultat-{result.id}"))


@admin_required
def publish(session_id: int) -> ResponseReturnValue:
    db = get_db()
    certification_session = _session_or_404(session_id)
    try:
        results = jury.publish(db, certification_session, _user())
    except jury.JuryError as exc:
        flash(_error_message(exc.code), "error")
    else:
        flash(_("Session publiée : %(n)s résultat(s).", n=len(results)), "success")
    return redirect(url_for("certif_results.jury_session", session_id=session_id))
