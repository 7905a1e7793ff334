"""Centres and sessions, for the centre's staff: make an organisation a centre, create and edit sessions (each with an
access code for candidates and an invigilator password shown once), enrol candidates from the roster or by hand, and
remove a candidate before they start. Services receive a session and flush; the request commits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import hash_password
from pix_lti.certif import codes
from pix_lti.certif.models import (
    CandidateStatus,
    CertificationCandidate,
    CertificationCentre,
    CertificationSession,
    SessionStatus,
)
from pix_lti.db import utcnow
from pix_lti.identity.models import Organisation, User
from pix_lti.identity.usernames import normalise_name
from pix_lti.orga.models import OrganisationLearner

TEXT_MAX = 255
DESCRIPTION_MAX = 2000
MAX_CODE_DRAWS = 50
SESSION_YEARS = (2000, 2100)  # a session date outside is a typing mistake


class CertifError(Exception):
    """A request the rules refuse; ``code`` names the reason (the view words it), ``status`` is the HTTP status."""

    status = 409

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def form_text(form: Mapping[str, str], name: str) -> str:
    """A typed field, stripped, without NUL characters (PostgreSQL refuses them in text: a 500 otherwise)."""
    value = form.get(name, "")
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def make_centre(session: Session, organisation: Organisation) -> CertificationCentre:
    """Idempotent: an organisation is a centre at most once."""
    existing = session.scalar(select(CertificationCentre).where(
        CertificationCentre.organisation_id == organisation.id))
    if existing is not None:
        return existing
    centre = CertificationCentre(organisation_id=organisation.id, created_at=utcnow())
    session.add(centre)
    session.flush()
    return centre


# ---------------------------------------------------------------------------------------------------------------------
# Sessions


@dataclass
class SessionDraft:
    """The session form, validated; ``errors`` maps a field name to an error code."""

    day: str = ""
    hour: str = ""
    room: str = ""
    address: str = ""
    examiner: str = ""
    description: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None

    @classmethod
    def from_form(cls, form: Mapping[str, str], timezone: str) -> SessionDraft:
        draft = cls(day=form_text(form, "day"), hour=form_text(form, "hour"), room=form_text(form, "room"),
                    address=form_text(form, "address"), examiner=form_text(form, "examiner"),
                    description=form_text(form, "description"))
        try:
            day = date.fromisoformat(draft.day)
            if not SESSION_YEARS[0] <= day.year <= SESSION_YEARS[1]:
                raise ValueError("year out of range")  # also keeps the UTC conversion away from year 1 / 9999
            local = datetime.combine(day, time.fromisoformat(draft.hour))
            draft.starts_at = local.replace(tzinfo=ZoneInfo(timezone)).astimezone(ZoneInfo("UTC"))
        except (ValueError, OverflowError):
            draft.errors["day" if not _is_plausible_date(draft.day) else "hour"] = "invalid"
        for name in ("room", "address", "examiner"):
            if len(getattr(draft, name)) > TEXT_MAX:
                draft.errors[name] = "too_long"
        for name in ("room", "examiner"):
            if not getattr(draft, name):
                draft.errors.setdefault(name, "required")
        if len(draft.description) > DESCRIPTION_MAX:
            draft.errors["description"] = "too_long"
        return draft

    @classmethod
    def from_session(cls, certification_session: CertificationSession, timezone: str) -> SessionDraft:
        local = certification_session.starts_at.astimezone(ZoneInfo(timezone))
        return cls(day=local.date().isoformat(), hour=local.strftime("%H:%M"), room=certification_session.room,
                   address=certification_session.address, examiner=certification_session.examiner,
                   description=certification_session.description)


def _is_plausible_date(text: str) -> bool:
    try:
        return SESSION_YEARS[0] <= date.fromisoformat(text).year <= SESSION_YEARS[1]
    except ValueError:
        return False


def _free_access_code(session: Session) -> str:
    for _ in range(MAX_CODE_DRAWS):
        code = codes.new_access_code()
        if not session.scalar(select(exists().where(CertificationSession.access_code == code))):
            return code
    raise RuntimeError("no free access code")


def create_session(session: Session, centre: CertificationCentre, user: User,
                   draft: SessionDraft) -> tuple[CertificationSession, str]:
    """The new session and its invigilator password (only its hash is stored: show it now)."""
    assert draft.starts_at is not None and not draft.errors
    password = codes.new_invigilator_password()
    created = CertificationSession(
        centre_id=centre.id, starts_at=draft.starts_at, room=draft.room, address=draft.address,
        examiner=draft.examiner, description=draft.description, access_code=_free_access_code(session),
        invigilator_password_hash=hash_password(password), status=SessionStatus.CREATED, created_by_id=user.id,
        created_at=utcnow())
    session.add(created)
    session.flush()
    return created, password


def _editable(certification_session: CertificationSession) -> None:
    if certification_session.status is not SessionStatus.CREATED:
        raise CertifError("session_closed")


def update_session(certification_session: CertificationSession, draft: SessionDraft) -> None:
    _editable(certification_session)
    assert draft.starts_at is not None and not draft.errors
    certification_session.starts_at = draft.starts_at
    certification_session.room = draft.room
    certification_session.address = draft.address
    certification_session.examiner = draft.examiner
    certification_session.description = draft.description


def regenerate_password(certification_session: CertificationSession) -> str:
    _editable(certification_session)
    password = codes.new_invigilator_password()
    certification_session.invigilator_password_hash = hash_password(password)
    return password


# ---------------------------------------------------------------------------------------------------------------------
# Candidates


@dataclass
class CandidateDraft:
    first_name: str = ""
    last_name: str = ""
    birth_date: str = ""
    external_id: str = ""
    accessibility_adjustment: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> CandidateDraft:
        draft = cls(first_name=form_text(form, "first_name"), last_name=form_text(form, "last_name"),
                    birth_date=form_text(form, "birth_date"), external_id=form_text(form, "external_id"),
                    accessibility_adjustment=form.get("accessibility_adjustment") == "1")
        for name in ("first_name", "last_name"):
            value = getattr(draft, name)
            if not normalise_name(value):
                draft.errors[name] = "required"
            elif len(value) > TEXT_MAX:
                draft.errors[name] = "too_long"
        if len(draft.external_id) > TEXT_MAX:
            draft.errors["external_id"] = "too_long"
        parsed = draft.parsed_birth_date
        if parsed is None or not date(1900, 1, 1) <= parsed <= date.today():
            draft.errors["birth_date"] = "invalid"
        return draft

    @property
    def parsed_birth_date(self) -> date | None:
        try:
            return date.fromisoformat(self.birth_date)
        except ValueError:
            return None


def _same_person(candidate: CertificationCandidate, first_name: str, last_name: str, birth_date: date) -> bool:
    return (candidate.birth_date == birth_date and normalise_name(candidate.first_name) == normalise_name(first_name)
            and normalise_name(candidate.last_name) == normalise_name(last_name))


def enrol_by_hand(session: Session, certification_session: CertificationSession,
                  draft: CandidateDraft) -> CertificationCandidate:
    _editable(certification_session)
    birth_date = draft.parsed_birth_date
    assert birth_date is not None and not draft.errors
    if any(_same_person(c, draft.first_name, draft.last_name, birth_date) for c in certification_session.candidates):
        raise CertifError("already_enrolled")
    candidate = CertificationCandidate(
        session_id=certification_session.id, first_name=draft.first_name, last_name=draft.last_name,
        birth_date=birth_date, external_id=draft.external_id,
        accessibility_adjustment=draft.accessibility_adjustment, created_at=utcnow())
    certification_session.candidates.append(candidate)
    session.flush()
    return candidate


def enrol_learners(session: Session, certification_session: CertificationSession,
                   learners: Iterable[OrganisationLearner]) -> int:
    """Enrol roster learners (of the centre's organisation: the caller checked it); already enrolled ones are skipped.
    Returns how many were added."""
    _editable(certification_session)
    enrolled_ids = {c.organisation_learner_id for c in certification_session.candidates}
    added = 0
    for learner in learners:
        if learner.id in enrolled_ids or any(
                _same_person(c, learner.first_name, learner.preferred_last_name or learner.last_name,
                             learner.birth_date) for c in certification_session.candidates):
            continue
        certification_session.candidates.append(CertificationCandidate(
            session_id=certification_session.id, organisation_learner_id=learner.id, first_name=learner.first_name,
            last_name=learner.preferred_last_name or learner.last_name, birth_date=learner.birth_date,
            external_id=learner.national_id, created_at=utcnow()))
        added += 1
    session.flush()
    return added


def remove_candidate(session: Session, candidate: CertificationCandidate) -> None:
    """Only before the candidate started (no test yet) and while the session is open."""
    _editable(candidate.session)
    if candidate.course is not None or candidate.status not in (CandidateStatus.NOT_STARTED,
                                                                CandidateStatus.AUTHORISED):
        raise CertifError("already_started")
    candidate.session.candidates.remove(candidate)  # delete-orphan: the row goes at the flush
    session.flush()


def divisions(session: Session, organisation_id: int) -> list[str]:
    return [d for d in session.scalars(
        select(OrganisationLearner.division).where(OrganisationLearner.organisation_id == organisation_id,
                                                   OrganisationLearner.is_active.is_(True),
                                                   OrganisationLearner.division != "")
        .distinct().order_by(OrganisationLearner.division))]


def class_learners(session: Session, organisation_id: int, division: str) -> list[OrganisationLearner]:
    return list(session.scalars(
        select(OrganisationLearner).where(OrganisationLearner.organisation_id == organisation_id,
                                          OrganisationLearner.is_active.is_(True),
                                          OrganisationLearner.division == division)
        .order_by(OrganisationLearner.last_name, OrganisationLearner.first_name, OrganisationLearner.id)))


def learners_by_ids(session: Session, organisation_id: int, ids: Iterable[int]) -> list[OrganisationLearner]:
    """Only the organisation's active learners: ids of another organisation are silently ignored."""
    wanted = list(ids)
    if not wanted:
        return []
    return list(session.scalars(select(OrganisationLearner).where(
        OrganisationLearner.organisation_id == organisation_id, OrganisationLearner.is_active.is_(True),
        OrganisationLearner.id.in_(wanted)).order_by(OrganisationLearner.id)))


def eligibility_of_users(user_ids: Iterable[int | None],
                         check: Callable[[int], object]) -> dict[int, object]:
    """``check(user_id)`` for each distinct account (unlinked learners have none: their eligibility is unknown)."""
    return {uid: check(uid) for uid in {u for u in user_ids if u is not None}}
