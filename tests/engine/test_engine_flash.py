"""flash (issue 4 §5c): content constraints over whole tests, top-5 ranking, θ mapping."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.synthetic_bank import make_bank
from pix_lti.engine import Answer, AssessmentState, FlashSelector, StopReason, theta_knowledge, theta_scores
from pix_lti.engine.irt import fisher_information

F = FlashSelector()


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return make_bank(7).catalog()


def run_test(cat, theta: float, seed: int, selector: FlashSelector = F):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    answer_rng = np.random.default_rng(seed + 1000)
    answers: list[Answer] = []
    selections = []
    while True:
        sel = selector.next_challenge(cat, AssessmentState(None, tuple(answers)), rng)
        selections.append(sel)
        if sel.challenge_id is None:
            return answers, selections
        ci = cat.challenge_index[sel.challenge_id]
        p = 1 / (1 + np.exp(cat.ch_a[ci] * (cat.ch_b[ci] - theta)))
        answers.append(Answer(sel.challenge_id, "ok" if answer_rng.random() < p else "ko"))


@pytest.mark.parametrize("theta", [-1.5, 0.0, 1.2])
def test_constraints_hold_over_a_whole_test(cat, theta: float) -> None:  # type: ignore[no-untyped-def]
    answers, selections = run_test(cat, theta, seed=int(theta * 10) + 50)
    assert len(answers) == 32 and selections[-1].stop_reason is StopReason.MAX_LENGTH
    idx = [cat.challenge_index[a.challenge_id] for a in answers]
    tubes = cat.ch_tube[idx]
    comps = cat.ch_competence[idx].tolist()
    assert len(set(tubes.tolist())) == 32  # one question per tube
    assert sorted(set(comps[:16])) == list(range(16))  # every competence before any repeat
    assert sorted(comps[16:]) == list(range(16))  # and again in the second round
    for i in range(1, 32):  # no competence twice within 2 answers
        assert comps[i] not in comps[max(0, i - 2) : i]
    for i in range(1, 32):
        if cat.ch_timed[idx[i - 1]]:
            assert not cat.ch_timed[idx[i]]  # plenty of untimed items in this bank
    assert all(cat.ch_playable[idx])


def test_pick_is_among_the_top_5_of_the_drawn_competence(cat) -> None:  # type: ignore[no-untyped-def]
    answers, selections = run_test(cat, 0.4, seed=3)
    for k in range(F.low_a_until, 32):  # after the low-discrimination opening
        prefix = answers[:k]
        theta = selections[k].estimate
        ci = cat.challenge_index[answers[k].challenge_id]
        comp = cat.ch_competence[ci]
        used = set(cat.ch_tube[[cat.challenge_index[a.challenge_id] for a in prefix]].tolist())
        pool = [
            j
            for j in cat.playable_challenges.tolist()
            if cat.ch_competence[j] == comp and cat.ch_tube[j] not in used
        ]
        if cat.ch_timed[cat.challenge_index[prefix[-1].challenge_id]]:
            pool = [j for j in pool if not cat.ch_timed[j]]
        info = fisher_information(theta, cat.ch_a[pool], cat.ch_b[pool])
        fifth = np.sort(info)[::-1][min(4, len(pool) - 1)]
        assert fisher_information(theta, cat.ch_a[ci], cat.ch_b[ci]) >= fifth - 1e-12


def test_estimate_converges_and_is_deterministic(cat) -> None:  # type: ignore[no-untyped-def]
    errors = []
    for seed, theta in enumerate([-1.0, -0.3, 0.5, 1.4, 0.0, 0.9]):
        _, selections = run_test(cat, theta, seed)
        errors.append(selections[-1].estimate - theta)
        assert selections[-1].confidence < 0.35  # posterior SD after 32 answers
    assert float(np.sqrt(np.mean(np.square(errors)))) < 0.5
    a1, _ = run_test(cat, 0.3, 99)
    a2, _ = run_test(cat, 0.3, 99)
    assert a1 == a2


def test_no_answer_estimate_is_the_prior(cat) -> None:  # type: ignore[no-untyped-def]
    est = F.estimate(cat, AssessmentState(None))
    assert est.theta == pytest.approx(0.0, abs=1e-9) and est.sd == pytest.approx(1.0, abs=0.01)


def test_single_competence_mode(cat) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    answers: list[Answer] = []
    for _ in range(6):
        sel = F.next_challenge(cat, AssessmentState("3.2", tuple(answers)), rng)
        assert cat.competence_of(sel.challenge_id) == "3.2"
        answers.append(Answer(sel.challenge_id, "ok"))


def test_theta_mapping_is_documented_and_monotone(cat) -> None:  # type: ignore[no-untyped-def]
    thetas = np.linspace(-4, 4, 33)
    totals = [theta_scores(cat, float(t)).total_pix for t in thetas]
    assert totals == sorted(totals) and totals[0] == 0
    assert totals[-1] == 16 * 48  # every level reachable, capped at 6
    kes = theta_knowledge(cat, 0.25)
    for e in kes:
        si = cat.skill_index[e.skill_id]
        assert e.validated == (cat.sk_difficulty[si] <= 0.25)
    levels = [s.level for s in theta_scores(cat, 0.25).competences]
    assert all(0 <= lv <= 6 for lv in levels)


def test_invalid_configuration_is_rejected() -> None:
    with pytest.raises(ValueError):
        FlashSelector(length=0)
