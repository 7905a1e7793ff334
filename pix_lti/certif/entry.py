"""A student joins a session: session number + access code + their identity (first name, last name, birth date),
matched to one enrolled candidate with the tolerant name comparison of the roster reconciliation
(``identity.usernames.normalise_name``: accents, case, hyphens, apostrophes and spaces ignored; any of the first
names). A person is a candidate in one open session at a time; a candidate row belongs to one account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.certif import codes
from pix_lti.certif.centres import CertifError, form_text
from pix_lti.certif.models import CandidateStatus, CertificationCandidate, CertificationSession, SessionStatus
from pix_lti.identity.models import User
from pix_lti.identity.usernames import normalise_name


@dataclass
class EntryDraft:
    session_number: str = ""
    access_code: str = ""
    first_name: str = ""
    last_name: str = ""
    birth_date: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> EntryDraft:
        draft = cls(**{name: form_text(form, name) for name in
                       ("session_number", "access_code", "first_name", "last_name", "birth_date")})
        if codes.normalise_session_number(draft.session_number) is None:
            draft.errors["session_number"] = "invalid"
        if not codes.is_valid_access_code(codes.normalise_access_code(draft.access_code)):
            draft.errors["access_code"] = "invalid"
        for name in ("first_name", "last_name"):
            if not normalise_name(getattr(draft, name)) or len(getattr(draft, name)) > 255:
                draft.errors[name] = "required"
        if draft.parsed_birth_date is None:
            draft.errors["birth_date"] = "invalid"
        return draft

    @property
    def parsed_birth_date(self) -> date | None:
        try:
            return date.fromisoformat(self.birth_date)
        except ValueError:
            return None


def _first_names(candidate: CertificationCandidate) -> set[str]:
    names = {candidate.first_name, *candidate.first_name.replace(",", " ").split()}
    return {normalise_name(n) for n in names} - {""}


def current_candidacy(session: Session, user: User) -> CertificationCandidate | None:
    """The account's candidacy in a session still open (not finalised), if any."""
    return session.scalar(
        select(CertificationCandidate).join(CertificationSession)
        .where(CertificationCandidate.user_id == user.id, CertificationSession.status == SessionStatus.CREATED)
        .order_by(CertificationCandidate.id.desc()).limit(1))


def find_session(session: Session, draft: EntryDraft) -> CertificationSession | None:
    """The open session with that number *and* access code (a wrong code is the same as no session)."""
    number = codes.normalise_session_number(draft.session_number)
    found = session.get(CertificationSession, number) if number is not None else None
    if found is None or found.access_code != codes.normalise_access_code(draft.access_code):
        return None
    return found


def join(session: Session, user: User, draft: EntryDraft, now: datetime) -> CertificationCandidate:
    """Link the account to its enrolled candidate row. Errors (``CertifError.code``): ``wrong_session`` (number or
    access code), ``session_closed``, ``not_enrolled``, ``ambiguous``, ``taken`` (another account joined as this
    candidate), ``other_session`` (the account is a candidate of another open session), ``absent``."""
    certification_session = find_session(session, draft)
    if certification_session is None:
        raise CertifError("wrong_session")
    if certification_session.status is not SessionStatus.CREATED:
        raise CertifError("session_closed")
    other = current_candidacy(session, user)
    if other is not None and other.session_id != certification_session.id:
        raise CertifError("other_session")
    first, last, birth_date = normalise_name(draft.first_name), normalise_name(draft.last_name), draft.parsed_birth_date
    matches = [c for c in certification_session.candidates
               if c.birth_date == birth_date and first in _first_names(c) and normalise_name(c.last_name) == last]
    if not matches:
        raise CertifError("not_enrolled")
    if len(matches) > 1:
        raise CertifError("ambiguous")
    (candidate,) = matches
    if candidate.user_id is not None and candidate.user_id != user.id:
        raise CertifError("taken")
    if other is not None and other.id != candidate.id:
        raise CertifError("taken")  # the account already joined this session as someone else
    if candidate.status is CandidateStatus.ABSENT:
        raise CertifError("absent")
    if candidate.user_id is None:
        candidate.user_id = user.id
        candidate.joined_at = now
    session.flush()
    return candidate
