"""A whole session through the test client — enrol, join, authorise, take, finalise — then the results side: jury
(admin-only), publication, the student's certificate (page + PDF), the public verification page (rate-limited), the
centre's CSV, the Orga page and the LMS outcome queued in the outbox."""

from __future__ import annotations

import re
from datetime import date

import pypdfium2
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment.models import Assessment, AssessmentStatus
from pix_lti.certif.models import CertificationCourse, CertificationResult, ResultStatus, SessionStatus
from pix_lti.launch.models import LtiLinkLearner, LtiRegistration, LtiResourceLink
from pix_lti.outbox.models import OutboxMessage
from tests.certif.test_journey import _answer
from tests.certif.world import (
    World,
    client_for,
    html_of,
    invigilate,
    invigilator_client,
    join,
    make_world,
    post_from,
    start_test,
)
from tests.factories import make_member, make_organisation, make_user
from pix_lti.identity.models import MembershipRole


def _take_and_finalise(app: Flask, db_session: Session, world: World) -> CertificationResult:
    student = client_for(app, world.student)
    assert join(student, world).status_code == 303
    invigilator = invigilator_client(app, world)
    assert invigilate(invigilator, world, "authorise").status_code == 303
    assessment_id = start_test(student, world)
    for n in range(40):
        db_session.expire_all()
        if db_session.get(Assessment, assessment_id).status is not AssessmentStatus.STARTED:  # type: ignore[union-attr]
            break
        assert _answer(student, db_session, assessment_id, right=n % 3 != 2) == 303
    finalise_url = f"/certif/surveillant/sessions/{world.cs.id}/finaliser"
    assert post_from(invigilator, finalise_url, finalise_url, {"examiner_comment": "RAS", "confirm": "1"}).status_code == 303
    db_session.expire_all()
    result = db_session.scalar(select(CertificationResult).join(CertificationCourse)
                               .where(CertificationCourse.candidate_id == world.candidate.id))
    assert result is not None, "finalisation scores the session"
    return result


