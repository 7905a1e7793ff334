"""Members and invitation links: référents invite (link shown once, hash stored), people join with the link's role,
roles change, members are removed (disabled, not deleted), and an organisation always keeps a référent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.identity.models import Membership, MembershipRole
from pix_lti.orga import members
from pix_lti.orga.models import OrganisationInvitation
from tests.factories import make_user
from tests.helpers import csrf_token_from, submit_form
from tests.orga.world import World, build_world, log_in_as


@pytest.fixture
def world(db_session: Session, demo_content: str) -> World:
    return build_world(db_session, demo_content)


def membership(session: Session, user_id: int, org_id: int) -> Membership | None:
    session.expire_all()
    return session.scalar(select(Membership).where(Membership.user_id == user_id, Membership.organisation_id == org_id))


def test_invite_by_link_and_join(app, client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.admin_a)
    page = submit_form(client, f"/orga/{world.org_a.id}/membres", {"role": "MEMBER"},
                       action_url=f"/orga/{world.org_a.id}/invitations")
    link = re.search(r"http://[^\s<]+/orga/invitation/[\w-]+", page.get_data(as_text=True)).group(0)
    token = link.rsplit("/", 1)[1]
    stored = db_session.scalars(select(OrganisationInvitation)).all()
    assert [i.token_hash for i in stored] == [members.token_hash(token)]  # the token itself is not stored
    newcomer = make_user(db_session, first_name="Nora", last_name="Nouvelle")
    db_session.flush()
    other = app.test_client()
    log_in_as(other, newcomer)
    path = f"/orga/invitation/{token}"
    assert "Rejoindre Collège A" in other.get(path).get_data(as_text=True)
    joined = submit_form(other, path, {})
    assert joined.status_code == 303 and joined.headers["Location"].endswith(f"/orga/{world.org_a.id}")
    assert membership(db_session, newcomer.id, world.org_a.id).role is MembershipRole.MEMBER
    assert other.get(f"/orga/{world.org_a.id}/campagnes").status_code == 200
    assert other.get(f"/orga/invitation/not-a-token").status_code == 404


def test_expired_or_revoked_links_do_not_work(db_session: Session, world: World) -> None:
    now = utcnow()
    token = members.create_invitation(db_session, world.org_a, MembershipRole.ADMIN, world.admin_a, now)
    assert members.find_invitation(db_session, token, now) is not None
    assert members.find_invitation(db_session, token, now + members.INVITATION_LIFETIME + timedelta(seconds=1)) is None
    invitation = members.find_invitation(db_session, token, now)
    invitation.revoked_at = now
    assert members.find_invitation(db_session, token, now) is None
    with pytest.raises(ValueError):
        members.create_invitation(db_session, world.org_a, MembershipRole.STUDENT, world.admin_a, now)


def test_joining_never_lowers_a_role(db_session: Session, world: World) -> None:
    now = utcnow()
    token = members.create_invitation(db_session, world.org_a, MembershipRole.MEMBER, world.admin_a, now)
    members.accept_invitation(db_session, members.find_invitation(db_session, token, now), world.admin_a)
    assert membership(db_session, world.admin_a.id, world.org_a.id).role is MembershipRole.ADMIN


def test_change_role_and_remove_keep_one_referent(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.admin_a)
    admin_membership = membership(db_session, world.admin_a.id, world.org_a.id)
    member_membership = membership(db_session, world.member_a.id, world.org_a.id)
    page_url = f"/orga/{world.org_a.id}/membres"
    # The only référent cannot step down or be removed.
    submit_form(client, page_url, {"role": "MEMBER"}, action_url=f"{page_url}/{admin_membership.id}/role")
    assert membership(db_session, world.admin_a.id, world.org_a.id).role is MembershipRole.ADMIN
    response = submit_form(client, page_url, {}, action_url=f"{page_url}/{admin_membership.id}/retirer")
    assert "au moins un référent" in client.get(response.headers["Location"]).get_data(as_text=True)
    # Promote the teacher, then remove them: disabled, not deleted, and their Orga access ends.
    submit_form(client, page_url, {"role": "ADMIN"}, action_url=f"{page_url}/{member_membership.id}/role")
    assert membership(db_session, world.member_a.id, world.org_a.id).role is MembershipRole.ADMIN
    submit_form(client, page_url, {}, action_url=f"{page_url}/{member_membership.id}/retirer")
    removed = membership(db_session, world.member_a.id, world.org_a.id)
    assert removed is not None and removed.disabled_at is not None
    after = client.get(page_url).get_data(as_text=True)
    assert "Marc Prof ne fait plus partie" in after  # the flash message
    assert world.member_a.display_name not in after.split("<table", 1)[1]  # and no longer in the list


def test_members_cannot_manage(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.member_a)
    page = client.get(f"/orga/{world.org_a.id}/membres")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ada Référente" in html and "Créer un lien" not in html
    token = csrf_token_from(html)
    admin_membership = membership(db_session, world.admin_a.id, world.org_a.id)
    base = f"/orga/{world.org_a.id}"
    for url in (f"{base}/invitations", f"{base}/membres/{admin_membership.id}/retirer",
                f"{base}/membres/{admin_membership.id}/role"):
        assert client.post(url, data={"csrf_token": token, "role": "MEMBER"}).status_code == 403, url
    assert membership(db_session, world.admin_a.id, world.org_a.id).disabled_at is None
