"""Deep linking round trip with the real platform: a teacher's deep-linking launch, the picker, the signed
LtiDeepLinkingResponse auto-posted back and verified by the platform with our JWKS, then a learner's launch of the
placed link."""

from __future__ import annotations

import re
from html import unescape

import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.identity.models import Organisation
from pix_lti.orga.models import Campaign, CampaignType, TargetProfile
from tests.helpers import csrf_token_from
from tests.launch.helpers import counts, lti_user
from tests.launch.platform import INSTRUCTOR, LEARNER, FakePlatform, LaunchSpec, run_launch

pytestmark = pytest.mark.usefixtures("registration")

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


@pytest.fixture
def campaign(db_session: Session, school: Organisation) -> Campaign:
    campaign = Campaign(organisation_id=school.id, type=CampaignType.PROFILES_COLLECTION, code="LTITST123",
                        title="Parcours de rentrée")
    db_session.add(campaign)
    db_session.flush()
    return campaign


def _picker(client: FlaskClient, platform: FakePlatform, data: object = None) -> tuple[str, str]:
    spec = LaunchSpec(user_id="prof-dl", roles=[INSTRUCTOR], deep_linking=True, deep_linking_data=data)
    run = run_launch(client, platform, spec)
    assert run.response.status_code == 303, run.response.get_data(as_text=True)[:1500]
    location = run.response.headers["Location"]
    assert location.startswith("/lti/selection/")
    page = client.get(location)
    assert page.status_code == 200
    return location, page.get_data(as_text=True)


def _post_back(html: str) -> requests.Response:
    """What the auto-submit script does: post the JWT to the platform's deep_link_return_url."""
    action = unescape(re.search(r'<form method="post" action="([^"]+)" data-autosubmit', html).group(1))
    token = unescape(re.search(r'name="JWT" value="([^"]+)"', html).group(1))
    return requests.post(action, data={"JWT": token}, timeout=10)


def test_deep_linking_round_trip_verified_by_the_platform(client: FlaskClient, db_session: Session,
                                                          platform: FakePlatform, campaign: Campaign,
                                                          demo_content: str) -> None:
    location, html = _picker(client, platform, data={"course": "5B", "slot": 3})
    assert "Parcours de rentrée" in html and "1.1 " in html and "5.2 " in html  # campaigns and the 16 competences
    response = client.post(location, data={"csrf_token": csrf_token_from(html), "choice": "campaign:LTITST123",
                                           "graded": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Auto-posted by an external script (CSP: script-src 'self'), with a visible button as fallback.
    assert re.search(r'<script src="/lti/static/launch/autosubmit\.js">', page) and 'type="submit"' in page
    assert "form-action" not in response.headers["Content-Security-Policy"]
    assert _post_back(page).status_code == 200
    received = platform.deep_link_responses[-1]
    claims, items = received["claims"], received["items"]
    assert received["header"]["kid"] == platform.tool_jwks["keys"][0]["kid"]  # signed with the key of our JWKS
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["iss"] == platform.client_id and claims["aud"] == [platform.issuer]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == {"course": "5B", "slot": 3}  # echoed as received
    [item] = items
    assert item["type"] == "ltiResourceLink" and item["title"] == "Parcours de rentrée"
    assert item["url"] == "http://127.0.0.1:5000/lti/launch"
    assert item["custom"]["campaign_code"] == "LTITST123"
    assert item["custom"]["context_history"] == "$Context.id.history"
    assert item["lineItem"] == {"scoreMaximum": 100, "label": "Parcours de rentrée",
                                "resourceId": "campaign:LTITST123", "tag": "pix_lti"}
    # The launch cannot be used twice.
    assert client.post(location, data={"csrf_token": csrf_token_from(html), "choice": "campaign:LTITST123"}
                       ).status_code == 404
    # A learner then launches the placed link: straight to the campaign.
    learner = run_launch(client, platform, LaunchSpec(user_id="eleve-1", roles=[LEARNER], custom=item["custom"]))
    assert learner.response.headers["Location"] == "/campagnes/LTITST123"


def test_competence_test_without_grade_and_without_data(client: FlaskClient, platform: FakePlatform,
                                                        demo_content: str) -> None:
    location, html = _picker(client, platform)
    response = client.post(location, data={"csrf_token": csrf_token_from(html), "choice": "competence:3.4",
                                           "title": "Programmer – test"})
    assert _post_back(response.get_data(as_text=True)).status_code == 200
    received = platform.deep_link_responses[-1]
    assert DL + "data" not in received["claims"]  # no data sent: none echoed (not even null)
    [item] = received["items"]
    assert item["title"] == "Programmer – test" and item["custom"]["competence"] == "3.4" and "lineItem" not in item


def test_new_campaign_from_a_target_profile(client: FlaskClient, db_session: Session, platform: FakePlatform,
                                            school: Organisation, demo_content: str) -> None:
    profile = TargetProfile(name="Sécurité de base", pack_key=demo_content, tubes={"@motdepasse": 3}, is_public=True)
    db_session.add(profile)
    db_session.flush()
    location, html = _picker(client, platform)
    assert "Sécurité de base" in html
    incomplete = client.post(location, data={"csrf_token": csrf_token_from(html), "choice": "new-campaign"})
    assert incomplete.status_code == 422
    response = client.post(location, data={"csrf_token": csrf_token_from(html), "choice": "new-campaign",
                                           "campaign_title": "Mots de passe 5e B", "target_profile": str(profile.id),
                                           "graded": "1"})
    assert response.status_code == 200
    created = db_session.scalar(select(Campaign).where(Campaign.title == "Mots de passe 5e B"))
    assert created is not None and created.organisation_id == school.id and created.target_profile_id == profile.id
    assert _post_back(response.get_data(as_text=True)).status_code == 200
    assert platform.deep_link_responses[-1]["items"][0]["custom"]["campaign_code"] == created.code


def test_a_learner_cannot_add_activities(client: FlaskClient, db_session: Session, platform: FakePlatform) -> None:
    before = counts(db_session)
    run = run_launch(client, platform, LaunchSpec(user_id="eleve-dl", roles=[LEARNER], deep_linking=True))
    assert run.response.status_code == 403
    assert counts(db_session) == before and lti_user(db_session, platform.issuer, "eleve-dl") is None


def test_the_picker_belongs_to_the_teacher_who_launched_it(client: FlaskClient, app: object, platform: FakePlatform,
                                                           demo_content: str) -> None:
    location, _html = _picker(client, platform)
    other = app.test_client()  # type: ignore[attr-defined]
    run_launch(other, platform, LaunchSpec(user_id="prof-2", roles=[INSTRUCTOR]))
    assert other.get(location).status_code == 404
    assert client.get("/lti/selection/unknown-launch").status_code == 404


@pytest.mark.parametrize("change", [{"accept_types": ["link"]}, {"deep_link_return_url": "javascript:alert(1)"},
                                    {"deep_link_return_url": None}])
def test_unusable_deep_linking_settings_are_refused(client: FlaskClient, db_session: Session,
                                                    platform: FakePlatform, change: dict) -> None:
    def tamper(claims: dict) -> dict:
        settings = dict(claims[DL + "deep_linking_settings"], **change)
        return {**claims, DL + "deep_linking_settings": settings}

    before = counts(db_session)
    run = run_launch(client, platform, LaunchSpec(user_id="prof-x", roles=[INSTRUCTOR], deep_linking=True,
                                                  tamper=tamper))
    assert run.response.status_code == 400 and counts(db_session) == before
