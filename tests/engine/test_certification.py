"""Certification rules (issue 9 §5–6): the v2 plan, v2 reproducibility scoring, v3 (flash θ) scoring — table-driven."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from benchmarks.synthetic_bank import make_bank
from pix_lti.engine import Answer, FlashSelector, KnowledgeElement, score_from_exact_pix, theta_scores
from pix_lti.engine.certification import (
    LOW_REPRODUCIBILITY,
    MIN_V3_ANSWERS,
    NO_COMPETENCE_CERTIFIED,
    NOT_CERTIFIED,
    TOO_FEW_ANSWERS,
    PlannedChallenge,
    _competence_level_v2,
    capped_pix,
    certifiable_competences,
    is_certifiable,
    plan_v2,
    score_v2,
    score_v3,
)
from tests.engine.engine_factories import make_catalog


def ke(skill: str, status: str = "validated") -> KnowledgeElement:
    return KnowledgeElement(skill_id=skill, status=status, source="direct")


# ----- v2 plan -----------------------------------------------------------------------------------------------------

PLAN_CATALOG = make_catalog(
    {
        "1.1": {"a": [1, 2, 3, 4], "b": [1, 2, 3]},  # profile level 2 below
        "1.2": {"c": [1, 2]},  # two skills only
        "1.3": {"d": [1, 2]},  # level 0: not certifiable
        "2.1": {"e": [1, 2, 3, 4, 5, 6, 7]},  # lone skills; level 7 beyond the reachable maximum
    },
    challenges_per_skill=2,
)
PLAN_KNOWLEDGE = (
    [ke(s) for s in ("@a1", "@b1", "@a2", "@b2", "@a3")]  # 8 + 8 + 4 = 20 pix → level 2
    + [ke("@b3", "invalidated"), ke("@a4", "invalidated")]
    + [ke("@c1"), ke("@c2")]  # 4 + 4 → level 1
    + [ke("@d1")]  # 4 → level 0
    + [ke(f"@e{n}") for n in range(1, 8)]  # 7 lone skills × 4 = 28 pix → level 3
)


def plan_by_competence(plan: tuple[PlannedChallenge, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in plan:
        out.setdefault(p.competence, []).append(p.challenge_id)
    return out


def test_certifiable_competences_are_those_at_level_1_or_more() -> None:
    levels = {c: s.level for c, s in certifiable_competences(PLAN_CATALOG, PLAN_KNOWLEDGE).items()}
    assert levels == {"1.1": 2, "1.2": 1, "2.1": 3}
    assert not is_certifiable(PLAN_CATALOG, PLAN_KNOWLEDGE)  # 3 < 5 competences


def test_plan_takes_three_challenges_per_certifiable_competence_highest_levels_first() -> None:
    plan = plan_v2(PLAN_CATALOG, PLAN_KNOWLEDGE, (), np.random.default_rng(1))
    by_comp = plan_by_competence(plan)
    assert set(by_comp) == {"1.1", "1.2", "2.1"}  # 1.3 (level 0) is not tested
    skills_11 = [p.skill_id for p in plan if p.competence == "1.1"]
    assert skills_11[0] == "@a3" and sorted(skills_11[1:]) == ["@a2", "@b2"]  # one per skill, highest first
    # 2.1: the validated skills up to the reachable level 6, highest first (level 7 is not "reached").
    assert [p.skill_id for p in plan if p.competence == "2.1"] == ["@e6", "@e5", "@e4"]
    assert all(p.level == int(p.skill_id[-1]) for p in plan)


def test_plan_never_repeats_an_answered_challenge_and_goes_down_a_level() -> None:
    answered = {"@a3#1", "@a3#2", "@a2#1"}
    plan = plan_v2(PLAN_CATALOG, PLAN_KNOWLEDGE, answered, np.random.default_rng(2))
    ids = [p.challenge_id for p in plan if p.competence == "1.1"]
    assert not answered & set(ids)
    assert ids[:2] in (["@a2#2", "@b2#1"], ["@a2#2", "@b2#2"], ["@b2#1", "@a2#2"], ["@b2#2", "@a2#2"])
    assert ids[2].split("#")[0] in {"@a1", "@b1"}


def test_plan_with_two_skills_takes_a_second_challenge_of_the_highest() -> None:
    plan = plan_v2(PLAN_CATALOG, PLAN_KNOWLEDGE, (), np.random.default_rng(3))
    skills = [p.skill_id for p in plan if p.competence == "1.2"]
    assert skills == ["@c2", "@c1", "@c2"]
    ids = [p.challenge_id for p in plan if p.competence == "1.2"]
    assert len(set(ids)) == 3


def test_plan_with_fewer_than_three_fresh_challenges_keeps_what_exists() -> None:
    answered = {"@c1#1", "@c1#2", "@c2#1"}
    plan = plan_v2(PLAN_CATALOG, PLAN_KNOWLEDGE, answered, np.random.default_rng(4))
    assert plan_by_competence(plan)["1.2"] == ["@c2#2"]
    answered |= {"@c2#2"}
    plan = plan_v2(PLAN_CATALOG, PLAN_KNOWLEDGE, answered, np.random.default_rng(4))
    assert "1.2" not in plan_by_competence(plan)  # nothing fresh: the competence is left out


def test_plan_is_reproducible_with_a_seed_and_round_trips_as_json() -> None:
    a = plan_v2(PLAN_CATALOG, PLAN_KNOWLEDGE, (), np.random.default_rng(9))
    b = plan_v2(PLAN_CATALOG, PLAN_KNOWLEDGE, (), np.random.default_rng(9))
    assert a == b
    assert tuple(PlannedChallenge.from_dict(p.as_dict()) for p in a) == a
    assert set(a[0].as_dict()) >= {"challenge_id", "competence_code", "skill"}


# ----- v2 scoring --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile_level", "right", "total", "rate", "expected"),
    [
        (3, 3, 3, 0.50, 3),  # 3/3 keeps the level in every passing band
        (3, 3, 3, 0.95, 3),
        (3, 2, 3, 0.80, 3),  # 2/3 keeps it from 80 %
        (3, 2, 3, 0.7999, 2),  # and lowers it by one below
        (3, 2, 3, 0.50, 2),
        (3, 1, 3, 0.90, NOT_CERTIFIED),  # fewer than 2/3: not certified
        (3, 0, 3, 0.90, NOT_CERTIFIED),
        (1, 2, 3, 0.60, NOT_CERTIFIED),  # level 1 lowered to 0: not certified
        (1, 2, 3, 0.80, 1),
        (4, 2, 2, 0.60, 4),  # two challenges (one neutralised or none left): 2/2 keeps
        (4, 1, 2, 0.90, 3),  # 1/2 lowers by one in every band
        (4, 0, 2, 0.90, NOT_CERTIFIED),
        (4, 1, 1, 0.60, 4),
        (4, 0, 1, 0.90, NOT_CERTIFIED),
        (4, 0, 0, 0.90, NOT_CERTIFIED),  # everything neutralised: nothing to judge
        (0, 3, 3, 1.00, NOT_CERTIFIED),  # not in the profile
    ],
)
def test_competence_rule(profile_level: int, right: int, total: int, rate: float, expected: int) -> None:
    assert _competence_level_v2(profile_level, right, total, rate) == expected


@pytest.mark.parametrize(
    ("pix", "level", "expected"), [(30, 3, 30), (30, 2, 23), (30, 1, 15), (30, NOT_CERTIFIED, 0), (48, 6, 48), (17, 2, 17)]
)
def test_pix_capped_consistently_with_the_level(pix: int, level: int, expected: int) -> None:
    assert capped_pix(pix, level) == expected
    if level >= 1:
        assert expected // 8 == level or expected == pix


def profile(levels: dict[str, int]) -> dict[str, object]:
    """Profile scores with pix = 8 × level + 5 (a few pix into the level)."""
    return {c: score_from_exact_pix(c, Fraction(8 * lvl + 5)) for c, lvl in levels.items()}


def v2_case(outcomes: dict[str, str]) -> tuple[list[PlannedChallenge], list[Answer], set[str]]:
    """``outcomes``: competence → one letter per planned challenge: o = right, x = wrong, - = unanswered,
    n = neutralised (answered right, but neutralised)."""
    plan, answers, neutralised = [], [], set()
    for comp, letters in outcomes.items():
        for i, letter in enumerate(letters):
            cid = f"{comp}-{i}"
            plan.append(PlannedChallenge(cid, comp, f"@s{comp}{i}", 3))
            if letter in "oxn":
                answers.append(Answer(cid, "ko" if letter == "x" else "ok"))
            if letter == "n":
                neutralised.add(cid)
    return plan, answers, neutralised


LEVELS5 = {"1.1": 3, "1.2": 4, "2.1": 2, "3.1": 5, "4.1": 1}
LEVELS6 = {**LEVELS5, "5.1": 2}


@pytest.mark.parametrize(
    ("name", "levels", "outcomes", "rejected", "reasons", "rate", "expected_levels"),
    [
        ("all right", LEVELS5, {"1.1": "ooo", "1.2": "ooo", "2.1": "ooo", "3.1": "ooo", "4.1": "ooo"},
         False, (), 1.0, {"1.1": 3, "1.2": 4, "2.1": 2, "3.1": 5, "4.1": 1}),
        ("exactly 80 %: 2/3 kept", LEVELS5, {"1.1": "ooo", "1.2": "ooo", "2.1": "ooo", "3.1": "oox", "4.1": "oxx"},
         False, (), 0.8, {"1.1": 3, "1.2": 4, "2.1": 2, "3.1": 5, "4.1": -1}),
        ("73 %: 2/3 lowered", LEVELS5, {"1.1": "ooo", "1.2": "ooo", "2.1": "ooo", "3.1": "oox", "4.1": "xxx"},
         False, (), 11 / 15, {"1.1": 3, "1.2": 4, "2.1": 2, "3.1": 4, "4.1": -1}),
        ("exactly 50 %: passes", LEVELS6,
         {"1.1": "ooo", "1.2": "ooo", "2.1": "oox", "3.1": "oxx", "4.1": "xxx", "5.1": "xxx"},
         False, (), 0.5, {"1.1": 3, "1.2": 4, "2.1": 1, "3.1": -1, "4.1": -1, "5.1": -1}),
        ("44 %: rejected", LEVELS6,
         {"1.1": "ooo", "1.2": "ooo", "2.1": "oxx", "3.1": "oxx", "4.1": "xxx", "5.1": "xxx"},
         True, (LOW_REPRODUCIBILITY,), 8 / 18, {c: -1 for c in LEVELS6}),
        ("unanswered counts as wrong", LEVELS5, {"1.1": "ooo", "1.2": "ooo", "2.1": "ooo", "3.1": "oo-", "4.1": "---"},
         False, (), 11 / 15, {"1.1": 3, "1.2": 4, "2.1": 2, "3.1": 4, "4.1": -1}),
        ("neutralised removed: 2/2 keeps", LEVELS5,
         {"1.1": "ooo", "1.2": "oon", "2.1": "ooo", "3.1": "oox", "4.1": "ooo"},
         False, (), 13 / 14, {"1.1": 3, "1.2": 4, "2.1": 2, "3.1": 5, "4.1": 1}),
        ("neutralised wrong answers lift the rate", LEVELS5,
         {"1.1": "ooo", "1.2": "oox", "2.1": "ooo", "3.1": "oox", "4.1": "oxn"},
         False, (), 11 / 14, {"1.1": 3, "1.2": 3, "2.1": 2, "3.1": 4, "4.1": 0 - 1}),
        ("all neutralised", LEVELS5, {c: "nnn" for c in LEVELS5},
         True, (TOO_FEW_ANSWERS,), None, {c: -1 for c in LEVELS5}),
        ("everything lowered to 0", {c: 1 for c in LEVELS5}, {c: "oox" for c in LEVELS5},
         True, (NO_COMPETENCE_CERTIFIED,), 10 / 15, {c: -1 for c in LEVELS5}),
        ("a profiled competence with nothing planned is not certified", LEVELS6,
         {"1.1": "ooo", "1.2": "ooo", "2.1": "ooo", "3.1": "ooo", "4.1": "ooo"},
         False, (), 1.0, {"1.1": 3, "1.2": 4, "2.1": 2, "3.1": 5, "4.1": 1, "5.1": -1}),
    ],
)
def test_score_v2(name: str, levels: dict[str, int], outcomes: dict[str, str], rejected: bool,
                  reasons: tuple[str, ...], rate: float | None, expected_levels: dict[str, int]) -> None:
    plan, answers, neutralised = v2_case(outcomes)
    prof = profile(levels)
    result = score_v2(prof, plan, answers, neutralised)  # type: ignore[arg-type]
    assert result.rejected is rejected, name
    assert result.reasons == reasons
    assert result.reproducibility_rate == (pytest.approx(rate) if rate is not None else None)
    assert dict(result.competence_levels) == expected_levels
    assert set(result.neutralised_challenge_ids) == neutralised
    # Pix: profile pix (8L + 5) when kept, 8L' + 7 when lowered, 0 when not certified; the score is their sum.
    for comp, level in expected_levels.items():
        kept = level == levels[comp]
        expected_pix = 0 if level < 1 else (8 * level + 5 if kept else 8 * level + 7)
        assert result.competence_pix[comp] == expected_pix, comp
    assert result.pix_score == sum(result.competence_pix.values())


# ----- v3 scoring --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bank():  # type: ignore[no-untyped-def]
    return make_bank(11).catalog()


def flash_answers(cat, theta: float, n: int, seed: int = 5) -> list[Answer]:  # type: ignore[no-untyped-def]
    """A flash test of ``n`` answers by a simulated candidate of ability θ."""
    from pix_lti.engine import AssessmentState

    selector = FlashSelector(length=n)
    rng, answer_rng = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    answers: list[Answer] = []
    while True:
        sel = selector.next_challenge(cat, AssessmentState(None, tuple(answers)), rng)
        if sel.challenge_id is None:
            return answers
        ci = cat.challenge_index[sel.challenge_id]
        p = 1 / (1 + np.exp(cat.ch_a[ci] * (cat.ch_b[ci] - theta)))
        answers.append(Answer(sel.challenge_id, "ok" if answer_rng.random() < p else "ko"))


@pytest.mark.parametrize(
    ("n_answers", "ended_early", "neutralise", "rejected"),
    [
        (32, False, 0, False),
        (MIN_V3_ANSWERS - 1, False, 0, False),  # finished normally (a shorter configured test): scored
        (MIN_V3_ANSWERS - 1, True, 0, True),  # 19 answers on an abort: rejected
        (MIN_V3_ANSWERS, True, 0, False),  # 20 answers on an abort: scored
        (MIN_V3_ANSWERS, True, 1, True),  # 20 answers, one neutralised: 19 count → rejected
        (MIN_V3_ANSWERS + 1, True, 1, False),
    ],
)
def test_v3_abort_threshold(bank, n_answers: int, ended_early: bool, neutralise: int, rejected: bool) -> None:  # type: ignore[no-untyped-def]
    answers = flash_answers(bank, 1.0, n_answers)
    assert len(answers) == n_answers
    neutralised = [a.challenge_id for a in answers[:neutralise]]
    result = score_v3(bank, answers, neutralised, ended_early=ended_early)
    assert result.rejected is rejected
    assert (TOO_FEW_ANSWERS in result.reasons) is rejected
    assert result.counted_answers == n_answers - neutralise
    if rejected:
        assert result.pix_score == 0 and set(result.competence_levels.values()) == {NOT_CERTIFIED}


def test_v3_uses_the_flash_theta_and_its_mapping(bank) -> None:  # type: ignore[no-untyped-def]
    answers = flash_answers(bank, 0.8, 32)
    result = score_v3(bank, answers)
    cat_idx = [bank.challenge_index[a.challenge_id] for a in answers]
    theta = FlashSelector().estimate_from(bank, cat_idx, [a.result.is_success for a in answers]).theta
    assert result.theta == pytest.approx(theta)
    mapped = theta_scores(bank, theta).by_competence()
    assert len(result.competence_levels) == 16
    for comp, level in result.competence_levels.items():
        assert level == (mapped[comp].level if mapped[comp].level >= 1 else NOT_CERTIFIED)
        assert result.competence_pix[comp] == (mapped[comp].pix if level >= 1 else 0)
        if level >= 1:
            assert result.competence_pix[comp] // 8 == level
    assert result.pix_score == sum(result.competence_pix.values()) and 0 < result.pix_score <= 1024


def test_v3_neutralised_answers_are_removed(bank) -> None:  # type: ignore[no-untyped-def]
    answers = flash_answers(bank, 0.0, 32)
    wrong = [a.challenge_id for a in answers if not a.result.is_success]
    full = score_v3(bank, answers)
    lifted = score_v3(bank, answers, wrong)
    assert lifted.counted_answers == 32 - len(wrong) and set(lifted.neutralised_challenge_ids) == set(wrong)
    assert lifted.theta is not None and full.theta is not None and lifted.theta > full.theta
    assert lifted.pix_score >= full.pix_score


def test_v3_all_neutralised_is_rejected(bank) -> None:  # type: ignore[no-untyped-def]
    answers = flash_answers(bank, 0.0, 32)
    result = score_v3(bank, answers, [a.challenge_id for a in answers])
    assert result.rejected and result.reasons == (TOO_FEW_ANSWERS,) and result.counted_answers == 0


def test_v3_is_monotone_in_right_answers(bank) -> None:  # type: ignore[no-untyped-def]
    answers = flash_answers(bank, 0.0, 32)
    all_right = score_v3(bank, [Answer(a.challenge_id, "ok") for a in answers])
    all_wrong = score_v3(bank, [Answer(a.challenge_id, "ko") for a in answers])
    mixed = score_v3(bank, answers)
    assert all_wrong.pix_score <= mixed.pix_score <= all_right.pix_score
    assert all_wrong.rejected and all_wrong.reasons == (NO_COMPETENCE_CERTIFIED,)  # far below level 1 everywhere
