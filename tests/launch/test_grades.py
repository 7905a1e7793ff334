"""Grades back to the LMS (AGS) through the outbox, against the real platform: line item found or created, the score
as the platform receives it, token caching, a platform failing then recovering (no grade lost, none duplicated),
and the status teachers see, with "resend"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.identity.models import Organisation, User
from pix_lti.launch.claims import AGS_SCOPES
from pix_lti.launch.grades import competence_score, queue_campaign_grade, queue_competence_grade
from pix_lti.launch.models import GradeScale, LtiRegistration, LtiResourceLink, RegistrationStatus
from pix_lti.orga.models import Campaign, CampaignParticipation, CampaignType, ParticipationStatus
from pix_lti.outbox.models import OutboxMessage, OutboxStatus
from pix_lti.outbox.services import WorkReport, run_once
from tests.factories import make_organisation
from tests.helpers import csrf_token_from
from tests.launch.helpers import lti_user
from tests.launch.platform import INSTRUCTOR, FakePlatform, LaunchSpec, run_launch

pytestmark = pytest.mark.usefixtures("registration")
CODE = "NOTE12345"


@pytest.fixture
def campaign(db_session: Session, school: Organisation) -> Campaign:
    campaign = Campaign(organisation_id=school.id, type=CampaignType.PROFILES_COLLECTION, code=CODE, title="Bilan")
    db_session.add(campaign)
    db_session.flush()
    return campaign


def share(db: Session, campaign: Campaign, user: User, rate: float) -> CampaignParticipation:
    participation = CampaignParticipation(campaign_id=campaign.id, user_id=user.id, status=ParticipationStatus.SHARED,
                                          mastery_rate=rate, validated_skills=3, tested_skills=4, shared_at=utcnow())
    db.add(participation)
    db.flush()
    return participation


def learner(client: FlaskClient, db: Session, platform: FakePlatform, sub: str, **spec: object) -> User:
    run = run_launch(client, platform, LaunchSpec(user_id=sub, custom={"campaign_code": CODE}, **spec))  # type: ignore[arg-type]
    assert run.response.status_code == 303
    user = lti_user(db, platform.issuer, sub)
    assert user is not None
    return user


def work(app: Flask, now: Callable[[], datetime] = utcnow) -> WorkReport:
    with app.app_context():
        return run_once(app.extensions["pix_lti.db"], now=now)


def messages(db: Session) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_campaign_grade_creates_the_line_item_and_reaches_the_platform(
        app: Flask, client: FlaskClient, db_session: Session, platform: FakePlatform, campaign: Campaign) -> None:
    lea = learner(client, db_session, platform, "sub-lea")
    [message] = queue_campaign_grade(db_session, share(db_session, campaign, lea, 0.75))
    assert message.status is OutboxStatus.PENDING and message.payload["lti_user_id"] == "sub-lea"
    report = work(app)
    assert report.sent == [message.id]
    [item] = platform.lineitems.values()
    assert item["resourceId"] == f"campaign:{CODE}" and item["tag"] == f"campaign:{CODE}"
    assert item["scoreMaximum"] == 100 and item["resourceLinkId"] == "link-1"
    [(item_id, score)] = platform.scores
    assert item_id == item["id"]
    assert score["userId"] == "sub-lea" and score["scoreGiven"] == 75 and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", score["timestamp"])
    [token_request] = platform.token_requests
    # The AGS scopes the platform granted in the launch claim (lineitem implies lineitem.readonly there).
    granted = set(platform.issued[0]["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["scope"])
    assert set(token_request["scope"].split()) == granted and granted <= set(AGS_SCOPES) and len(granted) == 3
    db_session.expire_all()
    assert db_session.scalar(select(LtiResourceLink)).lineitem_url == item["id"]  # found next time without searching
    # A second learner: the same line item, and the cached token (no new token request).
    hugo = learner(client, db_session, platform, "sub-hugo")
    queue_campaign_grade(db_session, share(db_session, campaign, hugo, 0.5))
    assert len(work(app).sent) == 1
    assert len(platform.lineitems) == 1 and len(platform.scores) == 2 and len(platform.token_requests) == 1


def test_a_link_with_its_own_line_item_gets_the_score_there(app: Flask, client: FlaskClient, db_session: Session,
                                                            platform: FakePlatform, campaign: Campaign) -> None:
    lea = learner(client, db_session, platform, "sub-lea", lineitem_url=True)
    queue_campaign_grade(db_session, share(db_session, campaign, lea, 1.0))
    work(app)
    [(item_id, score)] = platform.scores
    assert item_id.endswith("/lineitems/li-link-1") and score["scoreGiven"] == 100
    assert len(platform.lineitems) == 1  # nothing created


def test_a_failing_platform_loses_no_grade_and_gets_no_duplicate(app: Flask, client: FlaskClient,
                                                                 db_session: Session, platform: FakePlatform,
                                                                 campaign: Campaign) -> None:
    lea = learner(client, db_session, platform, "sub-lea", lineitem_url=True)
    queue_campaign_grade(db_session, share(db_session, campaign, lea, 0.6))
    platform.score_failures = 3
    clock = [utcnow()]
    delays = []
    for attempt in range(1, 4):
        report = work(app, lambda: clock[0])
        [message] = messages(db_session)
        assert report.retried == [message.id] and message.status is OutboxStatus.PENDING
        assert message.attempts == attempt and "503" in message.last_error
        delays.append(message.next_attempt_at - clock[0])
        assert work(app, lambda: clock[0]).processed == 0  # not due before its backoff
        clock[0] = message.next_attempt_at + timedelta(seconds=1)
    assert delays[0] < delays[1] < delays[2]  # exponential backoff
    assert work(app, lambda: clock[0]).sent
    [message] = messages(db_session)
    assert message.status is OutboxStatus.SENT and message.attempts == 4 and message.last_error == ""
    assert platform.score_attempts == 4 and len(platform.scores) == 1  # received once, after three failures
    # Delivered again (a crash after sending, or "resend"): the same timestamp, so the platform keeps one score.
    from pix_lti.outbox.services import resend

    resend(db_session, db_session.get(OutboxMessage, message.id))
    assert work(app).sent
    assert len(platform.scores) == 1 and messages(db_session)[0].result["status"] == 409


def test_queueing_is_idempotent_and_needs_an_lms_link(app: Flask, client: FlaskClient, db_session: Session,
                                                      platform: FakePlatform, campaign: Campaign) -> None:
    lea = learner(client, db_session, platform, "sub-lea")
    participation = share(db_session, campaign, lea, 0.5)
    first = queue_campaign_grade(db_session, participation)
    second = queue_campaign_grade(db_session, participation)
    assert [m.id for m in first] == [m.id for m in second] and len(messages(db_session)) == 1
    from tests.factories import make_user

    outsider = make_user(db_session)  # never came from the LMS
    assert queue_campaign_grade(db_session, share(db_session, campaign, outsider, 0.9)) == []
    hugo = learner(client, db_session, platform, "sub-hugo")
    started = CampaignParticipation(campaign_id=campaign.id, user_id=hugo.id, status=ParticipationStatus.STARTED)
    db_session.add(started)
    db_session.flush()
    assert queue_campaign_grade(db_session, started) == []


def test_results_shared_before_the_first_launch_are_sent_at_that_launch(
        app: Flask, client: FlaskClient, db_session: Session, platform: FakePlatform, campaign: Campaign) -> None:
    from pix_lti.identity.models import IdentityKind
    from pix_lti.identity.services import provision_person

    person = provision_person(db_session, kind=IdentityKind.LTI, issuer=platform.issuer, subject="sub-early")
    share(db_session, campaign, person, 0.8)
    learner(client, db_session, platform, "sub-early")
    [message] = messages(db_session)
    assert message.payload["score_given"] == 80 and message.payload["user_id"] == person.id


def test_competence_grades_follow_the_registration_scale(app: Flask, client: FlaskClient, db_session: Session,
                                                         platform: FakePlatform,
                                                         registration: LtiRegistration) -> None:
    run_launch(client, platform, LaunchSpec(user_id="sub-c", custom={"competence": "1.1"}))
    user = lti_user(db_session, platform.issuer, "sub-c")
    [mastery] = queue_competence_grade(db_session, user.id, "1.1", pix=24, level=3, max_level=6, event_id="a1")
    assert (mastery.payload["score_given"], mastery.payload["score_maximum"]) == (50.0, 100.0)
    registration.grade_scale = GradeScale.PIX
    db_session.flush()
    [pix] = queue_competence_grade(db_session, user.id, "1.1", pix=24, level=3, max_level=6, event_id="a2")
    assert (pix.payload["score_given"], pix.payload["score_maximum"]) == (24, 48.0)
    assert competence_score(GradeScale.LEVEL, pix=24, level=3, max_level=6) == (3.0, 6.0)
    assert queue_competence_grade(db_session, user.id, "2.1", pix=8, level=1, max_level=6, event_id="a3") == []
    assert len(work(app).sent) == 2 and len(platform.scores) == 2


def test_teachers_see_the_sync_status_and_can_resend(app: Flask, client: FlaskClient, db_session: Session,
                                                     platform: FakePlatform, campaign: Campaign) -> None:
    lea = learner(client, db_session, platform, "sub-lea", given_name="Léa", family_name="Martin")
    queue_campaign_grade(db_session, share(db_session, campaign, lea, 0.75))
    platform.score_failures = 100
    with app.app_context():
        db = app.extensions["pix_lti.db"]
        with db.transaction() as session:  # nearly out of attempts
            session.scalar(select(OutboxMessage)).max_attempts = 1
    work(app)
    [message] = messages(db_session)
    assert message.status is OutboxStatus.FAILED

    teacher = app.test_client()
    run_launch(teacher, platform, LaunchSpec(user_id="prof", roles=[INSTRUCTOR]))
    page = teacher.get("/lti/enseignant").get_data(as_text=True)
    assert "Léa Martin" in page and "échec" in page and "75 / 100" in page and "503" in page
    platform.score_failures = 0
    resent = teacher.post(f"/lti/enseignant/notes/{message.id}/renvoyer", data={"csrf_token": csrf_token_from(page)})
    assert resent.status_code == 303
    assert messages(db_session)[0].status is OutboxStatus.PENDING
    assert work(app).sent and "envoyée" in teacher.get("/lti/enseignant").get_data(as_text=True)
    # A teacher of another school cannot touch it; a learner neither.
    other_school = make_organisation(db_session)
    from tests.factories import make_member
    from pix_lti.identity.models import MembershipRole
    from tests.helpers import login

    make_member(db_session, other_school, MembershipRole.MEMBER, username="prof.ailleurs")
    outsider = app.test_client()
    login(outsider, "prof.ailleurs", "correct-horse-battery")
    token = csrf_token_from(outsider.get("/lti/enseignant").get_data(as_text=True))
    assert outsider.post(f"/lti/enseignant/notes/{message.id}/renvoyer", data={"csrf_token": token}).status_code == 404
    assert client.get("/lti/enseignant").status_code == 403  # the learner's browser


def test_a_disabled_platform_gets_no_more_grades(app: Flask, client: FlaskClient, db_session: Session,
                                                 platform: FakePlatform, campaign: Campaign,
                                                 registration: LtiRegistration) -> None:
    lea = learner(client, db_session, platform, "sub-lea")
    queue_campaign_grade(db_session, share(db_session, campaign, lea, 0.75))
    registration.status = RegistrationStatus.DISABLED
    db_session.flush()
    assert work(app).failed
    [message] = messages(db_session)
    assert message.status is OutboxStatus.FAILED and "disabled" in message.last_error and not platform.scores


def test_a_completed_competence_test_queues_its_result(client: FlaskClient, db_session: Session,
                                                       platform: FakePlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    from pix_lti.assessment import services as assessment_services
    from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType
    from pix_lti.engine.types import CompetenceScore, ProfileScore
    from pix_lti.launch.grades import queue_assessment_grade

    run_launch(client, platform, LaunchSpec(user_id="sub-t", custom={"competence": "3.4"}))
    user = lti_user(db_session, platform.issuer, "sub-t")
    assessment = Assessment(user_id=user.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key="crcn-demo",
                            competence_code="3.4", selector="smart_random", seed=1, status=AssessmentStatus.STARTED)
    db_session.add(assessment)
    db_session.flush()
    score = ProfileScore(competences=(CompetenceScore("3.4", 20, 20, 2, 4),), total_pix=20)
    monkeypatch.setattr(assessment_services, "profile_score", lambda *args, **kwargs: score)
    assert queue_assessment_grade(db_session, assessment, catalog=None, max_level=6) == []  # not finished yet
    assessment.status, assessment.completed_at = AssessmentStatus.COMPLETED, utcnow()
    [message] = queue_assessment_grade(db_session, assessment, catalog=None, max_level=6)
    assert message.payload["score_given"] == round(20 / 48 * 100, 2) and message.payload["lti_user_id"] == "sub-t"
    assert queue_assessment_grade(db_session, assessment, catalog=None, max_level=6)[0].id == message.id  # idempotent
