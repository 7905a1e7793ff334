"""Taking a competence test through the services, on the real demo bank and the real engine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from pix_lti.assessment import services
from pix_lti.assessment.models import Answer, AssessmentStatus
from pix_lti.content.models import ChallengeVersion
from pix_lti.db import utcnow
from tests.assessment.answers import right_form, wrong_form
from tests.factories import make_user


def answer_current(session: Session, assessment, *, right: bool, now=None):  # noqa: ANN001, ANN201
    version = session.get(ChallengeVersion, assessment.current_challenge_version_id)
    form = right_form(version) if right else wrong_form(version)
    return services.submit_answer(session, assessment, challenge_id=assessment.current_challenge_id,
                                  form=MultiDict(form), skipped=False, focused_out=False, locale="fr",
                                  max_level=6, now=now)


def test_all_right_reaches_the_top_level(db_session: Session, demo_content: str) -> None:
    user = make_user(db_session)
    assessment = services.start_competence_evaluation(db_session, user, "1.1", pack_key=demo_content, max_level=6)
    assert assessment.current_challenge_id is not None
    for _ in range(60):
        if assessment.status is AssessmentStatus.COMPLETED:
            break
        outcome = answer_current(db_session, assessment, right=True)
        assert outcome.answer.result == "ok", (outcome.answer.challenge_id, outcome.answer.value)
    assert assessment.status is AssessmentStatus.COMPLETED
    catalog = services.catalogs.full_catalog(db_session, demo_content)
    score = services.profile_score(db_session, user.id, catalog, 6).by_competence()["1.1"]
    assert score.level >= 5 and score.pix >= 40
    assert 1 <= assessment.answer_count <= 30


def test_all_wrong_stays_at_level_zero(db_session: Session, demo_content: str) -> None:
    user = make_user(db_session)
    assessment = services.start_competence_evaluation(db_session, user, "4.1", pack_key=demo_content, max_level=6)
    while assessment.status is AssessmentStatus.STARTED:
        assert answer_current(db_session, assessment, right=False).answer.result != "ok"
    catalog = services.catalogs.full_catalog(db_session, demo_content)
    assert services.profile_score(db_session, user.id, catalog, 6).by_competence()["4.1"].pix == 0


def test_same_answer_twice_is_stored_once(db_session: Session, demo_content: str) -> None:
    user = make_user(db_session)
    assessment = services.start_competence_evaluation(db_session, user, "2.1", pack_key=demo_content, max_level=6)
    challenge_id = assessment.current_challenge_id
    version = db_session.get(ChallengeVersion, assessment.current_challenge_version_id)
    first = services.submit_answer(db_session, assessment, challenge_id=challenge_id, form=MultiDict(right_form(version)),
                                   skipped=False, focused_out=False, locale="fr", max_level=6)
    again = services.submit_answer(db_session, assessment, challenge_id=challenge_id, form=MultiDict(wrong_form(version)),
                                   skipped=False, focused_out=False, locale="fr", max_level=6)
    assert again.duplicate and again.answer.id == first.answer.id and again.answer.result == "ok"
    assert db_session.scalar(select(func.count()).select_from(Answer).where(Answer.assessment_id == assessment.id)) == 1


def test_answering_another_challenge_is_a_conflict(db_session: Session, demo_content: str) -> None:
    user = make_user(db_session)
    assessment = services.start_competence_evaluation(db_session, user, "2.1", pack_key=demo_content, max_level=6)
    with pytest.raises(services.NotCurrentChallenge):
        services.submit_answer(db_session, assessment, challenge_id="c11-not-current", form=MultiDict(),
                               skipped=True, focused_out=False, locale="fr", max_level=6)


def test_resume_returns_the_started_assessment(db_session: Session, demo_content: str) -> None:
    user = make_user(db_session)
    first = services.start_competence_evaluation(db_session, user, "3.4", pack_key=demo_content, max_level=6)
    again = services.start_competence_evaluation(db_session, user, "3.4", pack_key=demo_content, max_level=6)
    assert again.id == first.id and again.current_challenge_id == first.current_challenge_id


def test_retry_only_after_four_days_then_reset_after_seven(db_session: Session, demo_content: str) -> None:
    user = make_user(db_session)
    start = utcnow() - timedelta(days=10)
    assessment = services.start_competence_evaluation(db_session, user, "5.2", pack_key=demo_content, max_level=6,
                                                      now=start)
    while assessment.status is AssessmentStatus.STARTED:
        answer_current(db_session, assessment, right=False, now=start)
    with pytest.raises(services.NotYetImprovable) as too_early:
        services.start_competence_evaluation(db_session, user, "5.2", pack_key=demo_content, max_level=6,
                                             now=start + timedelta(days=3))
    assert too_early.value.available_at == start + timedelta(days=4)
    retry = services.start_competence_evaluation(db_session, user, "5.2", pack_key=demo_content, max_level=6,
                                                 now=start + timedelta(days=4))
    assert retry.id != assessment.id and retry.improving_since is not None
    services.reset_competence(db_session, user, "5.2", now=start + timedelta(days=12))
    assert services.competence_state(db_session, user.id, "5.2").status == "not_started"
    assert services.current_knowledge(db_session, user.id, "5.2") == {}


def test_progress_after_an_answer_is_in_the_database_and_nothing_is_left_pending(db_session: Session,
                                                                                 demo_content: str) -> None:
    """The assessment's progress goes out in one Core UPDATE: the row has it, the object has no pending change left
    (the unit of work must not write it again) and a fresh read gives the same values."""
    from sqlalchemy import event
    from sqlalchemy import inspect as sa_inspect

    from pix_lti.assessment.models import Assessment

    user = make_user(db_session)
    assessment = services.start_competence_evaluation(db_session, user, "1.2", pack_key=demo_content, max_level=6)
    first = assessment.current_challenge_id
    answer_current(db_session, assessment, right=True)
    assert assessment.status is AssessmentStatus.STARTED and assessment.answer_count == 1
    assert assessment.current_challenge_id not in (None, first) and assessment.current_challenge_shown_at is None
    state = sa_inspect(assessment)
    assert not any(state.attrs[key].history.has_changes() for key in services._PROGRESS_KEYS)
    written: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001, ANN002, ANN202
        written.append(statement)

    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        db_session.flush()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert not [s for s in written if s.lstrip().upper().startswith("UPDATE ASSESSMENTS")]
    row = db_session.execute(select(Assessment.__table__).where(Assessment.__table__.c.id == assessment.id)).one()
    assert (row.answer_count, row.current_challenge_id, row.current_challenge_version_id) == (
        1, assessment.current_challenge_id, assessment.current_challenge_version_id)
    assert row.current_challenge_shown_at is None and row.updated_at == assessment.updated_at
    db_session.expire(assessment)
    assert assessment.answer_count == 1 and assessment.current_challenge_id == row.current_challenge_id
