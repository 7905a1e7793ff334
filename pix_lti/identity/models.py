"""Core identity models every feature needs. Students have no email: an account is a person with display names,
reached through external identities (LTI issuer+sub, SAML IdP+IDO, OIDC issuer+sub) or a local username."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pix_lti.db import Base, str_enum, utcnow


class IdentityKind(enum.StrEnum):
    LTI = "lti"
    SAML = "saml"
    OIDC = "oidc"
    LOCAL = "local"


class OrganisationType(enum.StrEnum):
    SCO = "SCO"  # school (collège, lycée), identified by its UAI
    SUP = "SUP"  # higher education
    PRO = "PRO"  # professional / other


class MembershipRole(enum.StrEnum):
    ADMIN = "ADMIN"      # the organisation's Pix référent: manages members, campaigns, rosters
    MEMBER = "MEMBER"    # a teacher: campaigns and results
    STUDENT = "STUDENT"  # a learner of the organisation


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    # Local login only; stored lower-cased so that login is case-insensitive.
    username: Mapped[str | None] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    identities: Mapped[list[ExternalIdentity]] = relationship(back_populates="user", cascade="all, delete-orphan")
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.username or f"#{self.id}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.display_name!r}>"


class ExternalIdentity(Base):
    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("kind", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(str_enum(IdentityKind, "identity_kind"))
    issuer: Mapped[str] = mapped_column(String(512))   # LTI platform issuer, SAML IdP entityID, OIDC issuer
    subject: Mapped[str] = mapped_column(String(512))  # LTI sub, GAR IDO, OIDC sub
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="identities")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, "organisation_type"))
    # UAI: the French school code (7 digits + a check letter); unique when present.
    uai: Mapped[str | None] = mapped_column(String(8), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[MembershipRole] = mapped_column(str_enum(MembershipRole, "membership_role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
