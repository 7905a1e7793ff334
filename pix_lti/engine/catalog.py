"""The catalog: every skill and challenge of one content version, indexed once with numpy arrays.

Build it once per content version (``Catalog.build``) and cache it: a selection call then only
looks arrays up.  Nothing here depends on a learner.

Indexing conventions
- catalog arrays (``sk_*`` per skill, ``ch_*`` per challenge) use the order of the input tuples;
- a ``CompetenceSlice`` lists the *active* skills of one competence under *local* indices
  0..n−1, ordered by tube then level, with per-tube and per-level index arrays.
- a challenge is *playable* when it is validated and its skill is active.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from pix_lti.engine.irt import default_item_parameters, level_difficulty
from pix_lti.engine.scoring import pix_per_skill
from pix_lti.engine.types import (
    Challenge,
    ChallengeStatus,
    KnowledgeElement,
    KnowledgeStatus,
    Skill,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
T = TypeVar("T")


def competence_sort_key(code: str) -> tuple[int | str, ...]:
    """Natural order of competence codes: "1.2" < "1.10"."""
    return tuple(int(p) if p.isdigit() else p for p in code.split("."))


@dataclass(frozen=True, eq=False)
class CompetenceSlice:
    """The active skills of one competence, under local indices, with everything selection needs."""

    code: str
    skill_ids: tuple[str, ...]
    skill_global: IntArray  # local skill → catalog skill index
    level: IntArray  # local skill → level 1..8
    tube: IntArray  # local skill → local tube index
    tube_names: tuple[str, ...]
    tube_skills: tuple[IntArray, ...]  # local tube → its local skills, by increasing level
    tube_max_level: IntArray  # local tube → highest active level
    skill_challenges: tuple[IntArray, ...]  # local skill → playable catalog challenge indices
    skill_untimed_challenges: tuple[IntArray, ...]  # the untimed ones among them
    playable: BoolArray  # local skill has at least one playable challenge
    has_untimed: BoolArray  # local skill has at least one playable untimed challenge
    pix_value: tuple[Fraction, ...]  # local skill → pix when validated
    local_index: dict[str, int]  # skill id → local index

    @property
    def n_skills(self) -> int:
        return len(self.skill_ids)

    @cached_property
    def max_level(self) -> int:
        return int(self.level.max()) if self.n_skills else 0

    @cached_property
    def depth_pix(self) -> tuple[Fraction, ...]:
        """Exact pix of a learner who masters every skill up to depth d (d = 0..8).

        The bayesian engine reports "depth d" as these pix; precomputed once per slice.
        """
        per_level = [Fraction(0)] * 9
        for lvl, value in zip(self.level.tolist(), self.pix_value):
            per_level[lvl] += value
        out = [Fraction(0)]
        for d in range(1, 9):
            out.append(out[-1] + per_level[d])
        return tuple(out)

    @cached_property
    def tube_le(self) -> BoolArray:
        """``tube_le[i, j]``: skill j is in skill i's tube with level ≤ level(i) (smart random reward)."""
        same = self.tube[:, None] == self.tube[None, :]
        return same & (self.level[None, :] <= self.level[:, None])

    @cached_property
    def tube_ge(self) -> BoolArray:
        """``tube_ge[i, j]``: skill j is in skill i's tube with level ≥ level(i)."""
        same = self.tube[:, None] == self.tube[None, :]
        return same & (self.level[None, :] >= self.level[:, None])

    def exact_pix(self, knowledge: Iterable[KnowledgeElement]) -> Fraction:
        """Exact pix of the validated knowledge elements on this competence's active skills.

        When a skill has several elements the last one wins (the app should keep one per skill).
        """
        status: dict[int, bool] = {}
        for ke in knowledge:
            local = self.local_index.get(ke.skill_id)
            if local is not None:
                status[local] = ke.status is KnowledgeStatus.VALIDATED
        return sum((self.pix_value[i] for i, ok in status.items() if ok), Fraction(0))


