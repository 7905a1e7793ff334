"""Scoring a finalised session (issue 9 §6): one ``CertificationResult`` per certification course, PENDING_JURY, with
what the rules propose (the pure rules are in :mod:`pix_lti.engine.certification`).

- **Neutralised challenges**: a challenge named by an incident marked ``neutralise`` (by the invigilator or, later, by
  the jury), or by any non-fraud incident about that challenge (a technical problem on one question), is removed
  before scoring.
- **Fraud**: a FRAUD incident on the candidate proposes a rejection with the reason ``fraud`` (the score is still
  computed, for the jury to see).
- **Ended early**: a test ended by the invigilator, aborted, or never finished when the session was finalised is scored
  as an abort (v3: fewer than 20 answers → rejected).
- **v2** is scored against the candidate's profile *when the test started* (knowledge elements created before
  ``started_at``, the certification's own assessment excluded), so training after the session changes nothing.

A proposal is a result with ``reasons``: empty = to validate, non-empty = to reject. The jury then confirms, rejects,
cancels or neutralises (see :mod:`pix_lti.certif.jury`); publication turns what is still PENDING_JURY into VALIDATED or
REJECTED. ``score_session`` is idempotent: calling it again rescores the PENDING_JURY results in place (the jury's
comment is kept) and leaves decided ones alone.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti import engine
from pix_lti.assessment import catalogs
from pix_lti.assessment.models import CompetenceReset, KnowledgeElement
from pix_lti.certif.models import (
    CandidateStatus,
    CertificationCourse,
    CertificationMode,
    CertificationResult,
    CertificationSession,
    IncidentCategory,
    ResultStatus,
)
from pix_lti.db import utcnow
from pix_lti.engine.certification import (
    NOT_CERTIFIED,
    CertificationScore,
    PlannedChallenge,
    certifiable_competences,
    score_v2,
    score_v3,
)

FRAUD = "fraud"
JURY_REJECTED = "jury"


def _max_level(max_level: int | None) -> int:
    if max_level is not None:
        return max_level
    if has_app_context():
        return int(current_app.config["PIX_SETTINGS"].max_reachable_level)
    return engine.DEFAULT_MAX_REACHABLE_LEVEL


def neutralised_challenges(course: CertificationCourse) -> set[str]:
    """Challenges removed from the scoring of ``course`` (see the module docstring)."""
    return {i.challenge_id for i in course.candidate.incidents
            if i.challenge_id and (i.neutralise or i.category is not IncidentCategory.FRAUD)}


def has_fraud(course: CertificationCourse) -> bool:
    return any(i.category is IncidentCategory.FRAUD for i in course.candidate.incidents)


def ended_early(course: CertificationCourse) -> bool:
    return (course.end_reason != "finished"
            or course.candidate.status is CandidateStatus.ENDED_BY_INVIGILATOR)


def profile_at_start(session: Session, course: CertificationCourse) -> list[engine.KnowledgeElement]:
    """The candidate's knowledge (latest element per skill, resets applied) as it stood when the test started."""
    moment = course.started_at
    resets: dict[str, datetime] = {
        code: at for code, at in session.execute(
            select(CompetenceReset.competence_code, CompetenceReset.reset_at)
            .where(CompetenceReset.user_id == course.user_id, CompetenceReset.reset_at <= moment))}
    latest: dict[str, KnowledgeElement] = {}
    query = (select(KnowledgeElement)
             .where(KnowledgeElement.user_id == course.user_id, KnowledgeElement.created_at <= moment,
                    KnowledgeElement.assessment_id != course.assessment_id)
             .order_by(KnowledgeElement.assessment_id, KnowledgeElement.id))
    for ke in session.scalars(query):
        reset_at = resets.get(ke.competence_code)
        if reset_at is not None and ke.created_at <= reset_at:
            continue
        latest[ke.skill_id] = ke
    return [engine.KnowledgeElement(skill_id=k.skill_id, status=k.status, source=k.source, challenge_id=k.challenge_id)
            for k in latest.values()]


def score_course(session: Session, course: CertificationCourse, *, max_level: int | None = None) -> CertificationScore:
    """What the rules give for one course (nothing stored)."""
    level_cap = _max_level(max_level)
    assessment = course.assessment
    catalog = catalogs.full_catalog(session, assessment.pack_key)
    answers = [engine.Answer(a.challenge_id, a.result) for a in assessment.answers]
    neutralised = neutralised_challenges(course)
    if course.mode is CertificationMode.V2:
        profile = certifiable_competences(catalog, profile_at_start(session, course), level_cap)
        plan = [PlannedChallenge.from_dict(p) for p in (course.planned_challenges or [])]
        score = score_v2(profile, plan, answers, neutralised)
        levels = {code: NOT_CERTIFIED for code in catalog.competences} | dict(score.competence_levels)
        score = CertificationScore(score.rejected, score.pix_score, levels, score.competence_pix, score.reasons,
                                   score.reproducibility_rate, score.theta, score.counted_answers,
                                   score.neutralised_challenge_ids)
        return score
    return score_v3(catalog, answers, neutralised, ended_early=ended_early(course), max_level=level_cap)


def _apply(result: CertificationResult, course: CertificationCourse, score: CertificationScore,
           now: datetime) -> None:
    reasons = list(score.reasons)
    if has_fraud(course) and FRAUD not in reasons:
        reasons.append(FRAUD)
    result.pix_score = score.pix_score
    result.competence_levels = dict(score.competence_levels)
    result.reproducibility_rate = score.reproducibility_rate
    result.reasons = reasons
    result.neutralised_challenge_ids = sorted(neutralised_challenges(course))
    result.computed_at = now


def score_result(session: Session, course: CertificationCourse, *, max_level: int | None = None,
                 now: datetime | None = None) -> CertificationResult:
    """Create or refresh the PENDING_JURY result of ``course`` (a decided result is returned unchanged)."""
    result = course.result
    if result is not None and result.status is not ResultStatus.PENDING_JURY:
        return result
    if result is None:
        result = CertificationResult(course_id=course.id, status=ResultStatus.PENDING_JURY, jury_comment="")
        session.add(result)
        course.result = result
    _apply(result, course, score_course(session, course, max_level=max_level), now or utcnow())
    session.flush()
    return result


def courses_of(session: Session, certification_session: CertificationSession) -> list[CertificationCourse]:
    return [c.course for c in certification_session.candidates if c.course is not None]


def score_session(session: Session, certification_session: CertificationSession, *, max_level: int | None = None,
                  now: datetime | None = None) -> list[CertificationResult]:
    """Score every course of a finalised session (called at finalisation; safe to call again)."""
    now = now or utcnow()
    return [score_result(session, course, max_level=max_level, now=now)
            for course in courses_of(session, certification_session)]


def proposed_status(result: CertificationResult) -> ResultStatus:
    """What a PENDING_JURY result becomes at publication (a decided result keeps its status)."""
    if result.status is not ResultStatus.PENDING_JURY:
        return result.status
    return ResultStatus.REJECTED if result.reasons else ResultStatus.VALIDATED
