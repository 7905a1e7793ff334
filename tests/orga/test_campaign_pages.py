"""Orga campaign pages: creating campaigns and target profiles, the campaign page, archiving, the activity list with
filters, a participant's results."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.orga import codes
from pix_lti.orga.models import Campaign, CampaignType, TargetProfile
from tests.helpers import submit_form
from tests.orga.world import World, build_world, log_in_as
from tests.participation.campaign_helpers import HAND_TUBES


@pytest.fixture
def world(db_session: Session, demo_content: str) -> World:
    return build_world(db_session, demo_content)


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def rows_of(page: str) -> str:
    """The participant table's body (the reminder lists below it name people too)."""
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_create_an_assessment_campaign_with_stages(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.member_a)
    profile_id = world.campaign_a.target_profile_id
    url = f"/orga/{world.org_a.id}/campagnes/nouvelle"
    response = submit_form(client, url, {
        "title": "Mots de passe 5e", "type": "ASSESSMENT", "target_profile_id": str(profile_id),
        "landing_text": "Bonjour la 5e B", "external_id_label": "", "multiple_sendings": "1",
        "stage_threshold_0": "0", "stage_title_0": "Départ", "stage_threshold_1": "60", "stage_title_1": "Bien",
        "stage_message_1": "Bravo"})
    assert response.status_code == 303
    db_session.expire_all()
    campaign = db_session.scalar(select(Campaign).where(Campaign.title == "Mots de passe 5e"))
    assert campaign is not None and campaign.organisation_id == world.org_a.id
    assert codes.is_valid_code(campaign.code) and campaign.owner_id == world.member_a.id
    assert campaign.multiple_sendings and campaign.external_id_label is None
    assert [(s.threshold, s.title, s.message) for s in campaign.stages] == [(0, "Départ", ""), (60, "Bien", "Bravo")]
    page = text(client.get(response.headers["Location"]))
    assert campaign.code in page and f"/campagnes/{campaign.code}" in page  # the direct link
    assert "13 acquis" in page  # HAND_TUBES's active skills


def test_invalid_campaign_form_creates_nothing_and_says_why(client: FlaskClient, db_session: Session,
                                                           world: World) -> None:
    log_in_as(client, world.member_a)
    before = db_session.scalar(select(Campaign.id).order_by(Campaign.id.desc()).limit(1))
    response = submit_form(client, f"/orga/{world.org_a.id}/campagnes/nouvelle", {
        "title": "", "type": "ASSESSMENT", "target_profile_id": "",
        "stage_threshold_0": "150", "stage_title_0": "Trop"})
    assert response.status_code == 422
    page = text(response)
    assert "Donnez un titre" in page and "Choisissez un profil cible" in page and "entre 0 et 100" in page
    assert db_session.scalar(select(Campaign.id).order_by(Campaign.id.desc()).limit(1)) == before


def test_another_organisations_private_profile_cannot_be_used(client: FlaskClient, db_session: Session,
                                                              world: World, demo_content: str) -> None:
    from pix_lti.orga import campaigns

    private_b = campaigns.create_target_profile(db_session, name="Privé B", pack_key=demo_content,
                                                tubes={"@motDePasse": 2}, organisation=world.org_b)
    db_session.flush()
    log_in_as(client, world.member_a)
    assert "Privé B" not in text(client.get(f"/orga/{world.org_a.id}/campagnes/nouvelle"))
    response = submit_form(client, f"/orga/{world.org_a.id}/campagnes/nouvelle", {
        "title": "Vol", "type": "ASSESSMENT", "target_profile_id": str(private_b.id)})
    assert response.status_code == 422


def test_create_a_profiles_collection(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.admin_a)
    response = submit_form(client, f"/orga/{world.org_a.id}/campagnes/nouvelle",
                           {"title": "Profils 3e", "type": "PROFILES_COLLECTION", "external_id_label": "INE"})
    assert response.status_code == 303
    db_session.expire_all()
    campaign = db_session.scalar(select(Campaign).where(Campaign.title == "Profils 3e"))
    assert campaign is not None and campaign.type is CampaignType.PROFILES_COLLECTION
    assert campaign.target_profile_id is None and campaign.external_id_label == "INE"


