"""The navigation's "Orga" link: shown to active référents and teachers only, computed with the current user."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.auth import access
from pix_lti.db import utcnow
from pix_lti.identity.models import Membership, MembershipRole
from tests.factories import PASSWORD, make_member, make_organisation, make_user
from tests.helpers import login

ORGA_LINK = 'href="/orga'


def test_orga_link_for_active_staff_only(client: FlaskClient, db_session: Session) -> None:
    school = make_organisation(db_session)
    teacher = make_member(db_session, school, MembershipRole.MEMBER, username="prof.nav")
    make_member(db_session, school, MembershipRole.STUDENT, username="eleve.nav")
    make_user(db_session, username="seul.nav")
    db_session.flush()
    for username, shown in (("prof.nav", True), ("eleve.nav", False), ("seul.nav", False)):
        client.post("/deconnexion")  # no CSRF token: refused, harmless; each login below starts a fresh session
        login(client, username, PASSWORD)
        html = client.get("/", follow_redirects=True).get_data(as_text=True)
        assert "Se déconnecter" in html and (ORGA_LINK in html) is shown, username
    # The link follows the membership: a disabled teacher no longer sees it (next request).
    login(client, "prof.nav", PASSWORD)
    assert ORGA_LINK in client.get("/", follow_redirects=True).get_data(as_text=True)
    membership = db_session.query(Membership).filter_by(user_id=teacher.id).one()
    membership.disabled_at = utcnow()
    db_session.flush()
    assert ORGA_LINK not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_orga_flag_after_a_login_in_the_same_request(app: Flask, db_session: Session) -> None:
    """A page rendered by the request that logged the person in (LTI launch, SAML) computes the flag on its own."""
    school = make_organisation(db_session)
    referent = make_member(db_session, school, MembershipRole.ADMIN, username="referent.nav")
    student = make_member(db_session, school, MembershipRole.STUDENT, username="eleve2.nav")
    db_session.flush()
    with app.test_request_context("/"):
        app.preprocess_request()
        assert access.shows_orga_navigation() is False  # nobody logged in
        access.log_in(referent)
        assert access.shows_orga_navigation() is True
        access.log_in(student)
        assert access.shows_orga_navigation() is False
