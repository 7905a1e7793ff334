"""Grades are queued by the domain events, in the transaction that finishes the activity (no direct call needed)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from pix_lti.assessment import services
from pix_lti.assessment.models import AssessmentStatus
from pix_lti.content.models import ChallengeVersion
from pix_lti.outbox.models import OutboxMessage
from tests.assessment.answers import wrong_form
from tests.launch.helpers import lti_user
from tests.launch.platform import FakePlatform, LaunchSpec, run_launch

pytestmark = pytest.mark.usefixtures("registration")


def test_finishing_a_competence_test_queues_the_grade(client: FlaskClient, db_session: Session,
                                                      platform: FakePlatform, demo_content: str) -> None:
    run_launch(client, platform, LaunchSpec(user_id="sub-event", custom={"competence": "5.2"}))
    user = lti_user(db_session, platform.issuer, "sub-event")
    assert user is not None
    assessment = services.start_competence_evaluation(db_session, user, "5.2", pack_key=demo_content, max_level=6)
    assert not list(db_session.scalars(select(OutboxMessage)))
    while assessment.status is AssessmentStatus.STARTED:
        version = db_session.get(ChallengeVersion, assessment.current_challenge_version_id)
        services.submit_answer(db_session, assessment, challenge_id=assessment.current_challenge_id,
                               form=MultiDict(wrong_form(version)), skipped=False, focused_out=False, locale="fr",
                               max_level=6)
    [message] = db_session.scalars(select(OutboxMessage)).all()
    assert message.payload["lti_user_id"] == "sub-event" and message.payload["score_given"] == 0
