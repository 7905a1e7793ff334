"""Catalog building: validation, indexes, defaults, playability."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from pix_lti.engine import Answer, Catalog, Challenge, Skill
from tests.engine.engine_factories import make_catalog


def skill(sid: str, tube: str, level: int, comp: str = "1.1", status: str = "active") -> Skill:
    return Skill(id=sid, name=sid, tube=tube, competence=comp, level=level, status=status)


def test_rejects_inconsistent_content() -> None:
    with pytest.raises(ValueError, match="duplicate skill"):
        Catalog.build([skill("s", "@t", 1), skill("s", "@t", 2)], [])
    with pytest.raises(ValueError, match="unknown skill"):
        Catalog.build([skill("s", "@t", 1)], [Challenge("c", "nope")])
    with pytest.raises(ValueError, match="duplicate challenge"):
        Catalog.build([skill("s", "@t", 1)], [Challenge("c", "s"), Challenge("c", "s")])
    with pytest.raises(ValueError, match="two active level-1"):
        Catalog.build([skill("s1", "@t", 1), skill("s2", "@t", 1)], [])
    with pytest.raises(ValueError, match="spans competences"):
        Catalog.build([skill("s1", "@t", 1), skill("s2", "@t", 2, comp="1.2")], [])
    with pytest.raises(ValueError):
        skill("s", "@t", 9)
    with pytest.raises(ValueError):
        Answer("c", "bogus")
    # An archived skill may share its level with the active one that replaced it.
    Catalog.build([skill("s1", "@t", 1, status="archived"), skill("s2", "@t", 1)], [])


def test_slices_index_active_skills_by_tube_and_level() -> None:
    cat = make_catalog(
        {"1.10": {"b": [2, 1]}, "1.2": {"a": [3, 1, 2], "c": [1]}}, archived_skills=["@a2"]
    )
    assert cat.competences == ("1.2", "1.10")  # natural order
    sl = cat.slice("1.2")
    assert sl.skill_ids == ("@a1", "@a3", "@c1")  # tube then level, archived left out
    assert sl.level.tolist() == [1, 3, 1]
    assert sl.tube_names == ("@a", "@c")
    assert [t.tolist() for t in sl.tube_skills] == [[0, 1], [2]]
    assert sl.tube_max_level.tolist() == [3, 1]
    assert sl.pix_value == (Fraction(4), Fraction(4), Fraction(4))
    assert sl.depth_pix[:4] == (0, 8, 8, 12)
    with pytest.raises(KeyError):
        cat.slice("9.9")


def test_default_parameters_and_playability() -> None:
    skills = [skill("s1", "@t", 1), skill("s3", "@t", 3), skill("old", "@u", 2, status="archived")]
    challenges = [
        Challenge("c1", "s1"),
        Challenge("c3", "s3", timed=True, discrimination=2.0, difficulty=-0.1),
        Challenge("c3b", "s3", status="archived"),
        Challenge("cold", "old"),
    ]
    cat = Catalog.build(skills, challenges)
    assert cat.ch_a.tolist() == pytest.approx([1.5, 2.0, 1.5, 1.5])
    assert cat.ch_b.tolist() == pytest.approx([-2.0, -0.1, -0.4, -1.2])
    assert cat.ch_playable.tolist() == [True, True, False, False]
    sl = cat.slice("1.1")
    assert [c.tolist() for c in sl.skill_challenges] == [[0], [1]]
    assert sl.has_untimed.tolist() == [True, False]
    assert cat.sk_difficulty[cat.skill_index["s3"]] == pytest.approx(-0.1)  # median of playable b
    assert cat.competence_of("c3") == "1.1" and cat.skill_of("c1").id == "s1"
    assert isinstance(cat.derived("x", lambda c: np.arange(3)), np.ndarray)
    assert cat.derived("x", lambda c: None) is cat.derived("x", lambda c: None)
