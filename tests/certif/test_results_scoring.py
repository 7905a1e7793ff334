"""Scoring a finalised session, the jury's actions and the publication (services), with the demo pack."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment import catalogs
from pix_lti.certif import jury, scoring
from pix_lti.certif.models import (
    CertificationMode,
    IncidentCategory,
    ResultStatus,
    SessionStatus,
)
from pix_lti.engine.certification import MIN_V3_ANSWERS, plan_v2
from pix_lti.outbox.models import OutboxMessage
from tests.certif.results_support import (
    add_candidate,
    incident,
    make_session,
    make_world,
    take_test,
    validate_skills,
)


def answers_for(db: Session, pack: str, n: int, *, right_every: int = 1) -> list[tuple[str, str]]:
    """``n`` answers on challenges of distinct tubes, round-robin over the competences (like flash)."""
    catalog = catalogs.full_catalog(db, pack)
    by_comp: dict[int, list[int]] = {}
    for ci in catalog.playable_challenges.tolist():
        by_comp.setdefault(int(catalog.ch_competence[ci]), []).append(ci)
    chosen, used_tubes, k = [], set(), 0
    while len(chosen) < n:
        comp = k % len(by_comp)
        for ci in by_comp[comp]:
            if int(catalog.ch_tube[ci]) not in used_tubes:
                used_tubes.add(int(catalog.ch_tube[ci]))
                chosen.append(catalog.challenges[ci].id)
                break
        k += 1
    return [(cid, "ok" if i % right_every == 0 else "ko") for i, cid in enumerate(chosen)]


def test_session_scoring_is_pending_jury_idempotent_and_applies_incidents(db_session: Session,
                                                                         demo_content: str) -> None:
    world = make_world(db_session)
    s = make_session(db_session, world)
    good = add_candidate(db_session, world, s, first_name="Léa", last_name="Martin")
    short = add_candidate(db_session, world, s, first_name="Hugo", last_name="Bernard")
    cheat = add_candidate(db_session, world, s, first_name="Inès", last_name="Petit")
    absent = add_candidate(db_session, world, s, first_name="Tom", last_name="Absent")
    answers = answers_for(db_session, demo_content, 32)
    take_test(db_session, good, demo_content, answers)
    take_test(db_session, short, demo_content, answers[:MIN_V3_ANSWERS], end_reason="ended_by_invigilator")
    take_test(db_session, cheat, demo_content, answers)
    incident(db_session, short, IncidentCategory.TECHNICAL, answers[0][0])  # one question: neutralised
    incident(db_session, cheat, IncidentCategory.FRAUD)

    results = scoring.score_session(db_session, s)
    assert len(results) == 3 and absent.course is None
    assert {r.status for r in results} == {ResultStatus.PENDING_JURY}
    by_name = {r.course.candidate.first_name: r for r in results}
    assert by_name["Léa"].reasons == [] and by_name["Léa"].pix_score > 0
    assert len(by_name["Léa"].competence_levels) == 16
    # 20 answers, one neutralised by the technical incident, ended by the invigilator: 19 count → rejected.
    assert by_name["Hugo"].reasons == ["too_few_answers"]
    assert by_name["Hugo"].neutralised_challenge_ids == [answers[0][0]]
    assert by_name["Inès"].reasons == ["fraud"] and by_name["Inès"].pix_score == by_name["Léa"].pix_score
    assert scoring.proposed_status(by_name["Inès"]) is ResultStatus.REJECTED
    # Idempotent: the same rows, the same values.
    ids = sorted(r.id for r in results)
    again = scoring.score_session(db_session, s)
    assert sorted(r.id for r in again) == ids
    assert {r.course.candidate.first_name: r.pix_score for r in again}["Léa"] == by_name["Léa"].pix_score


def test_v2_is_scored_against_the_profile_at_the_start(db_session: Session, demo_content: str) -> None:
    import numpy as np

    world = make_world(db_session)
    s = make_session(db_session, world)
    candidate = add_candidate(db_session, world, s)
    catalog = catalogs.full_catalog(db_session, demo_content)
    # A profile: the level-1 and level-2 skills of the first 6 competences validated one day before the test.
    skills = [sid for code in catalog.competences[:6] for sid, lvl in
              zip(catalog.slice(code).skill_ids, catalog.slice(code).level.tolist()) if lvl <= 2]
    started = datetime(2026, 3, 12, 9, 0, tzinfo=timezone.utc)
    course = take_test(db_session, candidate, demo_content, [], mode=CertificationMode.V2, started_at=started)
    validate_skills(db_session, candidate.user, demo_content, skills, catalog, started - timedelta(days=1))
    from pix_lti.certif.scoring import profile_at_start

    knowledge = profile_at_start(db_session, course)
    plan = plan_v2(catalog, knowledge, (), np.random.default_rng(1))
    assert {p.competence for p in plan} == set(catalog.competences[:6]) and len(plan) == 18
    course.planned_challenges = [p.as_dict() for p in plan]
    # Every answer right but one competence's three: 15/18 = 83 % → five competences kept, one not certified.
    wrong_comp = plan[0].competence
    from tests.certif.results_support import Answer, engine_bridge

    for p in plan:
        db_session.add(Answer(assessment_id=course.assessment_id, challenge_id=p.challenge_id, value="x", locale="fr",
                              result="ko" if p.competence == wrong_comp else "ok",
                              challenge_version_id=engine_bridge.current_version(db_session, demo_content,
                                                                                 p.challenge_id).id))
    db_session.flush()
    db_session.refresh(course.assessment)
    # Training after the test does not change the profile it is judged against.
    validate_skills(db_session, candidate.user, demo_content, [catalog.slice(catalog.competences[7]).skill_ids[0]],
                    catalog, started + timedelta(hours=2))
    [result] = scoring.score_session(db_session, s)
    assert result.reproducibility_rate == pytest.approx(15 / 18)
    assert result.competence_levels[wrong_comp] == -1
    assert all(result.competence_levels[c] == 2 for c in catalog.competences[:6] if c != wrong_comp)
    assert result.competence_levels[catalog.competences[7]] == -1 and result.reasons == []
    assert result.pix_score == 5 * 16


def test_jury_actions_and_publication(db_session: Session, demo_content: str) -> None:
    world = make_world(db_session)
    s = make_session(db_session, world)
    names = ["Léa", "Hugo", "Inès", "Tom"]
    candidates = [add_candidate(db_session, world, s, first_name=n) for n in names]
    answers = answers_for(db_session, demo_content, 32, right_every=2)
    for c in candidates:
        take_test(db_session, c, demo_content, answers)
    results = {r.course.candidate.first_name: r for r in scoring.score_session(db_session, s)}
    before = results["Léa"].pix_score
    wrong = next(cid for cid, res in answers if res == "ko")
    jury.neutralise(db_session, results["Léa"], wrong, world.jury, "écran noir")
    assert results["Léa"].neutralised_challenge_ids == [wrong] and results["Léa"].pix_score >= before
    with pytest.raises(jury.JuryError):
        jury.neutralise(db_session, results["Léa"], "not-answered", world.jury)
    jury.reject(db_session, results["Hugo"], world.jury, "comportement")
    jury.cancel(db_session, results["Inès"], world.jury, "inscrite par erreur")
    jury.reject(db_session, results["Tom"], world.jury)
    jury.reopen(db_session, results["Tom"], world.jury)
    assert results["Tom"].status is ResultStatus.PENDING_JURY and results["Tom"].reasons == []
    jury.comment(db_session, results["Tom"], world.jury, "RAS")

    published = jury.publish(db_session, s, world.jury, now=datetime(2026, 3, 20, 10, 0, tzinfo=timezone.utc), rng=random.Random(4))
    assert s.status is SessionStatus.PUBLISHED and len(published) == 4
    status = {r.course.candidate.first_name: r.status for r in published}
    assert status == {"Léa": ResultStatus.VALIDATED, "Hugo": ResultStatus.REJECTED, "Inès": ResultStatus.CANCELLED,
                      "Tom": ResultStatus.VALIDATED}
    codes_ = [r.verification_code for r in published if r.verification_code]
    assert len(codes_) == 2 and len(set(codes_)) == 2 and all(c.startswith("P-") and len(c) == 10 for c in codes_)
    # Valid 3 years from the session date (12 March 2026, the date the certificate prints), not the publication.
    assert results["Léa"].valid_until == date(2029, 3, 12) and results["Hugo"].verification_code is None
    assert results["Hugo"].reasons == ["jury"] and results["Hugo"].jury_comment == "comportement"
    with pytest.raises(jury.JuryError):
        jury.publish(db_session, s, world.jury)
    with pytest.raises(jury.JuryError):
        jury.reject(db_session, results["Léa"], world.jury)
    # No LMS link for these students: nothing queued.
    assert not db_session.scalars(select(OutboxMessage)).all()


def test_valid_until_on_29_february() -> None:
    assert jury.valid_until(date(2028, 2, 29)) == date(2031, 2, 28)
    assert jury.valid_until(date(2026, 3, 12)) == date(2029, 3, 12)


def test_certified_on_is_the_local_session_day() -> None:
    from pix_lti.certif.models import CertificationSession

    late = CertificationSession(starts_at=datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc))  # 00:30 in Paris
    assert jury.certified_on(late) == date(2027, 1, 1)
    assert jury.valid_until(jury.certified_on(late)) == date(2030, 1, 1)
