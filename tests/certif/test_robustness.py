"""Every certification route answers bad input, wrong state and missing CSRF with a 4xx (never a 500), and stays within
its organisation / session / person (issue 9, "never 500", per-organisation isolation)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.certif.models import CandidateStatus, SessionStatus
from pix_lti.identity.models import MembershipRole
from pix_lti.orga.models import OrganisationLearner
from tests.certif.world import (
    World,
    client_for,
    html_of,
    invigilate,
    invigilator_client,
    join,
    make_world,
    post_from,
    start_test,
)
from tests.factories import make_member, make_organisation, make_user


def _no_server_error(client: FlaskClient, method: str, url: str, **kwargs: object) -> int:
    response = client.open(url, method=method, **kwargs)  # type: ignore[arg-type]
    assert response.status_code < 500, (method, url, kwargs, response.status_code)
    return response.status_code


def _csrf_of(client: FlaskClient, page_url: str) -> str:
    from tests.helpers import csrf_token_from

    return csrf_token_from(html_of(client.get(page_url)))


def test_every_form_needs_the_csrf_token(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    staff = client_for(app, world.admin)
    student = client_for(app, world.student)
    base = f"/certif/centres/{world.organisation.id}"
    s = f"{base}/sessions/{world.cs.id}"
    for url in (f"{base}/activer", f"{base}/sessions/nouvelle", f"{s}/modifier", f"{s}/mot-de-passe", f"{s}/candidats",
                f"{s}/candidats/classe", f"{s}/candidats/{world.candidate.id}/retirer"):
        assert staff.post(url, data={"day": "2030-06-02", "hour": "10:00", "room": "A", "examiner": "B"}
                          ).status_code == 400, url
    assert student.post("/certif/rejoindre", data={"session_number": str(world.cs.id)}).status_code == 400
    assert join(student, world).status_code == 303
    assert student.post(f"/certif/candidat/{world.candidate.id}/commencer").status_code == 400
    assert app.test_client().post("/certif/surveillant", data={"session_number": str(world.cs.id),
                                                               "password": world.password}).status_code == 400
    inv = invigilator_client(app, world)
    v = f"/certif/surveillant/sessions/{world.cs.id}"
    for url in (f"{v}/finaliser", f"{v}/candidats/{world.candidate.id}", "/certif/surveillant/quitter",
                *(f"{v}/candidats/{world.candidate.id}/{a}" for a in ("authorise", "pause", "end", "absent",
                                                                       "present"))):
        assert inv.post(url, data={"confirm": "1", "category": "TECHNICAL", "description": "x"}).status_code == 400, url
    db_session.expire_all()
    assert world.cs.status is SessionStatus.CREATED and world.candidate.status is CandidateStatus.NOT_STARTED
    jury_user = make_user(db_session, is_platform_admin=True)
    jury = client_for(app, jury_user)
    assert jury.post(f"/certif/jury/sessions/{world.cs.id}/publier").status_code == 400
    assert jury.post("/certif/jury/resultats/1/rejeter").status_code == 400


def test_malformed_input_on_centre_pages_is_a_readable_4xx(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    other = make_organisation(db_session)
    db_session.add(OrganisationLearner(organisation_id=other.id, first_name="Zoé", last_name="Ailleurs",
                                       birth_date=world.candidate.birth_date, division="3A",
                                       national_id="999999999ZZ"))
    db_session.flush()
    staff = client_for(app, world.admin)
    base = f"/certif/centres/{world.organisation.id}"
    s = f"{base}/sessions/{world.cs.id}"
    bad_sessions = [{}, {"day": "2030-02-30", "hour": "09:00", "room": "A", "examiner": "B"},
                    {"day": "0001-01-01", "hour": "00:00", "room": "A", "examiner": "B"},
                    {"day": "9999-12-31", "hour": "23:59", "room": "A", "examiner": "B"},
                    {"day": "2030-06-01", "hour": "25:61", "room": "A", "examiner": "B"},
                    {"day": "demain", "hour": "9h", "room": "A" * 300, "examiner": "B" * 300,
                     "description": "C" * 3000},
                    {"day": ["2030-06-01", "2030-06-02"], "hour": "09:00", "room": "\x00", "examiner": "B\x00"}]
    for data in bad_sessions:
        for url in (f"{base}/sessions/nouvelle", f"{s}/modifier"):
            token = _csrf_of(staff, url)
            assert _no_server_error(staff, "POST", url, data={"csrf_token": token, **data}) == 422, (url, data)
    token = _csrf_of(staff, s)
    for data in ({}, {"first_name": "A", "last_name": "B", "birth_date": "2010-02-30"},
                 {"first_name": "A", "last_name": "B", "birth_date": "1800-01-01"},
                 {"first_name": "A", "last_name": "B", "birth_date": "2999-01-01"},
                 {"first_name": "\x00", "last_name": "B", "birth_date": "2010-01-01"},
                 {"first_name": "A" * 300, "last_name": "B", "birth_date": "2010-01-01", "external_id": "x" * 300}):
        assert _no_server_error(staff, "POST", f"{s}/candidats", data={"csrf_token": token, **data}) == 422, data
    for learner in ("²", "١", "99999999999999999999999", "-1", "abc", ""):
        _no_server_error(staff, "POST", f"{s}/candidats/classe", data={"csrf_token": token, "learner": learner})
    for classe in ("", "3A", "\x00", "x" * 1000):
        assert _no_server_error(staff, "GET", f"{s}/candidats/classe", query_string={"classe": classe}) == 200
    # Another organisation's learner id is ignored, not enrolled.
    foreign = db_session.query(OrganisationLearner).filter_by(organisation_id=other.id).one()
    post_from(staff, f"{s}/candidats/classe?classe=3A", f"{s}/candidats/classe", {"learner": str(foreign.id)})
    db_session.expire_all()
    assert all(c.organisation_learner_id != foreign.id for c in world.cs.candidates)
    for url in (f"{base}/sessions/999999", f"{base}/sessions/999999/modifier",
                f"{s}/candidats/999999/retirer", "/certif/centres/999999", "/certif/centres/abc",
                "/certif/centres/99999999999"):
        assert _no_server_error(staff, "POST" if url.endswith("retirer") else "GET", url,
                                data={"csrf_token": token}) == 404, url


def _finalised_world(app: Flask, db_session: Session) -> tuple[World, FlaskClient, FlaskClient]:
    """A session whose candidate answered nothing, was ended by the invigilator, then finalised."""
    world = make_world(db_session)
    student = client_for(app, world.student)
    assert join(student, world).status_code == 303
    inv = invigilator_client(app, world)
    invigilate(inv, world, "authorise")
    start_test(student, world)
    invigilate(inv, world, "end")
    v = f"/certif/surveillant/sessions/{world.cs.id}"
    assert post_from(inv, f"{v}/finaliser", f"{v}/finaliser", {"confirm": "1"}).status_code == 303
    db_session.expire_all()
    assert world.cs.status is SessionStatus.FINALISED
    return world, student, inv


def test_posts_after_finalisation_and_publication_change_nothing(app: Flask, db_session: Session) -> None:
    world, student, inv = _finalised_world(app, db_session)
    staff = client_for(app, world.admin)
    base = f"/certif/centres/{world.organisation.id}"
    s = f"{base}/sessions/{world.cs.id}"
    token = _csrf_of(staff, s)
    form = {"csrf_token": token, "day": "2030-06-02", "hour": "10:00", "room": "Z", "examiner": "Y",
            "first_name": "Max", "last_name": "Tard", "birth_date": "2010-01-01"}
    for url in (f"{s}/modifier", f"{s}/mot-de-passe", f"{s}/candidats", f"{s}/candidats/classe",
                f"{s}/candidats/{world.candidate.id}/retirer"):
        _no_server_error(staff, "POST", url, data=form)
    # The finalised session refuses new candidates and joins.
    other_student = client_for(app, make_user(db_session, first_name="Max", last_name="Tard"))
    assert join(other_student, world, first_name="Max", last_name="Tard", birth_date="2010-01-01").status_code == 422
    # The candidate cannot start again; the invigilator cannot act any more, and a second finalisation is refused.
    page = f"/certif/candidat/{world.candidate.id}"
    assert post_from(student, page, f"{page}/commencer").status_code == 303
    v = f"/certif/surveillant/sessions/{world.cs.id}"
    for action in ("authorise", "pause", "end", "absent", "present"):
        assert invigilate(inv, world, action).status_code == 303
    assert post_from(inv, v, f"{v}/candidats/{world.candidate.id}",
                     {"category": "FRAUD", "description": "trop tard"}).status_code == 303
    assert post_from(inv, v, f"{v}/finaliser", {"confirm": "1"}).status_code == 409
    db_session.expire_all()
    assert world.cs.room == "B12" and len(world.cs.candidates) == 1 and not world.candidate.incidents
    assert world.candidate.status is CandidateStatus.ENDED_BY_INVIGILATOR
    # The jury publishes twice (a double click), then acts on the published result: refused, never a 500.
    jury = client_for(app, make_user(db_session, is_platform_admin=True))
    j = f"/certif/jury/sessions/{world.cs.id}"
    assert post_from(jury, j, f"{j}/publier").status_code in (302, 303)
    assert post_from(jury, j, f"{j}/publier").status_code in (302, 303)
    db_session.expire_all()
    result = world.candidate.course.result  # type: ignore[union-attr]
    assert result is not None and world.cs.status is SessionStatus.PUBLISHED
    published_status = result.status
    for action in ("neutraliser", "rejeter", "annuler", "rouvrir", "commenter"):
        response = post_from(jury, j, f"/certif/jury/resultats/{result.id}/{action}",
                             {"challenge_id": "nope", "comment": "après coup"})
        assert response.status_code in (302, 303), action
    assert _no_server_error(jury, "POST", f"/certif/jury/resultats/{result.id}/supprimer",
                            data={"csrf_token": _csrf_of(jury, j)}) == 404
    assert _no_server_error(jury, "POST", "/certif/jury/resultats/999999/rejeter",
                            data={"csrf_token": _csrf_of(jury, j)}) == 404
    db_session.expire_all()
    assert result.status is published_status and result.jury_comment == ""
    assert _no_server_error(staff, "GET", f"{s}/resultats.csv") == 200


def test_malformed_candidate_invigilator_and_public_input(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    student = client_for(app, world.student)
    token = _csrf_of(student, "/certif/rejoindre")
    for data in ({}, {"session_number": "abc", "access_code": "0000", "first_name": "", "last_name": "",
                      "birth_date": "31/12/2010"},
                 {"session_number": "9" * 12, "access_code": "ABCD23", "first_name": "Léa",
                  "last_name": "Dupont-Martin", "birth_date": "2010-05-17"},
                 {"session_number": "9" * 40, "access_code": "x" * 500, "first_name": "\x00",
                  "last_name": "a" * 1000, "birth_date": "0000-00-00"},
                 {"session_number": "-1", "access_code": "ABCD23", "first_name": "Léa", "last_name": "Dupont",
                  "birth_date": "2010-02-30"}):
        assert _no_server_error(student, "POST", "/certif/rejoindre", data={"csrf_token": token, **data}) == 422
    for url in ("/certif/candidat/999999", "/certif/candidat/abc", "/certif/candidat/99999999999999999999"):
        assert _no_server_error(student, "GET", url) == 404
    assert _no_server_error(student, "POST", "/certif/candidat/999999/commencer", data={"csrf_token": token}) == 404
    # Double "Commencer": the same test goes on.
    assert join(student, world).status_code == 303
    inv = invigilator_client(app, world)
    invigilate(inv, world, "authorise")
    first = start_test(student, world)
    page = f"/certif/candidat/{world.candidate.id}"
    response = student.post(f"{page}/commencer", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == f"/evaluations/{first}/question"
    # Invigilator: bad logins, bad incident forms, unknown candidates.
    anon = app.test_client()
    login_token = _csrf_of(anon, "/certif/surveillant")
    for data in ({}, {"session_number": "abc", "password": ""}, {"session_number": "9" * 40, "password": "x" * 500},
                 {"session_number": "\x00", "password": "\x00"}):
        assert _no_server_error(anon, "POST", "/certif/surveillant", data={"csrf_token": login_token, **data}) == 401
    v = f"/certif/surveillant/sessions/{world.cs.id}"
    c = f"{v}/candidats/{world.candidate.id}"
    inv_token = _csrf_of(inv, v)
    for data in ({}, {"category": "PIRATE", "description": "x"}, {"category": "TECHNICAL", "description": ""},
                 {"category": "TECHNICAL", "challenge_id": "not-shown", "description": "x"},
                 {"category": "FRAUD", "description": "x" * 3000}):
        assert _no_server_error(inv, "POST", c, data={"csrf_token": inv_token, **data}) == 422, data
    for url in (f"{v}/candidats/999999", f"{v}/candidats/999999/end", "/certif/surveillant/sessions/999999"):
        assert _no_server_error(inv, "POST" if url.endswith("end") else "GET", url,
                                data={"csrf_token": inv_token}) == 404
    assert _no_server_error(inv, "POST", f"{v}/finaliser", data={"csrf_token": inv_token}) == 422  # no confirmation
    assert _no_server_error(inv, "POST", f"{v}/finaliser",
                            data={"csrf_token": inv_token, "confirm": "1"}) == 409  # a test is running
    # Public pages.
    for url in ("/verification/x", "/verification/" + "P-" + "A" * 500, "/verification/P-00000000",
                "/verification?code=%00", "/verification?code=" + "x" * 5000, "/certificats/999999",
                "/certificats/999999/certificat.pdf", "/certificats/99999999999", "/certif/jury/sessions/99999999999"):
        assert _no_server_error(student, "GET", url) in (302, 404), url


def test_staff_see_only_their_own_organisation(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    other_org = make_organisation(db_session)
    teacher_elsewhere = client_for(app, make_member(db_session, other_org, MembershipRole.MEMBER))
    referent_elsewhere = client_for(app, make_member(db_session, other_org, MembershipRole.ADMIN))
    base = f"/certif/centres/{world.organisation.id}"
    s = f"{base}/sessions/{world.cs.id}"
    for client in (teacher_elsewhere, referent_elsewhere, client_for(app, world.student)):
        token = _csrf_of(client, f"/certif/centres/{other_org.id}") if client is referent_elsewhere else None
        for url in (base, f"{s}", f"{s}/modifier", f"{s}/candidats/classe", f"{s}/resultats.csv",
                    f"/orga/{world.organisation.id}/certifications"):
            assert client.get(url).status_code == 404, url
        if token:
            for url in (f"{base}/activer", f"{s}/mot-de-passe", f"{s}/candidats",
                        f"{s}/candidats/{world.candidate.id}/retirer"):
                assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    # A teacher (MEMBER) of the centre runs sessions but cannot make another organisation a centre.
    member = client_for(app, make_member(db_session, world.organisation, MembershipRole.MEMBER))
    assert member.get(s).status_code == 200
    unrelated = make_organisation(db_session)
    assert member.get(f"/certif/centres/{unrelated.id}").status_code == 404


@pytest.mark.parametrize("settings_overrides", [{}], indirect=True)
def test_verification_page_ignores_repeated_separators(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/verification?code=p--7kxm 3rqa")
    assert response.status_code == 302 and response.headers["Location"].endswith("/verification/P-7KXM3RQA")
