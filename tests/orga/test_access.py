"""Isolation: every Orga route × anonymous, student, member/admin of A, member/admin of B. Only A's staff reach A's
pages (référent-only actions need ADMIN or ownership); everyone else gets the login page, 403 or 404, and no page
shows A's names, codes or results."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.orga.world import World, build_world, log_in_as

PERSONAS = ["anonymous", "student_a", "member_a", "admin_a", "member_b", "admin_b"]


def routes(w: World, staff_learner_id: int, invitation_id: int) -> list[tuple[str, str]]:
    """(method, url) of every Orga route, aimed at organisation A's objects."""
    a, c, p = w.org_a.id, w.campaign_a.id, w.shared.id
    return [
        ("GET", f"/orga/{a}"),
        ("GET", f"/orga/{a}/campagnes"),
        ("GET", f"/orga/{a}/campagnes?etat=archivees"),
        ("GET", f"/orga/{a}/campagnes/nouvelle"),
        ("POST", f"/orga/{a}/campagnes/nouvelle"),
        ("GET", f"/orga/{a}/profils-cibles/nouveau"),
        ("POST", f"/orga/{a}/profils-cibles/nouveau"),
        ("GET", f"/orga/{a}/campagnes/{c}"),
        ("POST", f"/orga/{a}/campagnes/{c}/archiver"),
        ("POST", f"/orga/{a}/campagnes/{c}/desarchiver"),
        ("GET", f"/orga/{a}/campagnes/{c}/activite"),
        ("GET", f"/orga/{a}/campagnes/{c}/participants/{p}"),
        ("GET", f"/orga/{a}/campagnes/{c}/analyse"),
        ("GET", f"/orga/{a}/campagnes/{c}/export.csv"),
        ("GET", f"/orga/{a}/eleves"),
        ("GET", f"/orga/{a}/eleves?partis=1"),
        ("GET", f"/orga/{a}/eleves/import"),
        ("POST", f"/orga/{a}/eleves/import"),
        ("GET", f"/orga/{a}/membres"),
        ("POST", f"/orga/{a}/membres/{w.member_a.memberships[0].id}/role"),
        ("POST", f"/orga/{a}/membres/{w.member_a.memberships[0].id}/retirer"),
        ("POST", f"/orga/{a}/invitations"),
        ("POST", f"/orga/{a}/invitations/{invitation_id}/desactiver"),
        ("GET", f"/orga/{a}/eleves/comptes"),
        ("POST", f"/orga/{a}/eleves/comptes"),
        ("POST", f"/orga/{a}/eleves/{staff_learner_id}/mot-de-passe"),
    ]


ADMIN_ONLY = {"/eleves/import", "/role", "/retirer", "/invitations", "/desactiver"}


SECRETS = ("Bernard", "Petit", "Sécurité 4e", "Collège A")  # A's learners, campaign title and organisation name


@pytest.fixture
def world(db_session: Session, demo_content: str) -> World:
    return build_world(db_session, demo_content)


@pytest.fixture
def staff_learner_id(db_session: Session, world: World) -> int:
    """A roster row of A linked (wrongly) to A's teacher: a password reset must refuse it."""
    from datetime import date

    from pix_lti.orga.models import OrganisationLearner

    learner = OrganisationLearner(organisation_id=world.org_a.id, national_id="999999999ZZ", first_name="Marc",
                                  last_name="Prof", birth_date=date(1980, 1, 1), division="Profs",
                                  user_id=world.member_a.id)
    db_session.add(learner)
    db_session.flush()
    return learner.id


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_for_every_persona(app, client: FlaskClient, db_session: Session, world: World,
                                       staff_learner_id: int, persona: str) -> None:
    from pix_lti.db import utcnow
    from pix_lti.identity.models import MembershipRole
    from pix_lti.orga import members
    from pix_lti.orga.models import OrganisationInvitation

    members.create_invitation(db_session, world.org_a, MembershipRole.MEMBER, world.admin_a, utcnow())
    invitation_id = db_session.scalars(select(OrganisationInvitation.id)).one()
    if persona != "anonymous":
        log_in_as(client, getattr(world, persona))
    app.config["WTF_CSRF_ENABLED"] = False  # the matrix is about access; CSRF has its own tests
    # Admin-of-A actions run last so that removing A's teacher does not change the answers before it.
    for method, url in routes(world, staff_learner_id, invitation_id):
        response = client.open(url, method=method, data={})
        body = response.get_data(as_text=True)
        if persona == "anonymous":
            assert response.status_code == 302 and "/connexion" in response.headers["Location"], (url, response.status_code)
        elif persona == "member_a" and any(url.endswith(suffix) for suffix in ADMIN_ONLY):
            assert response.status_code == 403, (method, url, response.status_code)
        elif persona in ("member_a", "admin_a"):
            # Staff of A: pages answer (a POST with an empty form is a validation error, or a redirect).
            # (Resetting the password of a learner row linked to a staff account is refused: 403.)
            expected = (403,) if url.endswith("/mot-de-passe") else (200, 303, 422)
            assert response.status_code in expected, (persona, method, url, response.status_code)
        else:
            assert response.status_code == 404, (persona, method, url, response.status_code)
            for secret in SECRETS + (world.campaign_a.code,):
                assert secret not in body, (persona, url, secret)


def test_a_campaign_of_b_under_the_url_of_a_is_404(client: FlaskClient, world: World) -> None:
    """Staff of A cannot reach B's campaign or participation by putting B's ids under A's organisation."""
    log_in_as(client, world.admin_a)
    a, cb = world.org_a.id, world.campaign_b.id
    for url in (f"/orga/{a}/campagnes/{cb}", f"/orga/{a}/campagnes/{cb}/activite", f"/orga/{a}/campagnes/{cb}/export.csv",
                f"/orga/{a}/campagnes/{world.campaign_a.id}/participants/999999"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/orga/{world.org_b.id}/campagnes/{cb}").status_code == 404


def test_a_member_who_does_not_own_the_campaign_cannot_archive_it(app, client: FlaskClient, db_session: Session,
                                                                  world: World) -> None:
    from tests.factories import make_member
    from pix_lti.identity.models import MembershipRole

    other_teacher = make_member(db_session, world.org_a, MembershipRole.MEMBER)
    db_session.flush()
    log_in_as(client, other_teacher)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post(f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/archiver").status_code == 403
    assert client.get(f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}").status_code == 200


def test_a_disabled_membership_gives_no_access(client: FlaskClient, db_session: Session, world: World) -> None:
    from pix_lti.db import utcnow

    membership = next(m for m in world.member_a.memberships if m.organisation_id == world.org_a.id)
    membership.disabled_at = utcnow()
    db_session.flush()
    log_in_as(client, world.member_a)
    assert client.get(f"/orga/{world.org_a.id}").status_code == 404
    assert client.get("/orga").status_code == 403


def test_orga_home_redirects_to_the_only_organisation_and_lists_several(client: FlaskClient, db_session: Session,
                                                                        world: World) -> None:
    from pix_lti.identity import services
    from pix_lti.identity.models import MembershipRole

    log_in_as(client, world.member_a)
    response = client.get("/orga")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orga/{world.org_a.id}")
    services.ensure_membership(db_session, world.member_a, world.org_b, MembershipRole.MEMBER)
    db_session.flush()
    page = client.get("/orga").get_data(as_text=True)
    assert "Collège A" in page and "Collège B" in page
    assert f"/orga/{world.org_b.id}" in page


def test_a_student_has_no_orga(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.student_a)
    assert client.get("/orga").status_code == 403
