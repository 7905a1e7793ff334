"""``bayesian_irt``: the bayesian engine with a 2PL answer model instead of slip/guess levels.

Same machinery as ``bayesian`` (posterior → reported Pix level → information gain → confidence
stop), with a different state and likelihood:

- state: the learner's ability θ on this competence, on a grid (−4.5 … 4.5 by 0.2), prior
  N(0, 1);
- likelihood: each challenge's own 2PL parameters, P(right | θ) = 1 / (1 + exp(a (b − θ)));
- reported level of a grid point θ: the flash mapping restricted to the competence — a skill is
  mastered when θ ≥ its difficulty (median b of its challenges), and the Pix rules turn the
  mastered skills into pix and a level (monotone in θ);
- selection: information gain per *challenge* (parameters differ within a skill), randomesque
  pick among the ``top_k`` best (exposure control), same content rules as ``bayesian`` (one
  challenge per skill, Pix tube inference, timed spacing);
- knowledge: θ̂ = posterior mean of θ within the most probable level; the skills with difficulty
  ≤ θ̂ are validated, the others invalidated, so the pix give exactly that level.

Better than the level model when answers follow 2PL (calibrated items, gradual mastery), worse
when they follow the slip/guess step model (see docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from pix_lti.engine.catalog import Catalog, CompetenceSlice
from pix_lti.engine.inference import SliceKnowledge, knowledge_from_mask, slice_knowledge
from pix_lti.engine.irt import log_likelihood, normal_log_prior, p_correct, theta_grid
from pix_lti.engine.scoring import score_from_exact_pix
from pix_lti.engine.selection.base import require_competence, timed_filter
from pix_lti.engine.selection.bayesian import information_gain
from pix_lti.engine.types import (
    DEFAULT_MAX_REACHABLE_LEVEL,
    AssessmentState,
    KnowledgeElement,
    Selection,
    StopReason,
)

FloatArray = NDArray[np.float64]
GRID_STEP = 0.2  # coarser than flash's 0.1: levels are 0.8 logit wide, and it halves the work


@dataclass(frozen=True, eq=False)
class _GridModel:
    grid: FloatArray
    reported: NDArray[np.int64]  # grid point → reported level
    levels: NDArray[np.int64]  # distinct reported levels
    to_level: FloatArray  # (grid × levels) 0/1
    skill_b: FloatArray  # local skill → difficulty


def _grid_model(catalog: Catalog, sl: CompetenceSlice, max_level: int) -> _GridModel:
    cache: dict[str, _GridModel] = catalog.derived(f"bayesian_irt:{max_level}", lambda _: {})
    model = cache.get(sl.code)
    if model is None:
        grid = theta_grid(step=GRID_STEP)
        skill_b = catalog.sk_difficulty[sl.skill_global]
        order = np.argsort(skill_b, kind="stable")
        # Exact pix as θ passes each skill difficulty (cumulative Fractions), then per grid point.
        cum = [Fraction(0)]
        for i in order.tolist():
            cum.append(cum[-1] + sl.pix_value[i])
        n_mastered = np.searchsorted(skill_b[order], grid, side="right")
        reported = np.array(
            [score_from_exact_pix(sl.code, cum[m], max_level).level for m in n_mastered.tolist()], dtype=np.int64
        )
        levels = np.unique(reported)
        to_level = (reported[:, None] == levels[None, :]).astype(np.float64)
        model = cache[sl.code] = _GridModel(grid, reported, levels, to_level, skill_b)
    return model


@dataclass(frozen=True)
class BayesianIrtSelector:
    confidence: float = 0.95
    max_length: int = 20
    min_gain: float = 0.01  # bits
    top_k: int = 5
    prior_sd: float = 1.0
    max_level: int = DEFAULT_MAX_REACHABLE_LEVEL
    name: str = "bayesian_irt"

    def __post_init__(self) -> None:
        if not 0.5 < self.confidence < 1 or self.top_k < 1 or self.prior_sd <= 0:
            raise ValueError("invalid bayesian_irt configuration")

    def posterior(self, catalog: Catalog, k: SliceKnowledge) -> tuple[FloatArray, FloatArray, _GridModel]:
        """(P(θ) on the grid, P(reported level), model)."""
        model = _grid_model(catalog, k.sl, self.max_level)
        log_post = normal_log_prior(model.grid, 0.0, self.prior_sd)
        if k.evidence:
            a, b, right = [], [], []
            for (local, ok), ci in zip(k.evidence, k.evidence_challenges):
                if ci >= 0:
                    a.append(catalog.ch_a[ci])
                    b.append(catalog.ch_b[ci])
                else:  # a prior element without its challenge: the skill's own difficulty
                    a.append(float(np.median(catalog.ch_a)))
                    b.append(model.skill_b[local])
                right.append(ok)
            log_post = log_post + log_likelihood(model.grid, a, b, right)
        p = np.exp(log_post - log_post.max())
        p /= p.sum()
        return p, p @ model.to_level, model

    def next_challenge(
        self, catalog: Catalog, state: AssessmentState, rng: np.random.Generator
    ) -> Selection:
        sl = require_competence(catalog, state)
        k = slice_knowledge(catalog, sl, state.answers, state.knowledge)
        p, p_level, model = self.posterior(catalog, k)
        probs = np.zeros(self.max_level + 1)
        probs[model.levels] = p_level
        estimate = float(p @ model.grid)

        def result(challenge: str | None, reason: StopReason | None) -> Selection:
            return Selection(challenge, reason, estimate, float(p_level.max()), tuple(probs.tolist()))

        if sl.n_skills == 0:
            return result(None, StopReason.NO_CANDIDATE)
        if p_level.max() >= self.confidence:
            return result(None, StopReason.CONFIDENT)
        if k.n_answers >= self.max_length:
            return result(None, StopReason.MAX_LENGTH)
        skills = np.flatnonzero(timed_filter(sl, sl.playable & k.untested(), k.last_timed))
        if skills.size == 0:
            return result(None, StopReason.NO_CANDIDATE)
        pools = [
            sl.skill_untimed_challenges[s] if k.last_timed and sl.has_untimed[s] else sl.skill_challenges[s]
            for s in skills.tolist()
        ]
        cands = np.concatenate(pools)
        p_right = p_correct(model.grid[None, :], catalog.ch_a[cands][:, None], catalog.ch_b[cands][:, None])
        gain = information_gain(p, p_level, model.to_level, p_right)
        if gain.max() < self.min_gain:
            return result(None, StopReason.NO_INFORMATIVE)
        kk = min(self.top_k, cands.size)
        top = np.sort(cands[np.argpartition(-gain, kk - 1)[:kk]])
        return result(catalog.challenges[int(top[rng.integers(top.size)])].id, None)

    def knowledge(self, catalog: Catalog, state: AssessmentState) -> tuple[KnowledgeElement, ...]:
        sl = require_competence(catalog, state)
        k = slice_knowledge(catalog, sl, state.answers, state.knowledge)
        if sl.n_skills == 0:
            return ()
        p, p_level, model = self.posterior(catalog, k)
        best = model.levels[int(np.argmax(p_level))]
        in_level = model.reported == best
        theta = float((p * in_level) @ model.grid / (p * in_level).sum())
        return knowledge_from_mask(k, model.skill_b <= theta)
