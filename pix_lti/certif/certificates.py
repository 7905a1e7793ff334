"""Published certificates: which results a student (or the public, by code) may see, and the plain data the page and
the PDF are built from.

A certificate exists for a result that is VALIDATED, published (its session PUBLISHED) and has a verification code.
Rejected and cancelled results never give one; a student sees the outcome of their rejected results on their list
(without a certificate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.certif import codes
from pix_lti.certif.certificate_pdf import CertificateCompetence, CertificateData, CertificateDomain
from pix_lti.certif.models import (
    CertificationCandidate,
    CertificationCourse,
    CertificationResult,
    CertificationSession,
    ResultStatus,
    SessionStatus,
)
from pix_lti.participation.presenters import referential


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def published_results_query():  # type: ignore[no-untyped-def]
    """Results of published sessions (any status), joined to their course, candidate and session."""
    return (select(CertificationResult).join(CertificationCourse, CertificationResult.course_id == CertificationCourse.id)
            .join(CertificationCandidate, CertificationCourse.candidate_id == CertificationCandidate.id)
            .join(CertificationSession, CertificationCandidate.session_id == CertificationSession.id)
            .where(CertificationSession.status == SessionStatus.PUBLISHED,
                   CertificationResult.published_at.is_not(None)))


def is_certificate(result: CertificationResult) -> bool:
    return (result.status is ResultStatus.VALIDATED and result.published_at is not None
            and result.verification_code is not None
            and result.course.candidate.session.status is SessionStatus.PUBLISHED)


def results_of_user(session: Session, user_id: int) -> list[CertificationResult]:
    """A student's published results, newest first (cancelled ones are not shown: they never happened)."""
    return list(session.scalars(
        published_results_query()
        .where(CertificationCourse.user_id == user_id, CertificationResult.status != ResultStatus.CANCELLED)
        .order_by(CertificationSession.starts_at.desc(), CertificationResult.id.desc())))


def certificate_of_user(session: Session, user_id: int, result_id: int) -> CertificationResult | None:
    """``user_id``'s certificate ``result_id``; None for anybody else's (the view answers 404 alike)."""
    result = session.get(CertificationResult, result_id)
    if result is None or result.course.user_id != user_id or not is_certificate(result):
        return None
    return result


def find_by_code(session: Session, raw: str | None) -> CertificationResult | None:
    """The certificate with this verification code. A malformed code still runs the same query (nothing matches),
    so a wrong code and a malformed one take the same path."""
    code = codes.normalise_verification_code(raw)
    if not codes.is_valid_verification_code(code):
        code = "!"  # matches no stored code
    result = session.scalar(published_results_query().where(CertificationResult.verification_code == code))
    if result is None or not is_certificate(result):
        return None
    return result


@dataclass(frozen=True)
class CertificateView:
    """What the certificate page shows (the PDF data plus a few flags)."""

    result_id: int
    data: CertificateData
    expired: bool


def certificate_view(session: Session, result: CertificationResult, *, locale: str, timezone: str,
                     public_url: str, today: date | None = None) -> CertificateView:
    course = result.course
    candidate = course.candidate
    cert_session = candidate.session
    areas = referential(session, course.assessment.pack_key, locale)
    levels = result.competence_levels or {}
    domains = tuple(
        CertificateDomain(area.code, area.title, tuple(
            CertificateCompetence(c.code, c.name, int(levels.get(c.code, -1))) for c in area.competences))
        for area in areas)
    code = result.verification_code or ""
    assert result.valid_until is not None and result.published_at is not None
    data = CertificateData(
        first_name=candidate.first_name, last_name=candidate.last_name, birth_date=candidate.birth_date,
        pix_score=result.pix_score, domains=domains, certified_on=local_date(cert_session.starts_at, timezone),
        centre=cert_session.centre.organisation.name, valid_until=result.valid_until, verification_code=code,
        verification_url=f"{public_url.rstrip('/')}/verification/{code}")
    today = today or date.today()
    return CertificateView(result.id, data, expired=result.valid_until < today)
