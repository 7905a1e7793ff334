"""Campaign assessments go through the same question and checkpoint pages as competence tests, and end on the
campaign's own end page (``participation.end``) instead of the competence result."""

from __future__ import annotations

import secrets

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti import engine
from pix_lti.assessment import services
from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType
from pix_lti.content.models import Competence, ContentPack, Tube
from pix_lti.db import utcnow
from pix_lti.identity.models import User
from pix_lti.orga.models import Campaign, CampaignParticipation, CampaignType, TargetProfile
from tests.assessment.test_pages import answer, assessment_of, html_of, log_in_student, path_of
from tests.factories import make_organisation
from tests.helpers import csrf_token_from


def campaign_assessment(db_session: Session, user: User, pack_key: str) -> tuple[Campaign, Assessment]:
    tubes = db_session.scalars(select(Tube.name).join(Competence, Tube.competence_id == Competence.id)
                               .join(ContentPack, Tube.pack_id == ContentPack.id)
                               .where(ContentPack.key == pack_key, Competence.code == "4.1")
                               .order_by(Tube.name).limit(2)).all()
    organisation = make_organisation(db_session)
    profile = TargetProfile(organisation_id=organisation.id, name="Sécurité", pack_key=pack_key,
                            tubes={name: 2 for name in tubes})
    db_session.add(profile)
    db_session.flush()
    campaign = Campaign(organisation_id=organisation.id, target_profile_id=profile.id, type=CampaignType.ASSESSMENT,
                        code="PAGEST" + f"{secrets.randbelow(1000):03d}", title="Parcours sécurité 4e")
    db_session.add(campaign)
    db_session.flush()
    participation = CampaignParticipation(campaign_id=campaign.id, user_id=user.id)
    db_session.add(participation)
    db_session.flush()
    now = utcnow()
    assessment = Assessment(user_id=user.id, type=AssessmentType.CAMPAIGN, pack_key=pack_key,
                            campaign_participation_id=participation.id, selector=engine.DEFAULT_SELECTOR,
                            seed=secrets.randbits(31), created_at=now, updated_at=now)
    db_session.add(assessment)
    db_session.flush()
    services.advance(db_session, assessment, services.test_catalog(db_session, assessment), max_level=6, now=now)
    return campaign, assessment


def test_a_campaign_test_uses_the_same_pages_and_ends_on_the_campaign_page(
        app: Flask, client: FlaskClient, db_session: Session, demo_content: str) -> None:
    user = log_in_student(client, db_session)
    campaign, assessment = campaign_assessment(db_session, user, demo_content)
    assert assessment.current_challenge_id is not None
    end = None
    for _ in range(60):
        response = client.get(f"/evaluations/{assessment.id}")
        assert response.status_code == 303
        location = response.headers["Location"]
        if location.endswith("/question"):
            page = html_of(client.get(location))
            assert "Parcours sécurité 4e" in page  # the campaign's title heads the question
            assert answer(client, db_session, assessment.id, right=True).status_code == 303
        elif location.endswith("/point-etape"):
            page = html_of(client.get(location))
            client.post(location, data={"csrf_token": csrf_token_from(page)})
        else:
            end = location
            break
    assert end is not None, "the campaign test never ended"
    assert assessment_of(db_session, assessment.id).status is AssessmentStatus.COMPLETED
    if "participation.end" in app.view_functions:
        assert end == f"/campagnes/{campaign.code}/fin"
    else:  # campaign pages not installed: back to the profile, saying the test is finished
        assert end == "/profil"
    # The competence result page is not the end of a campaign: it sends to the same place.
    result = client.get(f"/evaluations/{assessment.id}/resultat")
    assert result.status_code == 303 and result.headers["Location"] == end
    assert path_of(client.get("/profil")) == "/profil"
