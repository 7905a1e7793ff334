"""``smart_random``: the public Pix positioning algorithm, re-implemented from its documented
behaviour as the baseline (issue 4 §5a).

For one competence, given the knowledge built by Pix tube inference (``inference.py``):

1. Level estimate: the level L on the grid 0.5, 1.0 … 7.5 minimising |Σ (outcome − P)| over the
   direct observations plus two virtual ones (a right answer at difficulty 0, a wrong one at
   difficulty 7), with P = 1 / (1 + e^−(L − difficulty)) and difficulty = skill level.  Ties go to
   the lowest L.
2. Candidates = playable and untested skills; then, in order:
   a. if some candidate lies in an "easy" tube (highest active level ≤ 3), keep only those;
   b. right after a timed challenge, drop skills without an untimed challenge (unless none is left);
   c. first challenge of the assessment: the level-2 candidates, else the easiest ones;
      later: drop skills more than 2 levels above L, then keep the skills of maximum reward
      P·#(untested skills of the tube with level ≤ d) + (1 − P)·#(untested ones with level ≥ d),
      d the skill's level, P as above.
3. Pick a skill uniformly among those left, then one of its playable challenges uniformly.
4. Stop when no candidate is left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pix_lti.engine.catalog import Catalog
from pix_lti.engine.inference import SliceKnowledge, slice_knowledge
from pix_lti.engine.selection.base import pick_challenge, require_competence, timed_filter
from pix_lti.engine.types import (
    AssessmentState,
    KnowledgeElement,
    Selection,
    StopReason,
)

LEVEL_GRID = np.arange(1, 16) * 0.5  # 0.5 .. 7.5
VIRTUAL_LEVELS = np.array([0.0, 7.0])  # difficulty 0 right, difficulty 7 wrong
VIRTUAL_OUTCOMES = np.array([1.0, 0.0])
EASY_TUBE_MAX_LEVEL = 3
FIRST_CHALLENGE_LEVEL = 2
MAX_LEVELS_ABOVE_ESTIMATE = 2


def p_right(level: np.ndarray | float, difficulty: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.subtract(level, difficulty))))


def predicted_level(difficulties: np.ndarray, outcomes: np.ndarray) -> float:
    """The grid level minimising |Σ(outcome − P)| over the observations and the two virtual ones."""
    d = np.concatenate([VIRTUAL_LEVELS, np.asarray(difficulties, dtype=np.float64)])
    y = np.concatenate([VIRTUAL_OUTCOMES, np.asarray(outcomes, dtype=np.float64)])
    gap = np.abs((y[None, :] - p_right(LEVEL_GRID[:, None], d[None, :])).sum(axis=1))
    return float(LEVEL_GRID[int(np.argmin(gap))])  # argmin keeps the first (lowest) on ties


def rewards(k: SliceKnowledge, candidates: np.ndarray, level: float) -> np.ndarray:
    """Reward of each candidate local skill (array aligned with ``candidates`` indices)."""
    sl = k.sl
    untested = k.untested().astype(np.int64)  # counts: a bool @ bool product would be a logical OR
    n_le = sl.tube_le[candidates] @ untested  # untested skills of the tube at or below
    n_ge = sl.tube_ge[candidates] @ untested  # untested skills of the tube at or above
    p = p_right(level, sl.level[candidates])
    return p * n_le + (1.0 - p) * n_ge


@dataclass(frozen=True)
class SmartRandomSelector:
    name: str = "smart_random"

    def estimate(self, k: SliceKnowledge) -> float:
        if not k.evidence:
            return predicted_level(np.zeros(0), np.zeros(0))
        locals_, rights = zip(*k.evidence)
        return predicted_level(k.sl.level[list(locals_)], np.array(rights, dtype=np.float64))

    def candidates(self, k: SliceKnowledge, level: float) -> np.ndarray:
        """Local indices of the skills the next challenge may come from (after every filter)."""
        sl = k.sl
        mask = sl.playable & k.untested()
        easy = mask & (sl.tube_max_level[sl.tube] <= EASY_TUBE_MAX_LEVEL)
        if easy.any():
            mask = easy
        mask = timed_filter(sl, mask, k.last_timed)
        if k.n_answers == 0:
            at_default = mask & (sl.level == FIRST_CHALLENGE_LEVEL)
            if at_default.any():
                return np.flatnonzero(at_default)
            if not mask.any():
                return np.flatnonzero(mask)
            return np.flatnonzero(mask & (sl.level == sl.level[mask].min()))
        mask &= sl.level <= level + MAX_LEVELS_ABOVE_ESTIMATE
        cands = np.flatnonzero(mask)
        if cands.size == 0:
            return cands
        r = rewards(k, cands, level)
        return cands[np.isclose(r, r.max(), rtol=0.0, atol=1e-9)]

    def next_challenge(
        self, catalog: Catalog, state: AssessmentState, rng: np.random.Generator
    ) -> Selection:
        sl = require_competence(catalog, state)
        k = slice_knowledge(catalog, sl, state.answers, state.knowledge)
        level = self.estimate(k)
        cands = self.candidates(k, level)
        if cands.size == 0:
            return Selection(None, StopReason.NO_CANDIDATE, estimate=level)
        skill = int(cands[rng.integers(cands.size)])
        ci = pick_challenge(sl, skill, k.last_timed, rng)
        return Selection(catalog.challenges[ci].id, None, estimate=level)

    def knowledge(self, catalog: Catalog, state: AssessmentState) -> tuple[KnowledgeElement, ...]:
        sl = require_competence(catalog, state)
        return slice_knowledge(catalog, sl, state.answers, state.knowledge).elements()
