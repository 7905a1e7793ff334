"""The interface every selection algorithm implements, and helpers they share."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from pix_lti.engine.catalog import Catalog, CompetenceSlice
from pix_lti.engine.types import AssessmentState, KnowledgeElement, Selection


@runtime_checkable
class Selector(Protocol):
    """A selection algorithm.  Implementations are immutable and hold only configuration, so one
    instance can serve every request; all learner state comes in through ``state``.

    ``next_challenge`` returns the next challenge id, or ``None`` with a ``stop_reason``.
    ``knowledge`` returns the knowledge elements the algorithm stands behind given the state
    (prior elements included); score them with ``scoring.score_competence``/``score_profile``.
    Given the same catalog, state and RNG state, both are deterministic.
    """

    name: str

    def next_challenge(
        self, catalog: Catalog, state: AssessmentState, rng: np.random.Generator
    ) -> Selection: ...

    def knowledge(self, catalog: Catalog, state: AssessmentState) -> tuple[KnowledgeElement, ...]: ...


def require_competence(catalog: Catalog, state: AssessmentState) -> CompetenceSlice:
    if state.competence is None:
        raise ValueError("this algorithm assesses one competence: state.competence is required")
    return catalog.slice(state.competence)


def pick_challenge(
    sl: CompetenceSlice,
    local_skill: int,
    avoid_timed: bool,
    rng: np.random.Generator,
) -> int:
    """A uniformly random playable challenge of the skill (an untimed one after a timed answer,
    when the skill has one).  Returns the catalog challenge index."""
    pool = sl.skill_challenges[local_skill]
    if avoid_timed and sl.has_untimed[local_skill]:
        pool = sl.skill_untimed_challenges[local_skill]
    return int(pool[rng.integers(len(pool))])


def timed_filter(sl: CompetenceSlice, candidates: np.ndarray, last_timed: bool) -> np.ndarray:
    """No timed challenge right after a timed one, unless nothing else is left.

    ``candidates`` is a boolean mask over local skills; a skill stays when it has an untimed
    playable challenge.
    """
    if not last_timed:
        return candidates
    kept = candidates & sl.has_untimed
    return kept if kept.any() else candidates
