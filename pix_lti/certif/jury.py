"""The jury (issue 9 §6): platform administrators review the results of finalised sessions, then publish them.

Who: platform administrators (``User.is_platform_admin``) only. The issue says "admins review"; a centre's own staff
are the ones who ran the session, so they do not judge its results (they export them once published).

What the jury does on a PENDING_JURY result (a FINALISED session, not yet published):
- **neutralise** a challenge the candidate answered: recorded as an incident marked ``neutralise`` (so the reason
  stays visible beside the invigilator's incidents), then the result is rescored;
- **reject** (status REJECTED, reason ``jury``) or **cancel** (CANCELLED: no certificate, e.g. a candidate who should
  not have sat) with a comment; **reopen** a decided result (back to PENDING_JURY, rescored); **comment**.

**Publication** of a session: every PENDING_JURY result takes the status the rules proposed (VALIDATED when it has no
reason, REJECTED otherwise); validated results get a unique verification code (``codes.new_verification_code``) and
are valid 3 years from the **session date** ("Validité 3 ans", seeds/004) — the day the candidate was certified, the
date the certificate prints, so "certified on" and "valid until" always read together; the session becomes PUBLISHED; the event
``certification_published`` lets other features react (LMS outcomes) in the same transaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti import events
from pix_lti.certif import codes
from pix_lti.certif.models import (
    CertificationIncident,
    CertificationResult,
    CertificationSession,
    IncidentCategory,
    ResultStatus,
    SessionStatus,
)
from pix_lti.certif.scoring import JURY_REJECTED, courses_of, proposed_status, score_result, score_session
from pix_lti.db import utcnow
from pix_lti.identity.models import User

VALIDITY_YEARS = 3
MAX_COMMENT = 2000


class JuryError(Exception):
    """An action the jury cannot take in the current state (the view shows the message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def valid_until(certified_on: date, years: int = VALIDITY_YEARS) -> date:
    """``years`` after ``certified_on`` (29 February → 28 February)."""
    try:
        return certified_on.replace(year=certified_on.year + years)
    except ValueError:
        return certified_on.replace(year=certified_on.year + years, day=28)


def certified_on(certification_session: CertificationSession) -> date:
    """The session's day in the settings' time zone (the date the certificate prints)."""
    timezone = "Europe/Paris"
    if has_app_context():
        timezone = str(current_app.config["PIX_SETTINGS"].timezone)
    return certification_session.starts_at.astimezone(ZoneInfo(timezone)).date()


def reviewable_sessions(session: Session) -> list[CertificationSession]:
    """Finalised sessions first (to review), then published ones; newest first."""
    return list(session.scalars(
        select(CertificationSession)
        .where(CertificationSession.status.in_((SessionStatus.FINALISED, SessionStatus.PUBLISHED)))
        .order_by(CertificationSession.status, CertificationSession.finalised_at.desc(),
                  CertificationSession.id.desc())))


def session_results(session: Session, certification_session: CertificationSession) -> list[CertificationResult]:
    """The session's results, scoring any course that has none yet (e.g. finalised before scoring existed)."""
    if certification_session.status is SessionStatus.FINALISED:
        missing = [c for c in courses_of(session, certification_session) if c.result is None]
        for course in missing:
            score_result(session, course)
    return [c.result for c in courses_of(session, certification_session) if c.result is not None]


def _open(result: CertificationResult) -> None:
    if result.course.candidate.session.status is not SessionStatus.FINALISED:
        raise JuryError("session_not_open")


def _comment(result: CertificationResult, comment: str | None) -> None:
    if comment is not None and comment.strip():
        result.jury_comment = comment.strip()[:MAX_COMMENT]


def neutralise(session: Session, result: CertificationResult, challenge_id: str, jury: User,
               comment: str = "") -> CertificationResult:
    _open(result)
    if result.status is not ResultStatus.PENDING_JURY:
        raise JuryError("result_decided")
    course = result.course
    answered = {a.challenge_id for a in course.assessment.answers}
    if challenge_id not in answered:
        raise JuryError("unknown_challenge")
    if challenge_id not in result.neutralised_challenge_ids:
        session.add(CertificationIncident(candidate_id=course.candidate_id, category=IncidentCategory.OTHER,
                                          challenge_id=challenge_id, neutralise=True, created_by_id=jury.id,
                                          description=(comment.strip() or "jury")[:MAX_COMMENT]))
        session.flush()
        session.refresh(course.candidate, ["incidents"])
    result.reviewed_by_id = jury.id
    return score_result(session, course)


def reject(session: Session, result: CertificationResult, jury: User, comment: str = "") -> CertificationResult:
    _open(result)
    result.status = ResultStatus.REJECTED
    if JURY_REJECTED not in result.reasons:
        result.reasons = [*result.reasons, JURY_REJECTED]
    result.reviewed_by_id = jury.id
    _comment(result, comment)
    session.flush()
    return result


def cancel(session: Session, result: CertificationResult, jury: User, comment: str = "") -> CertificationResult:
    _open(result)
    result.status = ResultStatus.CANCELLED
    result.reviewed_by_id = jury.id
    _comment(result, comment)
    session.flush()
    return result


def reopen(session: Session, result: CertificationResult, jury: User) -> CertificationResult:
    """Back to PENDING_JURY and rescored (the jury's own ``jury`` reason goes away with the rescoring)."""
    _open(result)
    result.status = ResultStatus.PENDING_JURY
    result.reviewed_by_id = jury.id
    return score_result(session, result.course)


def comment(session: Session, result: CertificationResult, jury: User, text: str) -> CertificationResult:
    _open(result)
    result.jury_comment = text.strip()[:MAX_COMMENT]
    result.reviewed_by_id = jury.id
    session.flush()
    return result


def _unique_code(session: Session, rng: random.Random | None, taken: set[str]) -> str:
    for _ in range(50):
        code = codes.new_verification_code(rng)
        if code in taken:
            continue
        if not session.scalar(select(func.count()).select_from(CertificationResult)
                              .where(CertificationResult.verification_code == code)):
            taken.add(code)
            return code
    raise RuntimeError("could not draw a free verification code")  # 31^8 codes: never in practice


def publish(session: Session, certification_session: CertificationSession, jury: User, *,
            now: datetime | None = None, rng: random.Random | None = None) -> Sequence[CertificationResult]:
    """Publish a finalised session (see the module docstring). Returns its results."""
    if certification_session.status is not SessionStatus.FINALISED:
        raise JuryError("session_not_open")
    now = now or utcnow()
    score_session(session, certification_session)  # anything not scored yet
    results = session_results(session, certification_session)
    taken: set[str] = set()
    for result in results:
        result.status = proposed_status(result)
        result.published_at = now
        if result.status is ResultStatus.VALIDATED and not result.verification_code:
            result.verification_code = _unique_code(session, rng, taken)
            result.valid_until = valid_until(certified_on(certification_session))
        if result.reviewed_by_id is None:
            result.reviewed_by_id = jury.id
    certification_session.status = SessionStatus.PUBLISHED
    certification_session.published_at = now
    session.flush()
    events.certification_published.send(session, certification_session=certification_session, results=results)
    return results
