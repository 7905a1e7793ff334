"""Linking a student who arrives by single sign-on to the learner imported from the school roster (SIECLE/CSV), so that
teachers see one person. Matched on the same organisation + class + normalised names; when several learners match,
the student is asked their birth date; nothing is ever merged silently when in doubt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.saml.models import SchoolGroup
from pix_lti.identity.models import Organisation, User
from pix_lti.identity.usernames import first_first_name, normalise_name
from pix_lti.orga.models import OrganisationLearner


@dataclass
class Reconciliation:
    linked: OrganisationLearner | None = None
    candidates: list[int] = field(default_factory=list)  # learner ids: several matched, ask the birth date

    @property
    def ambiguous(self) -> bool:
        return self.linked is None and len(self.candidates) > 1


def _names_match(learner: OrganisationLearner, user: User) -> bool:
    first, last = normalise_name(user.first_name), normalise_name(user.last_name)
    if not first or not last:
        return False
    first_names = {normalise_name(learner.first_name), normalise_name(first_first_name(learner.first_name))}
    last_names = {normalise_name(learner.last_name), normalise_name(learner.preferred_last_name)}
    return first in first_names and last in last_names - {""}


def _class_key(value: str) -> str:
    return "".join(value.split()).upper()


def candidates(session: Session, organisation: Organisation, user: User,
               classes: Sequence[SchoolGroup]) -> list[OrganisationLearner]:
    """Active, not yet linked learners of ``organisation`` in one of ``classes`` whose names are the user's."""
    keys = {_class_key(group.code) for group in classes} | {_class_key(group.label) for group in classes if group.label}
    if not keys:
        return []  # without a class the names alone are too weak a match
    learners = session.scalars(select(OrganisationLearner).where(
        OrganisationLearner.organisation_id == organisation.id, OrganisationLearner.is_active.is_(True),
        OrganisationLearner.user_id.is_(None))).all()
    return [learner for learner in learners
            if _class_key(learner.division) in keys and _names_match(learner, user)]


def reconcile(session: Session, organisation: Organisation, user: User,
              classes: Sequence[SchoolGroup]) -> Reconciliation:
    already = session.scalar(select(OrganisationLearner).where(
        OrganisationLearner.organisation_id == organisation.id, OrganisationLearner.user_id == user.id))
    if already is not None:
        return Reconciliation(linked=already)
    found = candidates(session, organisation, user, classes)
    if len(found) == 1:
        return Reconciliation(linked=link(session, found[0], user))
    return Reconciliation(candidates=[learner.id for learner in found])


def link(session: Session, learner: OrganisationLearner, user: User) -> OrganisationLearner:
    learner.user_id = user.id
    session.flush()
    return learner


def choose_by_birth_date(session: Session, user: User, candidate_ids: Sequence[int],
                         birth_date: date) -> OrganisationLearner | None:
    """The one candidate (still unlinked) born on ``birth_date``, linked; None when zero or several match."""
    learners = session.scalars(select(OrganisationLearner).where(
        OrganisationLearner.id.in_(list(candidate_ids)), OrganisationLearner.user_id.is_(None),
        OrganisationLearner.birth_date == birth_date)).all()
    if len(learners) != 1:
        return None
    return link(session, learners[0], user)
