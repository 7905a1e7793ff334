"""Certification outcome (issue 9 §8) delivered to the platform: on publication, a student who came through LTI gets
one score per course on the tool's own "Certification Pix" line item (created once), never on the launched link's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti import events
from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType
from pix_lti.certif.models import (
    CandidateStatus,
    CertificationCandidate,
    CertificationCentre,
    CertificationCourse,
    CertificationMode,
    CertificationResult,
    CertificationSession,
    ResultStatus,
    SessionStatus,
)
from pix_lti.db import utcnow
from pix_lti.identity.models import Organisation, User
from pix_lti.outbox.services import run_once
from tests.launch.helpers import lti_user
from tests.launch.platform import FakePlatform, LaunchSpec, run_launch

pytestmark = pytest.mark.usefixtures("registration")


def published_result(db: Session, school: Organisation, user: User, status: ResultStatus,
                     pix: int) -> CertificationResult:
    now = utcnow()
    centre = CertificationCentre(organisation_id=school.id)
    db.add(centre)
    db.flush()
    cs = CertificationSession(centre_id=centre.id, starts_at=now - timedelta(days=3), access_code="KRTV47",
                              invigilator_password_hash="x", status=SessionStatus.PUBLISHED, published_at=now)
    db.add(cs)
    db.flush()
    candidate = CertificationCandidate(session_id=cs.id, user_id=user.id, first_name="Léa", last_name="Martin",
                                       birth_date=date(2011, 5, 4), status=CandidateStatus.FINISHED)
    assessment = Assessment(user_id=user.id, type=AssessmentType.CERTIFICATION, pack_key="crcn-demo",
                            selector="flash", seed=1, status=AssessmentStatus.COMPLETED)
    db.add_all([candidate, assessment])
    db.flush()
    course = CertificationCourse(candidate_id=candidate.id, user_id=user.id, assessment_id=assessment.id,
                                 mode=CertificationMode.V3, end_reason="finished")
    db.add(course)
    db.flush()
    result = CertificationResult(course_id=course.id, status=status, pix_score=pix, published_at=now,
                                 verification_code="P-7KXM3RQA" if status is ResultStatus.VALIDATED else None,
                                 reasons=[] if status is ResultStatus.VALIDATED else ["low_reproducibility"])
    db.add(result)
    db.flush()
    events.certification_published.send(db, certification_session=cs, results=[result])
    return result


def test_the_certification_score_goes_to_its_own_line_item(app: Flask, client: FlaskClient, db_session: Session,
                                                           platform: FakePlatform, school: Organisation) -> None:
    # Two links of one course launched (one with a line item of its own): one certification score for the course.
    # (The fake platform's line-item container is not scoped by course, so one course here; the queueing per course
    # is tested in tests/certif.)
    run_launch(client, platform, LaunchSpec(user_id="sub-lea", lineitem_url=True))
    run_launch(client, platform, LaunchSpec(user_id="sub-lea", resource_link_id="link-2"))
    lea = lti_user(db_session, platform.issuer, "sub-lea")
    assert lea is not None
    published_result(db_session, school, lea, ResultStatus.VALIDATED, 412)
    with app.app_context():
        report = run_once(app.extensions["pix_lti.db"], now=utcnow)
    assert len(report.sent) == 1
    [item] = [i for i in platform.lineitems.values() if i.get("resourceId") == "pix-certification"]
    assert item["label"] == "Certification Pix" and item["scoreMaximum"] == 1024 and item["tag"] == "pix-certification"
    [(item_id, score)] = platform.scores  # nothing on the launched link's own line item
    assert item_id == item["id"] and not item_id.endswith("li-link-1")
    assert score["scoreGiven"] == 412 and score["scoreMaximum"] == 1024 and score["userId"] == "sub-lea"
    assert "P-7KXM3RQA" in score["comment"]


def test_a_rejected_certification_sends_zero_and_a_cancelled_one_nothing(
        app: Flask, client: FlaskClient, db_session: Session, platform: FakePlatform, school: Organisation) -> None:
    run_launch(client, platform, LaunchSpec(user_id="sub-hugo"))
    hugo = lti_user(db_session, platform.issuer, "sub-hugo")
    assert hugo is not None
    published_result(db_session, school, hugo, ResultStatus.REJECTED, 0)
    with app.app_context():
        run_once(app.extensions["pix_lti.db"], now=utcnow)
    [(_, score)] = platform.scores
    assert score["scoreGiven"] == 0 and "non validée" in score["comment"]
