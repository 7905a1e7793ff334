"""``bayesian``: our default positioning engine (issue 4 §5b).

Model.  For one competence the learner has an unknown *depth* d ∈ {0 … D} (D = highest active
level of the competence): they master every skill of level ≤ d and none above.  An answer on a
skill of level ℓ is right with probability 1 − slip when ℓ ≤ d and ``guess`` otherwise (defaults
0.10 / 0.20); only ``ok`` is right (skips, timeouts, focus losses, partial answers are wrong).
The evidence is every direct observation: earlier DIRECT knowledge elements and this assessment's
answers.  Because it is a likelihood, not a rule, one wrong answer only lowers the odds of the high
depths by a factor 8; more right answers above it win them back, so a single slip cannot sink a
strong learner (Pix inference would invalidate the rest of the tube for good).

Reported level.  Depth d maps to the Pix level of "every skill ≤ d validated": the exact pix
``depth_pix[d]`` of the competence, floored and capped by the scoring rules (``max_level``,
default 6).  The posterior over d is pushed onto these reported levels R; the prior is uniform over
the distinct reported levels.  So the level the engine is confident about is by construction what
the pix say, even when a level has a single skill (4 pix) or levels above the cap exist.

Selection.  Candidates are playable skills without a direct answer (one challenge per skill),
with the timed-spacing rule.  Pix tube inference decides the order, not what may be asked
(``inferred``, default ``"last"``): a skill that an answer in its tube has validated or
invalidated by inference has not been observed, and only its own answer can confirm or overturn
the inference (a guess on a hard skill validates the easier ones of the tube; a slip on an easy
one invalidates the harder ones).  So, among equally informative candidates, skills nothing has
inferred go first, and an inferred skill is asked only when no such skill is left at that level
(the same holds for a skill an earlier assessment only estimated; a direct answer, earlier or in
this assessment, is never asked again).
``inferred="never"`` is the strict rule (an inferred skill is never asked): on the benchmark it
costs about half a point of exact accuracy because, with 2–4 skills at some levels, the skills
that decide the boundary level are often the inferred ones (docs/benchmarks.md, Engine).  An
answer's likelihood depends only on the skill's level, so the expected information gain
I(answer; R) is computed once per candidate level; the skill is drawn uniformly among the
candidates within ``gain_tolerance`` of the best gain (randomesque exposure control: every skill
of the chosen level shares the exposure), then a challenge uniformly among its playable ones.

Stop when P(R = r) ≥ ``confidence`` (0.995) for some r, when the best remaining gain is below
``min_gain`` bits (or nothing is left), or after ``max_length`` (30) answers.  ``min_gain`` also
bounds the confidence in practice: near P = 0.99 one answer can no longer bring 0.01 bit, so the
two thresholds go together.  With one challenge per skill, a competence whose boundary level has
only 2–4 skills can run out of evidence before the confidence is reached: the engine then stops
(``no_informative_item``) and reports the most probable level — nothing else it could ask would
change the decision noticeably.  The most probable level is also the decision that maximises the
expected exact accuracy (the posterior mode over reported levels).

Learner noise (``noise_strength`` > 0, off by default).  The slip/guess are then the learner's,
unknown: a Beta-prior grid around the defaults, updated by the learner's answers in other
competences (``AssessmentState.history``) and marginalised in the current one (``noise.py``).  On the
benchmark a learner's ~150 adaptive answers leave the noise too uncertain for this to pay
(docs/benchmarks.md, Engine), so the default keeps the fixed noise.

Knowledge output.  ``knowledge`` validates every active skill up to the most probable depth d̂
within the most probable reported level, and invalidates every skill above it
(``inference.knowledge_from_depth``), so scoring these elements gives exactly the reported level.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from pix_lti.engine.catalog import Catalog, CompetenceSlice
from pix_lti.engine.inference import UNTESTED, SliceKnowledge, knowledge_from_depth, slice_knowledge
from pix_lti.engine.scoring import score_from_exact_pix
from pix_lti.engine.selection.base import pick_challenge, require_competence, timed_filter
from pix_lti.engine.selection.noise import (
    LearnerNoise,
    NoiseGrid,
    level_counts,
    log_likelihood,
    noise_grid,
    summed_predictive_log_likelihood,
)
from pix_lti.engine.types import (
    DEFAULT_MAX_REACHABLE_LEVEL,
    AssessmentState,
    KnowledgeElement,
    LearnerHistory,
    Selection,
    StopReason,
)

FloatArray = NDArray[np.float64]
INFERRED_RULES = ("last", "never", "any")


def _entropy(p: FloatArray) -> FloatArray:
    """Binary entropy in bits, elementwise (0 at p ∈ {0, 1})."""
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return -(q * np.log2(q) + (1 - q) * np.log2(1 - q))


def information_gain(
    p_state: FloatArray, p_level: FloatArray, to_level: FloatArray, p_right: FloatArray
) -> FloatArray:
    """I(answer; reported level) in bits for each row of ``p_right`` (P(right | state), C × S).

    ``p_state``: posterior over the S states; ``to_level``: (S × R) 0/1 state → reported level;
    ``p_level`` = p_state @ to_level.  I = H(answer) − Σ_r P(r) H(answer | r).
    """
    by_level_right = (p_right * p_state[None, :]) @ to_level  # P(right, R = r)
    total_right = by_level_right.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = np.where(p_level[None, :] > 0, by_level_right / p_level[None, :], 0.0)
    return _entropy(total_right) - (_entropy(cond) * p_level[None, :]).sum(axis=1)


@dataclass(frozen=True, eq=False)
class _DepthModel:
    """Per competence and cap: depths, their reported levels, the prior and aggregation matrix."""

    reported: NDArray[np.int64]  # depth → reported level
    levels: NDArray[np.int64]  # distinct reported levels, increasing
    to_level: FloatArray  # (depths × distinct levels) 0/1 aggregation
    log_prior: FloatArray  # over depths


@lru_cache(maxsize=256)
def _depth_model(sl: CompetenceSlice, max_level: int) -> _DepthModel:
    depths = range(sl.max_level + 1)
    reported = np.array(
        [score_from_exact_pix(sl.code, sl.depth_pix[d], max_level).level for d in depths], dtype=np.int64
    )
    levels = np.unique(reported)
    to_level = (reported[:, None] == levels[None, :]).astype(np.float64)
    # Uniform over reported levels, shared equally by the depths that report the same level.
    prior = (to_level / to_level.sum(axis=0)[None, :]).sum(axis=1) / len(levels)
    return _DepthModel(reported=reported, levels=levels, to_level=to_level, log_prior=np.log(prior))


@dataclass(frozen=True)
class Posterior:
    depth: FloatArray  # P(d) for d = 0..D
    level: FloatArray  # P(R = r) over ``levels``
    levels: NDArray[np.int64]
    model: _DepthModel
    hit: FloatArray  # P(right | d) on a mastered skill (1 − slip, noise marginalised), per depth
    guess: FloatArray  # P(right | d) on a skill above d (guess, noise marginalised), per depth

    @property
    def best_level(self) -> int:
        return int(self.levels[int(np.argmax(self.level))])

    @property
    def confidence(self) -> float:
        return float(self.level.max())

    @property
    def best_depth(self) -> int:
        """Most probable depth among those reporting the most probable level."""
        masked = np.where(self.model.reported == self.best_level, self.depth, -1.0)
        return int(np.argmax(masked))

    @property
    def expected_level(self) -> float:
        return float(self.level @ self.levels)

    def level_probabilities(self, max_level: int) -> tuple[float, ...]:
        out = np.zeros(max_level + 1)
        out[self.levels] = self.level
        return tuple(float(x) for x in out)


@dataclass(frozen=True)
class BayesianSelector:
    """Posterior over the level with slip/guess answers, information-gain selection."""

    slip: float = 0.10
    guess: float = 0.20
    confidence: float = 0.995
    max_length: int = 30
    min_gain: float = 0.01  # bits
    gain_tolerance: float = 0.0  # relative: candidates within it of the best gain are drawn from
    max_level: int = DEFAULT_MAX_REACHABLE_LEVEL
    inferred: str = "last"  # skills Pix inference decided: "last" asked after the others, "never", "any"
    # Prior strength (pseudo-answers) of the learner's noise around (slip, guess); 0 = fixed noise.
    noise_strength: float = 0.0
    name: str = "bayesian"

    def __post_init__(self) -> None:
        if not (0 < self.slip < 0.5 and 0 < self.guess < 0.5 and self.guess < 1 - self.slip):
            raise ValueError("need 0 < slip, guess < 0.5")
        if not 0.5 < self.confidence < 1:
            raise ValueError("confidence must be in (0.5, 1)")
        if self.noise_strength < 0:
            raise ValueError("noise_strength must be ≥ 0 (0: fixed noise)")
        if self.inferred not in INFERRED_RULES:
            raise ValueError(f"inferred must be one of {', '.join(INFERRED_RULES)}")

    # -- model -------------------------------------------------------------------------------
    @property
    def grid(self) -> NoiseGrid:
        return noise_grid(self.slip, self.guess, self.noise_strength)

    def p_right_by_depth(self, skill_levels: NDArray[np.int64], n_depths: int) -> FloatArray:
        """P(right | depth) for skills of the given levels under the default noise: (levels × depths)."""
        known = np.arange(n_depths)[None, :] >= skill_levels[:, None]
        return np.where(known, 1.0 - self.slip, self.guess)

    def learner_noise(self, catalog: Catalog, history: LearnerHistory | None, competence: str) -> LearnerNoise:
        """The noise posterior after the learner's earlier answers on other competences."""
        grid = self.grid
        if history is None or not history.answers or grid.size == 1:
            return LearnerNoise(grid, grid.log_prior, 0)
        return _learner_noise(grid, catalog, self.max_level, history, competence)

    def posterior(self, k: SliceKnowledge, noise: LearnerNoise | None = None) -> Posterior:
        """Posterior over the depth (and the reported level), the learner's noise marginalised."""
        model = _depth_model(k.sl, self.max_level)
        grid = self.grid if noise is None else noise.grid
        log_w = grid.log_prior if noise is None else noise.log_weight
        n_depths = len(model.log_prior)
        if k.evidence:
            locals_, rights = zip(*k.evidence)
            r, w = level_counts(k.sl.level[list(locals_)], np.array(rights, dtype=bool), n_depths)
            log_joint = log_likelihood(grid, r, w) + log_w[:, None] + model.log_prior[None, :]
        else:
            log_joint = log_w[:, None] + model.log_prior[None, :]
        joint = np.exp(log_joint - log_joint.max())  # (H × depths)
        joint /= joint.sum()
        depth = joint.sum(axis=0)
        safe = np.where(depth > 0, depth, 1.0)
        hit = (1.0 - grid.slip) @ joint / safe
        guess = grid.guess @ joint / safe
        return Posterior(
            depth=depth, level=depth @ model.to_level, levels=model.levels, model=model, hit=hit, guess=guess
        )

    def gains(self, post: Posterior, skill_levels: NDArray[np.int64]) -> FloatArray:
        """Expected information gain I(answer; reported level), in bits, for each skill level."""
        known = np.arange(len(post.depth))[None, :] >= skill_levels[:, None]
        p1 = np.where(known, post.hit[None, :], post.guess[None, :])  # P(right | d), noise marginalised
        return information_gain(post.depth, post.level, post.model.to_level, p1)

    # -- selector interface ------------------------------------------------------------------
    def _askable(self, k: SliceKnowledge) -> NDArray[np.bool_]:
        """Skills that may still be asked: without a direct answer (one challenge per skill), and,
        with ``inferred="never"``, also without an inferred knowledge element (strict Pix rule)."""
        if self.inferred == "never":
            return k.untested()
        askable = np.ones(k.sl.n_skills, dtype=bool)
        askable[[local for local, _ in k.evidence]] = False
        return askable

    def _state(self, catalog: Catalog, state: AssessmentState) -> tuple[SliceKnowledge, Posterior]:
        sl = require_competence(catalog, state)
        k = slice_knowledge(catalog, sl, state.answers, state.knowledge)
        noise = self.learner_noise(catalog, state.history, sl.code) if self.noise_strength > 0 else None
        return k, self.posterior(k, noise)

    def next_challenge(
        self, catalog: Catalog, state: AssessmentState, rng: np.random.Generator
    ) -> Selection:
        k, post = self._state(catalog, state)
        sl = k.sl

        def stop(reason: StopReason) -> Selection:
            return Selection(
                None,
                reason,
                estimate=post.expected_level,
                confidence=post.confidence,
                level_probabilities=post.level_probabilities(self.max_level),
            )

        if sl.n_skills == 0:
            return stop(StopReason.NO_CANDIDATE)
        if post.confidence >= self.confidence:
            return stop(StopReason.CONFIDENT)
        if k.n_answers >= self.max_length:
            return stop(StopReason.MAX_LENGTH)
        mask = timed_filter(sl, sl.playable & self._askable(k), k.last_timed)
        cands = np.flatnonzero(mask)
        if cands.size == 0:
            return stop(StopReason.NO_CANDIDATE)
        level_gain = self.gains(post, np.arange(sl.max_level + 1))  # indexed by level (row 0 unused)
        gain = level_gain[sl.level[cands]]
        best = float(gain.max())
        if best < self.min_gain:
            return stop(StopReason.NO_INFORMATIVE)
        pool = cands[gain >= best * (1.0 - self.gain_tolerance) - 1e-12]
        if self.inferred == "last":  # untested skills first; inferred ones when none is left
            untested = pool[k.status[pool] == UNTESTED]
            pool = untested if untested.size else pool
        skill = int(pool[rng.integers(pool.size)])
        ci = pick_challenge(sl, skill, k.last_timed, rng)
        return Selection(
            catalog.challenges[ci].id,
            None,
            estimate=post.expected_level,
            confidence=post.confidence,
            level_probabilities=post.level_probabilities(self.max_level),
        )

    def knowledge(self, catalog: Catalog, state: AssessmentState) -> tuple[KnowledgeElement, ...]:
        k, post = self._state(catalog, state)
        if k.sl.n_skills == 0:
            return ()
        return knowledge_from_depth(k, post.best_depth)


