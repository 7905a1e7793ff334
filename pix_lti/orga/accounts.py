"""Accounts without email for a class of the roster: a username ``prenom.nomJJMM`` (collision → random digits) and a
temporary password to change at first login, for every active learner of the class who has not activated an account
yet; and a teacher's reset of one student's password.

Temporary passwords are shown once (printable sheet or CSV) and only their hash is kept, so generating the sheet again
gives new temporary passwords to those who have not logged in yet. Staff accounts are never touched: a learner row
linked to someone who is a référent, a teacher or a platform administrator is refused, so a roster cannot be used to
take over a staff account."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import hash_password
from pix_lti.identity import services as identity_services
from pix_lti.identity.models import Membership, MembershipRole, Organisation, User
from pix_lti.identity.usernames import generate_username
from pix_lti.orga.models import OrganisationLearner

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no l/1/i, o/0: copied from paper by children


class NotAStudentAccount(PermissionError):
    """The learner's account belongs to staff (or is not a local account): refused."""


@dataclass(frozen=True)
class AccountRow:
    learner_id: int
    last_name: str
    first_name: str
    division: str
    username: str | None
    password: str | None  # set only when a temporary password was just given
    note: str  # "new", "reset", "active" (already changed their password) or "external" (ENT/LMS account)


def temporary_password() -> str:
    """Three groups of three characters (``kmp-4rt-7xz``): easy to copy, ≈ 44 bits of randomness."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(3)) for _ in range(3))


def _is_staff(session: Session, user: User) -> bool:
    if user.is_platform_admin:
        return True
    return session.scalar(select(func.count(Membership.id)).where(
        Membership.user_id == user.id, Membership.role.in_((MembershipRole.ADMIN, MembershipRole.MEMBER)))) > 0


def _username_taken(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username)) is not None


def class_learners(session: Session, organisation: Organisation, division: str) -> list[OrganisationLearner]:
    return list(session.scalars(select(OrganisationLearner).where(
        OrganisationLearner.organisation_id == organisation.id, OrganisationLearner.division == division,
        OrganisationLearner.is_active.is_(True))
        .order_by(func.lower(OrganisationLearner.last_name), func.lower(OrganisationLearner.first_name),
                  OrganisationLearner.id)))


def generate_class_accounts(session: Session, organisation: Organisation, division: str) -> list[AccountRow]:
    rows: list[AccountRow] = []
    for learner in class_learners(session, organisation, division):
        user = learner.user
        if user is None:
            username = generate_username(learner.first_name, learner.last_name, learner.birth_date,
                                         taken=lambda name: _username_taken(session, name))
            password = temporary_password()
            user = identity_services.create_local_user(
                session, username=username, password=password, first_name=learner.first_name,
                last_name=learner.preferred_last_name or learner.last_name, must_change_password=True)
            learner.user = user
            identity_services.ensure_membership(session, user, organisation, MembershipRole.STUDENT)
            rows.append(_row(learner, user, password, "new"))
        elif user.username is None or _is_staff(session, user):
            rows.append(_row(learner, user, None, "external"))
        elif user.must_change_password:  # never logged in: its first password was lost with the old sheet
            password = temporary_password()
            user.password_hash = hash_password(password)
            rows.append(_row(learner, user, password, "reset"))
        else:
            rows.append(_row(learner, user, None, "active"))
    session.flush()
    return rows


def reset_password(session: Session, organisation: Organisation, learner: OrganisationLearner) -> AccountRow:
    """A new temporary password for the learner's local account (their other sessions end: the stamp changes)."""
    user = learner.user
    if learner.organisation_id != organisation.id or user is None or user.username is None or _is_staff(session, user):
        raise NotAStudentAccount(str(learner.id))
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    session.flush()
    return _row(learner, user, password, "reset")


def _row(learner: OrganisationLearner, user: User | None, password: str | None, note: str) -> AccountRow:
    return AccountRow(learner_id=learner.id, last_name=learner.last_name, first_name=learner.first_name,
                      division=learner.division, username=user.username if user else None, password=password,
                      note=note)
