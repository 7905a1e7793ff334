"""First browser journeys on the Foundation: every page type audited by axe-core in French and English, a keyboard-only
login of a demo student, the language switch, and a 375 px phone screen without horizontal scrolling.

Screenshots of each page go to ``test-artifacts/e2e/`` (named after the page and the language)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from pix_lti.db import Database
from pix_lti.demo import DEMO_PASSWORD
from pix_lti.identity import services
from tests.e2e.support import NewPage, assert_no_horizontal_overflow, screenshot

pytestmark = pytest.mark.e2e

Axe = Callable[[Page], dict[str, Any]]
Unique = Callable[[str], str]

BROWSER_LOCALE = {"fr": "fr-FR", "en": "en-GB"}  # the Accept-Language the browser sends; no explicit choice made
TEXT = {
    "fr": {
        "home_title": "Évaluez vos compétences numériques", "login_title": "Connexion", "log_in": "Se connecter",
        "username": "Identifiant", "password": "Mot de passe", "bad_login": "Identifiant ou mot de passe incorrect.",
        "required": "Ce champ est requis.", "not_found": "Page introuvable", "skip": "Aller au contenu",
        "hello": "Bonjour {name}.", "reference": "Référence à communiquer au support : {ref}",
        "log_out": "Se déconnecter",
    },
    "en": {
        "home_title": "Assess your digital skills", "login_title": "Log in", "log_in": "Log in",
        "username": "Username", "password": "Password", "bad_login": "Incorrect username or password.",
        "required": "This field is required.", "not_found": "Page not found", "skip": "Skip to content",
        "hello": "Hello {name}.", "reference": "Reference to give to support: {ref}", "log_out": "Log out",
    },
}
LANGS = pytest.mark.parametrize("lang", ["fr", "en"])
MOBILE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
NO_SUCH_PAGE = "/cette-page-n-existe-pas"


def open_page(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, (path, response and response.status)


def submit_login(page: Page, lang: str, username: str, password: str, status: int) -> None:
    """Fill and submit the login form with the mouse; check the HTTP status of the POST and wait for the page it gives
    (expect_navigation, not wait_for_url: a refused login answers on the same URL)."""
    page.get_by_label(TEXT[lang]["username"], exact=True).fill(username)
    page.get_by_label(TEXT[lang]["password"], exact=True).fill(password)
    with page.expect_navigation(), \
            page.expect_response(lambda r: r.request.method == "POST" and "/connexion" in r.url) as posted:
        page.locator("main").get_by_role("button", name=TEXT[lang]["log_in"]).click()
    assert posted.value.status == status


def log_in(page: Page, username: str, password: str, lang: str = "fr") -> None:
    open_page(page, "/connexion")
    submit_login(page, lang, username, password, status=303)


def expect_signed_in_home(page: Page, name: str, lang: str) -> None:
    """The person landed on their home, named in the header with a log-out button. "Home" is wherever ``/`` leads this
    person (the landing page, or a student's own page once features add one), asked of the server with their cookies."""
    answer = page.request.get("/", max_redirects=0)
    home = urlsplit(answer.headers["location"]).path if answer.status in (302, 303) else "/"
    expect(page).to_have_url(re.compile(re.escape(home) + "$"))
    expect(page.get_by_role("banner")).to_contain_text(name)
    expect(page.get_by_role("button", name=TEXT[lang]["log_out"])).to_be_visible()
    if home == "/":
        expect(page.locator("main")).to_contain_text(TEXT[lang]["hello"].format(name=name))


# ---------------------------------------------------------------------------------------------------------------------
# Accessibility of each page type, in both languages


@LANGS
def test_home_page_is_accessible(new_page: NewPage, axe: Axe, lang: str) -> None:
    page = new_page(BROWSER_LOCALE[lang])
    open_page(page, "/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["home_title"])
    expect(page.locator("main").get_by_role("link", name=TEXT[lang]["log_in"])).to_be_visible()
    screenshot(page, f"home-{lang}")
    axe(page)


@LANGS
def test_login_page_is_accessible_empty_and_with_errors(new_page: NewPage, axe: Axe, lang: str, unique: Unique) -> None:
    page = new_page(BROWSER_LOCALE[lang])
    open_page(page, "/connexion")
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["login_title"])
    screenshot(page, f"login-{lang}")
    axe(page)

    # Wrong credentials (an unknown account, so that no demo account gets rate-limited): an alert, the name kept.
    stranger = unique("nobody")
    submit_login(page, lang, stranger, "not-the-password", status=401)
    expect(page.get_by_role("alert")).to_have_text(TEXT[lang]["bad_login"])
    expect(page.get_by_label(TEXT[lang]["username"], exact=True)).to_have_value(stranger)
    expect(page.get_by_label(TEXT[lang]["password"], exact=True)).to_have_value("")
    screenshot(page, f"login-error-{lang}")
    axe(page)

    # Nothing typed: each field flagged invalid, its message tied to it (read out with the field).
    submit_login(page, lang, "", "", status=422)
    for label in (TEXT[lang]["username"], TEXT[lang]["password"]):
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(re.escape(TEXT[lang]["required"])))
    screenshot(page, f"login-missing-{lang}")
    axe(page)


