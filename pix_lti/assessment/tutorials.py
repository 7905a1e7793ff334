"""Mes tutos: tutorials a learner keeps for later. Services in the house style (receive a session, flush, never
commit); saving twice (double click, two tabs) keeps one row."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pix_lti.assessment.models import SavedTutorial
from pix_lti.content.models import ItemStatus, Tutorial
from pix_lti.db import utcnow


class UnknownTutorial(LookupError):
    """No active tutorial with this id."""


def save_tutorial(session: Session, user_id: int, tutorial_id: int, skill_id: str | None = None) -> SavedTutorial:
    tutorial = session.get(Tutorial, tutorial_id)
    if tutorial is None or tutorial.status is not ItemStatus.ACTIVE:
        raise UnknownTutorial(tutorial_id)
    existing = _saved(session, user_id, tutorial_id)
    if existing is not None:
        return existing
    row = SavedTutorial(user_id=user_id, tutorial_id=tutorial_id, skill_id=(skill_id or None) and skill_id[:100],
                        created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent save of the same tutorial won: keep its row
        existing = _saved(session, user_id, tutorial_id)
        assert existing is not None
        return existing
    return row


def remove_tutorial(session: Session, user_id: int, tutorial_id: int) -> bool:
    """Remove a saved tutorial; True if there was one (removing twice is harmless)."""
    result = session.execute(delete(SavedTutorial).where(SavedTutorial.user_id == user_id,
                                                         SavedTutorial.tutorial_id == tutorial_id))
    session.flush()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _saved(session: Session, user_id: int, tutorial_id: int) -> SavedTutorial | None:
    return session.scalar(select(SavedTutorial).where(SavedTutorial.user_id == user_id,
                                                      SavedTutorial.tutorial_id == tutorial_id))
