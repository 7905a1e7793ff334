"""`pix-lti content calibrate`: 2PL parameters recovered from stored answers and written as a new parameter version."""

from __future__ import annotations

import numpy as np
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.assessment.calibration import calibrate_pack
from pix_lti.assessment.models import Answer, Assessment, AssessmentType
from pix_lti.content import engine_bridge
from pix_lti.content.models import Challenge, ChallengeVersion, ContentPack, ContentRelease
from pix_lti.identity.models import User

N_LEARNERS = 500
N_ITEMS = 12


def _simulate(session: Session, pack_key: str) -> dict[str, tuple[float, float]]:
    """Store answers of N_LEARNERS simulated learners (θ ~ N(0, 1)) to N_ITEMS challenges with known (a, b)."""
    rng = np.random.default_rng(7)
    versions = session.execute(
        select(Challenge.source_id, ChallengeVersion.id)
        .join(ChallengeVersion, (ChallengeVersion.challenge_id == Challenge.id)
              & (ChallengeVersion.number == Challenge.current_version_number))
        .join(ContentPack, Challenge.pack_id == ContentPack.id)
        .where(ContentPack.key == pack_key).order_by(Challenge.source_id).limit(N_ITEMS)).all()
    truth = {sid: (float(rng.uniform(0.8, 2.2)), float(rng.uniform(-1.8, 1.8))) for sid, _ in versions}
    users = [User(first_name="Sim", last_name=str(i)) for i in range(N_LEARNERS)]
    session.add_all(users)
    session.flush()
    assessments = [Assessment(user_id=u.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key=pack_key,
                              competence_code="1.1", selector="bayesian", seed=1) for u in users]
    session.add_all(assessments)
    session.flush()
    theta = rng.normal(size=N_LEARNERS)
    answers = []
    for learner, assessment in enumerate(assessments):
        for sid, version_id in versions:
            a, b = truth[sid]
            right = rng.random() < 1 / (1 + np.exp(-a * (theta[learner] - b)))
            answers.append(Answer(assessment_id=assessment.id, challenge_id=sid, challenge_version_id=version_id,
                                  value="x", result="ok" if right else "ko", locale="fr"))
    session.add_all(answers)
    session.flush()
    return truth


def test_calibration_recovers_and_writes_parameters(db_session: Session, demo_content: str) -> None:
    truth = _simulate(db_session, demo_content)
    releases_before = db_session.scalar(select(func.count()).select_from(ContentRelease))
    dry = calibrate_pack(db_session, demo_content, dry_run=True)
    assert dry.release_id is None and db_session.scalar(select(func.count()).select_from(ContentRelease)) == releases_before

    report = calibrate_pack(db_session, demo_content, min_answers=30)
    assert report.learners == N_LEARNERS and report.answers == N_LEARNERS * N_ITEMS and report.result.converged
    estimates = report.result.by_id()
    ids = sorted(truth)
    true_b = [truth[i][1] for i in ids]
    est_b = [estimates[i].difficulty for i in ids]
    assert np.corrcoef(true_b, est_b)[0, 1] >= 0.9

    release = db_session.get(ContentRelease, report.release_id)
    assert release is not None and release.summary["calibration"]["calibrated"] == N_ITEMS
    written = dict(db_session.execute(
        select(Challenge.source_id, ChallengeVersion.irt_difficulty)
        .join(ChallengeVersion, (ChallengeVersion.challenge_id == Challenge.id)
              & (ChallengeVersion.number == Challenge.current_version_number))
        .where(Challenge.source_id.in_(ids), ChallengeVersion.irt_source == "calibrated")).all())
    assert written == {i: estimates[i].difficulty for i in ids}
    # The engine catalog is rebuilt for the new parameter version.
    catalog = engine_bridge.get_catalog(db_session, demo_content)
    assert catalog.version.endswith(f"@{report.release_id}")


def test_calibrate_command_reports(app: Flask, runner: FlaskCliRunner, demo_content: str) -> None:
    result = runner.invoke(args=["content", "calibrate", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing written." in result.output
