"""Bad input on the student pages: another user's assessment, tampered or unknown challenge ids, answers to a finished
test, over-long answers, double submits. Always a 4xx page (or the same outcome), nothing stored, no one else's data."""

from __future__ import annotations

import html

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment.models import Answer, AssessmentStatus
from pix_lti.content.models import Challenge, ContentPack
from tests.assessment.answers import right_form
from tests.assessment.test_pages import (
    answer_count,
    assessment_of,
    current_version,
    html_of,
    log_in_student,
    open_question,
    post_answer,
    start,
)
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from, login


def test_another_users_assessment_is_not_found(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    log_in_student(client, db_session)
    theirs = start(client, "1.2")
    their_html = open_question(client, theirs)
    client.post("/deconnexion", data={"csrf_token": csrf_token_from(their_html)})
    log_in_student(client, db_session)
    for path in ("", "/question", "/point-etape", "/resultat"):
        response = client.get(f"/evaluations/{theirs}{path}")
        assert response.status_code == 404, path
        assert "Page introuvable" in html_of(response)
    token = csrf_token_from(html_of(client.get("/profil")))
    version = current_version(db_session, theirs)
    response = client.post(f"/evaluations/{theirs}/question",
                           data={"csrf_token": token, "challenge_id": version.challenge.source_id, **right_form(version)})
    assert response.status_code == 404
    assert client.post(f"/evaluations/{theirs}/question/demarrer", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/evaluations/{theirs}/point-etape", data={"csrf_token": token}).status_code == 404
    assert answer_count(db_session, theirs) == 0


def test_tampered_and_unknown_challenge_ids_are_conflicts_storing_nothing(client: FlaskClient, db_session: Session,
                                                                          demo_content: str) -> None:
    log_in_student(client, db_session)
    assessment_id = start(client, "3.1")
    page = open_question(client, assessment_id)
    version = current_version(db_session, assessment_id)
    other = db_session.scalar(select(Challenge.source_id).join(ContentPack).where(
        ContentPack.key == demo_content, Challenge.source_id != version.challenge.source_id).limit(1))
    for tampered in (other, "c99-does-not-exist"):
        response = post_answer(client, assessment_id, page, {"challenge_id": tampered, **right_form(version)})
        assert response.status_code == 409, tampered
        text = html.unescape(html_of(response))
        assert "Réponse non enregistrée" in text and "n'est pas la question en cours" in text
        assert f'href="/evaluations/{assessment_id}"' in text  # a way back to the current step
    response = post_answer(client, assessment_id, page, {"challenge_id": "x" * 500, **right_form(version)})
    assert response.status_code == 422
    assert answer_count(db_session, assessment_id) == 0
    assessment = assessment_of(db_session, assessment_id)
    assert assessment.answer_count == 0 and assessment.current_challenge_id == version.challenge.source_id


def test_over_long_answer_is_refused_and_nothing_is_stored(client: FlaskClient, db_session: Session,
                                                           demo_content: str) -> None:
    log_in_student(client, db_session)
    assessment_id = start(client, "4.2")
    page = open_question(client, assessment_id)
    version = current_version(db_session, assessment_id)
    too_long = {key: "a" * 501 for key in right_form(version)} if version.type.startswith(("QROC", "QCU")) \
        else {"answer": [str(i) for i in range(1, 30)]}
    response = post_answer(client, assessment_id, page, too_long)
    assert response.status_code == 422
    assert "Votre réponse n'a pas pu être enregistrée" in html.unescape(html_of(response))
    assert answer_count(db_session, assessment_id) == 0
    # The page still works: the right answer goes through afterwards.
    assert post_answer(client, assessment_id, page, right_form(version)).status_code == 303
    assert answer_count(db_session, assessment_id) == 1


def test_same_answer_posted_twice_is_stored_once(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    log_in_student(client, db_session)
    assessment_id = start(client, "5.1")
    page = open_question(client, assessment_id)
    version = current_version(db_session, assessment_id)
    first = post_answer(client, assessment_id, page, right_form(version))
    again = post_answer(client, assessment_id, page, right_form(version))  # double click / network retry
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert answer_count(db_session, assessment_id) == 1
    stored = db_session.scalar(select(Answer).where(Answer.assessment_id == assessment_id))
    assert stored is not None and stored.result == "ok" and stored.challenge_id == version.challenge.source_id


def test_answering_a_finished_test_is_a_conflict(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    log_in_student(client, db_session)
    assessment_id = start(client, "2.2")
    page = open_question(client, assessment_id)
    version = current_version(db_session, assessment_id)
    assessment = assessment_of(db_session, assessment_id)
    assessment.status = AssessmentStatus.COMPLETED  # e.g. finished in another tab
    db_session.flush()
    response = post_answer(client, assessment_id, page, right_form(version))
    assert response.status_code == 409
    assert "Ce test est terminé" in html_of(response)
    assert answer_count(db_session, assessment_id) == 0


def test_posting_without_the_csrf_token_is_refused(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    log_in_student(client, db_session)
    assessment_id = start(client, "2.3")
    version = current_version(db_session, assessment_id)
    response = client.post(f"/evaluations/{assessment_id}/question",
                           data={"challenge_id": version.challenge.source_id, **right_form(version)})
    assert response.status_code == 400
    assert answer_count(db_session, assessment_id) == 0


def test_unknown_competence_is_not_found(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    log_in_student(client, db_session)
    token = csrf_token_from(html_of(client.get("/profil")))
    assert client.post("/competences/9.9/evaluer", data={"csrf_token": token}).status_code == 404
    assert client.get("/competences/9.9/remise-a-zero").status_code == 404


def test_logged_out_visitors_are_sent_to_the_login(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    user = log_in_student(client, db_session)
    assessment_id = start(client, "1.3")
    client.post("/deconnexion", data={"csrf_token": csrf_token_from(html_of(client.get("/profil")))})
    response = client.get(f"/evaluations/{assessment_id}/question")
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")
    login(client, user.username or "", PASSWORD)
    assert client.get(f"/evaluations/{assessment_id}/question").status_code == 200
