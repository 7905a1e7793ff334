"""The bayesian engine (issue 4 §5b): posterior, level mapping, gains, stops, content rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.synthetic_bank import make_bank
from pix_lti.engine import (
    Answer,
    AssessmentState,
    BayesianIrtSelector,
    BayesianSelector,
    KnowledgeElement,
    SmartRandomSelector,
    StopReason,
    score_competence,
)
from pix_lti.engine.inference import slice_knowledge
from pix_lti.engine.selection.bayesian import _depth_model
from pix_lti.engine.selection.base import timed_filter
from tests.engine.engine_factories import ans, make_catalog

B = BayesianSelector()


def posterior_of(cat, comp, answers, selector=B, knowledge=()):  # type: ignore[no-untyped-def]
    return selector.posterior(slice_knowledge(cat, cat.slice(comp), answers, knowledge))


def test_posterior_hand_computed() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2, 3], "b": [1, 2, 3]}})
    post = posterior_of(cat, "1.1", [ans("@a2")])
    # Uniform prior over depths 0..3; P(right | d) = 0.2 below level 2, 0.9 from it.
    assert post.depth == pytest.approx(np.array([0.2, 0.2, 0.9, 0.9]) / 2.2)
    post = posterior_of(cat, "1.1", [ans("@a2"), ans("@b3", "aband")])
    lik = np.array([0.2 * 0.8, 0.2 * 0.8, 0.9 * 0.8, 0.9 * 0.1])  # a skip counts as wrong
    assert post.depth == pytest.approx(lik / lik.sum())
    assert post.best_level == 2 and post.confidence == pytest.approx(0.72 / lik.sum())


def test_prior_direct_elements_are_evidence() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2, 3], "b": [1, 2, 3]}})
    prior = (KnowledgeElement("@a2", "validated", "direct", "@a2#1"),)
    inferred = (KnowledgeElement("@a1", "validated", "inferred", "@a2#1"),)
    with_prior = posterior_of(cat, "1.1", [], knowledge=prior + inferred)
    assert with_prior.depth == pytest.approx(posterior_of(cat, "1.1", [ans("@a2")]).depth)


def test_depths_report_the_level_the_pix_give() -> None:
    # Level 2 has a single skill (@a2): worth 4 pix, so depth 2 only scores 12 pix = level 1.
    cat = make_catalog({"1.1": {"a": [1, 2, 3], "b": [1, 3]}})
    model = _depth_model(cat.slice("1.1"), 6)
    assert model.reported.tolist() == [0, 1, 1, 2]
    # Prior uniform over the reported levels {0, 1, 2}, depths 1 and 2 sharing level 1's third.
    assert np.exp(model.log_prior) == pytest.approx([1 / 3, 1 / 6, 1 / 6, 1 / 3])


def test_levels_above_the_cap_merge() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2, 3], "b": [1, 2, 3]}})
    capped = BayesianSelector(max_level=2)
    model = _depth_model(cat.slice("1.1"), 2)
    assert model.reported.tolist() == [0, 1, 2, 2]
    post = posterior_of(cat, "1.1", [ans("@a3")], selector=capped)
    assert post.levels.tolist() == [0, 1, 2]
    # Prior [1/3, 1/3, 1/6, 1/6] × likelihood [.2, .2, .2, .9] → P(level 2) = 1.1/6 ÷ 1.9/6.
    assert post.level[2] == pytest.approx(1.1 / 1.9)


def mutual_information(p_depth: np.ndarray, reported: np.ndarray, skill_level: int, slip: float, guess: float) -> float:
    """I(answer; reported level) written out with explicit sums (bits)."""

    def h(p: float) -> float:
        return 0.0 if p <= 0 or p >= 1 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))

    p1 = [(1 - slip) if d >= skill_level else guess for d in range(len(p_depth))]
    total = sum(p * q for p, q in zip(p_depth, p1))
    cond = 0.0
    for r in set(reported.tolist()):
        pr = sum(p for p, rr in zip(p_depth, reported) if rr == r)
        q = sum(p * q1 for p, q1, rr in zip(p_depth, p1, reported) if rr == r) / pr
        cond += pr * h(q)
    return h(total) - cond


def test_information_gain_matches_the_definition_and_prefers_the_median_split() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2, 3, 4], "b": [1, 2, 3, 4]}})
    post = posterior_of(cat, "1.1", [])
    gains = B.gains(post, np.arange(1, 5))
    expected = [mutual_information(post.depth, post.model.reported, lv, 0.1, 0.2) for lv in range(1, 5)]
    assert gains == pytest.approx(expected)
    assert int(np.argmax(gains)) + 1 in (2, 3)  # 5 levels 0..4: the split near the middle
    # After a right answer at level 3 the most useful question moves up.
    post = posterior_of(cat, "1.1", [ans("@a3"), ans("@b3")])
    assert int(np.argmax(B.gains(post, np.arange(1, 5)))) + 1 == 4


def test_stop_reasons() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}})
    rng = np.random.default_rng(0)
    # Confident: three wrong answers at level 1 (8³ odds against depth ≥ 1).
    # P(depth 0) = .8³ / (.8³ + 3 × .1³) = 0.9942: confident at 0.99, not at the default 0.995.
    state = AssessmentState("1.1", (ans("@a1", "ko"), ans("@b1", "ko"), ans("@c1", "ko")))
    sel = BayesianSelector(confidence=0.99).next_challenge(cat, state, rng)
    assert sel.stop_reason is StopReason.CONFIDENT and sel.confidence == pytest.approx(0.512 / 0.515)
    # At the default 0.995 it is not confident, but no answer can still bring 0.01 bit.
    assert B.next_challenge(cat, state, rng).stop_reason is StopReason.NO_INFORMATIVE
    assert sel.level_probabilities[0] == pytest.approx(sel.confidence)
    # Max length.
    sel = BayesianSelector(max_length=1).next_challenge(cat, AssessmentState("1.1", (ans("@a2"),)), rng)
    assert sel.stop_reason is StopReason.MAX_LENGTH
    # No informative item: a gain threshold no answer can reach.
    sel = BayesianSelector(min_gain=0.99).next_challenge(cat, AssessmentState("1.1"), rng)
    assert sel.stop_reason is StopReason.NO_INFORMATIVE
    # No candidate: every skill answered directly.
    tiny = make_catalog({"1.1": {"a": [1, 2, 3]}})
    every = AssessmentState("1.1", (ans("@a1", "ko"), ans("@a2", "ko"), ans("@a3", "ko")))
    assert BayesianSelector(confidence=0.9999).next_challenge(tiny, every, rng).stop_reason is StopReason.NO_CANDIDATE
    # Strict rule: @a1 was validated by inference (right at level 3), so nothing is left to ask;
    # by default the inferred @a1 is still asked (its own answer was never observed).
    state = AssessmentState("1.1", (ans("@a3"), ans("@a2", "ko")))
    strict = BayesianSelector(confidence=0.999, inferred="never")
    assert strict.next_challenge(tiny, state, rng).stop_reason is StopReason.NO_CANDIDATE
    sel = BayesianSelector(confidence=0.999).next_challenge(tiny, state, rng)
    assert sel.challenge_id is not None and tiny.skill_of(sel.challenge_id).id == "@a1"


def session(cat, comp, answer_of, selector=B, seed=0):  # type: ignore[no-untyped-def]
    """Run one competence to the end; ``answer_of(skill, answers so far)`` gives the result."""
    rng = np.random.default_rng(seed)
    answers: list[Answer] = []
    while True:
        sel = selector.next_challenge(cat, AssessmentState(comp, tuple(answers)), rng)
        if sel.challenge_id is None:
            return answers, sel
        answers.append(Answer(sel.challenge_id, answer_of(cat.skill_of(sel.challenge_id), answers)))


def test_a_single_slip_does_not_sink_a_strong_learner() -> None:
    cat = make_catalog({"1.1": {t: [1, 2, 3, 4, 5, 6] for t in ("a", "b", "c", "d")}})
    slipped: list[str] = []

    def strong_with_one_slip(skill, answers):  # type: ignore[no-untyped-def]
        if not slipped and skill.level <= 3:
            slipped.append(skill.id)
            return "ko"
        return "ok"

    answers, sel = session(cat, "1.1", strong_with_one_slip)
    assert slipped, "the engine asked a level ≤ 3 question"
    state = AssessmentState("1.1", tuple(answers))
    kes = {e.skill_id: e for e in B.knowledge(cat, state)}
    assert score_competence(cat, "1.1", kes.values()).level == 6
    assert kes[slipped[0]].validated and str(kes[slipped[0]].source) == "estimated"
    # Pix inference, on the same answers, invalidates the slipped skill and the harder ones of its tube.
    sr = {e.skill_id: e for e in SmartRandomSelector().knowledge(cat, state)}
    assert not sr[slipped[0]].validated


@pytest.fixture(scope="module")
def bank_catalog():  # type: ignore[no-untyped-def]
    return make_bank(11).catalog()


def test_content_rules_and_level_consistency_on_a_synthetic_bank(bank_catalog) -> None:  # type: ignore[no-untyped-def]
    cat = bank_catalog
    rng = np.random.default_rng(5)
    for trial in range(24):
        comp = cat.competences[trial % len(cat.competences)]
        sl = cat.slice(comp)
        true_depth = int(rng.integers(0, 8))
        coins = rng.random(200)

        def answer_of(skill, answers):  # type: ignore[no-untyped-def]
            p = 0.9 if skill.level <= true_depth else 0.2
            return "ok" if coins[len(answers)] < p else "ko"

        answers, sel = session(cat, comp, answer_of, seed=trial)
        for i, a in enumerate(answers):
            before = slice_knowledge(cat, sl, answers[:i])
            local = sl.local_index[cat.skill_of(a.challenge_id).id]
            answered = {skill for skill, _ in before.evidence}
            assert local not in answered, "asked a skill already answered"
            not_answered = np.ones(sl.n_skills, dtype=bool)
            not_answered[list(answered)] = False
            if before.last_timed and cat.ch_timed[cat.challenge_index[a.challenge_id]]:
                askable = not_answered & sl.playable & sl.has_untimed
                assert not askable.any(), "timed right after timed although an untimed one was left"
            if before.status[local] != 0:  # inferred: only once no untested skill of its level is left
                mask = timed_filter(sl, sl.playable & not_answered, before.last_timed)
                same_level = mask & (sl.level == sl.level[local])
                assert not (same_level & before.untested()).any(), "asked an inferred skill before an untested one"
        assert len(answers) <= B.max_length
        state = AssessmentState(comp, tuple(answers))
        post = B.posterior(slice_knowledge(cat, sl, answers))
        score = score_competence(cat, comp, B.knowledge(cat, state))
        assert score.level == post.best_level  # the reported level is what the pix say


def test_deterministic_for_a_seed(bank_catalog) -> None:  # type: ignore[no-untyped-def]
    def answer_of(skill, answers):  # type: ignore[no-untyped-def]
        return "ok" if skill.level <= 3 else "ko"

    first = session(bank_catalog, "2.1", answer_of, seed=3)[0]
    assert first == session(bank_catalog, "2.1", answer_of, seed=3)[0]
    others = {tuple(a.challenge_id for a in session(bank_catalog, "2.1", answer_of, seed=s)[0]) for s in range(5)}
    assert len(others) > 1


def test_invalid_configuration_is_rejected() -> None:
    with pytest.raises(ValueError):
        BayesianSelector(slip=0.6)
    with pytest.raises(ValueError):
        BayesianSelector(confidence=0.3)


def test_irt_variant_level_is_what_its_pix_say_and_no_skill_is_asked_twice(bank_catalog) -> None:  # type: ignore[no-untyped-def]
    cat = bank_catalog
    sel = BayesianIrtSelector()
    rng = np.random.default_rng(1)
    for trial in range(8):
        comp = cat.competences[trial]
        sl = cat.slice(comp)
        theta = float(rng.normal())
        answers: list[Answer] = []
        while True:
            s = sel.next_challenge(cat, AssessmentState(comp, tuple(answers)), rng)
            if s.challenge_id is None:
                break
            local = sl.local_index[cat.skill_of(s.challenge_id).id]
            assert slice_knowledge(cat, sl, answers).status[local] == 0  # untested, not inferred
            ci = cat.challenge_index[s.challenge_id]
            p = 1 / (1 + np.exp(cat.ch_a[ci] * (cat.ch_b[ci] - theta)))
            answers.append(Answer(s.challenge_id, "ok" if rng.random() < p else "ko"))
        assert 1 <= len(answers) <= sel.max_length
        _, p_level, model = sel.posterior(cat, slice_knowledge(cat, sl, answers))
        kes = sel.knowledge(cat, AssessmentState(comp, tuple(answers)))
        assert score_competence(cat, comp, kes).level == model.levels[int(np.argmax(p_level))]


def test_inferred_rule_only_changes_what_may_be_asked() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2, 3, 4], "b": [2, 3]}})
    k = slice_knowledge(cat, cat.slice("1.1"), [ans("@a1", "ko")])
    ids = cat.slice("1.1").skill_ids
    strict = {ids[i] for i in np.flatnonzero(BayesianSelector(inferred="never")._askable(k))}
    free = {ids[i] for i in np.flatnonzero(B._askable(k))}
    assert strict == {"@b2", "@b3"}  # @a2..@a4 were invalidated by inference
    assert free == {"@a2", "@a3", "@a4", "@b2", "@b3"}  # only the answered skill is excluded
    assert B.posterior(k).depth == pytest.approx(BayesianSelector(inferred="never").posterior(k).depth)
    with pytest.raises(ValueError):
        BayesianSelector(inferred="sometimes")


def test_inferred_skills_are_asked_after_the_untested_ones_of_their_level() -> None:
    # @a3 right validates @a2 by inference; the level-2 candidates are then @a2 (inferred) and
    # @b2, @c2 (untested): "last" asks these first, "any" draws among all three.
    cat = make_catalog({"1.1": {"a": [2, 3], "b": [2], "c": [2]}})
    first = (ans("@a3"),)

    def asked(selector, answers):  # type: ignore[no-untyped-def]
        st = AssessmentState("1.1", answers)
        picks = (selector.next_challenge(cat, st, np.random.default_rng(s)).challenge_id for s in range(40))
        return {cat.skill_of(c).id for c in picks if c is not None}

    assert asked(B, first) == {"@b2", "@c2"}
    assert asked(BayesianSelector(inferred="any"), first) == {"@a2", "@b2", "@c2"}
    assert asked(BayesianSelector(inferred="never"), first) == {"@b2", "@c2"}
    # Once @b2 and @c2 are answered (one each way), the inferred @a2 is asked; never under "never".
    more = first + (ans("@b2", "ko"), ans("@c2"))
    assert asked(B, more) == {"@a2"}
    assert asked(BayesianSelector(inferred="never"), more) == set()