class Catalog:
    """All skills and challenges of a content version. Immutable after ``build``."""

    def __init__(
        self,
        skills: tuple[Skill, ...],
        challenges: tuple[Challenge, ...],
        version: str = "",
    ) -> None:
        self.version = version
        self._derived: dict[str, Any] = {}
        self.skills = skills
        self.challenges = challenges
        self.skill_index: dict[str, int] = {}
        for i, s in enumerate(skills):
            if s.id in self.skill_index:
                raise ValueError(f"duplicate skill id {s.id}")
            self.skill_index[s.id] = i
        self.challenge_index: dict[str, int] = {}
        for i, c in enumerate(challenges):
            if c.id in self.challenge_index:
                raise ValueError(f"duplicate challenge id {c.id}")
            if c.skill_id not in self.skill_index:
                raise ValueError(f"challenge {c.id}: unknown skill {c.skill_id}")
            self.challenge_index[c.id] = i

        self.competences: tuple[str, ...] = tuple(
            sorted({s.competence for s in skills}, key=competence_sort_key)
        )
        comp_idx = {c: i for i, c in enumerate(self.competences)}
        self.tubes: tuple[str, ...] = tuple(sorted({s.tube for s in skills}))
        tube_idx = {t: i for i, t in enumerate(self.tubes)}
        self._check_tubes(skills)

        # Per skill.
        self.sk_level: IntArray = np.array([s.level for s in skills], dtype=np.int64)
        self.sk_competence: IntArray = np.array([comp_idx[s.competence] for s in skills], dtype=np.int64)
        self.sk_tube: IntArray = np.array([tube_idx[s.tube] for s in skills], dtype=np.int64)
        self.sk_active: BoolArray = np.array([s.active for s in skills], dtype=bool)

        # Per challenge; uncalibrated parameters come from the skill level.
        n = len(challenges)
        self.ch_skill: IntArray = np.array(
            [self.skill_index[c.skill_id] for c in challenges], dtype=np.int64
        ).reshape(n)
        self.ch_level: IntArray = self.sk_level[self.ch_skill]
        self.ch_competence: IntArray = self.sk_competence[self.ch_skill]
        self.ch_tube: IntArray = self.sk_tube[self.ch_skill]
        a = np.empty(n)
        b = np.empty(n)
        for i, c in enumerate(challenges):
            da, db = default_item_parameters(int(self.ch_level[i]))
            a[i] = da if c.discrimination is None else c.discrimination
            b[i] = db if c.difficulty is None else c.difficulty
        self.ch_a: FloatArray = a
        self.ch_b: FloatArray = b
        self.ch_timed: BoolArray = np.array([c.timed for c in challenges], dtype=bool).reshape(n)
        self.ch_focused: BoolArray = np.array([c.focused for c in challenges], dtype=bool).reshape(n)
        validated = np.array(
            [c.status is ChallengeStatus.VALIDATED for c in challenges], dtype=bool
        ).reshape(n)
        self.ch_playable: BoolArray = validated & self.sk_active[self.ch_skill]
        self.playable_challenges: IntArray = np.flatnonzero(self.ch_playable)

        # Skill difficulty on the θ scale: median b of its playable challenges (nominal if none).
        # Used by flash to turn θ into validated skills, pix and levels.
        sk_b = np.array([level_difficulty(s.level) for s in skills], dtype=np.float64)
        by_skill: dict[int, list[float]] = defaultdict(list)
        for i in self.playable_challenges.tolist():
            by_skill[int(self.ch_skill[i])].append(float(b[i]))
        for si, bs in by_skill.items():
            sk_b[si] = float(np.median(bs))
        self.sk_difficulty: FloatArray = sk_b

        self._slices = {code: self._build_slice(code) for code in self.competences}
        for sl in self._slices.values():  # warm the cached tables now, not during a request
            _ = (sl.max_level, sl.depth_pix, sl.tube_le, sl.tube_ge)

    @classmethod
    def build(
        cls, skills: Iterable[Skill], challenges: Iterable[Challenge], version: str = ""
    ) -> Catalog:
        """Index a content version. Raises ``ValueError`` on inconsistent content."""
        return cls(tuple(skills), tuple(challenges), version)

    @staticmethod
    def _check_tubes(skills: Sequence[Skill]) -> None:
        seen: dict[tuple[str, int], str] = {}
        tube_comp: dict[str, str] = {}
        for s in skills:
            if tube_comp.setdefault(s.tube, s.competence) != s.competence:
                raise ValueError(f"tube {s.tube} spans competences {tube_comp[s.tube]} and {s.competence}")
            if not s.active:
                continue
            key = (s.tube, s.level)
            if key in seen:
                raise ValueError(f"tube {s.tube} has two active level-{s.level} skills: {seen[key]}, {s.id}")
            seen[key] = s.id

    def _build_slice(self, code: str) -> CompetenceSlice:
        members = [i for i, s in enumerate(self.skills) if s.competence == code and s.active]
        members.sort(key=lambda i: (self.skills[i].tube, self.skills[i].level))
        skill_global = np.array(members, dtype=np.int64)
        level = self.sk_level[skill_global]
        tube_names = tuple(sorted({self.skills[i].tube for i in members}))
        local_tube = {t: j for j, t in enumerate(tube_names)}
        tube = np.array([local_tube[self.skills[i].tube] for i in members], dtype=np.int64)
        tube_skills = tuple(np.flatnonzero(tube == j) for j in range(len(tube_names)))
        tube_max = np.array([int(level[ts].max()) for ts in tube_skills], dtype=np.int64)

        per_skill: dict[int, list[int]] = defaultdict(list)
        for ci in self.playable_challenges.tolist():
            per_skill[int(self.ch_skill[ci])].append(ci)
        skill_ch = tuple(np.array(per_skill.get(g, []), dtype=np.int64) for g in members)
        untimed = tuple(ch[~self.ch_timed[ch]] for ch in skill_ch)

        counts: dict[int, int] = defaultdict(int)
        for lvl in level.tolist():
            counts[lvl] += 1
        pix_value = tuple(pix_per_skill(counts[lvl]) for lvl in level.tolist())
        return CompetenceSlice(
            code=code,
            skill_ids=tuple(self.skills[i].id for i in members),
            skill_global=skill_global,
            level=level,
            tube=tube,
            tube_names=tube_names,
            tube_skills=tube_skills,
            tube_max_level=tube_max,
            skill_challenges=skill_ch,
            skill_untimed_challenges=untimed,
            playable=np.array([len(c) > 0 for c in skill_ch], dtype=bool),
            has_untimed=np.array([len(c) > 0 for c in untimed], dtype=bool),
            pix_value=pix_value,
            local_index={self.skills[i].id: j for j, i in enumerate(members)},
        )

    def derived(self, key: str, build: Callable[[Catalog], T]) -> T:
        """Per-catalog cache for indexes an algorithm derives from the catalog (built once)."""
        try:
            return self._derived[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._derived[key] = build(self)
            return value

    def slice(self, competence: str) -> CompetenceSlice:
        try:
            return self._slices[competence]
        except KeyError:
            raise KeyError(f"unknown competence {competence!r}") from None

    def skill_of(self, challenge_id: str) -> Skill:
        return self.skills[int(self.ch_skill[self.challenge_index[challenge_id]])]

    def competence_of(self, challenge_id: str) -> str:
        return self.skill_of(challenge_id).competence

    def __repr__(self) -> str:
        return (
            f"Catalog(version={self.version!r}, competences={len(self.competences)}, "
            f"skills={len(self.skills)}, challenges={len(self.challenges)})"
        )
