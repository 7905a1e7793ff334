"""axe-core on the student page types not already audited by the journeys, and the 375 px phone check.

Where each page type is audited (zero serious or critical violations, WCAG 2.0/2.1 A/AA):
- profile (FR and EN), each challenge type (QCU, QCM, QROC, QROCM-ind, QROCM-dep), focused question: here;
- checkpoint, competence result, Mes tutos, reset confirmation: ``test_student_journeys`` (mouse journey);
- timed warning and timed question: ``test_student_journeys`` (timed question);
- campaign code form, landing, external id, end page before and after sending: ``test_campaign_journeys``;
- question and checkpoint at 375 px (no horizontal scrolling): here.

Challenges are reached by making them the server's current one (``support.force_current_challenge``): the adaptive
engine picks types in no fixed order."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from pix_lti.db import Database
from tests.e2e.support import (
    NewPage,
    answer_results,
    answer_with_mouse,
    assert_no_horizontal_overflow,
    check_checkpoint,
    create_student,
    current_question,
    fill_with_mouse,
    find_challenge,
    force_current_challenge,
    pass_timer_warning,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.e2e

Axe = Callable[[Page], dict[str, Any]]
Unique = Callable[[str], str]

MOBILE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PACK = "crcn-demo"


def untimed(kind: str, *, select: bool = False, focused: bool = False) -> Callable[[Any], bool]:
    def matches(version: Any) -> bool:
        if version.type != kind or version.timer or bool(version.focused) != focused:
            return False
        return not select or any(field.get("options") for field in version.inputs)
    return matches


def start_test(database: Database, username: str, competence: str) -> int:
    """A started competence test of the student (as the profile's button would create it); returns its id."""
    from sqlalchemy import select

    from pix_lti.assessment import services
    from pix_lti.identity.models import User

    with database.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return services.start_competence_evaluation(session, user, competence, pack_key=PACK, max_level=6).id


def open_forced_question(page: Page, database: Database, assessment_id: int, challenge: str) -> None:
    force_current_challenge(database, assessment_id, challenge)
    page.goto(f"/evaluations/{assessment_id}/question")
    expect(page.locator('#challenge-form input[name="challenge_id"]')).to_have_value(challenge)


# ---------------------------------------------------------------------------------------------------------------------
# Profile


def test_the_profile_is_accessible_in_french_and_in_english(page: Page, live_db: Database, unique: Unique,
                                                           axe: Axe) -> None:
    username = unique("emma.faure")
    create_student(live_db, username, "Emma", "Faure")
    start_test(live_db, username, "3.1")  # one competence under way: a "Reprendre" button among the "Commencer"
    sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil de compétences numériques")
    expect(page.locator(".competence-card")).to_have_count(16)
    expect(page.get_by_role("button", name=re.compile(r"^Reprendre"))).to_have_count(1)
    chart = page.get_by_role("img", name=re.compile("Niveau atteint dans chacune des 16 compétences"))
    expect(chart).to_be_visible()
    page.get_by_text("Voir les données du graphique sous forme de tableau").click()  # the chart's text alternative
    expect(page.get_by_role("table", name="Niveau et pix par compétence")).to_be_visible()
    screenshot(page, "student-profile-fr")
    axe(page)

    with page.expect_navigation():
        page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My digital skills profile")
    expect(page.get_by_role("button", name=re.compile(r"^Continue"))).to_have_count(1)
    expect(page.locator("main")).to_contain_text("out of 1024")
    screenshot(page, "student-profile-en")
    axe(page)


# ---------------------------------------------------------------------------------------------------------------------
# Every challenge type, and a focused question


TYPES: dict[str, Callable[[Any], bool]] = {
    "QCU": untimed("QCU"), "QCM": untimed("QCM"), "QROC": untimed("QROC"),
    "QROCM-ind": untimed("QROCM-ind", select=True), "QROCM-dep": untimed("QROCM-dep"),
}
LEGENDS = {"QCU": "Choisissez une seule réponse", "QCM": "Cochez toutes les bonnes réponses",
           "QROCM-ind": "Complétez chaque champ", "QROCM-dep": "Complétez chaque champ"}


def test_each_challenge_type_is_accessible_and_answered_right(page: Page, live_db: Database, unique: Unique,
                                                              axe: Axe) -> None:
    username = unique("adam.perrin")
    create_student(live_db, username, "Adam", "Perrin")
    sign_in(page, username)
    used: set[str] = set()  # one competence per type: each type opens a test of its own
    for kind, predicate in TYPES.items():
        competence, challenge = find_challenge(live_db, predicate, avoid_competences=used)
        used.add(competence)
        assessment_id = start_test(live_db, username, competence)
        open_forced_question(page, live_db, assessment_id, challenge)
        expect(page.get_by_role("heading", level=1)).to_have_text("Question 1")
        if kind in LEGENDS:
            expect(page.locator("#challenge-form legend")).to_have_text(LEGENDS[kind])
        question = current_question(live_db, assessment_id)
        for name in question.right:  # every answer control has a name a screen reader reads
            for control in page.locator(f'#challenge-form [name="{name}"]').all():
                expect(control).to_have_accessible_name(re.compile(r"\S"))
        screenshot(page, f"student-type-{kind}")
        axe(page)
        answer_with_mouse(page, live_db, assessment_id, "right", None)
        expect(page.get_by_role("heading", level=1)).to_have_text("Question 2")
        assert answer_results(live_db, assessment_id) == ["ok"], kind


def test_a_focused_question_records_leaving_the_page(page: Page, live_db: Database, unique: Unique,
                                                     axe: Axe) -> None:
    competence, challenge = find_challenge(live_db, untimed("QCU", focused=True))
    username = unique("lou.henry")
    create_student(live_db, username, "Lou", "Henry")
    sign_in(page, username)
    assessment_id = start_test(live_db, username, competence)
    open_forced_question(page, live_db, assessment_id, challenge)
    expect(page.locator(".challenge-focused")).to_contain_text("Restez sur cette page pendant l'épreuve")
    screenshot(page, "student-focused-question")
    axe(page)

    # The window loses the focus (another window or tab): the page says so, and the answer will not count.
    page.evaluate("() => window.dispatchEvent(new Event('blur'))")
    expect(page.locator("#focus-lost-notice")).to_contain_text("Vous avez quitté la page")
    expect(page.locator("[data-focus-flag]")).to_have_value("1")
    screenshot(page, "student-focused-question-left")
    axe(page)
    question = current_question(live_db, assessment_id)
    fill_with_mouse(page, question, question.right)
    with page.expect_navigation():
        page.get_by_role("button", name="Je valide").click()
    assert answer_results(live_db, assessment_id) == ["focusedOut"]  # right, but the page was left


# ---------------------------------------------------------------------------------------------------------------------
# Phone-sized screen


def test_question_and_checkpoint_fit_a_375px_phone_screen(new_page: NewPage, live_db: Database, unique: Unique,
                                                          axe: Axe) -> None:
    page = new_page(**MOBILE)
    username = unique("rose.marchand")
    create_student(live_db, username, "Rose", "Marchand")
    sign_in(page, username)
    assert_no_horizontal_overflow(page)  # the profile

    # The widest question of the bank first (several fields), then the engine's own choices up to the checkpoint.
    competence, challenge = find_challenge(live_db, untimed("QROCM-ind", select=True))
    assessment_id = start_test(live_db, username, competence)
    open_forced_question(page, live_db, assessment_id, challenge)
    planned = ["wrong", "right", "wrong", "right", "wrong"]  # wrong answers show the expected ones: long lines
    for number, outcome in enumerate(planned, start=1):
        pass_timer_warning(page, f"mobile-student-q{number}")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {number}")
        assert_no_horizontal_overflow(page)
        name = f"mobile-student-q{number}"
        if number == 1:
            axe(page)
        answer_with_mouse(page, live_db, assessment_id, outcome, name)

    expect(page).to_have_url(re.compile(r"/point-etape$"))
    check_checkpoint(page, planned, 1)
    for summary in page.get_by_text("Revoir l'énoncé").all():  # the instructions opened too: tables, code, images
        summary.click()
    assert_no_horizontal_overflow(page)
    screenshot(page, "mobile-student-checkpoint")
    axe(page)