def _depth_priors(max_level: int) -> Callable[[Catalog], FloatArray]:
    """(competences × deepest depth + 1) log depth priors, −inf past a competence's own depths."""

    def build(catalog: Catalog) -> FloatArray:
        models = [_depth_model(catalog.slice(code), max_level) for code in catalog.competences]
        out = np.full((len(models), max(len(m.log_prior) for m in models)), -np.inf)
        for j, m in enumerate(models):
            out[j, : len(m.log_prior)] = m.log_prior
        return out

    return build


@lru_cache(maxsize=64)
def _learner_noise(
    grid: NoiseGrid, catalog: Catalog, max_level: int, history: LearnerHistory, competence: str
) -> LearnerNoise:
    """Noise posterior from the earlier answers, one posterior-predictive factor per competence
    (all competences in one array operation).  Cached per history object (hashed by identity):
    the calls of one assessment share it."""
    index = catalog.challenge_index
    found = [index[a.challenge_id] for a in history.answers if a.challenge_id in index]
    ok = [a.result.is_success for a in history.answers if a.challenge_id in index]
    current = catalog.competences.index(competence)
    ci = np.array(found, dtype=np.int64)
    right = np.array(ok, dtype=bool)
    keep = catalog.sk_active[catalog.ch_skill[ci]] & (catalog.ch_competence[ci] != current)
    ci, right = ci[keep], right[keep]
    if ci.size == 0:
        return LearnerNoise(grid, grid.log_prior, 0)
    priors = catalog.derived(f"bayesian.depth_priors.{max_level}", _depth_priors(max_level))
    comps, row = np.unique(catalog.ch_competence[ci], return_inverse=True)
    n_depths = priors.shape[1]
    flat = row * n_depths + catalog.ch_level[ci]
    size = comps.size * n_depths
    r = np.bincount(flat[right], minlength=size).reshape(comps.size, n_depths).astype(np.float64)
    w = np.bincount(flat[~right], minlength=size).reshape(comps.size, n_depths).astype(np.float64)
    log_w = grid.log_prior + summed_predictive_log_likelihood(grid, priors[comps], r, w)
    log_w -= log_w.max()
    log_w -= np.log(np.exp(log_w).sum())
    return LearnerNoise(grid, log_w, int(ci.size))
