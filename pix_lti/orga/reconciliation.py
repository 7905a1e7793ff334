"""A student joining a campaign by code finds themselves in the organisation's roster: first name, last name and birth
date, names compared tolerantly (accents, case, hyphens, apostrophes and spaces ignored; any of the first names; the
family or the usage name). One free match links the account; several matches, or a match already linked to another
account, are never resolved silently: the student is told to ask the teacher.

The campaign pages (``participation``) call ``needs_reconciliation`` before a new participation starts, then
``find_learner`` and ``link_learner``; all receive a session and flush. A linked learner is how a participant shows
under its class in the activity list, the results and the exports (participations are per account; the class comes
from the account's active learner row in the campaign's organisation)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from pix_lti.identity import services as identity_services
from pix_lti.identity.models import Membership, MembershipRole, Organisation, User
from pix_lti.identity.usernames import normalise_name
from pix_lti.orga.models import OrganisationLearner


class MatchOutcome(enum.StrEnum):
    FOUND = "found"  # one free learner: link it
    ALREADY_YOURS = "already_yours"  # the account is already linked in this organisation
    NOT_FOUND = "not_found"  # check the spelling or the date
    AMBIGUOUS = "ambiguous"  # several learners match: ask the teacher
    TAKEN = "taken"  # the learner is linked to another account: ask the teacher


@dataclass(frozen=True)
class Match:
    outcome: MatchOutcome
    learner: OrganisationLearner | None = None


def _first_names(learner: OrganisationLearner) -> set[str]:
    names = {learner.first_name, learner.middle_name, learner.third_name}
    names.update(learner.first_name.replace(",", " ").split())  # "Léa Marie" in one field in some files
    return {normalise_name(n) for n in names if normalise_name(n)}


def has_roster(session: Session, organisation_id: int) -> bool:
    """Whether the organisation has imported a roster (at least one active learner)."""
    return bool(session.scalar(select(exists().where(OrganisationLearner.organisation_id == organisation_id,
                                                     OrganisationLearner.is_active.is_(True)))))


def is_staff(session: Session, user: User) -> bool:
    """Platform administrators and référents/teachers of any organisation: never linked to a pupil's roster row
    (a roster must not become a way to reach a staff account; staff previewing a campaign just take it)."""
    if user.is_platform_admin:
        return True
    return bool(session.scalar(select(exists().where(
        Membership.user_id == user.id, Membership.role.in_((MembershipRole.ADMIN, MembershipRole.MEMBER))))))


def linked_learner(session: Session, organisation_id: int, user: User) -> OrganisationLearner | None:
    return session.scalar(select(OrganisationLearner).where(
        OrganisationLearner.organisation_id == organisation_id, OrganisationLearner.user_id == user.id,
        OrganisationLearner.is_active.is_(True)))


def needs_reconciliation(session: Session, organisation_id: int, user: User) -> bool:
    """Before a new participation in a campaign of ``organisation_id``: the organisation has a roster and the account
    is neither linked to one of its active learners (by a teacher's account sheet, a GAR/LTI arrival or an earlier
    reconciliation) nor staff."""
    return (has_roster(session, organisation_id) and linked_learner(session, organisation_id, user) is None
            and not is_staff(session, user))


def find_learner(session: Session, organisation: Organisation, user: User, *, first_name: str, last_name: str,
                 birth_date: date) -> Match:
    already = linked_learner(session, organisation.id, user)
    if already is not None:
        return Match(MatchOutcome.ALREADY_YOURS, already)
    first, last = normalise_name(first_name), normalise_name(last_name)
    if not first or not last:
        return Match(MatchOutcome.NOT_FOUND)
    same_birthday = session.scalars(select(OrganisationLearner).where(
        OrganisationLearner.organisation_id == organisation.id, OrganisationLearner.is_active.is_(True),
        OrganisationLearner.birth_date == birth_date)).all()
    matches = [learner for learner in same_birthday
               if first in _first_names(learner)
               and last in {normalise_name(learner.last_name), normalise_name(learner.preferred_last_name)} - {""}]
    if not matches:
        return Match(MatchOutcome.NOT_FOUND)
    if len(matches) > 1:
        return Match(MatchOutcome.AMBIGUOUS)
    (learner,) = matches
    if learner.user_id is not None:
        return Match(MatchOutcome.TAKEN)
    return Match(MatchOutcome.FOUND, learner)


def link_learner(session: Session, learner: OrganisationLearner, user: User) -> OrganisationLearner:
    """Link the roster row to the account and make the account a student of the organisation. The link is one
    conditional UPDATE (``user_id IS NULL``), so two accounts typing the same identity at once cannot both get it."""
    if learner.user_id not in (None, user.id):
        raise ValueError("this learner is linked to another account")
    organisation = session.get(Organisation, learner.organisation_id)
    assert organisation is not None
    if learner.user_id is None:
        claimed = session.execute(update(OrganisationLearner).where(
            OrganisationLearner.id == learner.id, OrganisationLearner.user_id.is_(None))
            .values(user_id=user.id).execution_options(synchronize_session=False))
        session.refresh(learner)
        if claimed.rowcount != 1 and learner.user_id != user.id:
            raise ValueError("this learner is linked to another account")
    identity_services.ensure_membership(session, user, organisation, MembershipRole.STUDENT)
    session.flush()
    return learner
