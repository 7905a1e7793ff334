"""Tube inference (issue 4 §2), hand-computed on one tube @alpha (levels 1, 2, 4, 5)."""

from __future__ import annotations

import pytest

from pix_lti.engine import Answer, KnowledgeElement, infer_knowledge, knowledge_from_answers
from tests.engine.engine_factories import ans, make_catalog, statuses

SPEC = {"1.1": {"alpha": [1, 2, 4, 5], "beta": [1, 3]}, "1.2": {"gamma": [1, 2]}}


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return make_catalog(SPEC, archived_skills=["@beta3"])


def test_right_answer_validates_skill_and_easier_untested_skills(cat) -> None:  # type: ignore[no-untyped-def]
    kes = statuses(knowledge_from_answers(cat, [ans("@alpha4")]))
    assert kes == {
        "@alpha4": ("validated", "direct"),
        "@alpha1": ("validated", "inferred"),
        "@alpha2": ("validated", "inferred"),
    }


@pytest.mark.parametrize("result", ["ko", "aband", "timedout", "focusedOut", "partially"])
def test_anything_but_ok_invalidates_skill_and_harder_untested_skills(cat, result: str) -> None:  # type: ignore[no-untyped-def]
    kes = statuses(knowledge_from_answers(cat, [ans("@alpha2", result)]))
    assert kes == {
        "@alpha2": ("invalidated", "direct"),
        "@alpha4": ("invalidated", "inferred"),
        "@alpha5": ("invalidated", "inferred"),
    }


def test_inference_never_overrides_tested_skills(cat) -> None:  # type: ignore[no-untyped-def]
    # @alpha2 wrong first (invalidates 4, 5); then @alpha1 wrong: 2, 4, 5 are already tested.
    kes = statuses(knowledge_from_answers(cat, [ans("@alpha2", "ko"), ans("@alpha1", "ko")]))
    assert kes["@alpha1"] == ("invalidated", "direct")
    assert kes["@alpha2"] == ("invalidated", "direct")
    assert kes["@alpha4"] == ("invalidated", "inferred")
    # A right answer on @alpha5 later does not validate @alpha4 (already inferred) ...
    kes = statuses(knowledge_from_answers(cat, [ans("@alpha2", "ko"), ans("@alpha5")]))
    assert kes["@alpha4"] == ("invalidated", "inferred")
    # ... but its own direct answer replaces its inferred status.
    assert kes["@alpha5"] == ("validated", "direct")


def test_other_tubes_and_competences_untouched_and_archived_ignored(cat) -> None:  # type: ignore[no-untyped-def]
    kes = statuses(knowledge_from_answers(cat, [ans("@beta1", "ko"), ans("@gamma2")]))
    # @beta3 is archived: no element; @gamma1 inferred in competence 1.2.
    assert kes == {
        "@beta1": ("invalidated", "direct"),
        "@gamma2": ("validated", "direct"),
        "@gamma1": ("validated", "inferred"),
    }


def test_infer_knowledge_returns_only_new_elements_direct_first(cat) -> None:  # type: ignore[no-untyped-def]
    current = knowledge_from_answers(cat, [ans("@alpha1", "ok")])
    new = infer_knowledge(cat, current, ans("@alpha5", "ok"))
    assert [(e.skill_id, str(e.source)) for e in new] == [
        ("@alpha5", "direct"),
        ("@alpha2", "inferred"),
        ("@alpha4", "inferred"),
    ]
    assert all(e.challenge_id == "@alpha5#1" for e in new)


def test_prior_elements_are_kept_and_block_inference(cat) -> None:  # type: ignore[no-untyped-def]
    prior = [KnowledgeElement("@alpha1", "invalidated", "direct", "@alpha1#1")]
    kes = statuses(knowledge_from_answers(cat, [ans("@alpha4")], prior))
    assert kes["@alpha1"] == ("invalidated", "direct")  # untouched: it was tested
    assert kes["@alpha2"] == ("validated", "inferred")


def test_unknown_challenges_are_ignored(cat) -> None:  # type: ignore[no-untyped-def]
    assert knowledge_from_answers(cat, [Answer("nope", "ok")]) == ()
