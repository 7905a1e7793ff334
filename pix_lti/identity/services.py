"""The provisioning services: every entry point (local account, LTI, SAML, OIDC) creates or finds people through here.
Receives a session; flushes, never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import hash_password
from pix_lti.db import utcnow
from pix_lti.identity.models import Membership, MembershipRole, Organisation, OrganisationType, User


class UsernameTaken(ValueError):
    pass


def create_local_user(
    session: Session,
    *,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    must_change_password: bool = False,
    is_platform_admin: bool = False,
) -> User:
    username = username.strip().lower()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UsernameTaken(username)
    user = User(
        username=username,
        password_hash=hash_password(password),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        must_change_password=must_change_password,
        is_platform_admin=is_platform_admin,
    )
    session.add(user)
    session.flush()
    return user


def find_organisation_by_uai(session: Session, uai: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.uai == uai.strip().upper()))


def ensure_organisation(session: Session, *, name: str, type: OrganisationType, uai: str | None = None,
                        external_id: str | None = None) -> Organisation:
    organisation = find_organisation_by_uai(session, uai) if uai else None
    if organisation is None and external_id:
        organisation = session.scalar(select(Organisation).where(Organisation.external_id == external_id))
    if organisation is None:
        organisation = Organisation(name=name, type=type, uai=uai.strip().upper() if uai else None, external_id=external_id)
        session.add(organisation)
        session.flush()
    return organisation


def ensure_membership(session: Session, user: User, organisation: Organisation, role: MembershipRole) -> Membership:
    """Create the membership, or re-activate it; an existing role is raised to ``role`` but never lowered here."""
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )
    rank = {MembershipRole.STUDENT: 0, MembershipRole.MEMBER: 1, MembershipRole.ADMIN: 2}
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
        session.add(membership)
    else:
        if rank[role] > rank[membership.role]:
            membership.role = role
        membership.disabled_at = None
    session.flush()
    return membership


def touch_login(user: User) -> None:
    user.last_login_at = utcnow()
