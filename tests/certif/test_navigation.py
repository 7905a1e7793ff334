"""Finding one's way: a centre member goes Orga → centre → session → results CSV; a student finds "Mes certifications";
the jury has its own entry; the jury page words how each test ended (French and English)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy.orm import Session

from pix_lti.identity.models import MembershipRole
from tests.certif.world import client_for, html_of, invigilate, invigilator_client, join, make_world, post_from, start_test
from tests.factories import make_member, make_organisation, make_user


def _nav(html: str) -> str:
    match = re.search(r'<nav aria-label="Navigation principale".*?</nav>', html, re.S)
    assert match, "no main navigation"
    return match.group(0)


def test_centre_member_goes_from_orga_to_sessions_to_the_csv(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    org = world.organisation.id
    staff = client_for(app, world.admin)
    # Orga links to the centre (it is one); the centre pages keep the Orga navigation.
    orga_nav = _nav(html_of(staff.get(f"/orga/{org}/certifications")))
    assert f'href="/certif/centres/{org}"' in orga_nav and f'href="/orga/{org}/campagnes"' in orga_nav
    centre_page = html_of(staff.get(f"/certif/centres/{org}"))
    assert f'href="/certif/centres/{org}" aria-current="page"' in _nav(centre_page)
    assert f'href="/certif/centres/{org}/sessions/{world.cs.id}"' in centre_page
    session_url = f"/certif/centres/{org}/sessions/{world.cs.id}"
    assert 'id="results-csv"' not in html_of(staff.get(session_url))
    # Once the session is finalised and published, its page offers the CSV.
    student = client_for(app, world.student)
    join(student, world)
    inv = invigilator_client(app, world)
    invigilate(inv, world, "authorise")
    start_test(student, world)
    invigilate(inv, world, "end")
    v = f"/certif/surveillant/sessions/{world.cs.id}"
    assert post_from(inv, f"{v}/finaliser", f"{v}/finaliser", {"confirm": "1"}).status_code == 303
    jury = client_for(app, make_user(db_session, is_platform_admin=True))
    jury_page = html_of(jury.get(f"/certif/jury/sessions/{world.cs.id}"))
    assert 'href="/certif/jury"' in _nav(jury_page)
    assert "Test arrêté par le surveillant" in jury_page and "ended_by_invigilator" not in jury_page
    jury.get("/langue/en")
    english = html_of(jury.get(f"/certif/jury/sessions/{world.cs.id}"))
    assert "Test stopped by the invigilator" in english
    assert post_from(jury, f"/certif/jury/sessions/{world.cs.id}",
                     f"/certif/jury/sessions/{world.cs.id}/publier").status_code == 302
    page = html_of(staff.get(session_url))
    assert f'href="/certif/centres/{org}/sessions/{world.cs.id}/resultats.csv"' in page
    assert staff.get(f"{session_url}/resultats.csv").status_code == 200


def test_orga_links_to_the_centre_only_when_there_is_one(app: Flask, db_session: Session) -> None:
    school = make_organisation(db_session)
    referent = client_for(app, make_member(db_session, school, MembershipRole.ADMIN))
    teacher = client_for(app, make_member(db_session, school, MembershipRole.MEMBER))
    for client in (referent, teacher):
        assert f'href="/certif/centres/{school.id}"' not in _nav(html_of(client.get(f"/orga/{school.id}/certifications")))
    # The référent is told how to make the school a centre; a teacher is not.
    assert f'href="/certif/centres/{school.id}"' in html_of(referent.get(f"/orga/{school.id}/certifications"))
    assert f'href="/certif/centres/{school.id}"' not in html_of(teacher.get(f"/orga/{school.id}/certifications"))


def test_student_finds_mes_certifications(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    student = client_for(app, world.student)
    listing = html_of(student.get("/certificats"))
    assert 'href="/certificats" aria-current="page"' in _nav(listing)
    assert 'href="/certif/rejoindre"' in listing
    assert 'href="/certificats"' in _nav(html_of(student.get("/certif/rejoindre")))
    assert 'href="/certificats"' in _nav(html_of(student.get("/profil")))
    # Neither the Orga nor the jury navigation for a student.
    assert "/orga/" not in _nav(listing) and "/certif/jury" not in _nav(listing)
