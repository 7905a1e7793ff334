"""The campaign pages through the Flask test client on the demo pack: joining by code, landing, external id, start and
resume, the whole campaign test through the test pages, the end page (mastery, stage), sharing, retry, profiles
collection, and what must never work (wrong or archived codes, another learner's participation, tampering)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType
from pix_lti.content.models import ChallengeVersion
from pix_lti.db import utcnow
from pix_lti.identity.models import User
from pix_lti.orga import campaigns
from pix_lti.orga.models import Campaign, CampaignParticipation, CampaignType, ParticipationStatus
from pix_lti.participation import views
from pix_lti.web import ratelimit
from tests.assessment.answers import right_form, wrong_form
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_from, hidden_fields, login
from tests.participation.campaign_helpers import HAND_KNOWLEDGE, HAND_STAGES, HAND_TUBES, give_knowledge, make_campaign

# ---------------------------------------------------------------------------------------------------------------------
# Helpers


def html_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def log_in(client: FlaskClient, db_session: Session) -> User:
    user = make_user(db_session)
    db_session.flush()
    assert login(client, user.username or "", PASSWORD).status_code == 303
    return user


def press(client: FlaskClient, page_url: str, action_url: str, **extra: str) -> TestResponse:
    """Submit the form of ``page_url`` that posts to ``action_url``, with its own hidden fields."""
    html = html_of(client.get(page_url))
    form = re.search(rf'<form[^>]*action="{re.escape(action_url)}"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action_url} on {page_url}"
    return client.post(action_url, data={**hidden_fields(form.group(1)), **extra})


def participation_of(db_session: Session, campaign: Campaign, user: User) -> CampaignParticipation:
    db_session.expire_all()  # the requests changed rows through their own sessions
    participation = campaigns.active_participation(db_session, campaign.id, user.id)
    assert participation is not None
    return participation


def start(client: FlaskClient, campaign: Campaign) -> TestResponse:
    return press(client, f"/campagnes/{campaign.code}", f"/campagnes/{campaign.code}/commencer")


def complete_by_hand(db_session: Session, participation: CampaignParticipation) -> None:
    """End the campaign test without answering (its mastery then comes from the knowledge given beforehand)."""
    assessment = campaigns.campaign_assessment(db_session, participation)
    assert assessment is not None
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = utcnow()
    assessment.current_challenge_id = None
    db_session.flush()


def take_test(client: FlaskClient, db_session: Session, location: str, *, right: bool) -> str:
    """Go through the test pages like a student (questions, timed warnings, checkpoints) until the campaign's end
    page; returns its path."""
    for _ in range(300):
        path = urlsplit(location).path
        if path.startswith("/campagnes/") and path.endswith("/fin"):
            return path
        page = client.get(path)
        if page.status_code in (301, 302, 303):
            location = page.headers["Location"]
            continue
        assert page.status_code == 200, (path, page.status_code)
        html = html_of(page)
        if path.endswith("/question"):
            if 'id="challenge-form"' not in html:  # a timed question's warning: start the clock
                location = client.post(path + "/demarrer", data={"csrf_token": csrf_token_from(html)}).headers["Location"]
                continue
            assessment_id = int(path.split("/")[2])
            db_session.expire_all()
            assessment = db_session.get(Assessment, assessment_id)
            version = db_session.get(ChallengeVersion, assessment.current_challenge_version_id)
            data: dict[str, Any] = right_form(version) if right else wrong_form(version)
            response = client.post(path, data={**hidden_fields(html), **data})
        else:  # a checkpoint: "Continuer"
            response = client.post(path, data=hidden_fields(html))
        assert response.status_code == 303, (path, response.status_code)
        location = response.headers["Location"]
    raise AssertionError("the campaign test does not end")


@pytest.fixture
def test_pages(app: Flask) -> None:
    if "assessment.router" not in app.view_functions:
        pytest.skip("the test pages (pix_lti.assessment) are not installed")


# ---------------------------------------------------------------------------------------------------------------------
# Joining


def test_code_form_finds_the_campaign_whatever_the_case_and_spaces(client: FlaskClient, db_session: Session,
                                                                   demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    page = client.get("/campagnes")
    assert page.status_code == 200 and 'name="code"' in html_of(page)
    typed = f" {campaign.code[:3].lower()} {campaign.code[3:6]} {campaign.code[6:]} "
    response = client.post("/campagnes", data={"csrf_token": csrf_token_from(html_of(page)), "code": typed})
    assert response.status_code == 303 and response.headers["Location"] == f"/campagnes/{campaign.code}"
    # A hand-typed link goes to the canonical address.
    response = client.get(f"/campagnes/{campaign.code.lower()}")
    assert response.status_code == 301 and response.headers["Location"] == f"/campagnes/{campaign.code}"


@pytest.mark.parametrize("typed", ["ZZZZZZ999", "pas-un-code", "ABCDEF12"])
def test_wrong_code_gives_a_clear_404_with_the_form(client: FlaskClient, db_session: Session, demo_content: str,
                                                    typed: str) -> None:
    make_campaign(db_session, demo_content)
    page = client.get("/campagnes")
    response = client.post("/campagnes", data={"csrf_token": csrf_token_from(html_of(page)), "code": typed})
    html = html_of(response)
    assert response.status_code == 404
    assert "Aucune campagne ne correspond à ce code." in html and 'name="code"' in html
    link = client.get("/campagnes/ZZZZZZ999")
    assert link.status_code == 404 and "Aucune campagne ne correspond à ce code." in html_of(link)


def test_empty_code_is_refused_with_its_reason(client: FlaskClient) -> None:
    page = client.get("/campagnes")
    response = client.post("/campagnes", data={"csrf_token": csrf_token_from(html_of(page)), "code": ""})
    assert response.status_code == 422 and "Saisissez le code donné par votre enseignant." in html_of(response)


def test_too_many_wrong_codes_are_rate_limited(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "CODE_MISSES", ratelimit.Limit("campaign-code-miss-test", max_hits=2,
                                                              window_seconds=900))
    assert [client.get(f"/campagnes/ZZZZZZ99{n}").status_code for n in (2, 3, 4)] == [404, 404, 429]


def test_archived_campaign_says_it_is_closed(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    campaign.archived_at = utcnow()
    db_session.flush()
    response = client.get(f"/campagnes/{campaign.code}")
    assert response.status_code == 410 and "Cette campagne est clôturée" in html_of(response)
    user = log_in(client, db_session)
    token = csrf_token_from(html_of(client.get("/campagnes")))
    refused = client.post(f"/campagnes/{campaign.code}/commencer", data={"csrf_token": token})
    assert refused.status_code == 410
    assert campaigns.active_participation(db_session, campaign.id, user.id) is None


def test_closed_campaign_hides_the_resume_button(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    log_in(client, db_session)
    start(client, campaign)
    campaign.archived_at = utcnow()
    db_session.flush()
    html = html_of(client.get(f"/campagnes/{campaign.code}"))
    assert "Cette campagne est clôturée" in html and "Reprendre mon parcours" not in html
    token = csrf_token_from(html_of(client.get("/campagnes")))
    assert client.post(f"/campagnes/{campaign.code}/commencer", data={"csrf_token": token}).status_code == 410


def test_landing_page_shows_the_campaign_and_escapes_the_organisation_text(client: FlaskClient, db_session: Session,
                                                                           demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, tubes=HAND_TUBES, title="Bilan de 4e",
                             landing_text="Bonjour <script>alert(1)</script>\n\nLigne 1\nLigne 2")
    html = html_of(client.get(f"/campagnes/{campaign.code}"))
    assert campaign.organisation.name in html and "Bilan de 4e" in html
    assert "<script>alert(1)" not in html and "Bonjour &lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert "<p>Ligne 1<br>Ligne 2</p>" in html
    assert "Sécuriser l&#39;environnement numérique" in html and "Résoudre des problèmes techniques" in html
    # Not logged in: "Je commence" goes through the login page and comes back here.
    assert f'href="/connexion?next=/campagnes/{campaign.code}"' in html


def test_login_comes_back_to_the_campaign(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    user = make_user(db_session)
    db_session.flush()
    page = client.get(f"/connexion?next=/campagnes/{campaign.code}")
    response = client.post("/connexion", data={**hidden_fields(html_of(page)), "username": user.username,
                                               "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == f"/campagnes/{campaign.code}"
    assert f'action="/campagnes/{campaign.code}/commencer"' in html_of(client.get(response.headers["Location"]))


def test_start_needs_a_login_and_a_csrf_token(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    anonymous = client.post(f"/campagnes/{campaign.code}/commencer")
    assert anonymous.status_code == 400  # CSRF first: no token, no action
    assert client.get(f"/campagnes/{campaign.code}/commencer").headers["Location"].startswith("/connexion?next=")
    user = log_in(client, db_session)
    assert client.post(f"/campagnes/{campaign.code}/commencer").status_code == 400
    assert campaigns.active_participation(db_session, campaign.id, user.id) is None


# ---------------------------------------------------------------------------------------------------------------------
# External id, start, resume


def test_external_id_is_asked_validated_and_kept(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, external_id_label="Numéro d'élève")
    user = log_in(client, db_session)
    landing = html_of(client.get(f"/campagnes/{campaign.code}"))
    assert f'href="/campagnes/{campaign.code}/identifiant"' in landing
    # The start button cannot skip the question.
    skipped = client.post(f"/campagnes/{campaign.code}/commencer", data={"csrf_token": csrf_token_from(landing)})
    assert skipped.headers["Location"] == f"/campagnes/{campaign.code}/identifiant"
    url = f"/campagnes/{campaign.code}/identifiant"
    page = html_of(client.get(url))
    assert "Numéro d&#39;élève" in page
    for bad in ("", "   ", "x" * 256):
        refused = client.post(url, data={**hidden_fields(page), "external_id": bad})
        assert refused.status_code == 422 and 'aria-invalid="true"' in html_of(refused)
    assert campaigns.active_participation(db_session, campaign.id, user.id) is None
    response = client.post(url, data={**hidden_fields(page), "external_id": "  A-1234  "})
    assert response.status_code == 303 and re.fullmatch(r"/evaluations/\d+", response.headers["Location"])
    assert participation_of(db_session, campaign, user).external_id == "A-1234"
    # Asked once: coming back to the page goes to the landing page (which offers to resume).
    assert client.get(url).headers["Location"] == f"/campagnes/{campaign.code}"


def test_start_creates_the_campaign_test_and_coming_back_resumes_it(client: FlaskClient, db_session: Session,
                                                                    demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    user = log_in(client, db_session)
    response = start(client, campaign)
    match = re.fullmatch(r"/evaluations/(\d+)", response.headers["Location"])
    assert response.status_code == 303 and match
    participation = participation_of(db_session, campaign, user)
    assessment = db_session.get(Assessment, int(match.group(1)))
    assert participation.status is ParticipationStatus.STARTED
    assert assessment.type is AssessmentType.CAMPAIGN and assessment.campaign_participation_id == participation.id
    # The end page before the end sends back to the test; the landing page offers to resume the same test.
    assert client.get(f"/campagnes/{campaign.code}/fin").headers["Location"] == f"/evaluations/{assessment.id}"
    assert "Reprendre mon parcours" in html_of(client.get(f"/campagnes/{campaign.code}"))
    assert start(client, campaign).headers["Location"] == f"/evaluations/{assessment.id}"
    count = db_session.scalar(select(func.count()).select_from(CampaignParticipation)
                              .where(CampaignParticipation.campaign_id == campaign.id))
    assert count == 1


# ---------------------------------------------------------------------------------------------------------------------
# The end page, sharing


def test_whole_campaign_test_through_the_pages_then_share(client: FlaskClient, db_session: Session, demo_content: str,
                                                          test_pages: None) -> None:
    campaign = make_campaign(db_session, demo_content, stages=HAND_STAGES)
    user = log_in(client, db_session)
    end = take_test(client, db_session, start(client, campaign).headers["Location"], right=True)
    assert end == f"/campagnes/{campaign.code}/fin"
    html = html_of(client.get(end))
    assert "Parcours terminé" in html and "Vous maîtrisez 100 % des compétences testées." in html
    assert "Palier 5 sur 5" in html and "Expert" in html and "J'envoie mes résultats" in html
    participation = participation_of(db_session, campaign, user)
    assert participation.status is ParticipationStatus.TO_SHARE and participation.mastery_rate == 1.0
    shared = press(client, end, f"/campagnes/{campaign.code}/envoyer")
    assert shared.status_code == 303 and shared.headers["Location"] == end
    confirmation = html_of(client.get(end))
    assert "Résultats envoyés" in confirmation and "a reçu vos résultats le" in confirmation
    assert "J'envoie mes résultats" not in confirmation
    participation = participation_of(db_session, campaign, user)
    assert participation.status is ParticipationStatus.SHARED and participation.results["validated"] == 5


def test_all_wrong_through_the_pages(client: FlaskClient, db_session: Session, demo_content: str,
                                     test_pages: None) -> None:
    campaign = make_campaign(db_session, demo_content)
    log_in(client, db_session)
    end = take_test(client, db_session, start(client, campaign).headers["Location"], right=False)
    assert "Vous maîtrisez 0 % des compétences testées." in html_of(client.get(end))


def _hand_case(client: FlaskClient, db_session: Session, demo_content: str, **kw: Any) -> tuple[Campaign, User]:
    campaign = make_campaign(db_session, demo_content, tubes=HAND_TUBES, stages=HAND_STAGES, **kw)
    user = log_in(client, db_session)
    give_knowledge(db_session, user, demo_content, HAND_KNOWLEDGE)
    start(client, campaign)
    complete_by_hand(db_session, participation_of(db_session, campaign, user))
    return campaign, user


def test_end_page_mastery_stage_and_competences_on_the_hand_checked_case(client: FlaskClient, db_session: Session,
                                                                         demo_content: str) -> None:
    campaign, user = _hand_case(client, db_session, demo_content)
    html = html_of(client.get(f"/campagnes/{campaign.code}/fin"))
    assert "Vous maîtrisez 69 % des compétences testées." in html
    assert "Palier 3 sur 5" in html and "Presque" in html and "Encore un effort." in html
    assert "9 acquis sur les 13 de ce parcours." in html
    rows = re.findall(r'<span class="competence-code">([\d.]+)</span>.*?<span>(\d+) %</span>.*?(\d+) sur (\d+)</td>',
                      html, re.S)
    assert rows == [("4.1", "100", "6", "6"), ("4.2", "66", "2", "3"), ("5.1", "25", "1", "4")]
    participation = participation_of(db_session, campaign, user)
    assert participation.status is ParticipationStatus.TO_SHARE
    assert (participation.validated_skills, participation.tested_skills) == (9, 11)

    press(client, f"/campagnes/{campaign.code}/fin", f"/campagnes/{campaign.code}/envoyer")
    participation = participation_of(db_session, campaign, user)
    assert participation.status is ParticipationStatus.SHARED and participation.shared_at is not None
    snapshot = participation.results
    assert (snapshot["validated"], snapshot["tested"], snapshot["total"]) == (9, 11, 13)
    assert snapshot["stage"]["title"] == "Presque"
    assert snapshot["competences"]["4.2"] == {"validated": 2, "tested": 3, "total": 3, "mastery_rate": 2 / 3}


def test_end_page_in_english(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign, _user = _hand_case(client, db_session, demo_content)
    client.get("/langue/en")
    html = html_of(client.get(f"/campagnes/{campaign.code}/fin"))
    assert 'lang="en"' in html and "You master 69% of the skills tested." in html
    assert "Protecting devices and the digital environment" in html and "I send my results" in html


def test_sharing_twice_changes_nothing(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign, user = _hand_case(client, db_session, demo_content)
    end = f"/campagnes/{campaign.code}/fin"
    html = html_of(client.get(end))
    form = dict(hidden_fields(html))
    assert client.post(f"/campagnes/{campaign.code}/envoyer", data=form).status_code == 303
    first = participation_of(db_session, campaign, user).shared_at
    assert client.post(f"/campagnes/{campaign.code}/envoyer", data=form).status_code == 303
    assert participation_of(db_session, campaign, user).shared_at == first


def test_another_learner_never_sees_or_shares_a_participation(app: Flask, client: FlaskClient, db_session: Session,
                                                              demo_content: str) -> None:
    campaign, owner = _hand_case(client, db_session, demo_content)
    victim_form = hidden_fields(html_of(client.get(f"/campagnes/{campaign.code}/fin")))
    intruder = app.test_client()
    other = make_user(db_session)
    db_session.flush()
    login(intruder, other.username or "", PASSWORD)
    assert intruder.get(f"/campagnes/{campaign.code}/fin").status_code == 404
    token = csrf_token_from(html_of(intruder.get("/campagnes")))
    stolen = intruder.post(f"/campagnes/{campaign.code}/envoyer",
                           data={"csrf_token": token, "participation": victim_form["participation"]})
    assert stolen.status_code == 404
    assert intruder.post(f"/campagnes/{campaign.code}/repasser",
                         data={"csrf_token": token, "participation": victim_form["participation"]}).status_code == 404
    assert participation_of(db_session, campaign, owner).status is ParticipationStatus.TO_SHARE
    assert campaigns.active_participation(db_session, campaign.id, other.id) is None


def test_tampered_or_missing_participation_field_is_refused(client: FlaskClient, db_session: Session,
                                                            demo_content: str) -> None:
    campaign, user = _hand_case(client, db_session, demo_content)
    form = hidden_fields(html_of(client.get(f"/campagnes/{campaign.code}/fin")))
    own = int(form["participation"])
    for value in (str(own + 1), "", "1 OR 1=1"):
        response = client.post(f"/campagnes/{campaign.code}/envoyer", data={**form, "participation": value})
        assert response.status_code == 404, value
    no_csrf = client.post(f"/campagnes/{campaign.code}/envoyer", data={"participation": str(own)})
    assert no_csrf.status_code == 400
    assert participation_of(db_session, campaign, user).status is ParticipationStatus.TO_SHARE


def test_closed_campaign_cannot_receive_results(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign, user = _hand_case(client, db_session, demo_content)
    campaign.archived_at = utcnow()
    db_session.flush()
    html = html_of(client.get(f"/campagnes/{campaign.code}/fin"))
    assert "vos résultats ne peuvent plus être envoyés" in html and "J'envoie mes résultats" not in html
    token = csrf_token_from(html)
    participation = participation_of(db_session, campaign, user)
    client.post(f"/campagnes/{campaign.code}/envoyer", data={"csrf_token": token, "participation": participation.id})
    assert participation_of(db_session, campaign, user).status is ParticipationStatus.TO_SHARE


# ---------------------------------------------------------------------------------------------------------------------
# Retry (multiple sendings)


def _shared_hand_case(client: FlaskClient, db_session: Session, demo_content: str, *, days_ago: int,
                      multiple_sendings: bool = True) -> tuple[Campaign, User, CampaignParticipation]:
    campaign, user = _hand_case(client, db_session, demo_content, multiple_sendings=multiple_sendings)
    press(client, f"/campagnes/{campaign.code}/fin", f"/campagnes/{campaign.code}/envoyer")
    participation = participation_of(db_session, campaign, user)
    participation.shared_at = utcnow() - timedelta(days=days_ago)
    db_session.flush()
    return campaign, user, participation


def test_retry_date_is_shown_until_four_days_after_sharing(client: FlaskClient, db_session: Session,
                                                           demo_content: str) -> None:
    campaign, user, participation = _shared_hand_case(client, db_session, demo_content, days_ago=1)
    html = html_of(client.get(f"/campagnes/{campaign.code}/fin"))
    assert "Vous pourrez repasser ce parcours à partir du" in html and "Repasser mon parcours" not in html
    token = csrf_token_from(html)
    refused = client.post(f"/campagnes/{campaign.code}/repasser",
                          data={"csrf_token": token, "participation": participation.id})
    assert refused.headers["Location"] == f"/campagnes/{campaign.code}/fin"
    assert participation_of(db_session, campaign, user).id == participation.id


def test_retry_after_four_days_starts_a_new_participation(client: FlaskClient, db_session: Session,
                                                          demo_content: str) -> None:
    campaign, user, participation = _shared_hand_case(client, db_session, demo_content, days_ago=5)
    response = press(client, f"/campagnes/{campaign.code}/fin", f"/campagnes/{campaign.code}/repasser")
    assert response.status_code == 303 and re.fullmatch(r"/evaluations/\d+", response.headers["Location"])
    fresh = participation_of(db_session, campaign, user)
    db_session.refresh(participation)
    assert fresh.id != participation.id and participation.is_improved and fresh.status is ParticipationStatus.STARTED
    assert participation.results["validated"] == 9  # the first sending is kept as it was


def test_single_sending_campaign_offers_no_retry(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign, _user, _p = _shared_hand_case(client, db_session, demo_content, days_ago=30, multiple_sendings=False)
    html = html_of(client.get(f"/campagnes/{campaign.code}/fin"))
    assert "Ce parcours ne peut être envoyé qu&#39;une seule fois." in html and "Repasser mon parcours" not in html


def test_full_mastery_offers_no_retry(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, tubes={"@motDePasse": 3}, multiple_sendings=True)
    user = log_in(client, db_session)
    give_knowledge(db_session, user, demo_content, {f"@motDePasse{n}": "validated" for n in (1, 2, 3)})
    assert start(client, campaign).headers["Location"] == f"/campagnes/{campaign.code}/fin"  # nothing left to ask
    press(client, f"/campagnes/{campaign.code}/fin", f"/campagnes/{campaign.code}/envoyer")
    participation = participation_of(db_session, campaign, user)
    participation.shared_at = utcnow() - timedelta(days=10)
    db_session.flush()
    html = html_of(client.get(f"/campagnes/{campaign.code}/fin"))
    assert "Vous maîtrisez 100 % des compétences testées." in html
    assert "il n&#39;y a rien à améliorer" in html and "Repasser mon parcours" not in html


# ---------------------------------------------------------------------------------------------------------------------
# Profiles collection


def test_profiles_collection_shows_and_shares_the_profile(client: FlaskClient, db_session: Session,
                                                          demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, type=CampaignType.PROFILES_COLLECTION,
                             external_id_label="Numéro d'élève")
    user = log_in(client, db_session)
    give_knowledge(db_session, user, demo_content, {f"@motDePasse{n}": "validated" for n in range(1, 5)})
    landing = html_of(client.get(f"/campagnes/{campaign.code}"))
    assert "ne comporte pas de test" in landing
    url = f"/campagnes/{campaign.code}/identifiant"
    response = client.post(url, data={**hidden_fields(html_of(client.get(url))), "external_id": "E42"})
    assert response.headers["Location"] == f"/campagnes/{campaign.code}/fin"
    html = html_of(client.get(f"/campagnes/{campaign.code}/fin"))
    assert "Votre profil : 8 pix sur 1024." in html
    assert len(re.findall(r'<span class="competence-code">\d\.\d</span>', html)) == 16
    assert re.search(r'4\.1</span> Sécuriser[^<]*</th><td>1</td><td>8</td>', html)
    press(client, f"/campagnes/{campaign.code}/fin", f"/campagnes/{campaign.code}/envoyer")
    participation = participation_of(db_session, campaign, user)
    assert participation.status is ParticipationStatus.SHARED and participation.external_id == "E42"
    assert participation.results["total_pix"] == 8 and participation.results["competences"]["4.1"]["level"] == 1
    assert "Résultats envoyés" in html_of(client.get(f"/campagnes/{campaign.code}/fin"))
