"""Knowledge inference (issue 4 §2): what answers say about skills.

Pix tube inference, applied answer by answer in order:
- a right answer (``ok``) validates the skill (DIRECT) and every *untested* easier skill of the same
  tube (INFERRED);
- any other result (``ko``, ``aband``, ``timedout``, ``focusedOut``, ``partially``) invalidates the
  skill (DIRECT) and every *untested* harder skill of the same tube (INFERRED).
"Untested" means the skill has no knowledge element yet (neither direct nor inferred).  A direct
answer always (re)sets its own skill, even one that had an inferred element.

The bayesian engine reports knowledge differently (``knowledge_from_depth``): every active skill up
to the estimated depth is validated and every skill above it invalidated, so that the pix and the
level always agree with the estimate; see ``selection/bayesian.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pix_lti.engine.catalog import Catalog, CompetenceSlice
from pix_lti.engine.types import (
    Answer,
    KnowledgeElement,
    KnowledgeSource,
    KnowledgeStatus,
)

UNTESTED = 0
VALIDATED = 1
INVALIDATED = -1

_SOURCES = (None, KnowledgeSource.DIRECT, KnowledgeSource.INFERRED, KnowledgeSource.ESTIMATED)
_SOURCE_CODE = {s: i for i, s in enumerate(_SOURCES) if s is not None}


@dataclass(eq=False)
class SliceKnowledge:
    """Knowledge of one learner on one competence, under the slice's local skill indices.

    ``status``: 0 untested, 1 validated, −1 invalidated. ``source``: 0 none, 1 direct, 2 inferred,
    3 estimated. ``evidence``: the direct observations in order, as (local skill, right?) pairs —
    prior DIRECT elements first, then this assessment's answers; ``evidence_challenges`` gives
    the catalog index of each one's challenge (−1 when unknown).  ``last_timed``: whether the last
    answer of this assessment was on a timed challenge.
    """

    sl: CompetenceSlice
    status: NDArray[np.int8]
    source: NDArray[np.int8]
    challenge: list[str | None]
    evidence: list[tuple[int, bool]]
    evidence_challenges: list[int]
    n_answers: int = 0
    last_timed: bool = False

    def untested(self) -> NDArray[np.bool_]:
        return self.status == UNTESTED

    def elements(self) -> tuple[KnowledgeElement, ...]:
        out = []
        for i in np.flatnonzero(self.status != UNTESTED).tolist():
            out.append(
                KnowledgeElement(
                    skill_id=self.sl.skill_ids[i],
                    status=KnowledgeStatus.VALIDATED if self.status[i] == VALIDATED else KnowledgeStatus.INVALIDATED,
                    source=_SOURCES[int(self.source[i])],  # type: ignore[arg-type]
                    challenge_id=self.challenge[i],
                )
            )
        return tuple(out)


def _apply_answer(k: SliceKnowledge, local: int, right: bool, challenge_id: str) -> None:
    sl = k.sl
    lvl = sl.level[local]
    k.status[local] = VALIDATED if right else INVALIDATED
    k.source[local] = _SOURCE_CODE[KnowledgeSource.DIRECT]
    k.challenge[local] = challenge_id
    for other in sl.tube_skills[int(sl.tube[local])].tolist():
        if k.status[other] != UNTESTED:
            continue
        if (right and sl.level[other] < lvl) or (not right and sl.level[other] > lvl):
            k.status[other] = VALIDATED if right else INVALIDATED
            k.source[other] = _SOURCE_CODE[KnowledgeSource.INFERRED]
            k.challenge[other] = challenge_id


def slice_knowledge(
    catalog: Catalog,
    sl: CompetenceSlice,
    answers: Sequence[Answer],
    prior: Iterable[KnowledgeElement] = (),
) -> SliceKnowledge:
    """Fold prior knowledge elements and this assessment's answers (in order) for one competence.

    Answers on other competences, unknown challenges and non-active skills are ignored.
    """
    n = sl.n_skills
    k = SliceKnowledge(
        sl=sl,
        status=np.zeros(n, dtype=np.int8),
        source=np.zeros(n, dtype=np.int8),
        challenge=[None] * n,
        evidence=[],
        evidence_challenges=[],
    )
    for ke in prior:
        local = sl.local_index.get(ke.skill_id)
        if local is None:
            continue
        k.status[local] = VALIDATED if ke.status is KnowledgeStatus.VALIDATED else INVALIDATED
        k.source[local] = _SOURCE_CODE[ke.source]
        k.challenge[local] = ke.challenge_id
        if ke.source is KnowledgeSource.DIRECT:
            k.evidence.append((local, ke.status is KnowledgeStatus.VALIDATED))
            ci = -1 if ke.challenge_id is None else catalog.challenge_index.get(ke.challenge_id, -1)
            k.evidence_challenges.append(ci)
    ch_index = catalog.challenge_index
    for answer in answers:
        ci = ch_index.get(answer.challenge_id)
        if ci is None:
            continue
        local = sl.local_index.get(catalog.skills[int(catalog.ch_skill[ci])].id)
        if local is None:
            continue
        right = answer.result.is_success
        _apply_answer(k, local, right, answer.challenge_id)
        k.evidence.append((local, right))
        k.evidence_challenges.append(ci)
        k.n_answers += 1
        k.last_timed = bool(catalog.ch_timed[ci])
    return k


def infer_knowledge(
    catalog: Catalog,
    knowledge: Iterable[KnowledgeElement],
    answer: Answer,
) -> tuple[KnowledgeElement, ...]:
    """The knowledge elements created by one new answer, given the learner's current elements.

    Returns the direct element first, then the inferred ones (by tube order).  The caller stores
    them next to ``knowledge`` (replacing any element on the answered skill).
    """
    skill = catalog.skill_of(answer.challenge_id)
    sl = catalog.slice(skill.competence)
    local = sl.local_index.get(skill.id)
    if local is None:  # archived skill: nothing to record
        return ()
    before = slice_knowledge(catalog, sl, (), knowledge)
    prev_status = before.status.copy()
    prev_status[local] = UNTESTED  # the direct element always counts as new
    _apply_answer(before, local, answer.result.is_success, answer.challenge_id)
    changed = np.flatnonzero(before.status != prev_status).tolist()
    changed.sort(key=lambda i: (i != local, int(sl.level[i])))
    elements = {ke.skill_id: ke for ke in before.elements()}
    return tuple(elements[sl.skill_ids[i]] for i in changed)


def knowledge_from_answers(
    catalog: Catalog,
    answers: Sequence[Answer],
    prior: Iterable[KnowledgeElement] = (),
) -> tuple[KnowledgeElement, ...]:
    """All knowledge elements (prior + this assessment's answers) with Pix tube inference.

    Prior elements on skills outside every slice (archived skills) are kept unchanged.
    """
    prior_t = tuple(prior)
    by_comp: dict[str, list[Answer]] = {}
    for a in answers:
        if a.challenge_id in catalog.challenge_index:
            by_comp.setdefault(catalog.competence_of(a.challenge_id), []).append(a)
    out: list[KnowledgeElement] = []
    covered: set[str] = set()
    for code in catalog.competences:
        sl = catalog.slice(code)
        covered.update(sl.skill_ids)
        out.extend(slice_knowledge(catalog, sl, by_comp.get(code, ()), prior_t).elements())
    out.extend(ke for ke in prior_t if ke.skill_id not in covered)
    return tuple(out)


def knowledge_from_mask(k: SliceKnowledge, validated: NDArray[np.bool_]) -> tuple[KnowledgeElement, ...]:
    """Knowledge elements validating exactly the competence's active skills in ``validated``.

    The source is DIRECT when the skill's own answer agrees, ESTIMATED otherwise (untested,
    inferred, or an answer the estimate overrides — e.g. a strong learner's single slip).
    """
    sl = k.sl
    observed: dict[int, bool] = {}
    for local, right in k.evidence:
        observed[local] = right  # the last observation of a skill wins
    out = []
    for i in range(sl.n_skills):
        ok = bool(validated[i])
        agrees = observed.get(i) is ok
        out.append(
            KnowledgeElement(
                skill_id=sl.skill_ids[i],
                status=KnowledgeStatus.VALIDATED if ok else KnowledgeStatus.INVALIDATED,
                source=KnowledgeSource.DIRECT if agrees else KnowledgeSource.ESTIMATED,
                challenge_id=k.challenge[i] if agrees else None,
            )
        )
    return tuple(out)


def knowledge_from_depth(k: SliceKnowledge, depth: int) -> tuple[KnowledgeElement, ...]:
    """Knowledge elements stating "masters every skill up to ``depth``" on one competence:
    every active skill of level ≤ depth validated, every other one invalidated."""
    return knowledge_from_mask(k, k.sl.level <= depth)
