"""A certification centre with a session, an eligible student enrolled as a candidate, and helpers to drive the pages
as the centre's staff, the candidate and the invigilator (each with a test client of their own)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pix_lti.assessment import catalogs
from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType, KnowledgeElement
from pix_lti.certif import centres
from pix_lti.certif.models import CertificationCandidate, CertificationCentre, CertificationSession
from pix_lti.db import utcnow
from pix_lti.identity.models import MembershipRole, Organisation, User
from tests.conftest import DEMO_PACK
from tests.factories import PASSWORD, make_member, make_organisation, make_user
from tests.helpers import csrf_token_from, login

BIRTH = date(2010, 5, 17)


def html_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def make_certifiable(session: Session, user: User, competences: int = 5) -> None:
    """Validated knowledge of every skill of ``competences`` competences (well above level 1 in each)."""
    catalog = catalogs.full_catalog(session, DEMO_PACK)
    now = utcnow() - timedelta(days=30)
    for code in catalog.competences[:competences]:
        assessment = Assessment(user_id=user.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key=DEMO_PACK,
                                competence_code=code, selector="bayesian", seed=1, status=AssessmentStatus.COMPLETED,
                                created_at=now, updated_at=now, completed_at=now)
        session.add(assessment)
        session.flush()
        for skill_id in catalog.slice(code).skill_ids:
            session.add(KnowledgeElement(user_id=user.id, assessment_id=assessment.id, competence_code=code,
                                         skill_id=skill_id, status="validated", source="direct", created_at=now))
    session.flush()


@dataclass
class World:
    organisation: Organisation
    admin: User
    centre: CertificationCentre
    cs: CertificationSession
    password: str
    student: User
    candidate: CertificationCandidate


def make_world(session: Session, *, certifiable: bool = True) -> World:
    organisation = make_organisation(session)
    admin = make_member(session, organisation, MembershipRole.ADMIN)
    centre = centres.make_centre(session, organisation)
    draft = centres.SessionDraft.from_form({"day": "2030-06-01", "hour": "09:00", "room": "B12",
                                            "examiner": "M. Martin"}, "Europe/Paris")
    cs, password = centres.create_session(session, centre, admin, draft)
    student = make_user(session, first_name="Léa", last_name="Dupont-Martin")
    if certifiable:
        make_certifiable(session, student)
    candidate = centres.enrol_by_hand(session, cs, centres.CandidateDraft.from_form(
        {"first_name": "Léa", "last_name": "Dupont-Martin", "birth_date": BIRTH.isoformat()}))
    session.flush()
    return World(organisation, admin, centre, cs, password, student, candidate)


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.username or "", PASSWORD).status_code == 303
    return client


def post_from(client: FlaskClient, page_url: str, action_url: str, data: dict[str, object] | None = None) -> TestResponse:
    """POST like the browser does from ``page_url`` (its CSRF token)."""
    token = csrf_token_from(html_of(client.get(page_url)))
    return client.post(action_url, data={"csrf_token": token, **(data or {})})


def join(client: FlaskClient, world: World, **overrides: str) -> TestResponse:
    data = {"session_number": str(world.cs.id), "access_code": world.cs.access_code, "first_name": "Léa",
            "last_name": "Dupont-Martin", "birth_date": BIRTH.isoformat(), **overrides}
    return post_from(client, "/certif/rejoindre", "/certif/rejoindre", data)


def invigilator_client(app: Flask, world: World) -> FlaskClient:
    client = app.test_client()
    response = post_from(client, "/certif/surveillant", "/certif/surveillant",
                         {"session_number": str(world.cs.id), "password": world.password})
    assert response.status_code == 303, response.status_code
    return client


def invigilate(client: FlaskClient, world: World, action: str, candidate_id: int | None = None) -> TestResponse:
    cid = candidate_id or world.candidate.id
    base = f"/certif/surveillant/sessions/{world.cs.id}"
    return post_from(client, base, f"{base}/candidats/{cid}/{action}")


def start_test(client: FlaskClient, world: World) -> int:
    """Press "Commencer"/"Reprendre" on the candidate page; returns the assessment id."""
    page = f"/certif/candidat/{world.candidate.id}"
    response = post_from(client, page, f"{page}/commencer")
    assert response.status_code == 303, response.status_code
    match = re.fullmatch(r"/evaluations/(\d+)/question", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def now_utc() -> datetime:
    return utcnow()
