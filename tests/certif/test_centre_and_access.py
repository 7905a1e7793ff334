"""Centre pages (make a centre, sessions, enrolment with eligibility, removal), codes, eligibility, rate limits and
isolation: another organisation's staff, a candidate of another session, an invigilator of another session."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.certif import centres, codes
from pix_lti.certif.eligibility import eligibility
from pix_lti.certif.models import CertificationCentre, CertificationSession
from pix_lti.identity.models import MembershipRole
from pix_lti.orga.models import OrganisationLearner
from tests.certif.world import (
    BIRTH,
    client_for,
    html_of,
    invigilate,
    invigilator_client,
    join,
    make_certifiable,
    make_world,
    post_from,
    start_test,
)
from tests.conftest import DEMO_PACK
from tests.factories import make_member, make_organisation, make_user


def test_codes_shapes_and_normalisation() -> None:
    rng = random.Random(4)
    for _ in range(200):
        code = codes.new_access_code(rng)
        assert codes.is_valid_access_code(code) and not set(code) & set("01OIL")
        verification = codes.new_verification_code(rng)
        assert codes.is_valid_verification_code(verification) and not set(verification[2:]) & set("01OIL")
    assert codes.normalise_access_code(" krtv-47 ") == "KRTV47"
    assert codes.normalise_verification_code("p 7kxm-3rqa") == "P-7KXM3RQA"
    assert codes.normalise_verification_code("P-7KXM3RQA") == "P-7KXM3RQA"
    assert codes.normalise_session_number(" 12 ") == 12 and codes.normalise_session_number("x") is None


def test_eligibility_needs_level_1_in_five_competences(app: Flask, db_session: Session) -> None:
    four, five = make_user(db_session), make_user(db_session)
    make_certifiable(db_session, four, competences=4)
    make_certifiable(db_session, five, competences=5)
    assert not eligibility(db_session, four.id, DEMO_PACK, 6).certifiable
    assert eligibility(db_session, four.id, DEMO_PACK, 6).missing == 1
    assert eligibility(db_session, five.id, DEMO_PACK, 6).certifiable
    profile = html_of(client_for(app, five).get("/profil"))
    assert 'id="certifiable-status"' in profile and "Vous êtes certifiable" in profile
    assert "pas encore certifiable" in html_of(client_for(app, four).get("/profil"))


def test_admin_makes_a_centre_creates_a_session_and_enrols(app: Flask, db_session: Session) -> None:
    organisation = make_organisation(db_session)
    admin = make_member(db_session, organisation, MembershipRole.ADMIN)
    teacher = make_member(db_session, organisation, MembershipRole.MEMBER)
    learner_user = make_user(db_session)
    make_certifiable(db_session, learner_user)
    for n, user_id in enumerate([learner_user.id, None]):
        db_session.add(OrganisationLearner(organisation_id=organisation.id, user_id=user_id, national_id=f"INE{n}",
                                           first_name=f"Élève{n}", last_name="Classe", birth_date=date(2010, 1, n + 1),
                                           division="3A"))
    db_session.flush()
    base = f"/certif/centres/{organisation.id}"

    member = client_for(app, teacher)
    assert 'id="activate-centre"' not in html_of(member.get(base))
    assert post_from(member, base, f"{base}/activer").status_code == 403
    staff = client_for(app, admin)
    assert post_from(staff, base, f"{base}/activer").status_code == 303
    assert db_session.scalar(select(CertificationCentre).where(CertificationCentre.organisation_id == organisation.id))

    assert post_from(staff, f"{base}/sessions/nouvelle", f"{base}/sessions/nouvelle",
                     {"day": "2030-02-30", "hour": "09:00", "room": "", "examiner": "X"}).status_code == 422
    response = post_from(staff, f"{base}/sessions/nouvelle", f"{base}/sessions/nouvelle",
                         {"day": "2030-06-01", "hour": "09:30", "room": "CDI", "address": "1 rue de l'École",
                          "examiner": "Mme Durand", "description": ""})
    assert response.status_code == 303
    session_url = response.headers["Location"]
    page = html_of(staff.get(session_url))
    password = re.search(r'id="invigilator-password">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert "09:30" in page and 'id="access-code"' in page
    assert 'id="invigilator-password"' not in html_of(staff.get(session_url))  # shown once
    cs_id = int(session_url.rsplit("/", 1)[1])

    # Enrol a class: eligibility shown; then one by hand; a duplicate is refused.
    class_page = html_of(staff.get(f"{session_url}/candidats/classe?classe=3A"))
    assert "Certifiable" in class_page and "Inconnue (pas de compte)" in class_page
    learner_ids = [str(x) for x in db_session.scalars(select(OrganisationLearner.id).where(
        OrganisationLearner.organisation_id == organisation.id))]
    assert post_from(staff, f"{session_url}/candidats/classe?classe=3A", f"{session_url}/candidats/classe",
                     {"learner": learner_ids}).status_code == 303
    hand = {"first_name": "Zoé", "last_name": "Martin", "birth_date": "2009-12-31", "external_id": "X1",
            "accessibility_adjustment": "1"}
    assert post_from(staff, session_url, f"{session_url}/candidats", hand).status_code == 303
    assert post_from(staff, session_url, f"{session_url}/candidats", hand).status_code == 422
    assert post_from(staff, session_url, f"{session_url}/candidats", {**hand, "birth_date": "demain"}).status_code == 422
    db_session.expire_all()
    cs = db_session.get(CertificationSession, cs_id)
    assert cs is not None and len(cs.candidates) == 3
    zoe = next(c for c in cs.candidates if c.first_name == "Zoé")
    assert zoe.accessibility_adjustment and zoe.external_id == "X1"

    # Remove before start; the invigilator password works; regenerating it invalidates the old one.
    assert post_from(staff, session_url, f"{session_url}/candidats/{zoe.id}/retirer").status_code == 303
    db_session.expire_all()
    assert len(db_session.get(CertificationSession, cs_id).candidates) == 2  # type: ignore[union-attr]
    inv = app.test_client()
    assert post_from(inv, "/certif/surveillant", "/certif/surveillant",
                     {"session_number": str(cs_id), "password": password.lower()}).status_code == 303
    assert post_from(staff, session_url, f"{session_url}/mot-de-passe").status_code == 303
    assert post_from(app.test_client(), "/certif/surveillant", "/certif/surveillant",
                     {"session_number": str(cs_id), "password": password}).status_code == 401


def test_ineligible_candidate_cannot_start(app: Flask, db_session: Session) -> None:
    world = make_world(db_session, certifiable=False)
    student = client_for(app, world.student)
    assert join(student, world).status_code == 303
    invigilate(invigilator_client(app, world), world, "authorise")
    page = f"/certif/candidat/{world.candidate.id}"
    html = html_of(student.get(page))
    assert 'data-state="ineligible"' in html and 'id="start-test"' not in html
    assert post_from(student, page, f"{page}/commencer").headers["Location"] == page
    assert world.candidate.course is None


def test_other_organisation_staff_and_students_get_404(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    other_org = make_organisation(db_session)
    outsider = client_for(app, make_member(db_session, other_org, MembershipRole.ADMIN))
    base = f"/certif/centres/{world.organisation.id}"
    for url in (base, f"{base}/sessions/{world.cs.id}", f"{base}/sessions/nouvelle"):
        assert outsider.get(url).status_code == 404
    assert client_for(app, world.student).get(base).status_code == 404
    # A session of another centre under this centre's URL is 404 too.
    other_centre = centres.make_centre(db_session, other_org)
    other_cs, _ = centres.create_session(db_session, other_centre, world.admin, centres.SessionDraft.from_form(
        {"day": "2030-06-01", "hour": "09:00", "room": "A", "examiner": "B"}, "Europe/Paris"))
    db_session.flush()
    assert client_for(app, world.admin).get(f"{base}/sessions/{other_cs.id}").status_code == 404


def test_candidate_and_invigilator_scopes(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    other = make_world(db_session)
    student = client_for(app, world.student)
    assert join(student, world).status_code == 303
    # Another session's candidate row and test are not reachable.
    assert student.get(f"/certif/candidat/{other.candidate.id}").status_code == 404
    other_student = client_for(app, other.student)
    assert join(other_student, other).status_code == 303
    inv_other = invigilator_client(app, other)
    invigilate(inv_other, other, "authorise")
    other_assessment = start_test(other_student, other)
    assert student.get(f"/evaluations/{other_assessment}/question").status_code == 404
    # One open session at a time: joining the other session (even with its right code) is refused.
    assert join(student, other, first_name="Léa").status_code == 422
    # The invigilator of one session cannot see or act on another.
    inv = invigilator_client(app, world)
    assert inv.get(f"/certif/surveillant/sessions/{other.cs.id}").status_code == 404
    token_page = f"/certif/surveillant/sessions/{world.cs.id}"
    assert post_from(inv, token_page, f"/certif/surveillant/sessions/{other.cs.id}/candidats/{other.candidate.id}/end"
                     ).status_code == 404
    assert post_from(inv, token_page, f"{token_page}/candidats/{other.candidate.id}/authorise").status_code == 404
    assert app.test_client().get(token_page).status_code == 404  # no invigilator login


@pytest.mark.parametrize("settings_overrides", [{}], indirect=True)
def test_access_code_guessing_is_rate_limited(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    student = client_for(app, world.student)
    statuses = [join(student, world, access_code=f"ABCD{n + 22}").status_code for n in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    assert join(student, world).status_code == 429  # even the right code, until the window ends
    inv = app.test_client()
    attempts = [post_from(inv, "/certif/surveillant", "/certif/surveillant",
                          {"session_number": str(world.cs.id), "password": "WRONG"}).status_code for _ in range(11)]
    assert attempts[:10] == [401] * 10 and attempts[10] == 429


def test_v2_mode_follows_the_plan(app: Flask, db_session: Session) -> None:
    pytest.importorskip("pix_lti.engine.certification")
    app.config["PIX_SETTINGS"] = app.config["PIX_SETTINGS"].__class__(
        **{**app.config["PIX_SETTINGS"].__dict__, "certification_mode": "v2"})
    world = make_world(db_session)
    student = client_for(app, world.student)
    assert join(student, world).status_code == 303
    invigilate(invigilator_client(app, world), world, "authorise")
    start_test(student, world)
    db_session.expire_all()
    course = world.candidate.course
    assert course is not None and course.mode.value == "v2" and course.planned_challenges
    assert course.max_length == len(course.planned_challenges)
    assert course.assessment.current_challenge_id == course.planned_challenges[0]["challenge_id"]
    assert BIRTH == world.candidate.birth_date
