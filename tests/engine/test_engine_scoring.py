"""Pix scoring rules (issue 4 §3), hand-computed."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from pix_lti.engine import (
    KnowledgeElement,
    pix_per_skill,
    score_competence,
    score_from_exact_pix,
    score_profile,
)
from tests.engine.engine_factories import make_catalog


def ke(skill: str, status: str = "validated", source: str = "direct") -> KnowledgeElement:
    return KnowledgeElement(skill_id=skill, status=status, source=source)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, Fraction(4)), (2, Fraction(4)), (3, Fraction(8, 3)), (4, Fraction(2)), (5, Fraction(8, 5))],
)
def test_pix_per_skill_is_min_4_and_8_over_n(n: int, expected: Fraction) -> None:
    assert pix_per_skill(n) == expected


def test_pix_per_skill_rejects_empty_level() -> None:
    with pytest.raises(ValueError):
        pix_per_skill(0)


def test_float_trap_sum_is_exact() -> None:
    # Level 1: 2 skills (4 pix each); level 2: 3 skills (8/3 each). Summed in floats this is
    # 15.999999999999998, whose floor would lose a pix and the level.
    cat = make_catalog({"1.1": {"a": [1, 2], "b": [1, 2], "c": [2]}})
    float_sum = 0.0
    for v in [4.0, 4.0, 8 / 3, 8 / 3, 8 / 3]:
        float_sum += v
    assert math.floor(float_sum) == 15  # the trap is real
    kes = [ke(s) for s in ("@a1", "@b1", "@a2", "@b2", "@c2")]
    score = score_competence(cat, "1.1", kes)
    assert score.exact_pix == 16
    assert (score.pix, score.level, score.pix_to_next_level) == (16, 2, 8)


def test_only_validated_active_skills_of_the_competence_count() -> None:
    cat = make_catalog(
        {"1.1": {"a": [1, 2, 3], "b": [1, 3]}, "1.2": {"c": [1]}}, archived_skills=["@b3"]
    )
    # Level 3 has one active skill (@a3; @b3 is archived) → worth 4, not 8/2.
    kes = [ke("@a1"), ke("@b1", "invalidated"), ke("@a3"), ke("@b3"), ke("@c1")]
    score = score_competence(cat, "1.1", kes)
    assert score.exact_pix == Fraction(4) + Fraction(4)  # @a1 (level 1 has 2 skills) + @a3 (lone)
    assert score.pix == 8 and score.level == 1 and score.pix_to_next_level == 8


def test_last_element_of_a_skill_wins() -> None:
    cat = make_catalog({"1.1": {"a": [1], "b": [1]}})
    assert score_competence(cat, "1.1", [ke("@a1"), ke("@a1", "invalidated")]).pix == 0


@pytest.mark.parametrize(
    ("exact", "max_level", "pix", "level", "to_next"),
    [
        (Fraction(0), 6, 0, 0, 8),
        (Fraction(47, 3), 6, 15, 1, 1),  # 15.67 → floor 15
        (Fraction(60), 6, 48, 6, None),  # capped at the maximum reachable level
        (Fraction(60), 5, 40, 5, None),
        (Fraction(64), 8, 64, 8, None),
        (Fraction(39), 5, 39, 4, 1),
    ],
)
def test_floor_cap_level_and_pix_to_next(
    exact: Fraction, max_level: int, pix: int, level: int, to_next: int | None
) -> None:
    s = score_from_exact_pix("1.1", exact, max_level)
    assert (s.pix, s.level, s.pix_to_next_level) == (pix, level, to_next)


def test_profile_total_sums_competence_pix() -> None:
    cat = make_catalog({"1.1": {"a": [1, 2], "b": [1, 2]}, "2.1": {"c": [1], "d": [1]}})
    profile = score_profile(cat, [ke("@a1"), ke("@b1"), ke("@a2"), ke("@c1")])
    by = profile.by_competence()
    assert by["1.1"].pix == 12 and by["2.1"].pix == 4
    assert profile.total_pix == 16 and profile.max_pix == 1024
    assert [c.competence for c in profile.competences] == ["1.1", "2.1"]
