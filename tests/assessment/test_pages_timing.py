"""Time on the student pages, with a clock the test controls (``app.config["PIX_CLOCK"]``): timed questions (warning,
countdown, late answer), focus loss, retry after 4 days and reset after 7 with a confirmation; and Mes tutos."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_date
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.assessment import services
from pix_lti.assessment.models import Answer, AssessmentStatus, SavedTutorial
from pix_lti.content.models import Tutorial
from pix_lti.db import utcnow
from tests.assessment.answers import right_form, wrong_form
from tests.assessment.test_pages import (
    assessment_of,
    assessment_on,
    current_version,
    find_version,
    html_of,
    log_in_student,
    open_question,
    post_answer,
    start,
)
from tests.helpers import csrf_token_from


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: Flask) -> Iterator[Clock]:
    clock = Clock()
    app.config["PIX_CLOCK"] = clock
    yield clock


def stored_answer(db_session: Session, assessment_id: int) -> Answer:
    db_session.expire_all()
    answer = db_session.scalar(select(Answer).where(Answer.assessment_id == assessment_id))
    assert answer is not None
    return answer


def test_timed_question_warns_first_then_counts_down_and_a_late_answer_is_timed_out(
        client: FlaskClient, db_session: Session, demo_content: str, clock: Clock) -> None:
    user = log_in_student(client, db_session)
    version = find_version(db_session, demo_content, lambda v: bool(v.timer) and not v.focused)
    assessment = assessment_on(db_session, user, version, demo_content)
    warning = html_of(client.get(f"/evaluations/{assessment.id}/question"))
    assert f"Cette question est chronométrée : vous aurez {version.timer} secondes" in warning
    assert 'id="challenge-form"' not in warning  # the question is not shown before the student chooses to start
    assert assessment_of(db_session, assessment.id).current_challenge_shown_at is None
    response = client.post(f"/evaluations/{assessment.id}/question/demarrer",
                           data={"csrf_token": csrf_token_from(warning)})
    assert response.status_code == 303
    assert assessment_of(db_session, assessment.id).current_challenge_shown_at == clock.now
    html = html_of(client.get(f"/evaluations/{assessment.id}/question"))
    assert f'data-countdown="{version.timer}"' in html and 'aria-live="polite"' in html
    assert "/static/js/challenge.js" in html
    clock.advance(seconds=version.timer / 2)  # coming back later does not restart the clock
    html = open_question(client, assessment.id)
    assert f'data-countdown="{version.timer - version.timer // 2}"' in html \
        or f'data-countdown="{int(version.timer - version.timer / 2)}"' in html
    clock.advance(seconds=version.timer / 2 + services.TIMER_GRACE_SECONDS + 1)
    assert post_answer(client, assessment.id, html, right_form(version)).status_code == 303
    assert stored_answer(db_session, assessment.id).result == "timedout"


def test_timed_question_answered_in_time_counts(client: FlaskClient, db_session: Session, demo_content: str,
                                                clock: Clock) -> None:
    user = log_in_student(client, db_session)
    version = find_version(db_session, demo_content, lambda v: bool(v.timer) and not v.focused)
    assessment = assessment_on(db_session, user, version, demo_content)
    html = open_question(client, assessment.id)
    clock.advance(seconds=version.timer - 1)
    post_answer(client, assessment.id, html, right_form(version))
    assert stored_answer(db_session, assessment.id).result == "ok"


def test_leaving_a_focused_question_is_recorded(client: FlaskClient, db_session: Session, demo_content: str,
                                                clock: Clock) -> None:
    user = log_in_student(client, db_session)
    version = find_version(db_session, demo_content, lambda v: v.focused and not v.timer)
    assessment = assessment_on(db_session, user, version, demo_content)
    html = open_question(client, assessment.id)
    assert re.search(r'<input type="hidden" name="focused_out" value="0"', html)
    assert "Restez sur cette page pendant l'épreuve" in html  # the visible notice
    assert 'id="focus-lost-notice" role="status"' in html and "/static/js/challenge.js" in html
    post_answer(client, assessment.id, html, {**right_form(version), "focused_out": "1"})
    assert stored_answer(db_session, assessment.id).result == "focusedOut"


def test_focus_flag_is_ignored_on_an_ordinary_question(client: FlaskClient, db_session: Session, demo_content: str,
                                                       clock: Clock) -> None:
    user = log_in_student(client, db_session)
    version = find_version(db_session, demo_content, lambda v: not v.focused and not v.timer and v.type == "QCU")
    assessment = assessment_on(db_session, user, version, demo_content)
    html = open_question(client, assessment.id)
    assert 'name="focused_out"' not in html and "challenge.js" not in html
    post_answer(client, assessment.id, html, {**right_form(version), "focused_out": "1"})
    assert stored_answer(db_session, assessment.id).result == "ok"


def _finish(client: FlaskClient, db_session: Session, assessment_id: int) -> None:
    """Answer wrong until the test ends, passing the checkpoints (a short test: everything fails quickly)."""
    for _ in range(80):
        response = client.get(f"/evaluations/{assessment_id}", follow_redirects=True)
        path, html = response.request.path, html_of(response)
        if path.endswith("/question"):
            version = current_version(db_session, assessment_id)
            html = open_question(client, assessment_id)
            post_answer(client, assessment_id, html, wrong_form(version))
        elif path.endswith("/point-etape"):
            client.post(path, data={"csrf_token": csrf_token_from(html)})
        else:
            assert path.endswith("/resultat"), path
            return
    raise AssertionError("the test did not end")


def test_retry_shows_its_date_until_day_4_and_reset_asks_for_confirmation_after_day_7(
        app: Flask, client: FlaskClient, db_session: Session, demo_content: str, clock: Clock) -> None:
    log_in_student(client, db_session)
    assessment_id = start(client, "4.1")
    _finish(client, db_session, assessment_id)
    completed_at = assessment_of(db_session, assessment_id).completed_at
    assert completed_at == clock.now
    with app.test_request_context():
        retry_date = format_date(completed_at + timedelta(days=4), format="long")
    profile = html_of(client.get("/profil"))
    assert f"Retenter le {retry_date}" in profile
    assert "/competences/4.1/remise-a-zero" not in profile
    token = csrf_token_from(profile)
    refused = client.post("/competences/4.1/evaluer", data={"csrf_token": token}, follow_redirects=True)
    assert f"Vous pourrez retenter cette compétence à partir du {retry_date}" in html_of(refused)

    clock.advance(days=4)
    profile = html_of(client.get("/profil"))
    assert re.search(r'action="/competences/4\.1/evaluer"[^<]*<input[^>]*>\s*<button[^>]*>Retenter<', profile)
    assert client.get("/competences/4.1/remise-a-zero").status_code == 303  # not yet: 7 days

    clock.advance(days=3)
    profile = html_of(client.get("/profil"))
    assert 'href="/competences/4.1/remise-a-zero"' in profile
    confirm = client.get("/competences/4.1/remise-a-zero")
    assert confirm.status_code == 200
    page = html_of(confirm)
    assert "Remettre à zéro la compétence" in page and "Oui, remettre à zéro" in page
    assert services.competence_state(db_session, assessment_of(db_session, assessment_id).user_id,
                                     "4.1").status == "completed"  # a GET changes nothing
    response = client.post("/competences/4.1/remise-a-zero", data={"csrf_token": csrf_token_from(page)},
                           follow_redirects=True)
    assert "a été remise à zéro" in html_of(response)
    user_id = assessment_of(db_session, assessment_id).user_id
    assert services.competence_state(db_session, user_id, "4.1").status == "not_started"
    assert re.search(r'action="/competences/4\.1/evaluer"[^<]*<input[^>]*>\s*<button[^>]*>Commencer<',
                     html_of(client.get("/profil")))
    # A retry creates a new test; the old one stays completed.
    new_id = start(client, "4.1")
    assert new_id != assessment_id and assessment_of(db_session, assessment_id).status is AssessmentStatus.COMPLETED


def test_mes_tutos_save_and_remove(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    user = log_in_student(client, db_session)
    empty = html_of(client.get("/mes-tutos"))
    assert "Vous n'avez pas encore enregistré de tutoriel." in empty
    tutorial = db_session.scalar(select(Tutorial).order_by(Tutorial.id).limit(1))
    assert tutorial is not None
    token = csrf_token_from(empty)
    back = "/profil#tuto"
    for _ in range(2):  # saving twice keeps one
        response = client.post(f"/mes-tutos/{tutorial.id}", data={"csrf_token": token, "next": back,
                                                                   "skill_id": "@x1"})
        assert response.status_code == 303 and response.headers["Location"] == back
    count = select(func.count()).select_from(SavedTutorial).where(SavedTutorial.user_id == user.id)
    assert db_session.scalar(count) == 1
    listing = html_of(client.get("/mes-tutos"))
    assert tutorial.title.replace("'", "&#39;") in listing and "Tutoriels enregistrés : 1" in listing
    assert f'action="/mes-tutos/{tutorial.id}/retirer"' in listing
    # An outside address is never followed.
    response = client.post(f"/mes-tutos/{tutorial.id}/retirer", data={"csrf_token": token,
                                                                       "next": "https://evil.example/"})
    assert response.status_code == 303 and response.headers["Location"] == "/mes-tutos"
    assert db_session.scalar(count) == 0
    assert "Vous n'avez pas encore enregistré de tutoriel." in html_of(client.get("/mes-tutos"))
    assert client.post("/mes-tutos/999999", data={"csrf_token": token}).status_code == 404