def test_target_profile_builder_counts_then_saves(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.member_a)
    url = f"/orga/{world.org_a.id}/profils-cibles/nouveau"
    page = text(client.get(url))
    assert 'name="tube:@motDePasse"' in page and "0 acquis évalués" in page
    caps = {f"tube:{tube}": str(level) for tube, level in HAND_TUBES.items()}
    counted = submit_form(client, url, {**caps, "action": "count"})
    assert counted.status_code == 200 and "13 acquis évalués" in text(counted)
    # A level above what the tube has, or an unknown tube, is ignored (only what the référentiel offers).
    saved = submit_form(client, url, {**caps, "tube:@inconnu": "3", "tube:@lectureUrl": "99", "name": "Sécurité",
                                      "action": "save"})
    assert saved.status_code == 303
    db_session.expire_all()
    profile = db_session.scalar(select(TargetProfile).where(TargetProfile.name == "Sécurité"))
    assert profile is not None and profile.tubes == HAND_TUBES and profile.organisation_id == world.org_a.id
    assert not profile.is_public
    assert saved.headers["Location"].endswith(f"/campagnes/nouvelle?profil={profile.id}")


def test_target_profile_needs_a_name_and_a_tube(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.member_a)
    response = submit_form(client, f"/orga/{world.org_a.id}/profils-cibles/nouveau", {"action": "save", "name": ""})
    assert response.status_code == 422
    assert "Donnez un nom" in text(response) and "au moins un sujet" in text(response)


def test_archive_and_unarchive(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.member_a)  # the owner
    page_url = f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}"
    archive_url = f"{page_url}/archiver"
    assert submit_form(client, page_url, {}, action_url=archive_url).status_code == 303
    db_session.expire_all()
    assert world.campaign_a.archived_at is not None
    assert "Sécurité 4e" not in text(client.get(f"/orga/{world.org_a.id}/campagnes"))
    assert "Sécurité 4e" in text(client.get(f"/orga/{world.org_a.id}/campagnes?etat=archivees"))
    assert submit_form(client, page_url, {}, action_url=f"{page_url}/desarchiver").status_code == 303
    db_session.expire_all()
    assert world.campaign_a.archived_at is None


def test_activity_lists_statuses_progress_and_filters(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.member_a)
    url = f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/activite"
    page = text(client.get(url))
    assert "3 participants" in page
    assert all(name in page for name in ("Martin", "Bernard", "Petit"))
    assert "Résultats envoyés" in page and "Terminé, non envoyé" in page and "En cours" in page
    rows = dict(re.findall(r">(Martin|Bernard|Petit)</a>.*?(\d+) %</td>", page, re.S))
    assert rows["Martin"] == "100" and rows["Bernard"] == "100" and int(rows["Petit"]) < 100
    assert "69 %" in page  # the shared mastery; the unsent one is not shown
    shared_only = rows_of(text(client.get(url + "?statut=envoye")))
    assert "Martin" in shared_only and "Bernard" not in shared_only and "Petit" not in shared_only
    search = rows_of(text(client.get(url + "?q=BERN")))
    assert "Bernard" in search and "Martin" not in search
    by_external_id = rows_of(text(client.get(url + "?q=e3")))
    assert "Petit" in by_external_id and "Bernard" not in by_external_id
    assert "0 participants" in text(client.get(url + "?q=%25"))  # LIKE wildcards are literal


def test_activity_filters_by_roster_class(client: FlaskClient, db_session: Session, world: World) -> None:
    from tests.orga.test_exports import reconcile

    reconcile(db_session, world)  # Martin in 4A
    log_in_as(client, world.member_a)
    url = f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/activite"
    page = text(client.get(url + "?classe=4A"))
    assert "1 participant<" in page and "Martin" in rows_of(page) and "Bernard" not in rows_of(page)
    assert "3 participants" in text(client.get(url + "?classe=nope"))  # an unknown class filters nothing


