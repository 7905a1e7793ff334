"""The provisioning services: every entry point (local account, LTI, SAML, OIDC) creates or finds people through here.
Receives a session; flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import hash_password
from pix_lti.db import utcnow
from pix_lti.identity.models import (
    ExternalIdentity,
    IdentityKind,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationType,
    User,
)


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


class GroupLike(Protocol):
    """A group an entry point puts people in (an LMS course, a GAR class). Implemented by the feature that owns the
    group model, so that identity does not depend on it."""

    def ensure_member(self, session: Session, user: User, role: MembershipRole) -> object: ...


def _clean_name(value: str | None) -> str:
    return " ".join((value or "").split())[:255]


def provision_person(
    session: Session,
    *,
    kind: IdentityKind,
    issuer: str,
    subject: str,
    given_name: str | None = None,
    family_name: str | None = None,
    organisation: Organisation | None = None,
    role: MembershipRole | None = None,
    groups: Sequence[GroupLike] = (),
) -> User:
    """Find or create the person behind an external identity — the one path every entry point (LTI, SAML, OIDC) uses.

    (``kind``, ``issuer``, ``subject``) identifies the person; no email is needed or stored. Names are updated only
    when the entry point sends them (a "no PII" launch keeps the known ones). With ``organisation``, the person gets
    (at least) ``role`` in it (default STUDENT: least privilege); each of ``groups`` gets them with that role.
    Flushes, never commits; safe against a concurrent first arrival of the same person (unique identity).
    """
    if not issuer or not subject:
        raise ValueError("an external identity needs an issuer and a subject")
    role = role or MembershipRole.STUDENT
    given, family = _clean_name(given_name), _clean_name(family_name)
    identity_filter = (ExternalIdentity.kind == kind, ExternalIdentity.issuer == issuer,
                       ExternalIdentity.subject == subject)
    identity = session.scalar(select(ExternalIdentity).where(*identity_filter))
    if identity is None:
        try:
            with session.begin_nested():  # a savepoint: a concurrent creation only undoes this attempt
                user = User(first_name=given, last_name=family)
                identity = ExternalIdentity(user=user, kind=kind, issuer=issuer, subject=subject)
                session.add_all([user, identity])
                session.flush()
        except IntegrityError:
            identity = session.scalar(select(ExternalIdentity).where(*identity_filter))
            if identity is None:
                raise
    user = identity.user
    if given:
        user.first_name = given
    if family:
        user.last_name = family
    identity.last_seen_at = utcnow()
    if organisation is not None:
        ensure_membership(session, user, organisation, role)
    for group in groups:
        group.ensure_member(session, user, role)
    session.flush()
    return user
