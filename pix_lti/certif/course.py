"""The certification test itself: starting it (a CertificationCourse over an Assessment of type CERTIFICATION),
choosing each next challenge, ending it, and the invigilator's authorisation a candidate needs to go on after leaving.

Answers go through the ordinary ``assessment.services.submit_answer`` (stored once, timers and focus loss checked as
usual), which hands certification assessments to ``advance`` here instead of the profile engine: a certification
writes no knowledge elements, so the student's profile is untouched by it.

- v3 (default): the IRT ``flash`` selector over the whole bank (one question per tube, every competence visited first,
  no competence twice within 2, ``max_length`` questions), minus the challenges the candidate answered in earlier tests.
- v2: the plan of ``pix_lti.engine.certification.plan_v2`` (3 challenges per certifiable competence at the highest
  level reached, from challenges never answered), asked in order.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti import engine
from pix_lti.assessment import catalogs
from pix_lti.assessment import services as assessment_services
from pix_lti.assessment.models import Answer, Assessment, AssessmentStatus, AssessmentType
from pix_lti.certif.centres import CertifError
from pix_lti.certif.eligibility import eligibility
from pix_lti.certif.models import (
    CandidateStatus,
    CertificationCandidate,
    CertificationCourse,
    CertificationMode,
    SessionStatus,
)
from pix_lti.content import engine_bridge

V2_SELECTOR = "certif_v2"  # Assessment.selector of a v2 test (the plan decides; no engine selector)
END_FINISHED = "finished"
END_BY_INVIGILATOR = "ended_by_invigilator"
END_ABORTED = "aborted"

_catalog_cache: dict[int, tuple[engine.Catalog, frozenset[str], engine.Catalog]] = {}
_cache_lock = threading.Lock()


def course_of(session: Session, assessment: Assessment) -> CertificationCourse | None:
    return session.scalar(select(CertificationCourse).where(CertificationCourse.assessment_id == assessment.id))


def answered_before(session: Session, user_id: int, except_assessment_id: int | None = None) -> set[str]:
    """Challenges the learner answered in any other test (never asked again in a certification)."""
    query = select(Answer.challenge_id).join(Assessment, Assessment.id == Answer.assessment_id).where(
        Assessment.user_id == user_id)
    if except_assessment_id is not None:
        query = query.where(Assessment.id != except_assessment_id)
    return set(session.scalars(query))


def _v3_catalog(session: Session, assessment: Assessment) -> engine.Catalog:
    """The whole bank minus challenges answered in earlier tests (this test's own answers stay: they count)."""
    full = catalogs.full_catalog(session, assessment.pack_key)
    own = {a.challenge_id for a in assessment.answers}
    excluded = frozenset(answered_before(session, assessment.user_id, assessment.id) - own)
    cached = _catalog_cache.get(assessment.id)
    if cached is not None and cached[0] is full and cached[1] == excluded:
        return cached[2]
    if not excluded:
        sub = full
    else:
        sub = engine.Catalog.build(full.skills, [c for c in full.challenges if c.id not in excluded],
                                   version=f"{full.version}/certif-{assessment.id}")
    with _cache_lock:
        if len(_catalog_cache) > 256:
            _catalog_cache.clear()
        _catalog_cache[assessment.id] = (full, excluded, sub)
    return sub


def _plan_v2(session: Session, user_id: int, pack_key: str, max_level: int, seed: int) -> list[dict[str, Any]] | None:
    """The v2 plan, or None when the planner is not installed (the test then runs in v3)."""
    try:
        from pix_lti.engine.certification import plan_v2
    except ImportError:
        return None
    catalog = catalogs.full_catalog(session, pack_key)
    knowledge = [engine.KnowledgeElement(skill_id=ke.skill_id, status=ke.status, source=ke.source,
                                         challenge_id=ke.challenge_id)
                 for ke in assessment_services.current_knowledge(session, user_id).values()]
    planned = plan_v2(catalog, knowledge, answered_before(session, user_id), np.random.default_rng(seed),
                      max_level=max_level)
    return [{"challenge_id": p.challenge_id, "competence_code": p.competence, "skill": p.skill_id}
            for p in planned]


def start_or_resume(session: Session, candidate: CertificationCandidate, *, pack_key: str, mode: str,
                    length: int, max_level: int, now: datetime) -> CertificationCourse:
    """The candidate, authorised by the invigilator, starts their test (or resumes it after a new authorisation)."""
    if candidate.session.status is not SessionStatus.CREATED:
        raise CertifError("session_closed")
    course = candidate.course
    if course is not None and course.ended_at is not None:
        raise CertifError("ended")
    if candidate.status is CandidateStatus.IN_PROGRESS and course is not None and not course.needs_authorisation:
        return course  # a second click: already going on
    if candidate.status is not CandidateStatus.AUTHORISED:
        raise CertifError("not_authorised")
    assert candidate.user_id is not None
    if course is None:
        if not eligibility(session, candidate.user_id, pack_key, max_level).certifiable:
            raise CertifError("not_certifiable")
        course = _create_course(session, candidate, pack_key=pack_key, mode=mode, length=length,
                                max_level=max_level, now=now)
    course.needs_authorisation = False
    course.paused_at = None
    candidate.status = CandidateStatus.IN_PROGRESS
    session.flush()
    return course


def _create_course(session: Session, candidate: CertificationCandidate, *, pack_key: str, mode: str, length: int,
                   max_level: int, now: datetime) -> CertificationCourse:
    assert candidate.user_id is not None
    seed = secrets.randbits(31)
    plan = _plan_v2(session, candidate.user_id, pack_key, max_level, seed) if mode == CertificationMode.V2 else None
    chosen_mode = CertificationMode.V2 if plan is not None else CertificationMode.V3
    assessment = Assessment(user_id=candidate.user_id, type=AssessmentType.CERTIFICATION, pack_key=pack_key,
                            selector=V2_SELECTOR if chosen_mode is CertificationMode.V2 else "flash", seed=seed,
                            created_at=now, updated_at=now)
    session.add(assessment)
    session.flush()
    course = CertificationCourse(candidate_id=candidate.id, user_id=candidate.user_id, assessment_id=assessment.id,
                                 mode=chosen_mode, planned_challenges=plan,
                                 max_length=len(plan) if plan is not None else length, started_at=now)
    session.add(course)
    candidate.course = course
    session.flush()
    advance(session, assessment, now=now, course=course)
    return course


def _next_challenge(session: Session, assessment: Assessment, course: CertificationCourse) -> tuple[str | None, str]:
    """The next challenge id (or None) and the stop reason when None."""
    if course.mode is CertificationMode.V2:
        answered = {a.challenge_id for a in assessment.answers}
        for planned in course.planned_challenges or []:
            if planned["challenge_id"] not in answered:
                return str(planned["challenge_id"]), ""
        return None, "plan_done"
    catalog = _v3_catalog(session, assessment)
    state = engine.AssessmentState(competence=None, answers=tuple(
        engine.Answer(a.challenge_id, a.result) for a in assessment.answers))
    selector = engine.FlashSelector(length=course.max_length)
    selection = selector.next_challenge(catalog, state, np.random.default_rng([assessment.seed,
                                                                               assessment.answer_count]))
    return selection.challenge_id, str(selection.stop_reason or "")


def advance(session: Session, assessment: Assessment, *, now: datetime,
            course: CertificationCourse | None = None) -> None:
    """After an answer (or at the start): show the next challenge, or finish the test."""
    course = course or course_of(session, assessment)
    assert course is not None, "a certification assessment without its course"
    chosen, stop_reason = _next_challenge(session, assessment, course)
    if chosen is None:
        assessment_services.mark_completed(assessment, now, stop_reason or None)
        _close(course, END_FINISHED, now)
    else:
        version = engine_bridge.current_version(session, assessment.pack_key, chosen)
        assessment.current_challenge_id = chosen
        assessment.current_challenge_version_id = version.id
        assessment.current_challenge_shown_at = None
    assessment.updated_at = now
    session.flush()


def _close(course: CertificationCourse, reason: str, now: datetime) -> None:
    course.ended_at = now
    course.end_reason = reason
    course.needs_authorisation = False
    course.candidate.status = (CandidateStatus.FINISHED if reason == END_FINISHED
                               else CandidateStatus.ENDED_BY_INVIGILATOR)


def end_by_invigilator(session: Session, course: CertificationCourse, now: datetime) -> None:
    """The invigilator ends a test under way: no more answers; the answers given are scored."""
    if course.ended_at is not None:
        return
    assessment = course.assessment
    if assessment.status is AssessmentStatus.STARTED:
        assessment.status = AssessmentStatus.ABORTED
        assessment.stop_reason = END_BY_INVIGILATOR
        assessment.current_challenge_id = None
        assessment.current_challenge_version_id = None
        assessment.current_challenge_shown_at = None
        assessment.updated_at = now
    _close(course, END_BY_INVIGILATOR, now)
    session.flush()


def mark_left(course: CertificationCourse, now: datetime) -> None:
    """The candidate came back from another browser session: they go on only after a new authorisation."""
    if course.ended_at is None and not course.needs_authorisation:
        course.needs_authorisation = True
        course.paused_at = now
