"""Item calibration from stored answers (issue 4 §6): 2PL parameters estimated by the engine, written as a new parameter
version of the content pack.

A calibration is recorded as a new ``ContentRelease`` of the pack with the same content checksum (so ``content load`` of
unchanged content stays a no-op) and a ``summary["calibration"]`` report; the challenge versions get the estimated
parameters with ``irt_source = "calibrated"`` (the loader never overwrites those). Every worker's catalog cache is keyed
by release, so all of them pick the new parameters up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment.models import Answer, Assessment
from pix_lti.content.engine_bridge import latest_release
from pix_lti.content.models import Challenge, ChallengeVersion, ContentPack, ContentRelease
from pix_lti.engine.calibration import CalibrationResult, ResponseData, calibrate

# Answers that say nothing about the skill (the learner skipped, the timer ran out, focus was lost) are not responses.
_RESPONSE_RESULTS = ("ok", "ko", "partially")


@dataclass(frozen=True)
class CalibrationReport:
    release_id: int | None  # None for a dry run
    learners: int
    answers: int
    result: CalibrationResult

    def lines(self) -> list[str]:
        r = self.result
        misfit = r.misfitting()
        lines = [
            f"{self.answers} answers from {self.learners} learners; {len(r.items)} challenges calibrated, "
            f"{len(r.too_few)} with too few answers (left unchanged).",
            f"EM {'converged' if r.converged else 'did NOT converge'} in {r.iterations} iterations; "
            f"marginal log-likelihood {r.log_likelihood:.1f}.",
            f"Fit: {len(misfit)} challenges with RMSD > 0.1" + (f" ({', '.join(misfit[:10])}{'…' if len(misfit) > 10 else ''})" if misfit else "") + ".",
        ]
        if self.release_id is not None:
            lines.append(f"Parameters written as release #{self.release_id}.")
        else:
            lines.append("Dry run: nothing written.")
        return lines


def collect_responses(session: Session, pack_key: str) -> tuple[ResponseData, int]:
    """(learner, challenge, right) for every stored answer on the pack's challenges; one answer per learner and
    challenge (the first), since a second attempt after feedback is not the same item."""
    rows = session.execute(
        select(Assessment.user_id, Challenge.source_id, Answer.result)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .join(ChallengeVersion, Answer.challenge_version_id == ChallengeVersion.id)
        .join(Challenge, ChallengeVersion.challenge_id == Challenge.id)
        .join(ContentPack, Challenge.pack_id == ContentPack.id)
        .where(ContentPack.key == pack_key, Answer.result.in_(_RESPONSE_RESULTS))
        .order_by(Answer.id)
    )
    seen: set[tuple[int, str]] = set()
    records = []
    for user_id, challenge_id, result in rows:
        if (user_id, challenge_id) in seen:
            continue
        seen.add((user_id, challenge_id))
        records.append((user_id, challenge_id, result == "ok"))
    return ResponseData.from_records(records), len(records)


def calibrate_pack(session: Session, pack_key: str, *, min_answers: int = 30, dry_run: bool = False) -> CalibrationReport:
    data, n_answers = collect_responses(session, pack_key)
    result = calibrate(data, min_answers=min_answers)
    if dry_run or not result.items:
        return CalibrationReport(None, data.n_learners, n_answers, result)
    previous = latest_release(session, pack_key)
    report: dict[str, Any] = {
        "learners": data.n_learners, "answers": n_answers, "calibrated": len(result.items),
        "too_few": len(result.too_few), "converged": result.converged, "iterations": result.iterations,
        "log_likelihood": round(result.log_likelihood, 3), "misfitting": list(result.misfitting()),
        "based_on_release": previous.id,
    }
    release = ContentRelease(pack_id=previous.pack_id, version=previous.version, checksum=previous.checksum,
                             summary={"calibration": report})
    session.add(release)
    estimates = result.by_id()
    versions = session.execute(
        select(Challenge.source_id, ChallengeVersion)
        .join(ChallengeVersion, (ChallengeVersion.challenge_id == Challenge.id)
              & (ChallengeVersion.number == Challenge.current_version_number))
        .where(Challenge.pack_id == previous.pack_id, Challenge.source_id.in_(list(estimates)))
    )
    for source_id, version in versions:
        estimate = estimates[source_id]
        if not (math.isfinite(estimate.discrimination) and math.isfinite(estimate.difficulty)):
            continue
        version.irt_discrimination = float(estimate.discrimination)
        version.irt_difficulty = float(estimate.difficulty)
        version.irt_source = "calibrated"
    session.flush()
    return CalibrationReport(release.id, data.n_learners, n_answers, result)


@click.command("calibrate")
@click.option("--pack", "pack_key", default=None, help="Pack key (default: PIX_LTI_CONTENT_PACK).")
@click.option("--min-answers", default=30, show_default=True, help="Challenges with fewer answers are left unchanged.")
@click.option("--dry-run", is_flag=True, help="Estimate and report, write nothing.")
@with_appcontext
def calibrate_command(pack_key: str | None, min_answers: int, dry_run: bool) -> None:
    """Estimate 2PL parameters of the pack's challenges from stored answers and write them as a new parameter version."""
    key = pack_key or current_app.config["PIX_SETTINGS"].content_pack
    with current_app.extensions["pix_lti.db"].transaction() as session:
        report = calibrate_pack(session, key, min_answers=min_answers, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
