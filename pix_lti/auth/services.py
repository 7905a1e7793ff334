"""Local authentication (username + password). Receives a session; flushes, never commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import hash_password, needs_rehash, verify_password
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
