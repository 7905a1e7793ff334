"""Two-parameter logistic (2PL) item response theory helpers shared by flash, calibration and the loader.

P(right | θ) = 1 / (1 + exp(a (b − θ))), with a the discrimination and b the difficulty.

The θ scale is anchored on skill levels by ``default_item_parameters``: the difficulty of a level-ℓ
skill is ``0.8 (ℓ − 3.5)``, i.e. levels sit 0.8 logit apart and the middle of the référentiel
(between levels 3 and 4) is θ = 0.  A learner population with θ ~ N(0, 1) then spreads over levels
roughly as Pix observes in schools (most at levels 2–4, few at 0 or 6+).  A discrimination of 1.5 is
a middle value for a well-written multiple-choice question; calibration (``calibration.py``) replaces
both numbers once enough answers exist.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pix_lti.engine.types import MAX_SKILL_LEVEL, MIN_SKILL_LEVEL

DEFAULT_DISCRIMINATION = 1.5
LEVEL_SPACING = 0.8  # logits between two consecutive skill levels
LEVEL_CENTRE = 3.5  # the skill level whose difficulty is θ = 0

# Grid used for EAP estimation: wide enough for level 8 items (b = 3.6) and fine enough (0.1)
# that the grid error is far below the estimation error.
THETA_MIN = -4.5
THETA_MAX = 4.5
THETA_STEP = 0.1


def level_difficulty(level: float) -> float:
    """Nominal 2PL difficulty of a skill level (also used for θ → level on the nominal scale)."""
    return LEVEL_SPACING * (level - LEVEL_CENTRE)


def default_item_parameters(level: int) -> tuple[float, float]:
    """(discrimination, difficulty) given to a challenge that has no calibrated parameters."""
    if not MIN_SKILL_LEVEL <= level <= MAX_SKILL_LEVEL:
        raise ValueError(f"skill level {level} outside {MIN_SKILL_LEVEL}..{MAX_SKILL_LEVEL}")
    return DEFAULT_DISCRIMINATION, level_difficulty(level)


def p_correct(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """2PL probability of a right answer (broadcasting). tanh form: no overflow for large |a(b−θ)|."""
    x = np.multiply(a, np.subtract(theta, b))
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def fisher_information(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Item information a² P (1 − P) at θ: the inverse variance one answer adds near θ."""
    p = p_correct(theta, a, b)
    return np.square(a) * p * (1.0 - p)


def theta_grid(
    lo: float = THETA_MIN, hi: float = THETA_MAX, step: float = THETA_STEP
) -> NDArray[np.float64]:
    n = int(round((hi - lo) / step)) + 1
    return np.linspace(lo, hi, n)


def normal_log_prior(grid: NDArray[np.float64], mean: float = 0.0, sd: float = 1.0) -> NDArray[np.float64]:
    return -0.5 * np.square((grid - mean) / sd)


def log_likelihood(
    grid: NDArray[np.float64], a: ArrayLike, b: ArrayLike, right: ArrayLike
) -> NDArray[np.float64]:
    """Sum over answered items of log P(answer | θ) at every grid point.

    ``a``, ``b``, ``right`` are 1-D arrays over the answered items (``right`` boolean).
    """
    a_arr = np.asarray(a, dtype=np.float64)
    if a_arr.size == 0:
        return np.zeros_like(grid)
    b_arr = np.asarray(b, dtype=np.float64)
    sign = np.where(np.asarray(right, dtype=bool), 1.0, -1.0)
    # log σ(s·x) = −log(1 + e^(−s·x)), computed with logaddexp for stability.
    x = sign[:, None] * a_arr[:, None] * (grid[None, :] - b_arr[:, None])
    return -np.logaddexp(0.0, -x).sum(axis=0)


def eap(grid: NDArray[np.float64], log_posterior: NDArray[np.float64]) -> tuple[float, float]:
    """Posterior mean and standard deviation of θ from an unnormalised log posterior on the grid."""
    w = np.exp(log_posterior - log_posterior.max())
    w /= w.sum()
    mean = float(w @ grid)
    var = float(w @ np.square(grid - mean))
    return mean, float(np.sqrt(max(var, 0.0)))
