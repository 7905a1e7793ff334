"""Certification in real Chromium (issue 9 §9): the invigilator authorises, the candidate takes the whole test, the
session is finalised, the jury publishes it, the student downloads the certificate PDF (its first page is saved as
``test-artifacts/e2e/certif-certificate-page1.png``), the public verification page shows it and the centre's staff
download the session's CSV. axe (no serious or critical violation) on every page on the way: candidate, invigilator,
jury, certificate, verification and centre pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pypdfium2
import pytest
from playwright.sync_api import Page, expect

from pix_lti.db import Database
from tests.e2e.support import ARTIFACTS, STUDENT_PASSWORD, answer_with_mouse, pass_timer_warning, screenshot, sign_in

pytestmark = pytest.mark.e2e

Axe = Callable[[Page], dict[str, Any]]
Unique = Callable[[str], str]
NewPage = Callable[..., Page]
BIRTH = "2010-05-17"


def create_session_world(database: Database, unique: Unique) -> dict[str, Any]:
    """A school that is a centre, a session (its invigilator password), a certifiable student enrolled, a jury."""
    import random

    from pix_lti.assessment import catalogs
    from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType, KnowledgeElement
    from pix_lti.certif import centres
    from pix_lti.db import utcnow
    from pix_lti.identity import services as identity
    from pix_lti.identity.models import MembershipRole, OrganisationType
    from pix_lti.identity.uai import uai_check_letter

    digits = f"{random.SystemRandom().randrange(10**7):07d}"
    names = {"referent": unique("referent.certif"), "student": unique("eleve.certif"), "jury": unique("jury.certif")}
    with database.transaction() as session:
        school = identity.ensure_organisation(session, name=unique("Collège certif"), type=OrganisationType.SCO,
                                              uai=digits + uai_check_letter(digits))
        referent = identity.create_local_user(session, username=names["referent"], password=STUDENT_PASSWORD,
                                              first_name="Rose", last_name="Référente")
        identity.ensure_membership(session, referent, school, MembershipRole.ADMIN)
        identity.create_local_user(session, username=names["jury"], password=STUDENT_PASSWORD, first_name="Jules",
                                   last_name="Jury", is_platform_admin=True)
        student = identity.create_local_user(session, username=names["student"], password=STUDENT_PASSWORD,
                                             first_name="Léa", last_name="Certifiée")
        identity.ensure_membership(session, student, school, MembershipRole.STUDENT)
        # Certifiable: every skill of 5 competences validated a month ago.
        catalog = catalogs.full_catalog(session, "crcn-demo")
        then = utcnow() - timedelta(days=30)
        for code in catalog.competences[:5]:
            training = Assessment(user_id=student.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key="crcn-demo",
                                  competence_code=code, selector="bayesian", seed=1, status=AssessmentStatus.COMPLETED,
                                  created_at=then, updated_at=then, completed_at=then)
            session.add(training)
            session.flush()
            for skill_id in catalog.slice(code).skill_ids:
                session.add(KnowledgeElement(user_id=student.id, assessment_id=training.id, competence_code=code,
                                             skill_id=skill_id, status="validated", source="direct", created_at=then))
        centre = centres.make_centre(session, school)
        draft = centres.SessionDraft.from_form({"day": "2030-06-01", "hour": "09:00", "room": "B12",
                                                "examiner": "M. Martin"}, "Europe/Paris")
        cs, password = centres.create_session(session, centre, referent, draft)
        centres.enrol_by_hand(session, cs, centres.CandidateDraft.from_form(
            {"first_name": "Léa", "last_name": "Certifiée", "birth_date": BIRTH}))
        session.flush()
        return {**names, "session_id": cs.id, "access_code": cs.access_code, "password": password,
                "org_id": school.id}


def test_invigilated_session_to_published_certificate(page: Page, new_page: NewPage, live_db: Database,
                                                      unique: Unique, axe: Axe) -> None:
    world = create_session_world(live_db, unique)
    sid = world["session_id"]

    # The candidate joins the session.
    sign_in(page, world["student"])
    page.goto("/certif/rejoindre")
    axe(page)
    page.get_by_label("N° de session").fill(str(sid))
    page.get_by_label("Code d'accès").fill(world["access_code"].lower())
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Nom", exact=True).fill("Certifiée")
    page.get_by_label("Date de naissance").fill(BIRTH)
    with page.expect_navigation():
        page.get_by_role("button", name="Rejoindre la session").click()
    expect(page.locator("main")).to_contain_text("Attendez que le surveillant vous autorise")
    axe(page)

    # The invigilator, on another device, authorises the candidate.
    invigilator = new_page()
    invigilator.goto("/certif/surveillant")
    axe(invigilator)
    invigilator.get_by_label("N° de session").fill(str(sid))
    invigilator.get_by_label("Mot de passe surveillant").fill(world["password"])
    with invigilator.expect_navigation():
        invigilator.get_by_role("button", name="Accéder à la session").click()
    with invigilator.expect_navigation():
        invigilator.get_by_role("button", name=re.compile("^Autoriser")).first.click()
    axe(invigilator)
    screenshot(invigilator, "certif-invigilator-authorised")

    # The candidate's waiting page notices the authorisation by itself (certif-refresh.js, no meta refresh).
    expect(page.get_by_role("button", name="Commencer le test")).to_be_visible(timeout=30_000)
    axe(page)
    # The candidate takes the whole test (two answers right out of three).
    with page.expect_navigation():
        page.get_by_role("button", name="Commencer le test").click()
    match = re.search(r"/evaluations/(\d+)/question", page.url)
    assert match, page.url
    assessment_id = int(match.group(1))
    # The invigilator's page of this candidate (pause, end, incident form) while the test runs.
    invigilator.goto(f"/certif/surveillant/sessions/{sid}")
    with invigilator.expect_navigation():
        invigilator.get_by_role("link", name=re.compile("^Pause, fin, incident")).first.click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text("Léa Certifiée")
    axe(invigilator)
    for n in range(40):
        if not re.search(r"/evaluations/\d+/question", page.url):
            break
        pass_timer_warning(page, "certif-question")
        answer_with_mouse(page, live_db, assessment_id, "wrong" if n % 3 == 2 else "right",
                          "certif-question" if n == 0 else None)
    expect(page.locator("main")).to_contain_text("Vous avez terminé votre test de certification")

    # The invigilator finalises the session.
    invigilator.goto(f"/certif/surveillant/sessions/{sid}/finaliser")
    axe(invigilator)
    invigilator.get_by_label("Commentaire du surveillant (facultatif)").fill("Session sans incident.")
    invigilator.get_by_label(re.compile("^Je confirme les absences")).check()
    with invigilator.expect_navigation():
        invigilator.get_by_role("button", name="Finaliser la session").click()
    expect(invigilator.locator("#session-finalised")).to_be_visible()
    axe(invigilator)

    # The jury reviews and publishes.
    jury = new_page()
    sign_in(jury, world["jury"])
    jury.goto("/certif/jury")
    axe(jury)
    with jury.expect_navigation():
        jury.get_by_role("link", name=f"Session n° {sid}").click()
    expect(jury.locator("main")).to_contain_text("CERTIFIÉE Léa")
    axe(jury)
    screenshot(jury, "certif-jury-session")
    with jury.expect_navigation():
        jury.get_by_role("button", name="Publier les résultats de la session").click()
    expect(jury.get_by_role("status").first).to_contain_text("Session publiée")

    # The student sees the certificate and downloads the PDF.
    page.goto("/certificats")
    axe(page)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("^Voir le certificat")).click()
    code = re.search(r"P-[A-Z2-9]{8}", page.locator("main").inner_text())
    assert code, page.locator("main").inner_text()
    axe(page)
    screenshot(page, "certif-certificate-page")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le certificat (PDF)").click()
    pdf_path = download_info.value.path()
    assert pdf_path is not None
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(data)
    try:
        assert code.group(0) in pdf[0].get_textpage().get_text_range()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf[0].render(scale=1.5).to_pil().save(ARTIFACTS / "certif-certificate-page1.png")
    finally:
        pdf.close()

    # Anyone with the code (or the QR code) sees the certificate on the public page.
    public = new_page()
    public.goto(f"/verification/{code.group(0)}")
    expect(public.get_by_role("heading", level=1)).to_have_text("Certificat Pix vérifié")
    expect(public.locator("main")).to_contain_text("Léa CERTIFIÉE")
    axe(public)
    screenshot(public, "certif-verification")
    response = public.goto("/verification/P-AAAAAAAA")
    assert response is not None and response.status == 404
    public.goto("/verification")
    axe(public)

    # The centre's staff: Orga → centre → the session → its results as CSV.
    staff = new_page()
    sign_in(staff, world["referent"])
    staff.goto(f"/orga/{world['org_id']}/certifications")
    axe(staff)
    with staff.expect_navigation():
        staff.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Centre de certification").click()
    axe(staff)
    with staff.expect_navigation():
        staff.get_by_role("link", name=str(sid), exact=True).click()
    expect(staff.locator("#results-csv")).to_be_visible()
    axe(staff)
    screenshot(staff, "certif-centre-session-published")
    with staff.expect_download() as csv_download:
        staff.locator("#results-csv").click()
    csv_path = csv_download.value.path()
    assert csv_path is not None and code.group(0) in csv_path.read_bytes().decode("utf-8-sig")
