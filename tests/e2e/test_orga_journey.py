"""Orga in real Chromium: a référent imports a SIECLE file, builds a target profile and creates a campaign; a student
joins with the code, takes the test and sends the results; the teacher sees them in the activity list and the
participant page, then downloads the CSV. The school has a roster, so the student first finds themselves in it (name
and birth date) and shows under the class. Screenshots go to ``test-artifacts/e2e/orga-*.png``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from pix_lti.db import Database
from tests.e2e.support import (
    STUDENT_PASSWORD,
    answer_with_mouse,
    assessment_id_of,
    create_student,
    pass_timer_warning,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.e2e

Axe = Callable[[Page], dict[str, Any]]
Unique = Callable[[str], str]
NewPage = Callable[..., Page]


def create_school_and_referent(database: Database, unique: Unique) -> tuple[str, str, str]:
    """A school of its own (unique name and UAI) and its référent; returns (name, uai, username)."""
    import random

    from pix_lti.identity import services as identity
    from pix_lti.identity.models import MembershipRole, OrganisationType
    from pix_lti.identity.uai import uai_check_letter

    digits = f"{random.SystemRandom().randrange(10**7):07d}"
    uai = digits + uai_check_letter(digits)
    name = unique("Collège e2e")
    username = unique("referent.e2e")
    with database.transaction() as session:
        school = identity.ensure_organisation(session, name=name, type=OrganisationType.SCO, uai=uai)
        user = identity.create_local_user(session, username=username, password=STUDENT_PASSWORD,
                                          first_name="Rose", last_name="Référente")
        identity.ensure_membership(session, user, school, MembershipRole.ADMIN)
    return name, uai, username


def siecle_file(uai: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><BEE_ELEVES VERSION="3.1"><PARAMETRES><UAJ>{uai}</UAJ>'
            "</PARAMETRES><DONNEES><ELEVES>"
            '<ELEVE ELEVE_ID="1"><ID_NATIONAL>123456789AB</ID_NATIONAL><NOM_DE_FAMILLE>LAMBERT</NOM_DE_FAMILLE>'
            "<PRENOM>Sacha</PRENOM><DATE_NAISS>14/02/2012</DATE_NAISS></ELEVE>"
            '<ELEVE ELEVE_ID="2"><ID_NATIONAL>223456789AB</ID_NATIONAL><NOM_DE_FAMILLE>ROUX</NOM_DE_FAMILLE>'
            "<PRENOM>Nina</PRENOM><DATE_NAISS>03/07/2012</DATE_NAISS></ELEVE>"
            "</ELEVES><STRUCTURES>"
            '<STRUCTURES_ELEVE ELEVE_ID="1"><STRUCTURE><CODE_STRUCTURE>4A</CODE_STRUCTURE>'
            "<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>"
            '<STRUCTURES_ELEVE ELEVE_ID="2"><STRUCTURE><CODE_STRUCTURE>4B</CODE_STRUCTURE>'
            "<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>"
            "</STRUCTURES></DONNEES></BEE_ELEVES>").encode()


def test_referent_imports_creates_a_campaign_and_reads_a_students_results(
        page: Page, new_page: NewPage, live_db: Database, unique: Unique, axe: Axe) -> None:
    school, uai, referent = create_school_and_referent(live_db, unique)
    sign_in(page, referent)
    page.goto("/orga")
    expect(page.get_by_role("heading", level=1)).to_have_text(school)
    axe(page)

    # Import the SIECLE file (the progress line shows while it is sent and checked).
    page.get_by_role("link", name="Élèves").first.click()
    page.get_by_role("link", name="Importer la base élèves").click()
    page.get_by_label("Fichier (XML ou CSV)").set_input_files(
        files=[{"name": "ElevesSansAdresses.xml", "mimeType": "text/xml", "buffer": siecle_file(uai)}])
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("status").first).to_contain_text("2 élèves ajoutés")
    expect(page.locator("table.orga-table")).to_contain_text("LAMBERT")
    screenshot(page, "orga-learners")
    axe(page)

    # Build a small target profile, then the campaign.
    page.goto(urlsplit(page.url).path.replace("/eleves", "/profils-cibles/nouveau"))
    page.get_by_label("Nom du profil cible").fill("Mots de passe")
    page.locator('select[name="tube:@motDePasse"]').select_option("2")
    page.get_by_role("button", name="Compter les acquis").click()
    expect(page.locator(".orga-count")).to_have_text("2 acquis évalués")
    axe(page)
    page.get_by_role("button", name="Enregistrer le profil cible").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer une campagne")
    page.get_by_label("Titre de la campagne").fill("Mots de passe 4e")
    expect(page.get_by_label("Profil cible", exact=True)).to_have_value(re.compile(r"\d+"))  # the new profile is preselected
    page.get_by_label("Texte de la page d'accueil").fill("Bonjour les 4e !")
    axe(page)
    page.get_by_role("button", name="Créer la campagne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mots de passe 4e")
    code = page.locator("dd strong").first.inner_text()
    assert re.fullmatch(r"[A-Z]{6}[2-9]{3}", code), code
    expect(page.locator(".orga-link")).to_contain_text(f"/campagnes/{code}")
    screenshot(page, "orga-campaign")
    axe(page)
    campaign_path = urlsplit(page.url).path

    # A student joins with the code, takes the test and sends the results.
    student = unique("sacha.lambert")
    create_student(live_db, student, "Sacha", "Lambert")
    pupil = new_page()
    sign_in(pupil, student)
    pupil.goto(f"/campagnes/{code}")
    expect(pupil.locator(".campaign-text")).to_contain_text("Bonjour les 4e !")
    # The school has a roster: "Je commence" first asks who the pupil is, to file the results under the class.
    pupil.get_by_role("link", name="Je commence").click()
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Retrouver votre inscription")
    expect(pupil.get_by_label("Prénom")).to_have_value("Sacha")  # the account's names, prefilled
    pupil.get_by_label("Nom de famille").fill("LAMBERT")
    date_group = pupil.get_by_role("group", name="Date de naissance")
    date_group.get_by_label("Jour").fill("14")
    date_group.get_by_label("Mois").fill("02")
    date_group.get_by_label("Année").fill("2012")
    screenshot(pupil, "orga-student-reconcile")
    axe(pupil)
    with pupil.expect_navigation():
        pupil.get_by_role("button", name="Je continue").click()
    assessment_id = assessment_id_of(pupil)
    for _ in range(40):
        path = urlsplit(pupil.url).path
        if path.endswith("/question"):
            pass_timer_warning(pupil, "orga-student-question")  # the engine may pick a timed question
            answer_with_mouse(pupil, live_db, assessment_id, "right", None)
        elif path.endswith("/point-etape"):
            with pupil.expect_navigation():
                pupil.locator(".checkpoint-continue").get_by_role("button").click()
        elif path == f"/campagnes/{code}/fin":
            break
        else:
            raise AssertionError(f"unexpected page {pupil.url}")
    with pupil.expect_navigation():
        pupil.get_by_role("button", name="J'envoie mes résultats").click()
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Résultats envoyés")

    # The teacher sees the participant and the results, then downloads the CSV.
    page.goto(f"{campaign_path}/activite")
    row = page.locator("tbody tr", has_text="Lambert")
    expect(row).to_contain_text("Résultats envoyés")
    expect(row).to_contain_text("100 %")
    expect(row).to_contain_text("4A")  # reconciled: shown under the roster's class
    screenshot(page, "orga-activity")
    axe(page)
    row.get_by_role("link").click()
    expect(page.locator(".orga-count").first).to_contain_text("Maîtrise : 100 %")
    screenshot(page, "orga-participant")
    axe(page)
    page.goto(campaign_path)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter les résultats (CSV)").click()
    data = download_info.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    (exported,) = rows
    assert exported["Nom"] == "Lambert" and exported["Envoyé"] == "Oui" and exported["% de maîtrise"] == "100 %"
    assert exported["Code"] == code and exported["Organisation"] == school
