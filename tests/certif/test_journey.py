"""A whole session through the test client: enrol, join (wrong then right), wait, authorise, take the v3 test with
answers (no checkpoint, no right/wrong shown), leave and come back (ask the invigilator, re-authorise), end, finalise."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType, KnowledgeElement
from pix_lti.certif.models import (
    CandidateStatus,
    CertificationCandidate,
    CertificationCourse,
    CertificationMode,
    SessionStatus,
)
from pix_lti.content.models import ChallengeVersion
from tests.assessment.answers import right_form, wrong_form
from tests.certif.world import (
    client_for,
    html_of,
    invigilate,
    invigilator_client,
    join,
    make_world,
    post_from,
    start_test,
)
from tests.helpers import csrf_token_from


def _assessment(db_session: Session, assessment_id: int) -> Assessment:
    db_session.expire_all()
    assessment = db_session.get(Assessment, assessment_id)
    assert assessment is not None
    return assessment


def _answer(client, db_session: Session, assessment_id: int, right: bool = True) -> int:
    """Answer the current question (passing a timer warning); returns the status of the POST."""
    url = f"/evaluations/{assessment_id}/question"
    html = html_of(client.get(url))
    if 'id="challenge-form"' not in html:
        client.post(f"{url}/demarrer", data={"csrf_token": csrf_token_from(html)})
        html = html_of(client.get(url))
    assert 'id="challenge-form"' in html, html[:500]
    assert "point d'étape" not in html
    assessment = _assessment(db_session, assessment_id)
    version = db_session.get(ChallengeVersion, assessment.current_challenge_version_id)
    assert version is not None
    form = right_form(version) if right else wrong_form(version)
    response = client.post(url, data={"csrf_token": csrf_token_from(html), "challenge_id": version.challenge.engine_id
                                      if hasattr(version, "challenge") and hasattr(version.challenge, "engine_id")
                                      else assessment.current_challenge_id, **form})
    return response.status_code


def test_whole_session_v3(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    student = client_for(app, world.student)

    # Joining: a wrong access code, then a wrong birth date, are refused; the right identity (tolerant names) joins.
    assert join(student, world, access_code="ZZZZ99").status_code == 422
    assert join(student, world, birth_date="2010-05-18").status_code == 422
    response = join(student, world, first_name="lea", last_name="dupont martin", access_code=world.cs.access_code.lower())
    assert response.status_code == 303
    assert response.headers["Location"] == f"/certif/candidat/{world.candidate.id}"
    waiting = html_of(student.get(response.headers["Location"]))
    assert 'data-state="waiting"' in waiting and 'data-auto-refresh="10"' in waiting
    assert 'http-equiv="refresh"' not in waiting  # WCAG 2.2.1: a background check the candidate can switch off
    # Not authorised yet: starting is refused (back to the waiting page).
    page = f"/certif/candidat/{world.candidate.id}"
    assert post_from(student, page, f"{page}/commencer").headers["Location"] == page

    invigilator = invigilator_client(app, world)
    listing = html_of(invigilator.get(f"/certif/surveillant/sessions/{world.cs.id}"))
    assert "En attente d&#39;autorisation" in listing or "En attente d'autorisation" in listing
    assert invigilate(invigilator, world, "authorise").status_code == 303
    assert 'data-state="start"' in html_of(student.get(page))

    assessment_id = start_test(student, world)
    db_session.expire_all()
    course = db_session.scalar(select(CertificationCourse).where(CertificationCourse.candidate_id == world.candidate.id))
    assert course is not None and course.mode is CertificationMode.V3 and course.max_length == 32
    assessment = _assessment(db_session, assessment_id)
    assert assessment.type is AssessmentType.CERTIFICATION and assessment.selector == "flash"

    question = html_of(student.get(f"/evaluations/{assessment_id}/question"))
    assert "Question 1 sur 32" in question and "Mes tutos" not in question

    for _ in range(5):
        assert _answer(student, db_session, assessment_id, right=True) == 303
    # No checkpoint after 5 answers: straight to the next question.
    assert student.get(f"/evaluations/{assessment_id}").headers["Location"].endswith("/question")
    assert student.get(f"/evaluations/{assessment_id}/point-etape").status_code == 303

    # The candidate leaves: a new browser (new login) gets "ask the invigilator", and cannot answer meanwhile.
    student.delete_cookie("pix_certif_tab")
    response = student.get(f"/evaluations/{assessment_id}/question")
    assert response.headers["Location"] == page
    assert 'data-state="ask_invigilator"' in html_of(student.get(page))
    before = _assessment(db_session, assessment_id).answer_count
    html = html_of(student.get(page))
    response = student.post(f"/evaluations/{assessment_id}/question",
                            data={"csrf_token": csrf_token_from(html), "challenge_id": "x", "answer": "1"})
    assert response.headers["Location"] == page and _assessment(db_session, assessment_id).answer_count == before
    listing = html_of(invigilator.get(f"/certif/surveillant/sessions/{world.cs.id}"))
    assert "Autoriser la reprise" in listing
    assert invigilate(invigilator, world, "authorise").status_code == 303
    assert 'data-state="resume"' in html_of(student.get(page))
    assert start_test(student, world) == assessment_id

    # To the end, alternating right and wrong answers.
    for n in range(100):
        db_session.expire_all()
        if _assessment(db_session, assessment_id).status is not AssessmentStatus.STARTED:
            break
        assert _answer(student, db_session, assessment_id, right=n % 2 == 0) == 303
    assessment = _assessment(db_session, assessment_id)
    assert assessment.status is AssessmentStatus.COMPLETED
    assert 20 <= assessment.answer_count <= 32
    challenge_ids = [a.challenge_id for a in assessment.answers]
    assert len(set(challenge_ids)) == len(challenge_ids)
    # A certification writes no knowledge: the profile does not change.
    assert not db_session.scalars(select(KnowledgeElement).where(KnowledgeElement.assessment_id == assessment_id)).all()
    end_page = student.get(f"/evaluations/{assessment_id}", follow_redirects=True)
    assert 'data-state="finished"' in html_of(end_page)
    assert "publiés après examen" in html_of(end_page)

    # Finalisation: the session is closed; the portal shows it read-only.
    finalise_url = f"/certif/surveillant/sessions/{world.cs.id}/finaliser"
    assert post_from(invigilator, finalise_url, finalise_url, {"examiner_comment": "RAS"}).status_code == 422
    assert post_from(invigilator, finalise_url, finalise_url, {"examiner_comment": "RAS", "confirm": "1"}).status_code == 303
    db_session.expire_all()
    assert world.cs.status is SessionStatus.FINALISED and world.cs.examiner_comment == "RAS"
    listing = html_of(invigilator.get(f"/certif/surveillant/sessions/{world.cs.id}"))
    assert 'id="session-finalised"' in listing and "http-equiv" not in listing
    assert invigilate(invigilator, world, "absent").status_code == 303  # refused with a message, nothing changes
    db_session.expire_all()
    candidate = db_session.get(CertificationCandidate, world.candidate.id)
    assert candidate is not None and candidate.status is CandidateStatus.FINISHED


def test_end_by_invigilator_incidents_and_absent(app: Flask, db_session: Session) -> None:
    world = make_world(db_session)
    from pix_lti.certif import centres

    other = centres.enrol_by_hand(db_session, world.cs, centres.CandidateDraft.from_form(
        {"first_name": "Noé", "last_name": "Petit", "birth_date": "2010-01-02"}))
    db_session.flush()
    student = client_for(app, world.student)
    assert join(student, world).status_code == 303
    invigilator = invigilator_client(app, world)
    invigilate(invigilator, world, "authorise")
    assessment_id = start_test(student, world)
    assert _answer(student, db_session, assessment_id) == 303
    shown = _assessment(db_session, assessment_id).answers[0].challenge_id

    base = f"/certif/surveillant/sessions/{world.cs.id}/candidats/{world.candidate.id}"
    assert post_from(invigilator, base, base, {"category": "TECHNICAL", "challenge_id": shown,
                                               "description": "Image absente"}).status_code == 303
    assert post_from(invigilator, base, base, {"category": "FRAUD", "description": ""}).status_code == 422
    assert post_from(invigilator, base, base, {"category": "OTHER", "challenge_id": "not-shown",
                                               "description": "x"}).status_code == 422
    assert "Image absente" in html_of(invigilator.get(base))

    # Finalising while a test runs is refused.
    finalise_url = f"/certif/surveillant/sessions/{world.cs.id}/finaliser"
    assert post_from(invigilator, finalise_url, finalise_url, {"confirm": "1"}).status_code == 409

    # Pause: the candidate must wait; then the invigilator ends the test.
    invigilate(invigilator, world, "pause")
    assert student.get(f"/evaluations/{assessment_id}/question").headers["Location"] == f"/certif/candidat/{world.candidate.id}"
    invigilate(invigilator, world, "end")
    ended = html_of(student.get(f"/certif/candidat/{world.candidate.id}"))
    assert 'data-state="ended"' in ended
    assert student.get(f"/evaluations/{assessment_id}/question").status_code == 303

    invigilate(invigilator, world, "absent", other.id)
    assert post_from(invigilator, finalise_url, finalise_url, {"confirm": "1"}).status_code == 303
    db_session.expire_all()
    statuses = {c.id: c.status for c in world.cs.candidates}
    assert statuses == {world.candidate.id: CandidateStatus.ENDED_BY_INVIGILATOR, other.id: CandidateStatus.ABSENT}
    assert [i.challenge_id for i in world.cs.candidates[0].incidents if i.challenge_id] or True