def _lms_binding(db_session: Session, world: World) -> LtiResourceLink:
    """The student came through an LMS: a launch of a profile link in a course with an AGS line-item container."""
    registration = LtiRegistration(name="Moodle", issuer="https://moodle.example", client_id="c1",
                                   auth_login_url="https://moodle.example/auth", organisation_id=world.organisation.id)
    db_session.add(registration)
    db_session.flush()
    links = []
    for n in range(2):  # two links of one course: one certification score
        link = LtiResourceLink(registration_id=registration.id, deployment_id="d1", resource_link_id=f"rl-{n}",
                               lineitems_url="https://moodle.example/ags/course-7/lineitems",
                               lineitem_url=f"https://moodle.example/ags/course-7/lineitems/{n}",
                               ags_scopes=["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                                           "https://purl.imsglobal.org/spec/lti-ags/scope/score"])
        db_session.add(link)
        db_session.flush()
        db_session.add(LtiLinkLearner(resource_link_id=link.id, user_id=world.student.id, lti_user_id="sub-lea"))
        links.append(link)
    db_session.flush()
    return links[0]


def test_whole_session_then_jury_publication_certificate_and_verification(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    _lms_binding(db_session, world)
    result = _take_and_finalise(app, db_session, world)
    assert result.status is ResultStatus.PENDING_JURY and result.pix_score > 0 and result.reasons == []
    assert not db_session.scalars(select(OutboxMessage)).all()  # nothing leaves before publication

    # The jury pages are for platform administrators only.
    jury_user = make_user(db_session, is_platform_admin=True)
    student = client_for(app, world.student)
    referent = client_for(app, world.admin)
    for client in (student, referent):
        assert client.get("/certif/jury").status_code == 403
        assert client.get(f"/certif/jury/sessions/{world.cs.id}").status_code == 403
    assert app.test_client().get("/certif/jury").status_code == 302  # anonymous: to the login page
    jury_client = client_for(app, jury_user)
    listing = html_of(jury_client.get("/certif/jury"))
    assert f"Session n° {world.cs.id}" in listing and "À examiner" in listing
    page_url = f"/certif/jury/sessions/{world.cs.id}"
    page = html_of(jury_client.get(page_url))
    assert "DUPONT-MARTIN Léa" in page and "issue proposée" in page and f"{result.pix_score} pix" in page
    # A student cannot publish (CSRF token of their own page, still 403).
    assert post_from(student, "/certificats", f"{page_url}/publier").status_code == 403
    # Comment, then publish.
    response = post_from(jury_client, page_url, f"/certif/jury/resultats/{result.id}/commenter", {"comment": "RAS"})
    assert response.status_code == 302
    assert post_from(jury_client, page_url, f"{page_url}/publier").status_code == 302
    db_session.expire_all()
    assert world.cs.status is SessionStatus.PUBLISHED
    result = db_session.get(CertificationResult, result.id)
    assert result is not None and result.status is ResultStatus.VALIDATED and result.jury_comment == "RAS"
    code = result.verification_code
    assert code and re.fullmatch(r"P-[A-HJKMNP-Z2-9]{8}", code)

    # The LMS outcome: one score for the course, on its own "Certification Pix" line item, out of 1024.
    [message] = db_session.scalars(select(OutboxMessage)).all()
    assert message.payload["line_item"]["label"] == "Certification Pix"
    assert message.payload["score_given"] == result.pix_score and message.payload["score_maximum"] == 1024
    assert message.payload["lti_user_id"] == "sub-lea" and code in message.payload["comment"]

    # The student's certificates: the list, the page, the PDF.
    listing = html_of(student.get("/certificats"))
    assert f"/certificats/{result.id}" in listing
    page = html_of(student.get(f"/certificats/{result.id}"))
    assert code in page and "Niveaux certifiés par compétence" in page and str(result.pix_score) in page
    # Certified on the session's day (1 June 2030, after this test's publication date), valid 3 years from it.
    assert result.valid_until == date(2033, 6, 1)
    assert "Certifié(e) le 1 juin 2030" in page and "1 juin 2033" in page
    pdf_response = student.get(f"/certificats/{result.id}/certificat.pdf")
    assert pdf_response.status_code == 200 and pdf_response.mimetype == "application/pdf"
    assert "no-store" in pdf_response.headers["Cache-Control"]
    pdf = pypdfium2.PdfDocument(pdf_response.data)
    try:
        text = pdf[0].get_textpage().get_text_range()
    finally:
        pdf.close()
    assert code in text and str(result.pix_score) in text and f"/verification/{code}" in text

    # Another student sees neither the certificate nor its PDF (404, like a missing one).
    other = client_for(app, make_user(db_session))
    assert other.get(f"/certificats/{result.id}").status_code == 404
    assert other.get(f"/certificats/{result.id}/certificat.pdf").status_code == 404
    assert f"/certificats/{result.id}" not in html_of(other.get("/certificats"))

    # The public verification page: the certificate for its code (typed loosely too), 404 for anything else.
    public = app.test_client()
    shown = html_of(public.get(f"/verification/{code}"))
    assert "Léa DUPONT-MARTIN" in shown and str(result.pix_score) in shown and "Valable jusqu" in shown
    assert "2010" not in shown  # no birth date on the public page
    assert public.get(f"/verification?code={code.lower().replace('-', ' ')}").headers["Location"].endswith(code)
    for wrong in ("P-AAAAAAAA", "nimportequoi", code[:-1]):
        assert public.get(f"/verification/{wrong}").status_code == 404

    # The centre exports the session's results; another school's staff cannot.
    csv_url = f"/certif/centres/{world.organisation.id}/sessions/{world.cs.id}/resultats.csv"
    csv_response = referent.get(csv_url)
    assert csv_response.status_code == 200 and csv_response.data.startswith("\ufeff".encode())
    body = csv_response.data.decode("utf-8-sig")
    header, row = body.splitlines()[:2]
    assert header.startswith("Numéro de session;Date;Nom;Prénom") and "Niveau 1.1" in header
    assert "Dupont-Martin" in row and "Validée" in row and code in row and str(result.pix_score) in row
    other_org = make_organisation(db_session)
    outsider = client_for(app, make_member(db_session, other_org, MembershipRole.ADMIN))
    assert outsider.get(csv_url).status_code == 404
    assert student.get(csv_url).status_code == 404

    # The school's Orga shows its learners' results; another organisation's staff see none of them.
    orga_page = html_of(referent.get(f"/orga/{world.organisation.id}/certifications"))
    assert "Dupont-Martin" in orga_page and code in orga_page
    assert outsider.get(f"/orga/{world.organisation.id}/certifications").status_code == 404
    assert "Dupont-Martin" not in html_of(outsider.get(f"/orga/{other_org.id}/certifications"))


def test_verification_lookups_are_rate_limited(app: Flask) -> None:
    public = app.test_client()
    statuses = [public.get(f"/verification/P-{n:08d}").status_code for n in range(31)]
    assert set(statuses[:30]) == {404} and statuses[30] == 429
    response = public.get("/verification/P-AAAAAAAA")
    assert response.status_code == 429 and response.headers["Retry-After"]


def test_csv_before_publication_is_404_and_jury_actions_need_a_finalised_session(app: Flask,
                                                                                 db_session: Session) -> None:
    world = make_world(db_session)
    referent = client_for(app, world.admin)
    assert referent.get(f"/certif/centres/{world.organisation.id}/sessions/{world.cs.id}/resultats.csv").status_code == 404
    jury_client = client_for(app, make_user(db_session, is_platform_admin=True))
    assert jury_client.get(f"/certif/jury/sessions/{world.cs.id}").status_code == 404  # still CREATED
    assert jury_client.get("/certif/jury/sessions/999999").status_code == 404
