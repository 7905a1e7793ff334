"""A synthetic, Pix-shaped item bank for simulations (and, wrapped by ``content_gen.py``, for
load tests of the content pipeline).

Shape (issue 4 §7): the 16 CRCN competences; 10–25 tubes per competence; skills at levels 1..7;
inside a tube's span (lowest..highest level) about a quarter of the levels are missing; ~700 active
skills and ~3,000 challenges (1 + Poisson(3.3) per skill).  Every competence has at least two
active skills at each level 1..7, so every level is worth its full 8 pix (a lone skill would be
worth 4 and make that level unreachable).  A few retired skills (in tube gaps) and challenges are
``archived`` so that consumers exercise status handling.

2PL "true" parameters of every challenge: a ~ LogNormal(ln 1.5, 0.3) clipped to [0.5, 3], and
b = nominal level difficulty (``irt.level_difficulty``) + N(0, 0.3²).  About 8% of challenges are
timed and 15% focused.

``make_bank(seed)`` is deterministic and returns plain data (engine dataclasses).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script or imported from benchmarks/ as a top-level module
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pix_lti.engine.catalog import Catalog
from pix_lti.engine.irt import level_difficulty
from pix_lti.engine.types import Challenge, ChallengeStatus, Skill, SkillStatus

COMPETENCES: tuple[str, ...] = (
    "1.1", "1.2", "1.3",
    "2.1", "2.2", "2.3", "2.4",
    "3.1", "3.2", "3.3", "3.4",
    "4.1", "4.2", "4.3",
    "5.1", "5.2",
)  # fmt: skip
MAX_BANK_LEVEL = 7
# Tube span (number of levels from its lowest to its highest skill) and the probability that an
# interior level is missing: together they give ~2.4 skills per tube and ~25% missing levels.
SPAN_PROBS = {1: 0.12, 2: 0.25, 3: 0.23, 4: 0.18, 5: 0.12, 6: 0.07, 7: 0.03}
INTERIOR_MISSING = 0.59
LOW_START_BIAS = 0.75
_SYLLABLES = (
    "ba", "ke", "di", "fo", "gu", "la", "me", "no", "pi", "ru", "so", "ta", "vi", "zo", "ca",
    "de", "fi", "go", "ju", "lo", "mi", "na", "po", "ri", "su", "te",
)  # fmt: skip


@dataclass(frozen=True)
class SyntheticBank:
    seed: int
    skills: tuple[Skill, ...]
    challenges: tuple[Challenge, ...]

    def catalog(self) -> Catalog:
        return Catalog.build(self.skills, self.challenges, version=f"synthetic-{self.seed}")

    def stats(self) -> dict[str, float]:
        active = [s for s in self.skills if s.active]
        active_ids = {s.id for s in active}
        tubes: dict[str, list[int]] = {}
        for s in active:
            tubes.setdefault(s.tube, []).append(s.level)
        span_levels = sum(max(v) - min(v) + 1 for v in tubes.values())
        per_comp = Counter(s.competence for s in {s.tube: s for s in active}.values())
        playable = [
            c for c in self.challenges if c.status is ChallengeStatus.VALIDATED and c.skill_id in active_ids
        ]
        return {
            "competences": len({s.competence for s in active}),
            "active_skills": len(active),
            "playable_challenges": len(playable),
            "tubes": len(tubes),
            "tubes_per_competence_min": min(per_comp.values()),
            "tubes_per_competence_max": max(per_comp.values()),
            "missing_level_share": 1 - len(active) / span_levels,
            "timed_share": sum(c.timed for c in playable) / len(playable),
        }


def _tube_name(competence_index: int, tube_index: int) -> str:
    # "@" + camelCase ASCII, unique across the bank, no digits (the level is appended to it).
    letter = chr(ord("a") + competence_index)
    first = _SYLLABLES[tube_index % len(_SYLLABLES)]
    second = _SYLLABLES[(7 * tube_index + 3) % len(_SYLLABLES)]
    return f"@syn{letter.upper()}{first.capitalize()}{second}"


def _competence_tubes(rng: np.random.Generator) -> list[list[int]]:
    """Levels present in each tube of one competence (rejection-sampled until every level 1..7 has
    at least two skills)."""
    spans = np.array(list(SPAN_PROBS))
    probs = np.array(list(SPAN_PROBS.values()))
    while True:
        n_tubes = int(rng.integers(10, 26))
        tubes = []
        for _ in range(n_tubes):
            span = int(rng.choice(spans, p=probs / probs.sum()))
            starts = np.arange(1, MAX_BANK_LEVEL - span + 2)
            weights = LOW_START_BIAS ** (starts - 1)  # Pix tubes start low more often than high
            lo = int(rng.choice(starts, p=weights / weights.sum()))
            hi = lo + span - 1
            levels = [lo] + [lv for lv in range(lo + 1, hi) if rng.random() >= INTERIOR_MISSING]
            if hi > lo:
                levels.append(hi)
            tubes.append(levels)
        counts = Counter(lv for t in tubes for lv in t)
        if all(counts[lv] >= 2 for lv in range(1, MAX_BANK_LEVEL + 1)):
            return tubes


def make_bank(
    seed: int = 2026,
    *,
    challenges_per_skill: float = 3.3,  # Poisson mean on top of one mandatory challenge
    timed_share: float = 0.08,
    focused_share: float = 0.15,
    archived_challenge_share: float = 0.03,
    retired_skill_share: float = 0.10,  # per tube gap: an archived skill sits there
) -> SyntheticBank:
    rng = np.random.default_rng(seed)
    skills: list[Skill] = []
    challenges: list[Challenge] = []

    def add_challenges(skill: Skill, n: int, archived_all: bool = False) -> None:
        slug = skill.name.lstrip("@")
        for j in range(n):
            a = float(np.clip(rng.lognormal(np.log(1.5), 0.3), 0.5, 3.0))
            b = float(level_difficulty(skill.level) + rng.normal(0.0, 0.3))
            archived = archived_all or rng.random() < archived_challenge_share
            challenges.append(
                Challenge(
                    id=f"ch-{slug}-{j + 1}",
                    skill_id=skill.id,
                    timed=bool(rng.random() < timed_share),
                    focused=bool(rng.random() < focused_share),
                    discrimination=round(a, 4),
                    difficulty=round(b, 4),
                    status=ChallengeStatus.ARCHIVED if archived else ChallengeStatus.VALIDATED,
                )
            )

    for ci, comp in enumerate(COMPETENCES):
        for ti, levels in enumerate(_competence_tubes(rng)):
            tube = _tube_name(ci, ti)
            for level in range(levels[0], levels[-1] + 1):
                if level in levels:
                    status = SkillStatus.ACTIVE
                elif rng.random() < retired_skill_share:
                    status = SkillStatus.ARCHIVED
                else:
                    continue
                skill = Skill(
                    id=f"sk-{tube.lstrip('@')}{level}",
                    name=f"{tube}{level}",
                    tube=tube,
                    competence=comp,
                    level=level,
                    status=status,
                )
                skills.append(skill)
                n = 1 + int(rng.poisson(challenges_per_skill))
                add_challenges(skill, n, archived_all=status is SkillStatus.ARCHIVED)
            # An active skill must keep at least one validated challenge (content rule).
    _ensure_playable(skills, challenges)
    return SyntheticBank(seed=seed, skills=tuple(skills), challenges=tuple(challenges))


def _ensure_playable(skills: list[Skill], challenges: list[Challenge]) -> None:
    """Re-validate the first challenge of any active skill left without a validated one."""
    validated = {c.skill_id for c in challenges if c.status is ChallengeStatus.VALIDATED}
    for s in skills:
        if s.active and s.id not in validated:
            i = next(i for i, c in enumerate(challenges) if c.skill_id == s.id)
            c = challenges[i]
            challenges[i] = Challenge(
                c.id, c.skill_id, c.timed, c.focused, c.discrimination, c.difficulty, ChallengeStatus.VALIDATED
            )


if __name__ == "__main__":
    bank = make_bank()
    for key, value in bank.stats().items():
        print(f"{key:28s} {value:.3f}" if isinstance(value, float) else f"{key:28s} {value}")
