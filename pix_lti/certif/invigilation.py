"""The invigilator's actions on their session: authorise a start (or a resume), pause, end a candidate's test, mark a
candidate absent, report incidents, and finalise the session (after which nothing changes here any more and the
results are scored). Services receive a session and flush."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import verify_password
from pix_lti.certif import codes, course as course_services
from pix_lti.certif.centres import CertifError, form_text
from pix_lti.certif.models import (
    CandidateStatus,
    CertificationCandidate,
    CertificationIncident,
    CertificationSession,
    IncidentCategory,
    SessionStatus,
)

log = logging.getLogger(__name__)
DESCRIPTION_MAX = 2000
CHALLENGE_ID_MAX = 100


def check_credentials(session: Session, session_number: str, password: str) -> CertificationSession | None:
    """The session whose number and invigilator password match (a constant-time hash check even without a session)."""
    number = codes.normalise_session_number(session_number)
    found = session.get(CertificationSession, number) if number is not None else None
    ok = verify_password(found.invigilator_password_hash if found else None, password.strip().upper())
    return found if ok else None


def _open(certification_session: CertificationSession) -> None:
    if certification_session.status is not SessionStatus.CREATED:
        raise CertifError("session_closed")


def authorise(candidate: CertificationCandidate, now: datetime) -> None:
    """First start (the candidate joined and waits), or a resume after the candidate left or was paused."""
    _open(candidate.session)
    course = candidate.course
    if candidate.user_id is None:
        raise CertifError("not_joined")
    if course is None and candidate.status in (CandidateStatus.NOT_STARTED, CandidateStatus.AUTHORISED):
        pass
    elif course is not None and course.ended_at is None and course.needs_authorisation:
        pass
    else:
        raise CertifError("cannot_authorise")
    candidate.status = CandidateStatus.AUTHORISED
    candidate.authorised_at = now


def pause(candidate: CertificationCandidate, now: datetime) -> None:
    """Stop a test under way for a while (the candidate sees "wait for the invigilator"); resuming needs an
    authorisation, like after leaving."""
    _open(candidate.session)
    course = candidate.course
    if course is None or course.ended_at is not None or course.needs_authorisation:
        raise CertifError("cannot_pause")
    course_services.mark_left(course, now)


def end_test(session: Session, candidate: CertificationCandidate, now: datetime) -> None:
    _open(candidate.session)
    if candidate.course is None or candidate.course.ended_at is not None:
        raise CertifError("cannot_end")
    course_services.end_by_invigilator(session, candidate.course, now)


def mark_absent(candidate: CertificationCandidate) -> None:
    _open(candidate.session)
    if candidate.course is not None:
        raise CertifError("already_started")
    candidate.status = CandidateStatus.ABSENT


def mark_present(candidate: CertificationCandidate) -> None:
    _open(candidate.session)
    if candidate.status is CandidateStatus.ABSENT:
        candidate.status = CandidateStatus.NOT_STARTED


@dataclass
class IncidentDraft:
    category: str = ""
    challenge_id: str = ""
    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: Mapping[str, str], known_challenges: set[str]) -> IncidentDraft:
        draft = cls(category=form_text(form, "category"), challenge_id=form_text(form, "challenge_id"),
                    description=form_text(form, "description"))
        if draft.category not in {c.value for c in IncidentCategory}:
            draft.errors["category"] = "invalid"
        if draft.challenge_id and draft.challenge_id not in known_challenges:
            draft.errors["challenge_id"] = "invalid"  # only a challenge this candidate was shown
        if not draft.description:
            draft.errors["description"] = "required"
        elif len(draft.description) > DESCRIPTION_MAX:
            draft.errors["description"] = "too_long"
        return draft


def report_incident(session: Session, candidate: CertificationCandidate, draft: IncidentDraft,
                    now: datetime) -> CertificationIncident:
    _open(candidate.session)
    assert not draft.errors
    incident = CertificationIncident(candidate_id=candidate.id, category=IncidentCategory(draft.category),
                                     challenge_id=draft.challenge_id or None, description=draft.description,
                                     created_at=now)
    candidate.incidents.append(incident)
    session.flush()
    return incident


def shown_challenges(candidate: CertificationCandidate) -> list[str]:
    """The challenges the candidate saw: answered ones, then the current one (an incident may be about either)."""
    if candidate.course is None:
        return []
    assessment = candidate.course.assessment
    shown = [a.challenge_id for a in assessment.answers]
    if assessment.current_challenge_id and assessment.current_challenge_id not in shown:
        shown.append(assessment.current_challenge_id)
    return shown


def answer_counts(session: Session, certification_session: CertificationSession) -> dict[int, int]:
    from pix_lti.assessment.models import Assessment
    from pix_lti.certif.models import CertificationCourse

    return dict(session.execute(
        select(CertificationCourse.candidate_id, Assessment.answer_count)
        .join(Assessment, Assessment.id == CertificationCourse.assessment_id)
        .join(CertificationCandidate, CertificationCandidate.id == CertificationCourse.candidate_id)
        .where(CertificationCandidate.session_id == certification_session.id)).all())


def running_candidates(certification_session: CertificationSession) -> list[CertificationCandidate]:
    """Candidates whose test is under way: the session cannot be finalised before the invigilator ends them."""
    return [c for c in certification_session.candidates if c.course is not None and c.course.ended_at is None]


def finalise(session: Session, certification_session: CertificationSession, *, examiner_comment: str,
             now: datetime) -> None:
    """Close the session: candidates who never started are absent; then the results are scored (when the scoring
    module is installed)."""
    _open(certification_session)
    if running_candidates(certification_session):
        raise CertifError("tests_running")
    for candidate in certification_session.candidates:
        if candidate.course is None:
            candidate.status = CandidateStatus.ABSENT
    certification_session.examiner_comment = examiner_comment.strip()[:DESCRIPTION_MAX]
    certification_session.status = SessionStatus.FINALISED
    certification_session.finalised_at = now
    session.flush()
    _score(session, certification_session)


def _score(session: Session, certification_session: CertificationSession) -> None:
    try:
        from pix_lti.certif import scoring
    except ImportError:
        log.info("certification scoring not installed; session %s finalised unscored", certification_session.id)
        return
    score_session = getattr(scoring, "score_session", None)
    if score_session is not None:
        score_session(session, certification_session)
        session.flush()


def count_by_status(certification_session: CertificationSession) -> dict[str, int]:
    counts: dict[str, int] = {}
    for candidate in certification_session.candidates:
        counts[candidate.status.value] = counts.get(candidate.status.value, 0) + 1
    return counts


