"""Campaigns in real Chromium: a student types the demo campaign's code (lower case, with spaces), reads the landing
page, takes the adaptive test to the end, sees the mastery and stage, sends the results and gets the confirmation; a
profiles collection asks for the student number first. Screenshots go to ``test-artifacts/e2e/campaign-*.png``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pix_lti.db import Database
from pix_lti.demo import DEMO_SCHOOL
from pix_lti.orga.models import Campaign, CampaignParticipation, ParticipationStatus
from pix_lti.participation.demo import DEMO_CAMPAIGN_CODE, DEMO_COLLECTION_CODE, DEMO_STAGES
from tests.e2e.support import (
    answer_results,
    answer_with_mouse,
    assessment_id_of,
    check_checkpoint,
    create_student,
    pass_timer_warning,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.e2e

Axe = Callable[[Page], dict[str, Any]]
Unique = Callable[[str], str]

MAX_QUESTIONS = 80  # the demo campaign's adaptive test ends well before
MASTERY = re.compile(r"Vous maîtrisez (\d+) % des compétences testées\.")


def spaced_lower(code: str) -> str:
    """``CRCDEM356`` → ``crc dem 356``: how a pupil may copy a code from the board."""
    lower = code.lower()
    return f"{lower[:3]} {lower[3:6]} {lower[6:]}"


def enter_code(page: Page, typed: str) -> None:
    field = page.get_by_label("Code de la campagne")
    field.fill("")
    field.press_sequentially(typed)
    with page.expect_navigation():
        page.get_by_role("button", name="Accéder au parcours").click()


def participation_of(database: Database, code: str, username: str) -> CampaignParticipation:
    from pix_lti.identity.models import User

    with database.transaction() as session:
        participation = session.scalar(
            select(CampaignParticipation).join(Campaign, CampaignParticipation.campaign_id == Campaign.id)
            .join(User, CampaignParticipation.user_id == User.id)
            .where(Campaign.code == code, User.username == username, CampaignParticipation.is_improved.is_(False)))
        assert participation is not None, (code, username)
        session.expunge(participation)
        return participation


def outcome_for(number: int) -> str:
    # Two early mistakes, then right: the shortest test of this campaign that still has failed skills to show
    # (about 37 questions; a mistake every few questions makes it 40 to 45).
    return "wrong" if number in (2, 4) else "right"


def test_a_student_joins_the_demo_campaign_by_code_finishes_and_shares(page: Page, live_db: Database, unique: Unique,
                                                                        axe: Axe) -> None:
    username = unique("sacha.lambert")
    create_student(live_db, username, "Sacha", "Lambert")
    sign_in(page, username)

    # The code form: the code typed in lower case with spaces is accepted.
    page.goto("/campagnes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rejoindre une campagne")
    screenshot(page, "campaign-code-form")
    axe(page)
    enter_code(page, spaced_lower(DEMO_CAMPAIGN_CODE))

    # The landing page: the school, the title, the school's own words, what the test covers.
    expect(page).to_have_url(re.compile(rf"/campagnes/{DEMO_CAMPAIGN_CODE}$"))
    expect(page.locator(".campaign-organisation")).to_have_text(DEMO_SCHOOL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilan numérique de fin de 3e")
    expect(page.locator(".campaign-text")).to_contain_text("fait le point sur vos compétences numériques")
    expect(page.locator(".campaign-competences li").first).to_be_visible()
    screenshot(page, "campaign-landing")
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Je commence").click()
    if urlsplit(page.url).path.endswith("/identifiant"):  # the campaign asks for an identifier first
        page.get_by_role("textbox").fill(unique("eleve"))
        with page.expect_navigation():
            page.get_by_role("button", name="Je commence").click()

    # The adaptive test, to its end page.
    assessment_id = assessment_id_of(page)
    planned: list[str] = []
    checkpoints = 0
    for _step in range(2 * MAX_QUESTIONS):
        path = urlsplit(page.url).path
        if path.endswith("/question"):
            number = len(planned) + 1
            pass_timer_warning(page, f"campaign-q{number:02d}")
            expect(page.locator(".assessment-context")).to_have_text("Bilan numérique de fin de 3e")
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {number}")
            outcome = outcome_for(number)
            # One screenshot per block of five (the test is long: each full-page shot costs a tenth of a second).
            shot = f"campaign-q{number:02d}" if number % 5 == 1 else None
            answer_with_mouse(page, live_db, assessment_id, outcome, shot)
            planned.append(outcome)
        elif path.endswith("/point-etape"):
            checkpoints += 1
            check_checkpoint(page, planned[(checkpoints - 1) * 5:], (checkpoints - 1) * 5 + 1)
            screenshot(page, f"campaign-checkpoint-{checkpoints}")
            with page.expect_navigation():
                page.locator(".checkpoint-continue").get_by_role("button").click()
        elif path == f"/campagnes/{DEMO_CAMPAIGN_CODE}/fin":
            break
        else:
            raise AssertionError(f"unexpected page {page.url}")
    else:
        raise AssertionError(f"the campaign test did not end after {len(planned)} answers")
    assert checkpoints == -(-len(planned) // 5)
    assert answer_results(live_db, assessment_id) == ["ok" if o == "right" else "ko" for o in planned]

    # The end page: mastery and stage, as the server computed them, and the button to send.
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcours terminé !")
    participation = participation_of(live_db, DEMO_CAMPAIGN_CODE, username)
    assert participation.status is ParticipationStatus.TO_SHARE
    assert participation.validated_skills is not None and participation.mastery_rate is not None
    match = MASTERY.search(page.locator(".mastery-sentence").inner_text())
    assert match, page.locator(".mastery-sentence").inner_text()
    shown = int(match.group(1))
    assert shown == int(participation.mastery_rate * 100 + 1e-9)  # whole percent, rounded down
    reached = [title for threshold, title, _message in DEMO_STAGES if shown >= threshold][-1]
    expect(page.locator(".campaign-stage-title")).to_have_text(reached)
    expect(page.locator(".campaign-mastery tbody tr").first).to_be_visible()
    screenshot(page, "campaign-end")
    axe(page)

    with page.expect_navigation():
        page.get_by_role("button", name="J'envoie mes résultats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Résultats envoyés")
    expect(page.get_by_role("status")).to_contain_text(f"Merci ! {DEMO_SCHOOL} a reçu vos résultats le ")
    expect(page.get_by_role("button", name="J'envoie mes résultats")).to_have_count(0)
    expect(page.locator(".mastery-sentence")).to_have_text(f"Vous maîtrisez {shown} % des compétences testées.")
    shared = participation_of(live_db, DEMO_CAMPAIGN_CODE, username)
    assert shared.status is ParticipationStatus.SHARED and shared.shared_at is not None
    assert shared.results is not None and shared.results["validated"] == participation.validated_skills
    screenshot(page, "campaign-shared")
    axe(page)


def test_an_unknown_code_is_refused_with_a_clear_message(page: Page, live_db: Database, unique: Unique,
                                                         axe: Axe) -> None:
    username = unique("tom.girard")
    create_student(live_db, username, "Tom", "Girard")
    sign_in(page, username)
    page.goto("/campagnes")
    field = page.get_by_label("Code de la campagne")
    field.press_sequentially("zzz zzz 999")
    with page.expect_navigation(), \
            page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/campagnes")) as posted:
        page.get_by_role("button", name="Accéder au parcours").click()
    assert posted.value.status == 404
    expect(page.get_by_role("alert")).to_contain_text("Aucune campagne ne correspond à ce code.")
    expect(page.get_by_label("Code de la campagne")).to_have_value("zzz zzz 999")  # kept, to be corrected
    screenshot(page, "campaign-code-unknown")
    axe(page)


def test_a_profiles_collection_asks_the_student_number_then_sends_the_profile(page: Page, live_db: Database,
                                                                              unique: Unique, axe: Axe) -> None:
    username = unique("jade.garnier")
    create_student(live_db, username, "Jade", "Garnier")
    sign_in(page, username)
    page.goto("/campagnes")
    enter_code(page, spaced_lower(DEMO_COLLECTION_CODE))
    expect(page).to_have_url(re.compile(rf"/campagnes/{DEMO_COLLECTION_CODE}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Collecte des profils – 3e B")
    with page.expect_navigation():
        page.get_by_role("link", name="Je commence").click()

    # The external id: required (an empty submit is refused, with the reason tied to the field), then accepted.
    expect(page).to_have_url(re.compile(rf"/campagnes/{DEMO_COLLECTION_CODE}/identifiant$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Avant de commencer")
    field = page.get_by_label("Numéro d'élève")
    screenshot(page, "campaign-external-id")
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Je commence").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("Ce champ est obligatoire pour participer."))
    axe(page)
    number = unique("0612")
    field.fill(number)
    with page.expect_navigation():
        page.get_by_role("button", name="Je commence").click()

    # No test: the end page shows the profile that will be sent, then the confirmation.
    expect(page).to_have_url(re.compile(rf"/campagnes/{DEMO_COLLECTION_CODE}/fin$"))
    expect(page.locator("main")).to_contain_text("Votre profil : 0 pix sur 1024.")
    expect(page.locator("table.campaign-profile")).to_have_count(5)  # one table per domain
    screenshot(page, "campaign-collection-end")
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="J'envoie mes résultats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Résultats envoyés")
    shared = participation_of(live_db, DEMO_COLLECTION_CODE, username)
    assert shared.status is ParticipationStatus.SHARED and shared.external_id == number
    assert shared.results is not None and shared.results["kind"] == "profile"
    screenshot(page, "campaign-collection-shared")
