"""Certification: centres (an organisation acting as one), sessions, enrolled candidates, the certification test of a
candidate (a course over an Assessment of type CERTIFICATION), incidents reported by the invigilator and the result
(scored after finalisation, reviewed by the jury, then published with a verification code).

Members of a centre are the memberships of its organisation (ADMIN / MEMBER): nothing is duplicated here."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pix_lti.assessment.models import Assessment
from pix_lti.db import Base, str_enum, utcnow
from pix_lti.identity.models import Organisation, User
from pix_lti.orga.models import OrganisationLearner


class SessionStatus(enum.StrEnum):
    CREATED = "CREATED"
    FINALISED = "FINALISED"  # the invigilator closed it: nothing changes in the portal any more; results are scored
    PUBLISHED = "PUBLISHED"  # the jury published its results


class CandidateStatus(enum.StrEnum):
    NOT_STARTED = "NOT_STARTED"
    AUTHORISED = "AUTHORISED"  # the invigilator let the candidate start (or resume)
    IN_PROGRESS = "IN_PROGRESS"
    FINISHED = "FINISHED"
    ENDED_BY_INVIGILATOR = "ENDED_BY_INVIGILATOR"
    ABSENT = "ABSENT"


class CertificationMode(enum.StrEnum):
    V3 = "v3"  # IRT flash: global ability, fixed length
    V2 = "v2"  # 3 challenges per certifiable competence at the highest level reached


class IncidentCategory(enum.StrEnum):
    TECHNICAL = "TECHNICAL"
    FRAUD = "FRAUD"
    OTHER = "OTHER"


class ResultStatus(enum.StrEnum):
    PENDING_JURY = "PENDING_JURY"
    VALIDATED = "VALIDATED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class CertificationCentre(Base):
    __tablename__ = "certification_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class CertificationSession(Base):
    """``id`` is the "session number" candidates and invigilators type."""

    __tablename__ = "certification_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("certification_centres.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]  # stored UTC, shown in the settings' timezone
    room: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    examiner: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    access_code: Mapped[str] = mapped_column(String(6), unique=True)  # 4 letters + 2 digits, upper-case
    invigilator_password_hash: Mapped[str] = mapped_column(String(255))  # argon2; the password is shown once
    status: Mapped[SessionStatus] = mapped_column(str_enum(SessionStatus, "certification_session_status"),
                                                  default=SessionStatus.CREATED)
    examiner_comment: Mapped[str] = mapped_column(Text, default="")
    finalised_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[CertificationCentre] = relationship()
    candidates: Mapped[list[CertificationCandidate]] = relationship(
        back_populates="session", order_by="[CertificationCandidate.last_name, CertificationCandidate.first_name, CertificationCandidate.id]",
        cascade="all, delete-orphan")


class CertificationCandidate(Base):
    __tablename__ = "certification_candidates"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("certification_sessions.id", ondelete="CASCADE"), index=True)
    organisation_learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation_learners.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)  # once joined
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    birth_date: Mapped[date]
    external_id: Mapped[str] = mapped_column(String(255), default="")
    accessibility_adjustment: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CandidateStatus] = mapped_column(str_enum(CandidateStatus, "certification_candidate_status",
                                                             length=24), default=CandidateStatus.NOT_STARTED)
    authorised_at: Mapped[datetime | None]
    joined_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[CertificationSession] = relationship(back_populates="candidates")
    organisation_learner: Mapped[OrganisationLearner | None] = relationship()
    user: Mapped[User | None] = relationship()
    course: Mapped[CertificationCourse | None] = relationship(back_populates="candidate", uselist=False)
    incidents: Mapped[list[CertificationIncident]] = relationship(
        back_populates="candidate", order_by="CertificationIncident.id", cascade="all, delete-orphan")


class CertificationCourse(Base):
    """A candidate's certification test: the Assessment holds the answers; this holds the certification specifics."""

    __tablename__ = "certification_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("certification_candidates.id", ondelete="CASCADE"),
                                              unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    mode: Mapped[CertificationMode] = mapped_column(str_enum(CertificationMode, "certification_mode", length=8))
    # v2 plan: [{challenge_id, competence_code, skill}]; None in v3 (flash picks as it goes).
    planned_challenges: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    max_length: Mapped[int] = mapped_column(default=32)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))  # finished / ended_by_invigilator / aborted
    # A candidate who left may resume only after the invigilator authorises again.
    needs_authorisation: Mapped[bool] = mapped_column(default=False)
    paused_at: Mapped[datetime | None]

    candidate: Mapped[CertificationCandidate] = relationship(back_populates="course")
    user: Mapped[User] = relationship()
    assessment: Mapped[Assessment] = relationship()
    result: Mapped[CertificationResult | None] = relationship(back_populates="course", uselist=False)


class CertificationIncident(Base):
    __tablename__ = "certification_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("certification_candidates.id", ondelete="CASCADE"),
                                              index=True)
    category: Mapped[IncidentCategory] = mapped_column(str_enum(IncidentCategory, "certification_incident_category"))
    challenge_id: Mapped[str | None] = mapped_column(String(100))  # an incident about one question
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    neutralise: Mapped[bool] = mapped_column(default=False)  # the jury or the rule neutralises that challenge

    candidate: Mapped[CertificationCandidate] = relationship(back_populates="incidents")


class CertificationResult(Base):
    __tablename__ = "certification_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("certification_courses.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ResultStatus] = mapped_column(str_enum(ResultStatus, "certification_result_status", length=16),
                                                 default=ResultStatus.PENDING_JURY)
    pix_score: Mapped[int] = mapped_column(default=0)
    competence_levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # code -> level, -1 = not certified
    reproducibility_rate: Mapped[float | None]  # v2 only
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # too_few_answers, low_reproducibility, fraud…
    neutralised_challenge_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    jury_comment: Mapped[str] = mapped_column(Text, default="")
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    verification_code: Mapped[str | None] = mapped_column(String(10), unique=True)  # "P-" + 8, set at publication
    valid_until: Mapped[date | None]

    course: Mapped[CertificationCourse] = relationship(back_populates="result")
