"""Local authentication (username + password). Receives a session; flushes, never commits."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from pix_lti.db import utcnow
from pix_lti.identity.models import User


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == normalise_username(username)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = find_by_username(session, username)
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None and user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def username_taken(session: Session) -> Callable[[str], bool]:
    """For ``identity.usernames.generate_username(..., taken=username_taken(session))``: asks the database."""
    return lambda username: find_by_username(session, username) is not None


class PasswordRejected(ValueError):
    """The new password breaks a rule; ``problems`` are codes from ``password_problems`` plus the ones below."""

    def __init__(self, problems: list[str]):
        super().__init__(", ".join(problems))
        self.problems = problems


def new_password_problems(user: User, new_password: str) -> list[str]:
    problems = password_problems(new_password)
    if user.username and new_password.strip().lower() == user.username.lower():
        problems.append("same_as_username")
    # A forced change must really replace the temporary password (one argon2 verification, only when it could matter).
    if not problems and user.password_hash and verify_password(user.password_hash, new_password):
        problems.append("unchanged")
    return problems


def set_password(session: Session, user: User, new_password: str) -> None:
    """Store a new password (argon2id) and clear ``must_change_password``. Raises PasswordRejected.

    Checking the current password is the caller's job (a forced change at first login does not ask it again)."""
    problems = new_password_problems(user, new_password)
    if problems:
        raise PasswordRejected(problems)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    session.flush()
