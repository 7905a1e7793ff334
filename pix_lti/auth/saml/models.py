"""SAML persistence: identity providers (GAR is one for every school; others may be added) and the school classes (GAR
``DIV``) and groups (``GRO``) people arrive with, kept in sync at each login."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from pix_lti.db import Base, str_enum, utcnow
from pix_lti.identity.models import IdentityKind, MembershipRole, Organisation, User

# GAR attribute names (short names, as the GAR sends them) for each value the provisioning uses.
GAR_ATTRIBUTE_MAP: dict[str, str] = {
    "subject": "IDO",        # opaque, stable user id: required
    "uai": "UAI",            # school codes, may be multi-valued
    "profile": "PRO",        # National_elv, National_ens, National_doc, National_dir, …
    "given_name": "PRE",
    "family_name": "NOM",
    "classes": "DIV",
    "groups": "GRO",
}


class SamlIdentityProvider(Base):
    __tablename__ = "saml_identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    entity_id: Mapped[str] = mapped_column(String(512), unique=True)
    sso_url: Mapped[str] = mapped_column(String(1024))  # SingleSignOnService, HTTP-Redirect binding
    # Several certificates: the GAR rotates its signing key yearly and announces the next one in advance.
    signing_certs: Mapped[list[str]] = mapped_column(JSON, default=list)
    metadata_url: Mapped[str | None] = mapped_column(String(1024))  # where the metadata was loaded from (refresh)
    metadata_xml: Mapped[str] = mapped_column(Text, default="")      # as loaded, for school IT to check
    attribute_map: Mapped[dict[str, str]] = mapped_column(JSON, default=lambda: dict(GAR_ATTRIBUTE_MAP))
    allow_idp_initiated: Mapped[bool] = mapped_column(default=False)
    auto_create_schools: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    identity_kind = IdentityKind.SAML  # for provisioning (``SsoSource``)

    @property
    def issuer(self) -> str:
        return self.entity_id

    def attribute(self, key: str) -> str:
        return (self.attribute_map or {}).get(key) or GAR_ATTRIBUTE_MAP[key]

    def __repr__(self) -> str:
        return f"<SamlIdentityProvider {self.id} {self.entity_id}>"


class SchoolGroupKind:
    CLASS = "DIV"
    GROUP = "GRO"


class SchoolGroup(Base):
    """A class (``DIV``) or group (``GRO``) of an organisation, named by the identity provider."""

    __tablename__ = "sso_school_groups"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(3))  # DIV or GRO
    code: Mapped[str] = mapped_column(String(255))  # as sent, e.g. "3A" or "3A##Troisième A" (code##label)
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    members: Mapped[list[SchoolGroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        return self.label or self.code

    def ensure_member(self, session: Session, user: User, role: MembershipRole) -> SchoolGroupMember:
        """The provisioning service's group hook (``identity.services.GroupLike``): add or re-activate ``user``."""
        member = session.scalar(select(SchoolGroupMember).where(SchoolGroupMember.group_id == self.id,
                                                                SchoolGroupMember.user_id == user.id))
        now = utcnow()
        if member is None:
            member = SchoolGroupMember(group_id=self.id, user_id=user.id, role=role, joined_at=now, last_seen_at=now)
            session.add(member)
        else:
            member.role = role
            member.left_at = None
            member.last_seen_at = now
        session.flush()
        return member


class SchoolGroupMember(Base):
    __tablename__ = "sso_school_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("sso_school_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MembershipRole] = mapped_column(str_enum(MembershipRole, "sso_group_role"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]  # set when a later login no longer lists this class or group

    group: Mapped[SchoolGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


def idp_summary(idp: SamlIdentityProvider) -> dict[str, Any]:
    return {"id": idp.id, "name": idp.name, "entity_id": idp.entity_id, "sso_url": idp.sso_url,
            "certificates": len(idp.signing_certs or []), "idp_initiated": idp.allow_idp_initiated,
            "auto_create_schools": idp.auto_create_schools, "enabled": idp.enabled}
