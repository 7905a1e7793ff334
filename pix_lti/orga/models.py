"""Campaigns and target profiles: the small real version the student journey needs (joining by code, the adaptive test
over the target skills, sharing results). The Orga feature extends these with migrations."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pix_lti.db import Base, str_enum, utcnow
from pix_lti.identity.models import MembershipRole, Organisation, User


class CampaignType(enum.StrEnum):
    ASSESSMENT = "ASSESSMENT"  # an adaptive test over a target profile
    PROFILES_COLLECTION = "PROFILES_COLLECTION"  # collects the learner's 16-competence profile


class ParticipationStatus(enum.StrEnum):
    STARTED = "STARTED"
    TO_SHARE = "TO_SHARE"  # test finished, results not yet sent to the organisation
    SHARED = "SHARED"


class TargetProfile(Base):
    """The tubes a campaign assesses, each capped at a level: the target skills are those of these tubes up to the cap."""

    __tablename__ = "target_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    pack_key: Mapped[str] = mapped_column(String(100))
    tubes: Mapped[dict[str, int]] = mapped_column(JSON)  # tube name -> highest level included
    is_public: Mapped[bool] = mapped_column(default=False)  # ready-made profiles every organisation may use
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    target_profile_id: Mapped[int | None] = mapped_column(ForeignKey("target_profiles.id"))
    type: Mapped[CampaignType] = mapped_column(str_enum(CampaignType, "campaign_type", length=24))
    code: Mapped[str] = mapped_column(String(9), unique=True)  # 6 letters + 3 digits, stored upper-case
    title: Mapped[str] = mapped_column(String(255))
    landing_text: Mapped[str] = mapped_column(Text, default="")  # the organisation's words on the landing page
    external_id_label: Mapped[str | None] = mapped_column(String(255))  # e.g. "Numéro d'élève"; None: not asked
    multiple_sendings: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    target_profile: Mapped[TargetProfile | None] = relationship()
    stages: Mapped[list[CampaignStage]] = relationship(order_by="CampaignStage.threshold", cascade="all, delete-orphan")
    badges: Mapped[list[CampaignBadge]] = relationship(order_by="CampaignBadge.id", cascade="all, delete-orphan")


class CampaignStage(Base):
    """A "palier": reached when the mastery rate is at least ``threshold`` percent."""

    __tablename__ = "campaign_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    threshold: Mapped[int]  # 0..100
    title: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text, default="")


class CampaignParticipation(Base):
    __tablename__ = "campaign_participations"
    __table_args__ = (
        Index("ix_campaign_participations_campaign_user", "campaign_id", "user_id"),
        # One active (not improved) participation per learner and campaign, even when two "Je commence" race.
        Index("uq_campaign_participations_active", "campaign_id", "user_id", unique=True,
              sqlite_where=text("is_improved = 0"), postgresql_where=text("NOT is_improved")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[ParticipationStatus] = mapped_column(str_enum(ParticipationStatus, "participation_status", length=24),
                                                        default=ParticipationStatus.STARTED)
    mastery_rate: Mapped[float | None]  # validated target skills / target skills, 0..1, set when finished
    validated_skills: Mapped[int | None]
    tested_skills: Mapped[int | None]
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # snapshot at sharing (per competence)
    # A retry (multiple sendings) starts a new participation; the older one is kept, flagged improved.
    is_improved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    shared_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()
    user: Mapped[User] = relationship()


class OrganisationLearner(Base):
    """A learner of the organisation's roster (imported from SIECLE or a CSV), identified in it by ``national_id``
    (the INE for schools, the student number for higher education). Re-imports update by that id and mark people
    absent from the new file inactive (``left_at``) without deleting anything; ``user_id`` links the account once
    the learner is reconciled (or given an account by a teacher)."""

    __tablename__ = "organisation_learners"
    __table_args__ = (
        UniqueConstraint("organisation_id", "national_id"),
        Index("ix_organisation_learners_org_division", "organisation_id", "division"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    national_id: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(255))
    middle_name: Mapped[str] = mapped_column(String(255), default="")
    third_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255))
    preferred_last_name: Mapped[str] = mapped_column(String(255), default="")  # "nom d'usage"
    sex: Mapped[str] = mapped_column(String(1), default="")  # "M" / "F" / ""
    birth_date: Mapped[date]
    birth_city_code: Mapped[str] = mapped_column(String(10), default="")  # INSEE code
    birth_city: Mapped[str] = mapped_column(String(255), default="")
    birth_department_code: Mapped[str] = mapped_column(String(10), default="")
    birth_country_code: Mapped[str] = mapped_column(String(10), default="")  # INSEE country code, 100 = France
    status: Mapped[str] = mapped_column(String(8), default="")  # SCO CSV "Statut" (ST, AP…)
    mef_code: Mapped[str] = mapped_column(String(32), default="")
    division: Mapped[str] = mapped_column(String(64), default="")  # the class (SIECLE STRUCTURE of type D) or group
    is_active: Mapped[bool] = mapped_column(default=True)
    left_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


class OrganisationInvitation(Base):
    """A link a référent shares to let colleagues join the organisation with ``role``: usable by several people
    until it expires or is revoked. Only the SHA-256 of the token is stored (the link is shown once)."""

    __tablename__ = "organisation_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[MembershipRole] = mapped_column(str_enum(MembershipRole, "invitation_role", length=24))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(default=0)

    organisation: Mapped[Organisation] = relationship()


class CampaignBadge(Base):
    """A badge of an assessment campaign: acquired when the mastery of its skills — the whole target profile, or only
    the profile's skills in ``tubes`` — reaches ``threshold`` percent. Computed from the shared snapshot."""

    __tablename__ = "campaign_badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text, default="")
    threshold: Mapped[int]  # 0..100
    tubes: Mapped[list[str] | None] = mapped_column(JSON)  # None: the whole target profile
