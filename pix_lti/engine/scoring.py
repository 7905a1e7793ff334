"""Pix scoring: pix per skill, competence pix and level, total out of 1024.

Rules (issue 4 §3):
- a validated skill is worth ``min(4, 8 / n)`` pix, where ``n`` is the number of *active* skills of
  the same level in the same competence (so every level is worth 8 pix when it has ≥ 2 skills, and
  a lone skill is worth only 4);
- competence pix = floor of the exact sum over validated skills.  The sum is done with
  ``fractions.Fraction``: with floats, three skills worth 8/3 sum to 7.999999999999999 and
  floor() would lose a pix (and a level);
- the competence pix are capped at ``max_level × 8`` (nothing beyond the maximum reachable level
  counts), level = floor(pix / 8) ≤ ``max_level`` (default 6);
- the total is the sum of the competence pix, out of 1024 (16 × 8 levels × 8 pix).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

from pix_lti.engine.types import (
    DEFAULT_MAX_REACHABLE_LEVEL,
    MAX_SKILL_LEVEL,
    PIX_PER_LEVEL,
    CompetenceScore,
    KnowledgeElement,
    ProfileScore,
)

if TYPE_CHECKING:  # the catalog imports this module
    from pix_lti.engine.catalog import Catalog

MAX_PIX_PER_SKILL = Fraction(4)


def pix_per_skill(active_skills_at_level: int) -> Fraction:
    """Pix earned by one validated skill when its level has ``active_skills_at_level`` active skills."""
    if active_skills_at_level < 1:
        raise ValueError("a skill's level has at least that skill")
    return min(MAX_PIX_PER_SKILL, Fraction(PIX_PER_LEVEL, active_skills_at_level))


def _check_max_level(max_level: int) -> None:
    if not 0 <= max_level <= MAX_SKILL_LEVEL:
        raise ValueError(f"max_level must be in 0..{MAX_SKILL_LEVEL}")


def score_from_exact_pix(
    competence: str, exact_pix: Fraction, max_level: int = DEFAULT_MAX_REACHABLE_LEVEL
) -> CompetenceScore:
    """Competence score from the exact pix sum (floor, cap, level, pix still needed)."""
    _check_max_level(max_level)
    pix = min(int(exact_pix // 1), max_level * PIX_PER_LEVEL)  # Fraction floor is exact
    level = min(pix // PIX_PER_LEVEL, max_level)
    to_next = None if level >= max_level else (level + 1) * PIX_PER_LEVEL - pix
    return CompetenceScore(
        competence=competence, exact_pix=exact_pix, pix=pix, level=level, pix_to_next_level=to_next
    )


def score_competence(
    catalog: Catalog,
    competence: str,
    knowledge: Iterable[KnowledgeElement],
    max_level: int = DEFAULT_MAX_REACHABLE_LEVEL,
) -> CompetenceScore:
    """Score one competence from knowledge elements (validated ones on active skills of it count)."""
    return score_from_exact_pix(
        competence, catalog.slice(competence).exact_pix(knowledge), max_level
    )


def score_profile(
    catalog: Catalog,
    knowledge: Iterable[KnowledgeElement],
    max_level: int = DEFAULT_MAX_REACHABLE_LEVEL,
) -> ProfileScore:
    """Score every competence of the catalog; the total is the sum of the competence pix."""
    kes = tuple(knowledge)
    scores = tuple(score_competence(catalog, code, kes, max_level) for code in catalog.competences)
    return ProfileScore(competences=scores, total_pix=sum(s.pix for s in scores))
