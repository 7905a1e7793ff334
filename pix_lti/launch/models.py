"""LTI 1.3 persistence: platform registrations and deployments, the tool's signing keys, courses (contexts) as groups of
an organisation, resource links (the activity they open, their AGS endpoints) and which learner launched which link."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pix_lti.db import Base, str_enum, utcnow
from pix_lti.identity.models import MembershipRole, Organisation, User


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"    # created by Dynamic Registration, waiting for an administrator
    ACTIVE = "active"
    DISABLED = "disabled"  # launches refused, grades no longer sent


class GradeScale(enum.StrEnum):
    """What a competence test sends back to the gradebook (campaigns always send their mastery rate)."""

    MASTERY = "mastery"  # percentage of the reachable pix of the competence
    PIX = "pix"          # pix earned, out of 8 × the highest reachable level
    LEVEL = "level"      # level reached, out of the highest reachable level


class ActivityKind(enum.StrEnum):
    NONE = ""                # the learner's profile
    CAMPAIGN = "campaign"    # activity_ref: the campaign code
    COMPETENCE = "competence"  # activity_ref: the competence code ("1.1")


class ToolKey(Base):
    """An RSA key pair of the tool. The private key is encrypted with a key derived from the secret key (never in the
    code, never in clear in the database). The newest key not scheduled for unpublishing signs; older keys stay in
    the JWKS until ``unpublish_at`` so platforms that cached them keep verifying during a rotation."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    unpublish_at: Mapped[datetime | None]  # None: the current key


class LtiRegistration(Base):
    """One platform (issuer) + client_id: the tool as registered in one LMS, linked to the organisation it serves."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    issuer: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1024))  # the platform's OIDC authorisation endpoint
    auth_token_url: Mapped[str] = mapped_column(String(1024), default="")  # OAuth2 token endpoint (AGS, NRPS)
    auth_audience: Mapped[str | None] = mapped_column(String(1024))  # when the token endpoint wants another aud
    key_set_url: Mapped[str | None] = mapped_column(String(1024))  # the platform's JWKS URL…
    key_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)   # …or a static JWKS
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus, "lti_registration_status"),
                                                       default=RegistrationStatus.ACTIVE)
    grade_scale: Mapped[GradeScale] = mapped_column(str_enum(GradeScale, "lti_grade_scale"),
                                                    default=GradeScale.MASTERY)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual, cli, dynamic
    platform_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # product, version (dynamic reg.)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()
    deployments: Mapped[list[LtiDeployment]] = relationship(back_populates="registration",
                                                            cascade="all, delete-orphan",
                                                            order_by="LtiDeployment.id")

    @property
    def deployment_ids(self) -> list[str]:
        return [d.deployment_id for d in self.deployments]

    def __repr__(self) -> str:
        return f"<LtiRegistration {self.id} {self.issuer} {self.client_id} {self.status}>"


class LtiDeployment(Base):
    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[LtiRegistration] = relationship(back_populates="deployments")


class CourseGroup(Base):
    """An LMS course (LTI ``context``) as a group of the registration's organisation. ``history`` keeps
    ``Context.id.history`` so a course copied in the LMS is recognised as coming from this one."""

    __tablename__ = "lti_course_groups"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    label: Mapped[str] = mapped_column(String(255), default="")
    history: Mapped[list[str]] = mapped_column(JSON, default=list)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("lti_course_groups.id", ondelete="SET NULL"))
    nrps_url: Mapped[str | None] = mapped_column(String(1024))  # context_memberships_url of the latest launch
    roster_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[LtiRegistration] = relationship()
    organisation: Mapped[Organisation] = relationship()
    members: Mapped[list[CourseGroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        return self.title or self.label or self.context_id

    def ensure_member(self, session: Session, user: User, role: MembershipRole) -> CourseGroupMember:
        """The provisioning service's group hook (``identity.services.GroupLike``): add or re-activate ``user``."""
        member = session.scalar(select(CourseGroupMember).where(CourseGroupMember.group_id == self.id,
                                                                CourseGroupMember.user_id == user.id))
        now = utcnow()
        if member is None:
            member = CourseGroupMember(group_id=self.id, user_id=user.id, role=role, joined_at=now, last_seen_at=now)
            session.add(member)
        else:
            member.role = role  # the course role is the LMS's current one (unlike organisation roles, never sticky)
            member.left_at = None
            member.last_seen_at = now
        session.flush()
        return member


class CourseGroupMember(Base):
    __tablename__ = "lti_course_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lti_course_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MembershipRole] = mapped_column(str_enum(MembershipRole, "lti_group_role"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]  # set by a roster sync when the LMS no longer lists the person

    group: Mapped[CourseGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class LtiResourceLink(Base):
    """A placement of the tool in a course. The activity it opens comes from the custom parameters set at deep
    linking; the AGS endpoints from the launch claim (``lineitem_url`` may also be found or created later)."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("registration_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("lti_registrations.id", ondelete="CASCADE"))
    course_group_id: Mapped[int | None] = mapped_column(ForeignKey("lti_course_groups.id", ondelete="SET NULL"),
                                                        index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    activity_kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "lti_activity_kind"),
                                                       default=ActivityKind.NONE)
    activity_ref: Mapped[str] = mapped_column(String(64), default="")
    history: Mapped[list[str]] = mapped_column(JSON, default=list)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="SET NULL"))
    lineitem_url: Mapped[str | None] = mapped_column(String(1024))
    lineitems_url: Mapped[str | None] = mapped_column(String(1024))
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime | None]

    registration: Mapped[LtiRegistration] = relationship()
    course_group: Mapped[CourseGroup | None] = relationship()

    @property
    def line_item_resource_id(self) -> str:
        """The ``resourceId`` used to find or create this link's line item when the launch carried none."""
        return f"{self.activity_kind.value}:{self.activity_ref}" if self.activity_kind else "profile"


class LtiLinkLearner(Base):
    """``user`` launched ``resource_link`` as ``lti_user_id`` (the platform's ``sub``): where their grades go."""

    __tablename__ = "lti_link_learners"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lti_user_id: Mapped[str] = mapped_column(String(512))
    first_launch_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource_link: Mapped[LtiResourceLink] = relationship()
    user: Mapped[User] = relationship()
