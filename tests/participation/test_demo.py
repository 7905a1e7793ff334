"""The demo's ready-made target profiles and campaigns: created once, usable, printed in the summary."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.demo import DEMO_UAI, load_demo
from pix_lti.orga import campaigns
from pix_lti.orga.models import Campaign, CampaignType, TargetProfile
from pix_lti.participation.demo import DEMO_CAMPAIGN_CODE, DEMO_COLLECTION_CODE, END_OF_COLLEGE_TUBES
from tests.helpers import login


def test_demo_adds_profiles_and_campaigns_once(app: Flask, client: FlaskClient, db_session: Session,
                                               demo_content: str) -> None:
    summary = load_demo(app)
    again = load_demo(app)
    assert (f"/campagnes/{DEMO_CAMPAIGN_CODE}", "demo campaign (log in as a student)") in summary.urls
    assert any(DEMO_CAMPAIGN_CODE in line for line in again.lines)

    profiles = db_session.scalars(select(TargetProfile).where(TargetProfile.is_public.is_(True))).all()
    assert len(profiles) == 6  # five domains and "fin de 3e", not duplicated by the second load
    catalog = campaigns.catalogs.full_catalog(db_session, demo_content)
    domain4 = next(p for p in profiles if p.name.startswith("Domaine 4"))
    expected = {s.tube for s in catalog.skills if s.competence.startswith("4.")}
    assert set(domain4.tubes) == expected and set(domain4.tubes.values()) == {4}
    end_of_college = next(p for p in profiles if p.name.startswith("Fin de 3e"))
    assert set(end_of_college.tubes) == set(END_OF_COLLEGE_TUBES) and set(end_of_college.tubes.values()) == {3}
    domains = {s.competence[0] for s in catalog.skills if s.tube in end_of_college.tubes}
    assert domains == {"1", "2", "3", "4", "5"}
    assert all(s.level <= 3 for s in campaigns.target_skills(db_session, end_of_college))

    campaign = db_session.scalar(select(Campaign).where(Campaign.code == DEMO_CAMPAIGN_CODE))
    assert campaign is not None and campaign.organisation.uai == DEMO_UAI
    assert campaign.target_profile_id == end_of_college.id and campaign.multiple_sendings
    assert [s.threshold for s in campaign.stages] == [0, 30, 50, 70, 90]
    collection = db_session.scalar(select(Campaign).where(Campaign.code == DEMO_COLLECTION_CODE))
    assert collection.type is CampaignType.PROFILES_COLLECTION and collection.external_id_label
    assert db_session.scalar(select(func.count()).select_from(Campaign).where(
        Campaign.code.in_([DEMO_CAMPAIGN_CODE, DEMO_COLLECTION_CODE]))) == 2

    # A demo student can open it and start.
    assert login(client, "lea.martin0512", "pix-demo-2026").status_code == 303
    html = client.get(f"/campagnes/{DEMO_CAMPAIGN_CODE}").get_data(as_text=True)
    assert "Collège de démonstration Marie-Curie" in html and "Bilan numérique de fin de 3e" in html
    assert f'action="/campagnes/{DEMO_CAMPAIGN_CODE}/commencer"' in html
