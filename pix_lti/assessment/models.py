"""Persisted state of tests. The server always knows the current challenge; an answer points to the exact challenge
version that was shown; knowledge elements are stored per assessment (the engine's full view of the competence)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pix_lti.db import Base, str_enum, utcnow
from pix_lti.identity.models import User


class AssessmentType(enum.StrEnum):
    COMPETENCE_EVALUATION = "COMPETENCE_EVALUATION"
    CAMPAIGN = "CAMPAIGN"
    CERTIFICATION = "CERTIFICATION"  # the test of a certification candidate (pix_lti.certif)


class AssessmentStatus(enum.StrEnum):
    STARTED = "started"
    COMPLETED = "completed"
    ABORTED = "aborted"


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_user_competence", "user_id", "competence_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    type: Mapped[AssessmentType] = mapped_column(str_enum(AssessmentType, "assessment_type", length=24))
    status: Mapped[AssessmentStatus] = mapped_column(str_enum(AssessmentStatus, "assessment_status", length=24),
                                                     default=AssessmentStatus.STARTED)
    pack_key: Mapped[str] = mapped_column(String(100))
    competence_code: Mapped[str | None] = mapped_column(String(16))  # competence evaluations
    campaign_participation_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_participations.id", ondelete="CASCADE"), index=True)
    selector: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int]  # the assessment's random stream: replaying it gives the same choices
    # The challenge the student must answer now (engine id), and when it was first shown.
    current_challenge_id: Mapped[str | None] = mapped_column(String(100))
    current_challenge_version_id: Mapped[int | None] = mapped_column(ForeignKey("content_challenge_versions.id"))
    current_challenge_shown_at: Mapped[datetime | None]
    answer_count: Mapped[int] = mapped_column(default=0)
    checkpoint_seen: Mapped[int] = mapped_column(default=0)  # answers already reviewed in a checkpoint
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)  # set by the services (their clock)
    completed_at: Mapped[datetime | None]
    # Knowledge kept from before (improvement after 4 days): only elements created before this instant count.
    improving_since: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="assessment", order_by="Answer.id",
                                                 cascade="all, delete-orphan")


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assessment_id", "challenge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[str] = mapped_column(String(100))  # stable engine id
    challenge_version_id: Mapped[int] = mapped_column(ForeignKey("content_challenge_versions.id"), index=True)
    value: Mapped[Any] = mapped_column(JSON)  # str, list[str] or {key: str}; None when skipped
    result: Mapped[str] = mapped_column(String(16))  # ok, ko, aband, timedout, focusedOut, partially
    result_details: Mapped[dict[str, str] | None] = mapped_column(JSON)  # QROCM per-field results
    locale: Mapped[str] = mapped_column(String(8))
    time_spent_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")


class KnowledgeElement(Base):
    """The engine's statement about one skill after an answer of ``assessment``; the latest assessment of a competence
    carries the learner's full knowledge of it (earlier kept elements are copied forward by the engine)."""

    __tablename__ = "knowledge_elements"
    __table_args__ = (
        UniqueConstraint("assessment_id", "skill_id"),
        Index("ix_knowledge_elements_user_competence", "user_id", "competence_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    competence_code: Mapped[str] = mapped_column(String(16))
    skill_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # validated / invalidated
    source: Mapped[str] = mapped_column(String(16))  # direct / inferred / estimated
    challenge_id: Mapped[str | None] = mapped_column(String(100))
    earned_pix: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompetenceReset(Base):
    """The learner reset a competence: its knowledge elements created up to ``reset_at`` no longer count."""

    __tablename__ = "competence_resets"
    __table_args__ = (UniqueConstraint("user_id", "competence_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competence_code: Mapped[str] = mapped_column(String(16))
    reset_at: Mapped[datetime]


class SavedTutorial(Base):
    """A tutorial a learner kept for later ("Mes tutos")."""

    __tablename__ = "saved_tutorials"
    __table_args__ = (UniqueConstraint("user_id", "tutorial_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tutorial_id: Mapped[int] = mapped_column(ForeignKey("content_tutorials.id", ondelete="CASCADE"))
    skill_id: Mapped[str | None] = mapped_column(String(100))  # the skill it was recommended for
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


