"""Roster imports through the service and the page: all or nothing, re-import by national id, leavers kept inactive,
results never deleted; only référents import; the learners list and its filters."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.orga.models import CampaignParticipation, OrganisationLearner
from pix_lti.orga.roster import apply_roster
from pix_lti.orga.roster_files import LearnerRecord
from tests.helpers import csrf_token_from
from tests.orga.test_roster_files import SCO_HEADER, sco_line, siecle, structure, student
from tests.orga.world import World, build_world, log_in_as


@pytest.fixture
def world(db_session: Session, demo_content: str) -> World:
    return build_world(db_session, demo_content)


def record(ine: str, last: str = "Martin", division: str = "4A") -> LearnerRecord:
    return LearnerRecord(national_id=ine, first_name="Léa", last_name=last, birth_date=date(2012, 12, 5),
                         division=division)


def learners_of(session: Session, org_id: int) -> dict[str, OrganisationLearner]:
    session.expire_all()
    return {learner.national_id: learner for learner in session.scalars(
        select(OrganisationLearner).where(OrganisationLearner.organisation_id == org_id))}


def test_reimport_updates_by_national_id_and_marks_leavers(db_session: Session, world: World) -> None:
    first = apply_roster(db_session, world.org_a, [record("123456789AB"), record("223456789AB", "Bernard")], utcnow())
    assert (first.created, first.updated, first.left) == (2, 0, 0)
    learners = learners_of(db_session, world.org_a.id)
    learners["223456789AB"].user_id = world.student_a.id  # reconciled: the link must survive re-imports
    db_session.flush()

    second = apply_roster(db_session, world.org_a, [record("223456789AB", "Bernard", division="3B"),
                                                   record("323456789AB", "Petit")], utcnow())
    assert (second.created, second.updated, second.unchanged, second.left) == (1, 1, 0, 1)
    learners = learners_of(db_session, world.org_a.id)
    assert learners["223456789AB"].division == "3B" and learners["223456789AB"].user_id == world.student_a.id
    assert not learners["123456789AB"].is_active and learners["123456789AB"].left_at is not None  # kept, inactive
    third = apply_roster(db_session, world.org_a, [record("123456789AB"), record("223456789AB", "Bernard", "3B"),
                                                  record("323456789AB", "Petit")], utcnow())
    assert (third.created, third.updated, third.unchanged, third.left) == (0, 1, 2, 0)  # the leaver came back
    assert learners_of(db_session, world.org_a.id)["123456789AB"].is_active
    # Another organisation's roster is untouched by A's imports.
    assert learners_of(db_session, world.org_b.id) == {}


def upload(client: FlaskClient, org_id: int, data: bytes, filename: str):  # noqa: ANN201
    page = client.get(f"/orga/{org_id}/eleves/import")
    assert page.status_code == 200
    return client.post(f"/orga/{org_id}/eleves/import", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                             "file": (io.BytesIO(data), filename)})


def test_siecle_import_page(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.admin_a)
    data = siecle(uai=world.org_a.uai or "", students=student("1", "123456789AB") + student("2", "223456789AB", "BERNARD", "Hugo"),
                  structures=structure("1", "4A") + structure("2", "4B"))
    response = upload(client, world.org_a.id, data, "ElevesSansAdresses.xml")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 élèves ajoutés" in page and "MARTIN" in page and "BERNARD" in page
    only_4b = client.get(f"/orga/{world.org_a.id}/eleves?classe=4B").get_data(as_text=True)
    assert "BERNARD" in only_4b and "MARTIN" not in only_4b
    assert set(learners_of(db_session, world.org_a.id)) == {"123456789AB", "223456789AB"}


def test_an_import_with_a_bad_line_changes_nothing(client: FlaskClient, db_session: Session, world: World) -> None:
    apply_roster(db_session, world.org_a, [record("923456789AB", "Ancien")], utcnow())
    db_session.flush()
    log_in_as(client, world.admin_a)
    csv_data = "\n".join([SCO_HEADER, sco_line("123456789AB"), sco_line("BAD"), sco_line("323456789AB", birth="99/99/2012")])
    response = upload(client, world.org_a.id, csv_data.encode("cp1252"), "eleves.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2 lignes invalides" in page and "mal formé" in page and "99/99/2012" in page
    learners = learners_of(db_session, world.org_a.id)
    assert set(learners) == {"923456789AB"} and learners["923456789AB"].is_active  # nothing imported, nobody left


def test_siecle_of_another_school_is_refused_on_the_page(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.admin_a)
    response = upload(client, world.org_a.id, siecle(uai="0751234A"), "eleves.xml")
    assert response.status_code == 422 and "0751234A" in response.get_data(as_text=True)


def test_only_referents_import_but_members_see_the_list(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.member_a)
    assert client.get(f"/orga/{world.org_a.id}/eleves/import").status_code == 403
    assert client.get(f"/orga/{world.org_a.id}/eleves").status_code == 200


def test_leavers_keep_their_results(db_session: Session, world: World) -> None:
    apply_roster(db_session, world.org_a, [record("123456789AB")], utcnow())
    learners_of(db_session, world.org_a.id)["123456789AB"].user_id = world.student_a.id
    before = db_session.scalar(select(func.count(CampaignParticipation.id)))
    apply_roster(db_session, world.org_a, [record("223456789AB")], utcnow())
    assert db_session.scalar(select(func.count(CampaignParticipation.id))) == before
    assert world.shared.results is not None


def test_sup_import_page(client: FlaskClient, db_session: Session, world: World) -> None:
    from pix_lti.identity.models import MembershipRole, OrganisationType
    from tests.factories import make_member, make_organisation

    university = make_organisation(db_session, name="Université", type=OrganisationType.SUP)
    admin = make_member(db_session, university, MembershipRole.ADMIN)
    db_session.flush()
    log_in_as(client, admin)
    data = "Numéro étudiant;Prénom;Nom;Date de naissance;Groupe\n21000123;Chloé;Durand;02/02/2004;L1 Info\n"
    response = upload(client, university.id, data.encode(), "etudiants.csv")
    assert response.status_code == 303
    (learner,) = learners_of(db_session, university.id).values()
    assert (learner.national_id, learner.last_name, learner.division) == ("21000123", "Durand", "L1 Info")
