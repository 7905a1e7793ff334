"""Double clicks and network retries: identical answers sent at the same time are stored once and get the same result.

Real concurrent transactions (two threads, two connections, committed data), on SQLite and on PostgreSQL (where the
assessment row lock makes the second request wait for the first)."""

from __future__ import annotations

import threading

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker
from werkzeug.datastructures import MultiDict

from pix_lti.assessment import services
from pix_lti.assessment.models import Answer
from pix_lti.content.models import ChallengeVersion
from pix_lti.db import Database
from pix_lti.identity.models import User
from tests.assessment.answers import right_form
from tests.factories import make_user


def test_simultaneous_identical_answers_are_stored_once(database: Database, demo_content: str) -> None:
    Session = sessionmaker(bind=database.engine, expire_on_commit=False)
    with Session() as session:
        user = make_user(session)
        assessment = services.start_competence_evaluation(session, user, "1.2", pack_key=demo_content, max_level=6)
        version = session.get(ChallengeVersion, assessment.current_challenge_version_id)
        form = right_form(version)
        assessment_id, user_id, challenge_id = assessment.id, user.id, assessment.current_challenge_id
        session.commit()

    try:
        for _round in range(3):
            barrier = threading.Barrier(2)
            outcomes: list[object] = []

            def submit() -> None:
                with Session() as session:
                    try:
                        barrier.wait(timeout=10)
                        locked = services.lock_assessment(session, assessment_id, user_id)
                        assert locked is not None
                        outcome = services.submit_answer(session, locked, challenge_id=challenge_id,
                                                         form=MultiDict(form), skipped=False, focused_out=False,
                                                         locale="fr", max_level=6)
                        session.commit()
                        outcomes.append((outcome.answer.id, outcome.answer.result, outcome.duplicate))
                    except Exception as exc:  # reported below, with the other thread's outcome
                        session.rollback()
                        outcomes.append(exc)

            threads = [threading.Thread(target=submit) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert all(isinstance(o, tuple) for o in outcomes), outcomes
            ids = {o[0] for o in outcomes}  # type: ignore[index]
            assert len(ids) == 1, outcomes
            assert sorted(o[2] for o in outcomes) == [False, True], outcomes  # type: ignore[index]
            with Session() as session:
                stored = session.scalar(select(func.count()).select_from(Answer).where(
                    Answer.assessment_id == assessment_id, Answer.challenge_id == challenge_id))
                assert stored == 1
                current = services.lock_assessment(session, assessment_id, user_id)
                assert current is not None
                if current.current_challenge_id is None:
                    break
                challenge_id = current.current_challenge_id
                form = right_form(session.get(ChallengeVersion, current.current_challenge_version_id))
                session.commit()
    finally:
        with Session() as session:
            session.execute(delete(User).where(User.id == user_id))
            session.commit()
