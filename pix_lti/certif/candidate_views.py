"""The candidate's pages: joining a session (number, access code, identity), the candidate page (wait for the
invigilator, start or resume, ineligible, ended), and the gate the question pages of ``assessment.taking`` call for a
certification.

Leaving is detected with a browser-session cookie: starting or resuming (after the invigilator's authorisation) puts a
random token both in the server-side session and in a cookie without expiry date, which the browser drops when it
closes. A question request without the matching pair (another browser, a closed and reopened browser, a new login)
pauses the test until the invigilator authorises again."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pix_lti.assessment.models import Assessment
from pix_lti.assessment.views import max_level, now, pack_key, user
from pix_lti.auth.access import login_required
from pix_lti.certif import course as course_services
from pix_lti.certif import entry
from pix_lti.certif.centres import CertifError
from pix_lti.certif.eligibility import eligibility
from pix_lti.certif.models import CandidateStatus, CertificationCandidate, SessionStatus
from pix_lti.db import get_db, keep_changes_on_error
from pix_lti.web import ratelimit

TAB_COOKIE = "pix_certif_tab"
TAB_SESSION_KEY = "certif_tab"
# Guessing an access code (18 million) or a classmate's identity must be hopeless: a few tries per account and address.
ENTRY_PER_USER = ratelimit.Limit("certif-entry-user", max_hits=10, window_seconds=15 * 60)
ENTRY_PER_ADDRESS = ratelimit.Limit("certif-entry-ip", max_hits=100, window_seconds=15 * 60)
WAITING_REFRESH_SECONDS = 10


def _entry_message(code: str) -> str:
    return {
        "wrong_session": _("Numéro de session ou code d'accès incorrect."),
        "session_closed": _("Cette session est close."),
        "not_enrolled": _("Aucun candidat inscrit à cette session ne correspond à ces nom, prénom et date de "
                          "naissance. Vérifiez-les ou adressez-vous au surveillant."),
        "ambiguous": _("Plusieurs candidats correspondent : adressez-vous au surveillant."),
        "taken": _("Ce candidat a déjà rejoint la session avec un autre compte : adressez-vous au surveillant."),
        "other_session": _("Vous êtes déjà candidat dans une autre session de certification en cours."),
        "absent": _("Vous avez été déclaré absent : adressez-vous au surveillant."),
    }.get(code, _("Impossible de rejoindre la session."))


@login_required
def join() -> ResponseReturnValue:
    db = get_db()
    current = entry.current_candidacy(db, user())
    draft = entry.EntryDraft()
    error = None
    status = 200
    if request.method == "POST":
        keep_changes_on_error()  # the attempt counters stay even when the answer is an error
        ratelimit.hit_and_check(ENTRY_PER_ADDRESS, request.remote_addr or "-")
        ratelimit.hit_and_check(ENTRY_PER_USER, str(user().id))
        draft = entry.EntryDraft.from_form(request.form)
        if draft.errors:
            status = 422
        else:
            try:
                candidate = entry.join(db, user(), draft, now())
            except CertifError as refused:
                error, status = _entry_message(refused.code), 422
            else:
                return redirect(url_for("certif.candidate", candidate_id=candidate.id), code=303)
    return render_template("certif/join.html", draft=draft, error=error, current=current), status


def _own_candidate(candidate_id: int) -> CertificationCandidate:
    candidate = get_db().get(CertificationCandidate, candidate_id)
    if candidate is None or candidate.user_id != user().id:
        abort(404)  # never another person's candidacy, never saying whether it exists
    return candidate


def _tab_matches(course_id: int) -> bool:
    data = session.get(TAB_SESSION_KEY)
    cookie = request.cookies.get(TAB_COOKIE, "")
    if not isinstance(data, dict) or data.get("course") != course_id or not cookie:
        return False
    return hmac.compare_digest(str(data.get("token", "")), cookie)


def _candidate_state(candidate: CertificationCandidate) -> str:
    """What the candidate page shows (and a template switch)."""
    course = candidate.course
    if course is not None and course.ended_at is not None:
        return "ended" if candidate.status is CandidateStatus.ENDED_BY_INVIGILATOR else "finished"
    if candidate.session.status is not SessionStatus.CREATED:
        return "closed"
    if candidate.status is CandidateStatus.ABSENT:
        return "absent"
    if course is None:
        if not eligibility(get_db(), user().id, pack_key(), max_level()).certifiable:
            return "ineligible"
        return "start" if candidate.status is CandidateStatus.AUTHORISED else "waiting"
    if candidate.status is CandidateStatus.AUTHORISED:
        return "resume"
    if course.needs_authorisation:
        return "ask_invigilator"
    if _tab_matches(course.id):
        return "in_progress"
    course_services.mark_left(course, now())
    return "ask_invigilator"


@login_required
def candidate(candidate_id: int) -> ResponseReturnValue:
    found = _own_candidate(candidate_id)
    state = _candidate_state(found)
    if state == "in_progress":
        assert found.course is not None
        return redirect(url_for("assessment.question", assessment_id=found.course.assessment_id), code=303)
    refresh = WAITING_REFRESH_SECONDS if state in ("waiting", "ask_invigilator") else None
    info = eligibility(get_db(), user().id, pack_key(), max_level()) if state == "ineligible" else None
    response = current_app.make_response(render_template(
        "certif/candidate.html", candidate=found, state=state, refresh=refresh, eligibility=info))
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
def start(candidate_id: int) -> ResponseReturnValue:
    found = _own_candidate(candidate_id)
    settings = current_app.config["PIX_SETTINGS"]
    try:
        course = course_services.start_or_resume(
            get_db(), found, pack_key=pack_key(), mode=settings.certification_mode,
            length=settings.certification_length, max_level=max_level(), now=now())
    except CertifError:
        return redirect(url_for("certif.candidate", candidate_id=found.id), code=303)
    token = secrets.token_urlsafe(24)
    session[TAB_SESSION_KEY] = {"course": course.id, "token": token}
    response = redirect(url_for("assessment.question", assessment_id=course.assessment_id), code=303)
    # No max_age: a browser-session cookie, dropped when the browser closes (see the module docstring).
    response.set_cookie(TAB_COOKIE, token, httponly=True, secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
                        samesite=current_app.config["SESSION_COOKIE_SAMESITE"], path="/")
    return response


# ---------------------------------------------------------------------------------------------------------------------
# Called by assessment.taking for assessments of type CERTIFICATION


def certification_gate(assessment: Assessment) -> ResponseReturnValue | None:
    course = course_services.course_of(get_db(), assessment)
    if course is None:
        abort(404)
    to_candidate_page = redirect(url_for("certif.candidate", candidate_id=course.candidate_id), code=303)
    if (course.ended_at is not None or course.needs_authorisation
            or course.candidate.status is not CandidateStatus.IN_PROGRESS
            or course.candidate.session.status is not SessionStatus.CREATED):
        return to_candidate_page
    if not _tab_matches(course.id):
        course_services.mark_left(course, now())
        return to_candidate_page
    return None


def question_length(assessment: Assessment) -> int:
    course = course_services.course_of(get_db(), assessment)
    return course.max_length if course is not None else 0
