"""Taking a test: the router that sends to the current step, the question (GET shows the current challenge only,
POST answers it, then redirects: PRG), the checkpoint every 5 answers and the competence result.

Competence evaluations and campaign assessments are served alike; at the end a campaign goes to the campaign's own
end page (``participation.end``). Answers are recorded by ``services.submit_answer`` under a row lock: a double click
or a network retry gets the same outcome and stores one answer.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from pix_lti.assessment import presenters, services
from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType
from pix_lti.assessment.views import locale, long_date, max_level, now, user
from pix_lti.auth.access import login_required
from pix_lti.content import caches, templating
from pix_lti.content.caches import VersionContent
from pix_lti.db import get_db
from pix_lti.engine import rules
# Imported here (not lazily) also because assessments reference campaign_participations: the table must be in the
# metadata before the first flush of an Assessment in a server process, where nothing else may have imported it.
from pix_lti.orga.models import CampaignParticipation

MAX_CHALLENGE_ID = 100  # the column's size: a longer hidden value is tampering (422)


def _own(assessment_id: int, *, lock: bool = False) -> Assessment:
    """The logged-in learner's assessment, or 404 (never another user's, never saying whether it exists)."""
    session = get_db()
    if lock:
        assessment = services.lock_assessment(session, assessment_id, user().id)
    else:
        assessment = session.scalar(services.OWN_ASSESSMENT, {"assessment_id": assessment_id, "user_id": user().id})
    if assessment is None:
        abort(404)
    return assessment


def _certification_gate(assessment: Assessment) -> ResponseReturnValue | None:
    """For a certification: None when the candidate may go on here (authorised, in this browser session), otherwise
    where to go instead (the candidate's certification page: wait for the invigilator, or the end page)."""
    if assessment.type is not AssessmentType.CERTIFICATION:
        return None
    from pix_lti.certif.candidate_views import certification_gate

    return certification_gate(assessment)


def _to_router(assessment: Assessment) -> ResponseReturnValue:
    return redirect(url_for("assessment.router", assessment_id=assessment.id), code=303)


def _to_next_step(assessment: Assessment) -> ResponseReturnValue:
    """After an answer or a checkpoint: straight to the page the router would send to (the question or the
    checkpoint), saving the student a round trip; PRG stays (303 to a GET page that shows the current step only).
    Anything else (end of a test, certification) goes through the router."""
    if assessment.type is not AssessmentType.CERTIFICATION:
        if services.checkpoint_due(assessment):
            return redirect(url_for("assessment.checkpoint", assessment_id=assessment.id), code=303)
        if assessment.status is AssessmentStatus.STARTED:
            return redirect(url_for("assessment.question", assessment_id=assessment.id), code=303)
    return _to_router(assessment)


def _campaign_end(assessment: Assessment) -> ResponseReturnValue:
    participation = get_db().get(CampaignParticipation, assessment.campaign_participation_id)
    if participation is None:
        abort(404)
    try:
        return redirect(url_for("participation.end", code=participation.campaign.code), code=303)
    except BuildError:  # the campaign pages are not installed: say it is finished and go home
        flash(_("Vous avez terminé le parcours « %(title)s ».", title=participation.campaign.title), "success")
        return redirect(url_for("assessment.profile"), code=303)


def _title(assessment: Assessment) -> str:
    """What the test is about, for headings: the competence name, or the campaign's title."""
    if assessment.type is AssessmentType.CAMPAIGN and assessment.campaign_participation_id is not None:
        participation = get_db().get(CampaignParticipation, assessment.campaign_participation_id)
        if participation is not None:
            return participation.campaign.title
    if assessment.type is AssessmentType.CERTIFICATION:
        return _("Certification Pix")
    code = assessment.competence_code or ""
    return presenters.competence_name(get_db(), assessment.pack_key, code, locale()) or code


def _problem(error: services.AssessmentError, assessment: Assessment) -> ResponseReturnValue:
    """409/422 page with a way back to the current step; the request rolls back (nothing stored)."""
    if isinstance(error, services.InvalidAnswer):
        message = _("Votre réponse n'a pas pu être enregistrée : elle est mal formée ou trop longue "
                    "(%(max)s caractères au plus par champ).", max=services.MAX_ANSWER_CHARS)
    elif isinstance(error, services.AssessmentFinished):
        message = _("Ce test est terminé : il n'est plus possible d'y répondre.")
    else:
        message = _("Cette question n'est pas la question en cours de votre test (elle a déjà été traitée, ou la "
                    "page était ancienne). Aucune réponse n'a été enregistrée.")
    return render_template("assessment/problem.html", status=error.status, message=message,
                           assessment=assessment), error.status


# ---------------------------------------------------------------------------------------------------------------------
# Router


@login_required
def router(assessment_id: int) -> ResponseReturnValue:
    assessment = _own(assessment_id)
    if assessment.type is AssessmentType.CERTIFICATION:
        return _certification_gate(assessment) or redirect(
            url_for("assessment.question", assessment_id=assessment.id), code=303)
    if assessment.status is AssessmentStatus.ABORTED:
        flash(_("Ce test a été abandonné (la compétence a été remise à zéro)."), "info")
        return redirect(url_for("assessment.profile"), code=303)
    if services.checkpoint_due(assessment):
        return redirect(url_for("assessment.checkpoint", assessment_id=assessment.id), code=303)
    if assessment.status is AssessmentStatus.STARTED:
        return redirect(url_for("assessment.question", assessment_id=assessment.id), code=303)
    if assessment.type is AssessmentType.CAMPAIGN:
        return _campaign_end(assessment)
    return redirect(url_for("assessment.result", assessment_id=assessment.id), code=303)


# ---------------------------------------------------------------------------------------------------------------------
# Question


def _current_version(assessment: Assessment) -> VersionContent:
    """The current challenge's content: immutable, so read once per process (``content.caches``)."""
    assert assessment.current_challenge_version_id is not None
    return caches.version_content(get_db(), assessment.current_challenge_version_id)


@login_required
def question(assessment_id: int) -> ResponseReturnValue:
    if request.method == "POST":
        return _answer(assessment_id)
    assessment = _own(assessment_id, lock=True)
    gate = _certification_gate(assessment)
    if gate is not None:
        return gate
    if assessment.status is not AssessmentStatus.STARTED or services.checkpoint_due(assessment):
        return _to_router(assessment)
    version = _current_version(assessment)
    shown_in = presenters.display_locale(version, locale())
    position = assessment.answer_count % rules.CHECKPOINT_SIZE + 1
    context: dict[str, Any] = dict(assessment=assessment, version=version, shown_in=shown_in,
                                   number=assessment.answer_count + 1, position=position,
                                   block_size=rules.CHECKPOINT_SIZE, title=_title(assessment))
    if assessment.type is AssessmentType.CERTIFICATION:
        from pix_lti.certif.candidate_views import question_length

        context.update(certification=True, position=assessment.answer_count + 1,
                       block_size=question_length(assessment))
    if version.timer and assessment.current_challenge_shown_at is None:
        # The clock starts when the student chooses to see the question, after this warning.
        return render_template("assessment/timer_warning.html", **context)
    moment = now()
    services.mark_shown(assessment, moment)
    remaining = None
    if version.timer:
        elapsed = services.elapsed_since(assessment.current_challenge_shown_at, moment).total_seconds()
        remaining = max(0, int(version.timer - elapsed))
    response = current_app.make_response(render_template(
        "assessment/question.html", remaining=remaining,
        challenge_body=templating.challenge_body_html(version, shown_in), **context))
    response.headers["Cache-Control"] = "no-store"  # the back button must not show a stale question
    return response


@login_required
def start_timer(assessment_id: int) -> ResponseReturnValue:
    """After the warning of a timed question: the clock starts now (once; resuming does not restart it)."""
    assessment = _own(assessment_id, lock=True)
    gate = _certification_gate(assessment)
    if gate is not None:
        return gate
    if assessment.status is AssessmentStatus.STARTED and not services.checkpoint_due(assessment):
        services.mark_shown(assessment, now())
        assessment.updated_at = now()
    return redirect(url_for("assessment.question", assessment_id=assessment.id), code=303)


def _answer(assessment_id: int) -> ResponseReturnValue:
    assessment = _own(assessment_id, lock=True)
    gate = _certification_gate(assessment)
    if gate is not None:
        return gate  # nothing stored: the candidate must be authorised again (or the test is over)
    form = request.form
    challenge_id = form.get("challenge_id", "")
    try:
        if not challenge_id or len(challenge_id) > MAX_CHALLENGE_ID:
            raise services.InvalidAnswer("challenge_id")
        version_locale = locale()
        if assessment.current_challenge_version_id is not None and challenge_id == assessment.current_challenge_id:
            version = _current_version(assessment)
            version_locale = presenters.display_locale(version, locale())
        services.submit_answer(get_db(), assessment, challenge_id=challenge_id, form=form,
                               skipped=bool(form.get("skip")), focused_out=form.get("focused_out") == "1",
                               locale=version_locale, max_level=max_level(), now=now())
    except services.AssessmentError as error:
        return _problem(error, assessment)
    return _to_next_step(assessment)


# ---------------------------------------------------------------------------------------------------------------------
# Checkpoint and result


@login_required
def checkpoint(assessment_id: int) -> ResponseReturnValue:
    if request.method == "POST":
        assessment = _own(assessment_id, lock=True)
        if services.checkpoint_due(assessment):
            services.close_checkpoint(assessment)
        return _to_next_step(assessment)
    assessment = _own(assessment_id)
    if not services.checkpoint_due(assessment):
        return _to_router(assessment)
    session = get_db()
    answers = services.answers_to_review(assessment)
    items = presenters.review_items(session, answers, locale(), first_number=assessment.checkpoint_seen + 1)
    return render_template(
        "assessment/checkpoint.html", assessment=assessment, items=items, title=_title(assessment),
        tutorials=presenters.tutorials_for_failed_answers(session, assessment.pack_key, answers, locale(),
                                                          assessment.user_id),
        right=sum(1 for item in items if item.correct), finished=assessment.status is AssessmentStatus.COMPLETED)


@login_required
def result(assessment_id: int) -> ResponseReturnValue:
    assessment = _own(assessment_id)
    if assessment.type is AssessmentType.CERTIFICATION:
        return _to_router(assessment)  # no result page: results come after the jury's review
    if assessment.status is not AssessmentStatus.COMPLETED or services.checkpoint_due(assessment):
        return _to_router(assessment)
    if assessment.type is AssessmentType.CAMPAIGN:
        return _campaign_end(assessment)
    session = get_db()
    return render_template(
        "assessment/result.html", assessment=assessment,
        result=presenters.competence_result(session, assessment, locale(), max_level()),
        tutorials=presenters.tutorials_to_go_further(session, assessment, locale()), long_date=long_date)
