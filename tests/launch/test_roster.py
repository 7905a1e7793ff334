"""Course rosters (NRPS) from the real platform: two pages followed through a ``Link: rel="next"`` URL whose case
matters (pylti1p3 lowercases it), learners created without email, leavers marked."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.identity.models import Organisation
from pix_lti.launch.adapters import next_link
from pix_lti.launch.models import CourseGroup, CourseGroupMember
from tests.helpers import csrf_token_from
from tests.launch.helpers import lti_user, membership_role
from tests.launch.platform import INSTRUCTOR, LEARNER, FakePlatform, LaunchSpec, run_launch

pytestmark = pytest.mark.usefixtures("registration")


def member(user_id: str, given: str, family: str, roles: list[str] | None = None, status: str = "Active") -> dict:
    return {"user_id": user_id, "given_name": given, "family_name": family, "name": f"{given} {family}",
            "roles": roles or [LEARNER], "status": status}


CLASS = [member("prof", "Paul", "Prof", [INSTRUCTOR]), member("s1", "Léa", "Martin"), member("s2", "Hugo", "Bernard"),
         member("s3", "Inès", "Petit")]


def _sync(client: FlaskClient) -> str:
    page = client.get("/lti/enseignant").get_data(as_text=True)
    group_id = db_group_id(page)
    response = client.post(f"/lti/enseignant/cours/{group_id}/synchroniser",
                           data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 303
    return client.get("/lti/enseignant").get_data(as_text=True)


def db_group_id(page: str) -> str:
    import re

    return re.search(r"/lti/enseignant/cours/(\d+)/synchroniser", page).group(1)


def test_roster_sync_follows_paging_and_marks_leavers(app: Flask, client: FlaskClient, db_session: Session,
                                                      platform: FakePlatform, school: Organisation) -> None:
    platform.members = list(CLASS)
    platform.nrps_page_size = 2  # two pages
    run = run_launch(client, platform, LaunchSpec(user_id="prof", roles=[INSTRUCTOR], nrps=True))
    assert run.response.status_code == 303
    page = _sync(client)
    assert "4 membres, 3 nouveaux, 0 partis" in page
    assert platform.nrps_requests == ["/nrps/course-1/Members?limit=2", "/nrps/course-1/Members?limit=2&page=2"]
    lea = lti_user(db_session, platform.issuer, "s1")
    assert (lea.first_name, lea.last_name) == ("Léa", "Martin") and lea.username is None
    assert membership_role(db_session, lea, school.id) == "STUDENT"
    assert "Inès Petit" in page and "Hugo Bernard" in page

    # Hugo leaves the course, Inès is suspended: both marked, nobody deleted.
    platform.members = [CLASS[0], CLASS[1], member("s3", "Inès", "Petit", status="Inactive")]
    page = _sync(client)
    assert "2 membres, 0 nouveaux, 2 partis" in page and "a quitté le cours" in page
    group = db_session.scalar(select(CourseGroup))
    left = {m.user_id for m in db_session.scalars(select(CourseGroupMember).where(
        CourseGroupMember.group_id == group.id, CourseGroupMember.left_at.is_not(None)))}
    assert left == {lti_user(db_session, platform.issuer, "s2").id, lti_user(db_session, platform.issuer, "s3").id}
    # Coming back (a launch, or the next sync) re-activates the membership.
    platform.members = list(CLASS)
    assert "4 membres, 0 nouveaux, 0 partis" in _sync(client)
    db_session.expire_all()
    assert db_session.scalars(select(CourseGroupMember.left_at)).all() == [None] * 4


def test_roster_errors_are_reported_to_the_teacher(client: FlaskClient, platform: FakePlatform) -> None:
    run_launch(client, platform, LaunchSpec(user_id="prof", roles=[INSTRUCTOR], nrps=True))
    platform.members = [{"roles": [LEARNER]}]  # no user_id: the platform answers 400
    page = _sync(client)
    assert "La liste de la classe n&#39;a pas pu être lue" in page and "HTTP 400" in page


def test_a_course_without_nrps_offers_no_sync(client: FlaskClient, platform: FakePlatform) -> None:
    run_launch(client, platform, LaunchSpec(user_id="prof", roles=[INSTRUCTOR], nrps=False))
    page = client.get("/lti/enseignant").get_data(as_text=True)
    assert "ne propose pas la liste des participants" in page and "synchroniser" not in page


@pytest.mark.parametrize(("header", "expected"), [
    ('<https://lms.example.org/Members?Page=2&Token=AbC>; rel="next"', "https://lms.example.org/Members?Page=2&Token=AbC"),
    ("<https://lms.example.org/m?p=2>; rel=next", "https://lms.example.org/m?p=2"),
    ('<https://x/first>; rel="first", <https://x/Next>; rel="next"', "https://x/Next"),
    ('<https://x/a>; rel="prev"', None),
    ("", None),
])
def test_next_link_keeps_the_url_case(header: str, expected: str | None) -> None:
    assert next_link({"Link": header}) == expected
