"""A student joining a campaign by code finds themselves in the organisation's roster: first name, last name and birth
date, names compared tolerantly (accents, case, hyphens, apostrophes and spaces ignored; any of the first names; the
family or the usage name). One free match links the account; several matches, or a match already linked to another
account, are never resolved silently: the student is told to ask the teacher.

For the campaign pages (``participation``) to call: ``find_learner`` then ``link_learner``; both receive a session and
flush."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.identity import services as identity_services
from pix_lti.identity.models import MembershipRole, Organisation, User
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


def find_learner(session: Session, organisation: Organisation, user: User, *, first_name: str, last_name: str,
                 birth_date: date) -> Match:
    already = session.scalar(select(OrganisationLearner).where(
        OrganisationLearner.organisation_id == organisation.id, OrganisationLearner.user_id == user.id,
        OrganisationLearner.is_active.is_(True)))
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
    """Link the roster row to the account and make the account a student of the organisation."""
    if learner.user_id not in (None, user.id):
        raise ValueError("this learner is linked to another account")
    organisation = session.get(Organisation, learner.organisation_id)
    assert organisation is not None
    learner.user = user
    identity_services.ensure_membership(session, user, organisation, MembershipRole.STUDENT)
    session.flush()
    return learner
