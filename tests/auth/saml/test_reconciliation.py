"""Students arriving by SAML are linked to the learner imported from their school's roster: one match → linked;
several → the birth date is asked (three tries); no match, another class or another school → never linked."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.saml.models import SamlIdentityProvider
from pix_lti.identity.models import ExternalIdentity, Organisation, User
from pix_lti.orga.models import OrganisationLearner
from tests.auth.saml.conftest import student_attributes
from tests.auth.saml.helpers import login
from tests.auth.saml.idp import FakeIdp
from tests.helpers import csrf_token_from


def _learner(db_session: Session, school: Organisation, national_id: str, *, first: str = "LÉA", last: str = "MARTIN",
             division: str = "3A", born: date = date(2011, 5, 12)) -> OrganisationLearner:
    learner = OrganisationLearner(organisation_id=school.id, national_id=national_id, first_name=first, last_name=last,
                                  birth_date=born, division=division)
    db_session.add(learner)
    db_session.flush()
    return learner


def _user_id(db_session: Session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(User.id).join(ExternalIdentity).where(ExternalIdentity.subject == "ido-eleve-0001"))


def _linked(db_session: Session, learner: OrganisationLearner) -> int | None:
    db_session.expire_all()
    return db_session.get(OrganisationLearner, learner.id).user_id


def test_single_match_in_the_class_is_linked(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider,
                                             school: Organisation, fake_idp: FakeIdp) -> None:
    learner = _learner(db_session, school, "INE1")
    other_class = _learner(db_session, school, "INE2", division="4B")
    response = login(client, fake_idp, student_attributes(), relay="/campagnes/CRCDEM356")
    assert response.status_code == 303 and response.location.endswith("/campagnes/CRCDEM356")
    assert _linked(db_session, learner) == _user_id(db_session)
    assert _linked(db_session, other_class) is None


def test_no_match_when_names_or_class_differ(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider,
                                             school: Organisation, fake_idp: FakeIdp) -> None:
    namesake_elsewhere = _learner(db_session, school, "INE1", division="4B")
    other_name = _learner(db_session, school, "INE2", first="Léo")
    assert login(client, fake_idp, student_attributes()).status_code == 303
    assert _linked(db_session, namesake_elsewhere) is None and _linked(db_session, other_name) is None


def test_several_matches_ask_the_birth_date(client: FlaskClient, db_session: Session, gar: SamlIdentityProvider,
                                            school: Organisation, fake_idp: FakeIdp) -> None:
    first = _learner(db_session, school, "INE1", born=date(2011, 5, 12))
    second = _learner(db_session, school, "INE2", born=date(2011, 9, 3))
    response = login(client, fake_idp, student_attributes(), relay="/campagnes/CRCDEM356")
    assert response.status_code == 303 and response.location.endswith("/saml/rapprochement")
    assert _linked(db_session, first) is None and _linked(db_session, second) is None  # never merged silently
    page = client.get("/saml/rapprochement")
    assert page.status_code == 200 and "date de naissance" in page.get_data(as_text=True).lower()
    token = csrf_token_from(page.get_data(as_text=True))

    wrong = client.post("/saml/rapprochement", data={"birth_date": "2011-01-01", "csrf_token": token})
    assert wrong.status_code == 200 and "aucun élève" in wrong.get_data(as_text=True)
    right = client.post("/saml/rapprochement", data={"birth_date": "2011-09-03", "csrf_token": token})
    assert right.status_code == 303 and right.location.endswith("/campagnes/CRCDEM356")
    assert _linked(db_session, second) == _user_id(db_session)
    assert _linked(db_session, first) is None


def test_three_wrong_birth_dates_give_up_without_linking(client: FlaskClient, db_session: Session,
                                                         gar: SamlIdentityProvider, school: Organisation,
                                                         fake_idp: FakeIdp) -> None:
    learners = [_learner(db_session, school, "INE1"), _learner(db_session, school, "INE2", born=date(2011, 9, 3))]
    login(client, fake_idp, student_attributes())
    token = csrf_token_from(client.get("/saml/rapprochement").get_data(as_text=True))
    for _ in range(3):
        last = client.post("/saml/rapprochement", data={"birth_date": "2010-01-01", "csrf_token": token})
    assert "pas pu être retrouvée" in last.get_data(as_text=True)
    no_more = client.post("/saml/rapprochement", data={"birth_date": "2011-09-03", "csrf_token": token})
    assert no_more.status_code == 302  # no more tries
    assert all(_linked(db_session, learner) is None for learner in learners)


def test_returning_linked_student_is_not_asked_again(client: FlaskClient, db_session: Session,
                                                     gar: SamlIdentityProvider, school: Organisation,
                                                     fake_idp: FakeIdp) -> None:
    learner = _learner(db_session, school, "INE1")
    login(client, fake_idp, student_attributes())
    _learner(db_session, school, "INE3")  # a namesake imported later
    response = login(client, fake_idp, student_attributes())
    assert not response.location.endswith("/saml/rapprochement")
    assert _linked(db_session, learner) == _user_id(db_session)