def test_participant_results(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.member_a)
    base = f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/participants"
    page = text(client.get(f"{base}/{world.shared.id}"))
    assert "Maîtrise : 69 %" in page and "9 acquis validés sur 13 (11 testés)" in page
    assert "Palier 3 sur 5 : Presque" in page
    assert "4.1" in page and "5.1" in page and "25 %" in page  # 5.1: 1 of 4
    assert "non validé" in page
    unsent = text(client.get(f"{base}/{world.to_share.id}"))
    assert "pas encore envoyés" in unsent and "Maîtrise" not in unsent


def test_orga_pages_in_english(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.member_a)
    client.get("/langue/en")
    base = f"/orga/{world.org_a.id}"
    assert "My campaigns" in text(client.get(f"{base}/campagnes"))
    activity = text(client.get(f"{base}/campagnes/{world.campaign_a.id}/activite"))
    assert "3 participants" in activity and "Résultats envoyés" not in activity and "In progress" in activity
    assert "Topics to teach first" in text(client.get(f"{base}/campagnes/{world.campaign_a.id}/analyse"))


def test_reminder_lists(client: FlaskClient, db_session: Session, world: World) -> None:
    from datetime import date

    from pix_lti.orga.models import OrganisationLearner

    for ine, first, last, division, user in (("123456789AB", "Léa", "Martin", "4A", world.student_a),
                                             ("223456789AB", "Tom", "Girard", "4A", None),
                                             ("323456789AB", "Zoé", "Simon", "4B", None)):
        db_session.add(OrganisationLearner(organisation_id=world.org_a.id, national_id=ine, first_name=first,
                                           last_name=last, birth_date=date(2012, 1, 1), division=division,
                                           user_id=user.id if user else None))
    db_session.flush()
    log_in_as(client, world.member_a)
    url = f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/activite"
    page = text(client.get(url))
    not_started = page.split('id="not-started"', 1)[1].split("</textarea>", 1)[0]
    unfinished = page.split('id="unfinished"', 1)[1].split("</textarea>", 1)[0]
    assert "Girard Tom (4A)" in not_started and "Simon Zoé (4B)" in not_started and "Martin" not in not_started
    assert "Bernard Hugo" in unfinished and "Petit Inès" in unfinished and "Martin" not in unfinished
    only_4a = text(client.get(url + "?classe=4A")).split('id="not-started"', 1)[1].split("</textarea>", 1)[0]
    assert "Girard" in only_4a and "Simon" not in only_4a


def test_create_a_campaign_with_badges(client: FlaskClient, db_session: Session, world: World) -> None:
    log_in_as(client, world.member_a)
    url = f"/orga/{world.org_a.id}/campagnes/nouvelle"
    base = {"title": "Avec badges", "type": "ASSESSMENT", "target_profile_id": str(world.campaign_a.target_profile_id)}
    refused = submit_form(client, url, {**base, "badge_title_0": "X", "badge_threshold_0": "50",
                                        "badge_tubes_0": "@inconnu"})
    assert refused.status_code == 422 and "@inconnu" in text(refused)
    response = submit_form(client, url, {**base, "badge_title_0": "Mots de passe", "badge_threshold_0": "80",
                                         "badge_tubes_0": "@motDePasse, @connectiquePorts", "badge_title_1": "Tout",
                                         "badge_threshold_1": "60"})
    assert response.status_code == 303
    db_session.expire_all()
    campaign = db_session.scalar(select(Campaign).where(Campaign.title == "Avec badges"))
    assert [(b.title, b.threshold, b.tubes) for b in campaign.badges] == [
        ("Mots de passe", 80, ["@motDePasse", "@connectiquePorts"]), ("Tout", 60, None)]
    assert "Mots de passe — 80 %" in text(client.get(response.headers["Location"]))


def test_incomplete_badge_is_refused(client: FlaskClient, world: World) -> None:
    log_in_as(client, world.member_a)
    refused = submit_form(client, f"/orga/{world.org_a.id}/campagnes/nouvelle", {
        "title": "B", "type": "ASSESSMENT", "target_profile_id": str(world.campaign_a.target_profile_id),
        "badge_title_0": "Sans seuil"})
    assert refused.status_code == 422 and "un seuil entre 0 et 100 %." in text(refused)