@LANGS
def test_not_found_page_is_accessible(new_page: NewPage, axe: Axe, lang: str) -> None:
    page = new_page(BROWSER_LOCALE[lang])
    response = page.goto(NO_SUCH_PAGE)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["not_found"])
    # The reference shown is the request id the server logged and returned, so support can find the request.
    request_id = response.headers["x-request-id"]
    expect(page.locator("main")).to_contain_text(TEXT[lang]["reference"].format(ref=request_id))
    screenshot(page, f"not-found-{lang}")
    axe(page)


# ---------------------------------------------------------------------------------------------------------------------
# Keyboard only


def press_tab_to(page: Page, expected: Locator) -> None:
    page.keyboard.press("Tab")
    expect(expected).to_be_focused()


def test_keyboard_only_login_of_a_demo_student(page: Page, axe: Axe) -> None:
    open_page(page, "/")
    # The skip link is the first thing Tab reaches, it shows up when focused, and it moves focus into <main>.
    skip = page.get_by_role("link", name=TEXT["fr"]["skip"])
    press_tab_to(page, skip)
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"focused skip link is off-screen: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    press_tab_to(page, page.locator("main").get_by_role("link", name=TEXT["fr"]["log_in"]))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/connexion$"))
    page.wait_for_load_state()  # the new document, before Tab is pressed in it

    press_tab_to(page, page.get_by_role("link", name=TEXT["fr"]["skip"]))
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    press_tab_to(page, page.get_by_label(TEXT["fr"]["username"], exact=True))
    page.keyboard.type("lea.martin0512")
    press_tab_to(page, page.get_by_label(TEXT["fr"]["password"], exact=True))
    page.keyboard.type(DEMO_PASSWORD)
    screenshot(page, "login-keyboard-fr")
    with page.expect_navigation():  # signed in (cookie set) before the home is looked up below
        page.keyboard.press("Enter")

    expect_signed_in_home(page, "Léa Martin", "fr")
    screenshot(page, "home-student-fr")
    axe(page)  # the signed-in header (name, log-out button) and the student's home are page types of their own


def test_a_user_created_by_the_test_logs_in(page: Page, live_db: Database, unique: Unique) -> None:
    """``live_db`` writes where the server reads: an account made here can log in there, its name shown escaped."""
    username = unique("zoe.ndiaye")
    with live_db.transaction() as session:
        services.create_local_user(session, username=username, password="a-long-test-password",
                                   first_name="Zoé", last_name="N'Diaye <b>")
    log_in(page, username, "a-long-test-password")
    expect(page).to_have_url(re.compile(r"/$"))  # no school, no role: the landing page
    expect(page.locator("main")).to_contain_text("Bonjour Zoé N'Diaye <b>.")
    assert page.locator("main b").count() == 0  # text, not markup


# ---------------------------------------------------------------------------------------------------------------------
# Language switch


def test_language_switch_keeps_the_page_and_the_choice(page: Page) -> None:
    open_page(page, "/connexion")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    languages = page.get_by_role("navigation", name="Langue")
    expect(languages.locator("[aria-current]")).to_have_text("Français")

    languages.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/connexion$"))  # back on the same page…
    expect(page.locator("html")).to_have_attribute("lang", "en")  # …now in English
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT["en"]["login_title"])
    languages = page.get_by_role("navigation", name="Language")
    expect(languages.locator("[aria-current]")).to_have_text("English")
    screenshot(page, "login-after-switch-en")

    open_page(page, "/")  # the choice outlives the page, although the browser asks for French
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT["en"]["home_title"])

    languages.get_by_role("link", name="Français").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT["fr"]["home_title"])


# ---------------------------------------------------------------------------------------------------------------------
# Phone-sized screen


@LANGS
def test_pages_fit_a_375px_phone_screen(new_page: NewPage, axe: Axe, lang: str, unique: Unique) -> None:
    page = new_page(BROWSER_LOCALE[lang], **MOBILE)
    open_page(page, "/")
    assert_no_horizontal_overflow(page)
    screenshot(page, f"mobile-home-{lang}")

    open_page(page, "/connexion")
    submit_login(page, lang, unique("quelqu-un-avec-un-identifiant-tres-long"), "wrong", status=401)
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_horizontal_overflow(page)
    screenshot(page, f"mobile-login-error-{lang}")
    axe(page)  # contrast and target sizes at phone width

    open_page(page, NO_SUCH_PAGE, status=404)
    assert_no_horizontal_overflow(page)
    screenshot(page, f"mobile-not-found-{lang}")

    log_in(page, "hugo.bernard2103", DEMO_PASSWORD, lang)
    expect_signed_in_home(page, "Hugo Bernard", lang)
    assert_no_horizontal_overflow(page)
    screenshot(page, f"mobile-home-student-{lang}")
