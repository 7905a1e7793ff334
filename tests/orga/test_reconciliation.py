"""Finding oneself in the roster when joining a campaign: tolerant names, exact birth date, ambiguous or taken rows
never linked silently."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pix_lti.identity.models import MembershipRole
from pix_lti.orga.models import OrganisationLearner
from pix_lti.orga.reconciliation import MatchOutcome, find_learner, link_learner
from tests.factories import make_organisation, make_user

BIRTH = date(2012, 12, 5)


def add(session: Session, org_id: int, ine: str, first: str, last: str, birth: date = BIRTH,
        **kw: object) -> OrganisationLearner:
    learner = OrganisationLearner(organisation_id=org_id, national_id=ine, first_name=first, last_name=last,
                                  birth_date=birth, division="4A", **kw)
    session.add(learner)
    session.flush()
    return learner


def test_tolerant_match_then_link(db_session: Session) -> None:
    school = make_organisation(db_session)
    learner = add(db_session, school.id, "123456789AB", "Léa Marie", "N'Diaye-Martin", middle_name="Anne")
    user = make_user(db_session)
    for first, last in (("lea", "NDIAYE MARTIN"), ("Marie", "n'diaye-martin"), ("ANNE", "Ndiayemartin")):
        match = find_learner(db_session, school, user, first_name=first, last_name=last, birth_date=BIRTH)
        assert match.outcome is MatchOutcome.FOUND and match.learner is learner, (first, last)
    assert find_learner(db_session, school, user, first_name="Léa", last_name="N'Diaye-Martin",
                        birth_date=date(2012, 5, 12)).outcome is MatchOutcome.NOT_FOUND  # day and month swapped
    assert find_learner(db_session, school, user, first_name="Léo", last_name="N'Diaye-Martin",
                        birth_date=BIRTH).outcome is MatchOutcome.NOT_FOUND
    link_learner(db_session, learner, user)
    assert learner.user_id == user.id
    assert any(m.organisation_id == school.id and m.role is MembershipRole.STUDENT for m in user.memberships)
    again = find_learner(db_session, school, user, first_name="x", last_name="y", birth_date=BIRTH)
    assert again.outcome is MatchOutcome.ALREADY_YOURS and again.learner is learner
    # Someone else typing the same identity: the row is taken, ask the teacher.
    other = make_user(db_session)
    assert find_learner(db_session, school, other, first_name="Léa", last_name="N'Diaye-Martin",
                        birth_date=BIRTH).outcome is MatchOutcome.TAKEN


def test_twins_with_the_same_names_are_ambiguous(db_session: Session) -> None:
    school = make_organisation(db_session)
    add(db_session, school.id, "123456789AB", "Camille", "Durand")
    add(db_session, school.id, "223456789AB", "Camille", "Durand")
    add(db_session, school.id, "323456789AB", "Camille", "Durand", is_active=False)  # left: not a candidate
    match = find_learner(db_session, school, make_user(db_session), first_name="Camille", last_name="Durand",
                         birth_date=BIRTH)
    assert match.outcome is MatchOutcome.AMBIGUOUS and match.learner is None


def test_another_organisations_roster_is_not_searched(db_session: Session) -> None:
    school, other_school = make_organisation(db_session), make_organisation(db_session)
    add(db_session, other_school.id, "123456789AB", "Léa", "Martin")
    assert find_learner(db_session, school, make_user(db_session), first_name="Léa", last_name="Martin",
                        birth_date=BIRTH).outcome is MatchOutcome.NOT_FOUND
