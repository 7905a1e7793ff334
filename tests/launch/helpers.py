"""Assertions shared by the LTI tests: who exists, whether a session was opened, what was queued."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pix_lti.identity.models import ExternalIdentity, IdentityKind, Membership, User
from pix_lti.kvstore import KeyValueEntry
from pix_lti.outbox.models import OutboxMessage


def counts(db: Session) -> dict[str, int]:
    """Rows a refused launch must not create."""
    return {
        "users": db.scalar(select(func.count()).select_from(User)) or 0,
        "identities": db.scalar(select(func.count()).select_from(ExternalIdentity)) or 0,
        "memberships": db.scalar(select(func.count()).select_from(Membership)) or 0,
        "sessions": db.scalar(select(func.count()).select_from(KeyValueEntry)
                              .where(KeyValueEntry.key.like("session:%"))) or 0,
        "outbox": db.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
    }


def opened_session(response: TestResponse, current: str | None = None) -> bool:
    """Whether the response gives the browser a new session id (``current``: the id it already had, if any)."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("pix_lti_session=") and "Max-Age=0" not in header:
            if header.split(";", 1)[0].split("=", 1)[1] != current:
                return True
    return False


def lti_user(db: Session, issuer: str, subject: str) -> User | None:
    db.expire_all()
    identity = db.scalar(select(ExternalIdentity).where(ExternalIdentity.kind == IdentityKind.LTI,
                                                        ExternalIdentity.issuer == issuer,
                                                        ExternalIdentity.subject == subject))
    return identity.user if identity is not None else None


def membership_role(db: Session, user: User, organisation_id: int) -> str | None:
    role = db.scalar(select(Membership.role).where(Membership.user_id == user.id,
                                                   Membership.organisation_id == organisation_id))
    return role.value if role is not None else None


def logged_in_user_id(app: Flask, client: object) -> int | None:
    """The user id in the client's server-side session (read from the shared store)."""
    import hashlib

    cookie = client.get_cookie("pix_lti_session")  # type: ignore[attr-defined]
    if cookie is None:
        return None
    data = app.extensions["pix_lti.kv"].get_json("session:" + hashlib.sha256(cookie.value.encode()).hexdigest())
    return (data or {}).get("user_id")
