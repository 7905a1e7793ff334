"""The learner-noise model of the bayesian engine (selection/noise.py): hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pix_lti.engine import AssessmentState, BayesianSelector, LearnerHistory, SmartRandomSelector
from pix_lti.engine.inference import slice_knowledge
from pix_lti.engine.selection.noise import (
    NoiseGrid,
    level_counts,
    log_likelihood,
    make_grid,
    noise_grid,
    predictive_log_likelihood,
)
from tests.engine.engine_factories import ans, make_catalog


def two_point_grid() -> NoiseGrid:
    s, g = np.array([0.1, 0.2]), np.array([0.2, 0.3])
    return make_grid(s, g, np.log([0.5, 0.5]))


def test_strength_zero_is_the_fixed_noise_point() -> None:
    grid = noise_grid(0.1, 0.2, 0.0)
    assert grid.size == 1 and grid.slip.tolist() == [0.1] and grid.guess.tolist() == [0.2]
    assert grid.log_prior.tolist() == [0.0]


def test_beta_grid_is_normalised_and_centred_on_the_defaults() -> None:
    grid = noise_grid(0.1, 0.2, 100.0)
    w = np.exp(grid.log_prior)
    assert w.sum() == pytest.approx(1.0)
    assert float(w @ grid.slip) == pytest.approx(0.1, abs=0.01)
    assert float(w @ grid.guess) == pytest.approx(0.2, abs=0.01)
    with pytest.raises(ValueError):
        noise_grid(0.1, 0.2, 5.0)  # Beta(0.5, 4.5): not unimodal


def test_log_likelihood_by_depth_hand_computed() -> None:
    # One right answer at level 1, one wrong at level 2; depths 0..2; slip 0.1, guess 0.2.
    r, w = level_counts(np.array([1, 2]), np.array([True, False]), 3)
    assert r.tolist() == [0, 1, 0] and w.tolist() == [0, 0, 1]
    ll = log_likelihood(noise_grid(0.1, 0.2, 0.0), r, w)
    expected = [math.log(0.2 * 0.8), math.log(0.9 * 0.8), math.log(0.9 * 0.1)]
    assert ll[0] == pytest.approx(expected)


def test_predictive_likelihood_marginalises_the_depth() -> None:
    grid = two_point_grid()
    r, w = level_counts(np.array([1]), np.array([False]), 2)  # one wrong answer at level 1
    log_prior = np.log([0.5, 0.5])
    got = np.exp(predictive_log_likelihood(grid, log_prior, r, w))
    # h = (0.1, 0.2): ½·(1 − 0.2) + ½·0.1; h = (0.2, 0.3): ½·(1 − 0.3) + ½·0.2.
    assert got == pytest.approx([0.5 * 0.8 + 0.5 * 0.1, 0.5 * 0.7 + 0.5 * 0.2])


def test_posterior_marginalises_the_noise() -> None:
    cat = make_catalog({"1.1": {"a": [1]}})
    sel = BayesianSelector(noise_strength=100.0)
    k = slice_knowledge(cat, cat.slice("1.1"), [ans("@a1")])
    from pix_lti.engine.selection.noise import LearnerNoise

    post = sel.posterior(k, LearnerNoise(two_point_grid(), np.log([0.5, 0.5]), 0))
    # Depths 0, 1 (prior ½ each); P(right | d=0) = guess, P(right | d=1) = 1 − slip.
    joint = 0.5 * 0.5 * np.array([[0.2, 0.9], [0.3, 0.8]])
    depth = joint.sum(axis=0) / joint.sum()
    assert post.depth == pytest.approx(depth)
    # Marginal answer probabilities per depth, weighted by the noise posterior given the depth.
    assert post.hit[1] == pytest.approx((0.9 * 0.9 + 0.8 * 0.8) / (0.9 + 0.8))
    assert post.guess[0] == pytest.approx((0.2 * 0.2 + 0.3 * 0.3) / (0.2 + 0.3))


def test_fixed_noise_posterior_is_unchanged_by_history() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2]}, "1.2": {"b": [1, 2]}})
    history = LearnerHistory((ans("@b1", "ko"), ans("@b2")))
    state = AssessmentState("1.1", (ans("@a1"),), history=history)
    fixed = BayesianSelector()
    assert fixed.next_challenge(cat, state, np.random.default_rng(0)).level_probabilities == (
        fixed.next_challenge(cat, AssessmentState("1.1", (ans("@a1"),)), np.random.default_rng(0)).level_probabilities
    )
    # Other engines ignore the history.
    sr = SmartRandomSelector()
    assert sr.next_challenge(cat, state, np.random.default_rng(0)) == sr.next_challenge(
        cat, AssessmentState("1.1", (ans("@a1"),)), np.random.default_rng(0)
    )


def test_learner_noise_learns_from_other_competences_only() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2, 3]}, "1.2": {"b": [1, 2, 3, 4], "c": [1, 2, 3, 4]}})
    sel = BayesianSelector(noise_strength=100.0)
    prior_slip, prior_guess = sel.learner_noise(cat, None, "1.1").mean
    # Right answers above wrong ones in 1.2: inconsistent with any depth, so more noise.
    noisy = LearnerHistory(tuple(ans(s, r) for s, r in [("@b1", "ko"), ("@c1", "ko"), ("@b4", "ok"), ("@c4", "ok")]))
    noise = sel.learner_noise(cat, noisy, "1.1")
    assert noise.n_answers == 4
    slip, guess = noise.mean
    assert slip > prior_slip and guess > prior_guess
    # The same answers are ignored when they are on the competence being assessed.
    assert sel.learner_noise(cat, noisy, "1.2").mean == pytest.approx((prior_slip, prior_guess))
    # Cached per history object.
    assert sel.learner_noise(cat, noisy, "1.1") is noise


def test_summed_predictive_likelihood_matches_one_competence_at_a_time() -> None:
    from pix_lti.engine.selection.noise import summed_predictive_log_likelihood

    grid = noise_grid(0.1, 0.2, 100.0)
    p1, p2 = np.log([0.5, 0.25, 0.25]), np.log([0.5, 0.5])
    r1, w1 = level_counts(np.array([1, 2, 2]), np.array([True, False, True]), 3)
    r2, w2 = level_counts(np.array([1]), np.array([False]), 2)
    padded = np.array([p1, [p2[0], p2[1], -np.inf]])
    got = summed_predictive_log_likelihood(
        grid, padded, np.array([r1, np.append(r2, 0)]), np.array([w1, np.append(w2, 0)])
    )
    expected = predictive_log_likelihood(grid, p1, r1, w1) + predictive_log_likelihood(grid, p2, r2, w2)
    assert got == pytest.approx(expected)
