"""Valid launches from a real third-party platform: accounts without email, roles, courses, links, landing pages,
platform keys (User-Agent, cache, rotation) and the blocked-cookies continuation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.identity.models import Organisation
from pix_lti.launch.models import ActivityKind, CourseGroup, CourseGroupMember, LtiLinkLearner, LtiRegistration, LtiResourceLink
from tests.launch.helpers import counts, logged_in_user_id, lti_user, membership_role, opened_session
from tests.launch.platform import INSTRUCTOR, LEARNER, FakePlatform, LaunchSpec, authorise, new_rsa_key, run_launch

pytestmark = pytest.mark.usefixtures("registration")

ROLE = "http://purl.imsglobal.org/vocab/lis/v2/"


def test_learner_launch_creates_an_account_without_email_in_the_school(
        app: Flask, client: FlaskClient, db_session: Session, platform: FakePlatform, school: Organisation) -> None:
    spec = LaunchSpec(user_id="moodle-user-42", given_name="Léa", family_name="Martin", email="lea@example.org")
    run = run_launch(client, platform, spec)
    assert run.response.status_code == 303
    assert run.response.headers["Location"] == "/profil"
    user = lti_user(db_session, platform.issuer, "moodle-user-42")
    assert user is not None and (user.first_name, user.last_name) == ("Léa", "Martin")
    assert user.username is None and user.password_hash is None  # no local credentials, and no email anywhere
    assert "lea@example.org" not in repr(vars(user))
    assert membership_role(db_session, user, school.id) == "STUDENT"
    assert logged_in_user_id(app, client) == user.id
    group = db_session.scalar(select(CourseGroup).where(CourseGroup.context_id == "course-1"))
    assert group is not None and group.organisation_id == school.id and group.title == "5e B – Numérique"
    member = db_session.scalar(select(CourseGroupMember).where(CourseGroupMember.group_id == group.id))
    assert member is not None and member.user_id == user.id and member.role.value == "STUDENT"
    link = db_session.scalar(select(LtiResourceLink).where(LtiResourceLink.resource_link_id == "link-1"))
    assert link is not None and link.course_group_id == group.id and link.lineitems_url.endswith("/lineitems")
    assert db_session.scalar(select(LtiLinkLearner).where(LtiLinkLearner.user_id == user.id)).lti_user_id == \
        "moodle-user-42"
    # The platform's keys were fetched over HTTP with our User-Agent.
    assert platform.jwks_user_agents and platform.jwks_user_agents[0].startswith("pix_lti/")


def test_the_same_person_launching_again_is_the_same_account(client: FlaskClient, db_session: Session,
                                                             platform: FakePlatform) -> None:
    run_launch(client, platform, LaunchSpec(user_id="u-1", name="Hugo Bernard"))
    before = counts(db_session)
    second = run_launch(client, platform, LaunchSpec(user_id="u-1", resource_link_id="link-2"))
    assert second.response.status_code == 303
    after = counts(db_session)
    assert after["users"] == before["users"] and after["identities"] == before["identities"]
    user = lti_user(db_session, platform.issuer, "u-1")
    assert (user.first_name, user.last_name) == ("Hugo", "Bernard")  # kept by a launch that sends no name
    links = db_session.scalars(select(LtiResourceLink.resource_link_id).order_by(LtiResourceLink.id)).all()
    assert links == ["link-1", "link-2"]  # a new resource link in the same course
    # Only one platform key fetch: the JWKS is cached in the shared store.
    assert len(platform.jwks_user_agents) == 1


@pytest.mark.parametrize(("roles", "expected"), [
    ([INSTRUCTOR], "MEMBER"),
    ([LEARNER, INSTRUCTOR], "MEMBER"),                      # several roles: the highest
    (["Instructor"], "MEMBER"),                             # short role name
    (["Learner"], "STUDENT"),
    ([ROLE + "membership/Instructor#TeachingAssistant"], "MEMBER"),
    ([ROLE + "membership#ContentDeveloper"], "MEMBER"),
    ([ROLE + "membership#Mentor"], "MEMBER"),
    ([ROLE + "institution/person#Administrator", LEARNER], "ADMIN"),
    ([ROLE + "institution/person#Instructor", LEARNER], "STUDENT"),  # a staff member who is a learner here
    (["http://example.org/roles#Wizard"], "STUDENT"),      # unknown: least privilege
    ([], "STUDENT"),                                        # empty: least privilege
])
def test_roles_map_to_organisation_roles(client: FlaskClient, db_session: Session, platform: FakePlatform,
                                         school: Organisation, roles: list[str], expected: str) -> None:
    run = run_launch(client, platform, LaunchSpec(user_id="role-user", roles=roles))
    assert run.response.status_code == 303
    user = lti_user(db_session, platform.issuer, "role-user")
    assert membership_role(db_session, user, school.id) == expected
    teacher = expected != "STUDENT"
    assert run.response.headers["Location"].startswith("/lti/enseignant" if teacher else "/profil")


BOTH_ROLES = pytest.mark.parametrize("roles", [[LEARNER], [INSTRUCTOR]], ids=["learner", "instructor"])


@BOTH_ROLES
@pytest.mark.parametrize(("person", "names"), [
    ({"email": "only@example.org"}, ("", "")),                              # only email
    ({"given_name": "Inès", "family_name": "Petit"}, ("Inès", "Petit")),    # only names
    ({"name": "Jean-Pierre Le Gall"}, ("Jean-Pierre Le", "Gall")),          # full name only
    ({}, ("", "")),                                                          # no PII at all
], ids=["only-email", "only-names", "full-name", "no-pii"])
def test_launches_with_more_or_less_personal_data(client: FlaskClient, db_session: Session, platform: FakePlatform,
                                                  roles: list[str], person: dict[str, str],
                                                  names: tuple[str, str]) -> None:
    run = run_launch(client, platform, LaunchSpec(user_id="pii-user", roles=roles, **person))  # type: ignore[arg-type]
    assert run.response.status_code == 303
    user = lti_user(db_session, platform.issuer, "pii-user")
    assert (user.first_name, user.last_name) == names
    assert user.display_name  # "#id" when nothing is known


@BOTH_ROLES
def test_launch_without_context(client: FlaskClient, db_session: Session, platform: FakePlatform,
                                roles: list[str]) -> None:
    run = run_launch(client, platform, LaunchSpec(user_id="no-course", roles=roles, context=None))
    assert run.response.status_code == 303
    assert client.get(run.response.headers["Location"]).status_code in (200, 302)
    link = db_session.scalar(select(LtiResourceLink))
    assert link.course_group_id is None
    assert db_session.scalar(select(CourseGroup)) is None


@BOTH_ROLES
def test_a_new_resource_link_in_the_same_course(client: FlaskClient, db_session: Session, platform: FakePlatform,
                                               roles: list[str]) -> None:
    for link_id in ("link-a", "link-b"):
        assert run_launch(client, platform, LaunchSpec(user_id="same", roles=roles, resource_link_id=link_id)
                          ).response.status_code == 303
    links = db_session.scalars(select(LtiResourceLink)).all()
    assert sorted(link.resource_link_id for link in links) == ["link-a", "link-b"]
    assert len({link.course_group_id for link in links}) == 1


def test_teacher_lands_on_the_teacher_page(client: FlaskClient, db_session: Session, platform: FakePlatform) -> None:
    run = run_launch(client, platform, LaunchSpec(user_id="prof-1", roles=[INSTRUCTOR], name="Paul Prof"))
    assert run.response.status_code == 303
    page = client.get(run.response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Espace enseignant" in html and "5e B – Numérique" in html
    assert db_session.scalar(select(LtiLinkLearner)) is None  # teachers are not graded


def test_custom_parameters_open_the_activity(client: FlaskClient, db_session: Session, platform: FakePlatform,
                                             demo_content: str) -> None:
    campaign = run_launch(client, platform, LaunchSpec(user_id="s1", custom={"campaign_code": "abcdef123"}))
    assert campaign.response.headers["Location"] == "/campagnes/ABCDEF123"
    competence = run_launch(client, platform, LaunchSpec(user_id="s2", resource_link_id="link-c",
                                                         custom={"competence": "1.1"}))
    location = competence.response.headers["Location"]
    assert location == "/lti/competence/1.1"
    page = client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'action="/competences/1.1/evaluer"' in html and 'name="csrf_token"' in html
    assert client.get("/lti/competence/9.9").status_code == 404


def test_copied_course_keeps_its_activity_through_the_id_history(client: FlaskClient, db_session: Session,
                                                                 platform: FakePlatform) -> None:
    run_launch(client, platform, LaunchSpec(user_id="s1", custom={"campaign_code": "ABCDEF123"}))
    copy = LaunchSpec(user_id="s1", context={"id": "course-1-copy", "title": "5e B (2027)"},
                      resource_link_id="link-1-copy",
                      custom={"context_history": "course-1", "resource_link_history": "link-1"})
    run = run_launch(client, platform, copy)
    assert run.response.headers["Location"] == "/campagnes/ABCDEF123"
    original = db_session.scalar(select(LtiResourceLink).where(LtiResourceLink.resource_link_id == "link-1"))
    copied = db_session.scalar(select(LtiResourceLink).where(LtiResourceLink.resource_link_id == "link-1-copy"))
    assert copied.copied_from_id == original.id and copied.activity_kind is ActivityKind.CAMPAIGN
    groups = {g.context_id: g for g in db_session.scalars(select(CourseGroup))}
    assert groups["course-1-copy"].copied_from_id == groups["course-1"].id
    assert groups["course-1-copy"].history == ["course-1"]


def test_platform_key_rotation_is_followed(client: FlaskClient, db_session: Session, platform: FakePlatform) -> None:
    run_launch(client, platform, LaunchSpec(user_id="s1"))
    old_key, platform.key = platform.key, new_rsa_key()  # the LMS rotates: new kid, old key withdrawn
    try:
        run = run_launch(client, platform, LaunchSpec(user_id="s2"))
    finally:
        platform.key = old_key
    assert run.response.status_code == 303
    assert len(platform.jwks_user_agents) == 2  # cached once, fetched again for the unknown kid


def test_blocked_cookies_offer_a_new_window_that_continues_the_launch(
        client: FlaskClient, db_session: Session, platform: FakePlatform) -> None:
    login, fields, action = authorise(client, platform, LaunchSpec(user_id="iframe-user"))
    before = counts(db_session)
    client.delete_cookie(f"lti1p3-{fields['state']}", path="/lti/")  # what a browser blocking iframe cookies does
    response = client.post("/lti/launch", data=fields)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "nouvelle fenêtre" in html and 'target="_blank"' in html
    assert counts(db_session) == before and not opened_session(response)
    import re
    from html import unescape

    new_window = unescape(re.search(r'href="(/lti/login\?[^"]+)"', html).group(1))
    assert "lti1p3_new_window=1" in new_window and "login_hint=iframe-user" in new_window
    # The new window replays the login: a fresh state and nonce, this time with cookies.
    second = client.get(new_window)
    assert second.status_code == 302 and second.headers["Location"].startswith(platform.base + "/auth")
    import requests

    from tests.launch.platform import _ACTION, _INPUT

    page = requests.get(second.headers["Location"], timeout=10).text
    form = dict(_INPUT.findall(page))
    final = client.post("/lti/launch", data=form)
    assert final.status_code == 303 and lti_user(db_session, platform.issuer, "iframe-user") is not None
    assert _ACTION.search(page)


@pytest.mark.parametrize("settings_overrides", [{"public_url": "https://tool.example.org"}], indirect=True)
def test_cookies_are_samesite_none_and_secure_over_https(client: FlaskClient, platform: FakePlatform,
                                                         registration: LtiRegistration) -> None:
    response = client.get("/lti/login", query_string={
        "iss": platform.issuer, "login_hint": "u", "client_id": platform.client_id, "lti_message_hint": "h",
        "target_link_uri": "https://tool.example.org/lti/launch"})
    assert response.status_code == 302
    assert "redirect_uri=https%3A%2F%2Ftool.example.org%2Flti%2Flaunch" in response.headers["Location"]
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("lti1p3-state-"))
    assert "Secure" in cookie and "SameSite=None" in cookie and "HttpOnly" in cookie and "Path=/lti/" in cookie


def test_login_initiation_by_post_works_too(client: FlaskClient, platform: FakePlatform) -> None:
    from tests.launch.platform import query

    params = query(platform.login_url(LaunchSpec()))
    response = client.post("/lti/login", data=params)  # cross-site POST: no CSRF token, by design
    assert response.status_code == 302 and "nonce=" in response.headers["Location"]


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"iss": "https://unknown.example.org"}, 400, "registration"),
    ({"client_id": "unknown-client"}, 400, "registration"),
    ({"login_hint": ""}, 400, "login"),
    ({"target_link_uri": "https://elsewhere.example.org/lti/launch"}, 400, "target_link_uri"),
    ({"lti_deployment_id": "deployment-999"}, 400, "deployment"),
])
def test_bad_login_initiations_are_refused_with_a_message_for_school_it(
        client: FlaskClient, platform: FakePlatform, change: dict[str, Any], status: int, code: str) -> None:
    from tests.launch.platform import query

    params = {**query(platform.login_url(LaunchSpec())), **change}
    response = client.get("/lti/login", query_string=params)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert "Informations pour le service informatique" in html and f"<code>{code}</code>" in html


def test_pending_and_disabled_platforms_cannot_launch(client: FlaskClient, db_session: Session,
                                                      platform: FakePlatform, registration: LtiRegistration) -> None:
    from pix_lti.launch import registrations
    from pix_lti.launch.models import RegistrationStatus

    from tests.launch.platform import query

    registration.status = RegistrationStatus.PENDING
    db_session.flush()
    params = query(platform.login_url(LaunchSpec()))
    pending = client.get("/lti/login", query_string=params)
    assert pending.status_code == 403 and "<code>pending</code>" in pending.get_data(as_text=True)
    registration.status = RegistrationStatus.ACTIVE
    db_session.flush()
    # Disabled between the login and the launch: the launch is refused too.
    login, fields, _action = authorise(client, platform, LaunchSpec(user_id="late"))
    registrations.disable(db_session, registration)
    response = client.post("/lti/launch", data=fields)
    assert response.status_code == 403
    assert lti_user(db_session, platform.issuer, "late") is None


def test_garbage_posted_to_the_launch_url_is_a_4xx_not_a_500(client: FlaskClient) -> None:
    assert client.post("/lti/launch", data={}).status_code == 400
    assert client.post("/lti/launch", data={"id_token": "not.a.jwt", "state": "state-x"}).status_code == 400
    assert client.post("/lti/launch", data={"id_token": "x" * 5000, "state": "y" * 5000}).status_code == 400


def test_registered_platforms_may_frame_the_tool(app: Flask, client: FlaskClient, platform: FakePlatform) -> None:
    from pix_lti.launch.setup import forget_origins

    forget_origins(app)  # the registration was created after this process last read the origins
    csp = client.get("/lti/configuration").headers["Content-Security-Policy"]
    frame_ancestors = next(part for part in csp.split("; ") if part.startswith("frame-ancestors"))
    assert platform.base in frame_ancestors.split()


def test_teacher_on_a_campaign_link_opens_its_results_in_orga(client: FlaskClient, db_session: Session,
                                                              platform: FakePlatform, school: Organisation) -> None:
    from pix_lti.orga.models import Campaign, CampaignType

    campaign = Campaign(organisation_id=school.id, type=CampaignType.PROFILES_COLLECTION, code="ORGLNK234",
                        title="Bilan de rentrée")
    db_session.add(campaign)
    db_session.flush()
    run = run_launch(client, platform, LaunchSpec(user_id="prof-orga", roles=[INSTRUCTOR],
                                                  custom={"campaign_code": "ORGLNK234"}))
    assert run.response.headers["Location"] == f"/orga/{school.id}/campagnes/{campaign.id}"
    page = client.get(run.response.headers["Location"])
    assert page.status_code == 200 and "Bilan de rentrée" in page.get_data(as_text=True)
    # The teacher page (course and grades) links to Orga too.
    assert f"/orga/{school.id}" in client.get("/lti/enseignant").get_data(as_text=True)
