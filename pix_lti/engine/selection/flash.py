"""``flash``: the certification engine (issue 4 §5c), one ability θ across all competences.

Estimation.  2PL items, P(right) = 1 / (1 + exp(a (b − θ))); θ is the EAP (posterior mean) on a
grid (−4.5 … 4.5 by 0.1) with a N(0, 1) prior; ``confidence`` in the result is the posterior SD.

Selection, at every step, among playable challenges:
1. one question per tube: no challenge from a tube already answered;
2. every competence is visited before any repeats, in rounds: only the least visited competences
   (that still have a fresh tube) are eligible — with 32 questions, each of the 16 twice;
3. no competence twice within 2 answers: the competences of the last ``competence_gap`` (2)
   answers are excluded (relaxed only if nothing else is left);
4. no timed challenge right after a timed one (another competence is tried; relaxed if none has
   an untimed challenge left);
5. exposure control: the competence is drawn uniformly among the eligible ones, and during the
   first ``low_a_until`` (8) answers — while θ̂ is still near 0 for everyone — only challenges
   with a discrimination at most the bank's median are used (a light a-stratification); without
   these two, the few most discriminating items near b = 0 reach ~60% exposure;
6. rank the competence's remaining challenges by Fisher information a² P (1 − P) at θ̂ and draw
   uniformly among the top ``top_k`` (5);
7. stop after ``length`` (32) answers, or when nothing is eligible.

θ → pix and levels (``theta_knowledge`` / ``theta_scores``).  A skill's difficulty on the θ scale
is the median b of its playable challenges (``Catalog.sk_difficulty``); at ability θ a skill is
validated when θ ≥ its difficulty (the learner answers its challenges right at least half the
time) and invalidated otherwise.  These knowledge elements are scored with the ordinary Pix rules
(``scoring.py``), which gives the pix and level per competence and the total out of 1024.  The
mapping is monotone in θ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pix_lti.engine.catalog import Catalog
from pix_lti.engine.irt import eap, fisher_information, log_likelihood, normal_log_prior, theta_grid
from pix_lti.engine.scoring import score_profile
from pix_lti.engine.types import (
    DEFAULT_MAX_REACHABLE_LEVEL,
    AssessmentState,
    KnowledgeElement,
    KnowledgeSource,
    KnowledgeStatus,
    ProfileScore,
    Selection,
    StopReason,
)


@dataclass(frozen=True, eq=False)
class _FlashIndex:
    comp_items: tuple[NDArray[np.int64], ...]  # per competence: playable challenge indices
    n_tubes: NDArray[np.int64]  # per competence: tubes with a playable challenge
    tube_comp: NDArray[np.int64]  # per catalog tube: its competence
    tube_playable: NDArray[np.bool_]  # per catalog tube: has a playable challenge
    median_a: float


def _build_index(catalog: Catalog) -> _FlashIndex:
    playable = catalog.playable_challenges
    items = tuple(
        playable[catalog.ch_competence[playable] == c] for c in range(len(catalog.competences))
    )
    tube_comp = np.zeros(len(catalog.tubes), dtype=np.int64)
    tube_comp[catalog.sk_tube] = catalog.sk_competence
    tube_playable = np.zeros(len(catalog.tubes), dtype=bool)
    tube_playable[catalog.ch_tube[playable]] = True
    n_tubes = np.bincount(tube_comp[tube_playable], minlength=len(catalog.competences))
    median_a = float(np.median(catalog.ch_a[playable])) if playable.size else 0.0
    return _FlashIndex(items, n_tubes, tube_comp, tube_playable, median_a)


def _flash_index(catalog: Catalog) -> _FlashIndex:
    return catalog.derived("flash", _build_index)


@dataclass(frozen=True)
class ThetaEstimate:
    theta: float
    sd: float
    n_answers: int


@dataclass(frozen=True)
class FlashSelector:
    length: int = 32
    top_k: int = 5
    competence_gap: int = 2
    low_a_until: int = 8
    prior_mean: float = 0.0
    prior_sd: float = 1.0
    name: str = "flash"
    grid: NDArray[np.float64] = field(default_factory=theta_grid, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.length < 1 or self.top_k < 1 or self.competence_gap < 0 or self.prior_sd <= 0:
            raise ValueError("invalid flash configuration")

    def _answered(self, catalog: Catalog, state: AssessmentState) -> tuple[list[int], list[bool]]:
        """Catalog indices and outcomes of the answers that count (known challenges, and of the
        state's competence when one is set)."""
        idx: list[int] = []
        right: list[bool] = []
        comp = None if state.competence is None else catalog.competences.index(state.competence)
        for a in state.answers:
            ci = catalog.challenge_index.get(a.challenge_id)
            if ci is None or (comp is not None and catalog.ch_competence[ci] != comp):
                continue
            idx.append(ci)
            right.append(a.result.is_success)
        return idx, right

    def estimate_from(self, catalog: Catalog, idx: list[int], right: list[bool]) -> ThetaEstimate:
        log_post = normal_log_prior(self.grid, self.prior_mean, self.prior_sd)
        if idx:
            arr = np.array(idx, dtype=np.int64)
            log_post = log_post + log_likelihood(self.grid, catalog.ch_a[arr], catalog.ch_b[arr], right)
        theta, sd = eap(self.grid, log_post)
        return ThetaEstimate(theta, sd, len(idx))

    def estimate(self, catalog: Catalog, state: AssessmentState) -> ThetaEstimate:
        return self.estimate_from(catalog, *self._answered(catalog, state))

    def _competences(
        self, catalog: Catalog, state: AssessmentState, idx: list[int], used: NDArray[np.bool_]
    ) -> list[int]:
        """Competences the next question may come from (rules 1–3), as catalog indices."""
        fx = _flash_index(catalog)
        if state.competence is not None:
            pool = [catalog.competences.index(state.competence)]
        else:
            pool = list(range(len(catalog.competences)))
        # Rule 1: a competence stays open while it has a tube not used yet.
        used_per_comp = np.bincount(fx.tube_comp[used & fx.tube_playable], minlength=len(catalog.competences))
        open_comps = [c for c in pool if fx.n_tubes[c] > used_per_comp[c]]
        if not open_comps:
            return []
        visits = np.bincount(catalog.ch_competence[idx], minlength=len(catalog.competences)) if idx else None
        if visits is not None:
            # Rule 2, in rounds: only the least visited competences (all before any repeat, all
            # twice before any third visit...).
            least = min(int(visits[c]) for c in open_comps)
            open_comps = [c for c in open_comps if visits[c] == least]
            recent = {int(catalog.ch_competence[i]) for i in idx[-self.competence_gap :]} if self.competence_gap else set()
            spaced = [c for c in open_comps if c not in recent]  # rule 3, relaxed if nothing else
            if spaced:
                open_comps = spaced
        return open_comps

    def _items(
        self, catalog: Catalog, comp: int, used: NDArray[np.bool_], avoid_timed: bool
    ) -> NDArray[np.int64]:
        items = _flash_index(catalog).comp_items[comp]
        items = items[~used[catalog.ch_tube[items]]]
        if avoid_timed:
            return items[~catalog.ch_timed[items]]
        return items

    def next_challenge(
        self, catalog: Catalog, state: AssessmentState, rng: np.random.Generator
    ) -> Selection:
        idx, right = self._answered(catalog, state)
        est = self.estimate_from(catalog, idx, right)
        if len(idx) >= self.length:
            return Selection(None, StopReason.MAX_LENGTH, estimate=est.theta, confidence=est.sd)
        used = np.zeros(len(catalog.tubes), dtype=bool)
        used[catalog.ch_tube[idx]] = True
        comps = self._competences(catalog, state, idx, used)
        if not comps:
            return Selection(None, StopReason.NO_CANDIDATE, estimate=est.theta, confidence=est.sd)
        # Exposure control: the competence is drawn first, uniformly among the eligible ones, so
        # the bank's few most informative items are not shown to every average learner.  Rule 4
        # (no timed after timed) moves on to another competence, or gives in if none has one.
        order = [comps[i] for i in rng.permutation(len(comps))]
        last_timed = bool(idx) and bool(catalog.ch_timed[idx[-1]])
        cands = np.zeros(0, dtype=np.int64)
        for comp in order if last_timed else order[:1]:
            cands = self._items(catalog, comp, used, last_timed)
            if cands.size:
                break
        if cands.size == 0:
            cands = self._items(catalog, order[0], used, False)
        if len(idx) < self.low_a_until:
            # Exposure control: the first answers, while θ̂ is still near the prior mean for
            # everyone, come from the less discriminating half of the bank; the most
            # discriminating items wait until θ̂ has spread out (a light a-stratification).
            low = cands[catalog.ch_a[cands] <= _flash_index(catalog).median_a]
            if low.size:
                cands = low
        info = fisher_information(est.theta, catalog.ch_a[cands], catalog.ch_b[cands])
        k = min(self.top_k, cands.size)
        top = cands[np.argpartition(-info, k - 1)[:k]] if k < cands.size else cands
        top = np.sort(top)  # argpartition order is unspecified: sort for determinism
        ci = int(top[rng.integers(top.size)])
        return Selection(catalog.challenges[ci].id, None, estimate=est.theta, confidence=est.sd)

    def knowledge(self, catalog: Catalog, state: AssessmentState) -> tuple[KnowledgeElement, ...]:
        theta = self.estimate(catalog, state).theta
        comps = None if state.competence is None else {state.competence}
        return theta_knowledge(catalog, theta, comps)


def theta_knowledge(
    catalog: Catalog, theta: float, competences: set[str] | None = None
) -> tuple[KnowledgeElement, ...]:
    """Knowledge elements at ability θ: an active skill is validated iff θ ≥ its difficulty."""
    out = []
    for code in catalog.competences:
        if competences is not None and code not in competences:
            continue
        sl = catalog.slice(code)
        validated = catalog.sk_difficulty[sl.skill_global] <= theta
        for sid, ok in zip(sl.skill_ids, validated.tolist()):
            out.append(
                KnowledgeElement(
                    skill_id=sid,
                    status=KnowledgeStatus.VALIDATED if ok else KnowledgeStatus.INVALIDATED,
                    source=KnowledgeSource.ESTIMATED,
                )
            )
    return tuple(out)


def theta_scores(
    catalog: Catalog, theta: float, max_level: int = DEFAULT_MAX_REACHABLE_LEVEL
) -> ProfileScore:
    """Pix per competence, levels and total at ability θ (see the module docstring)."""
    return score_profile(catalog, theta_knowledge(catalog, theta), max_level)
