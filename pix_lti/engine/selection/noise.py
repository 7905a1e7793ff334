"""The learner's answer noise (slip, guess) as a property of the learner (bayesian engine).

The bayesian engine's answer model has two noise parameters: ``slip`` (a mastered skill answered
wrong) and ``guess`` (a skill above the level answered right).  They describe the *learner* (care,
reading, luck), not one competence, so a learner's earlier competences say something about them.

Model (hierarchical).  The learner's noise h = (slip, guess) is unknown, with a prior over a
regular grid of hypotheses: independent Beta distributions centred on the engine's defaults,
``strength`` pseudo-answers each (the same prior for every learner).  Each earlier competence c
contributes its posterior-predictive likelihood

    P(answers_c | h) = Σ_d prior_c(d) Π_i P(answer_i | d, h)

(d: the unknown depth in that competence, with the engine's prior), so the noise posterior after
the earlier competences is prior(h) · Π_c P(answers_c | h).  Within the current competence the
engine then works on the joint posterior over (h, d) and marginalises h: the reported level, the
information gain and the confidence stop all use the noise the learner has shown.  A noisier
learner's answers carry less information, so they get more questions; a cleaner one stops earlier.
Only the learner's own answers are used, never other learners'.

With ``strength=0`` the grid is the single point (slip, guess): the fixed-noise model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
GRID_STEP = 0.025
SLIP_RANGE = (0.025, 0.35)
GUESS_RANGE = (0.05, 0.45)
MIN_PRIOR_SHARE = 1e-4  # grid points with less prior mass than this (relative to the max) are dropped


@dataclass(frozen=True, eq=False)
class NoiseGrid:
    """Noise hypotheses h: their (slip, guess), log prior, and the four log-probabilities."""

    slip: FloatArray
    guess: FloatArray
    log_prior: FloatArray
    log_hit: FloatArray  # log(1 − slip): right on a mastered skill
    log_slip: FloatArray  # log(slip)
    log_guess: FloatArray  # log(guess)
    log_miss: FloatArray  # log(1 − guess): wrong on a skill above the level

    @property
    def size(self) -> int:
        return int(self.slip.size)


def _beta_log_pdf(x: FloatArray, mean: float, strength: float) -> FloatArray:
    a, b = mean * strength, (1 - mean) * strength
    return (a - 1) * np.log(x) + (b - 1) * np.log1p(-x)


@lru_cache(maxsize=16)
def noise_grid(slip: float, guess: float, strength: float) -> NoiseGrid:
    """The hypotheses: the single point (slip, guess) when ``strength`` is 0, else a grid with
    independent Beta(mean · strength, (1 − mean) · strength) priors on slip and guess."""
    if strength <= 0:
        s, g, lp = np.array([slip]), np.array([guess]), np.zeros(1)
    else:
        if strength <= 2 / min(slip, guess):
            raise ValueError("noise prior strength too small for a unimodal prior")
        s_axis = np.arange(SLIP_RANGE[0], SLIP_RANGE[1] + 1e-9, GRID_STEP)
        g_axis = np.arange(GUESS_RANGE[0], GUESS_RANGE[1] + 1e-9, GRID_STEP)
        s, g = (a.ravel() for a in np.meshgrid(s_axis, g_axis, indexing="ij"))
        lp = _beta_log_pdf(s, slip, strength) + _beta_log_pdf(g, guess, strength)
        keep = (lp >= lp.max() + np.log(MIN_PRIOR_SHARE)) & (g < 1 - s)
        s, g, lp = s[keep], g[keep], lp[keep]
        lp = lp - np.log(np.exp(lp - lp.max()).sum()) - lp.max()
    return make_grid(s, g, lp)


def make_grid(slip: FloatArray, guess: FloatArray, log_prior: FloatArray) -> NoiseGrid:
    """A grid of the given hypotheses and (normalised) log prior."""
    return NoiseGrid(
        slip, guess, log_prior, np.log1p(-slip), np.log(slip), np.log(guess), np.log1p(-guess)
    )


def log_likelihood(grid: NoiseGrid, rights: FloatArray, wrongs: FloatArray) -> FloatArray:
    """log P(answers | h, d) as an (H × depths) array, from the right/wrong counts per skill level.

    ``rights[ℓ]``/``wrongs[ℓ]`` count the answers on skills of level ℓ (index 0 unused); the
    depths are 0 .. len(rights) − 1.  Depth d masters the levels ℓ ≤ d.
    """
    known = np.outer(grid.log_hit, rights) + np.outer(grid.log_slip, wrongs)  # (H × levels)
    above = np.outer(grid.log_guess, rights) + np.outer(grid.log_miss, wrongs)
    known[:, 0] = above[:, 0] = 0.0  # no skill of level 0
    return np.cumsum(known, axis=1) + (above.sum(axis=1)[:, None] - np.cumsum(above, axis=1))


def level_counts(levels: NDArray[np.int64], rights: NDArray[np.bool_], n_depths: int) -> tuple[FloatArray, FloatArray]:
    """Right and wrong answer counts per skill level 0 .. n_depths − 1."""
    r = np.bincount(levels[rights], minlength=n_depths).astype(np.float64)
    w = np.bincount(levels[~rights], minlength=n_depths).astype(np.float64)
    return r, w


def predictive_log_likelihood(
    grid: NoiseGrid, log_depth_prior: FloatArray, rights: FloatArray, wrongs: FloatArray
) -> FloatArray:
    """log P(answers of one competence | h), the depth marginalised with its prior: (H,)."""
    ll = log_likelihood(grid, rights, wrongs) + log_depth_prior[None, :]
    top = ll.max(axis=1)
    return top + np.log(np.exp(ll - top[:, None]).sum(axis=1))


def summed_predictive_log_likelihood(
    grid: NoiseGrid, log_depth_priors: FloatArray, rights: FloatArray, wrongs: FloatArray
) -> FloatArray:
    """Σ_c log P(answers_c | h) over several competences at once: (H,).

    ``log_depth_priors``, ``rights``, ``wrongs``: (C × depths), one row per competence, padded to
    the deepest one with −inf prior (and zero counts) for the depths a competence does not have.
    """
    known = grid.log_hit[:, None, None] * rights[None] + grid.log_slip[:, None, None] * wrongs[None]
    above = grid.log_guess[:, None, None] * rights[None] + grid.log_miss[:, None, None] * wrongs[None]
    known[:, :, 0] = above[:, :, 0] = 0.0
    ll = np.cumsum(known, axis=2) + (above.sum(axis=2)[:, :, None] - np.cumsum(above, axis=2))
    ll += log_depth_priors[None]
    top = ll.max(axis=2)
    return (top + np.log(np.exp(ll - top[:, :, None]).sum(axis=2))).sum(axis=1)


@dataclass(frozen=True, eq=False)
class LearnerNoise:
    """The noise posterior after the learner's earlier competences: log weights over the grid."""

    grid: NoiseGrid
    log_weight: FloatArray  # normalised log posterior over the hypotheses
    n_answers: int  # earlier answers it rests on

    @property
    def mean(self) -> tuple[float, float]:
        w = np.exp(self.log_weight)
        return float(w @ self.grid.slip), float(w @ self.grid.guess)
