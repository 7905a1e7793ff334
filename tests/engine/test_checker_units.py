"""Hand-computed cases for answer checking: every type, every tolerance, numbers, special outcomes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pix_lti.engine.checker import (
    ABAND,
    FOCUSED_OUT,
    KO,
    OK,
    PARTIALLY,
    TIMEDOUT,
    CheckResult,
    SolutionSpec,
    apply_t1,
    apply_t2,
    apply_tolerances,
    base_normalize,
    bounded_levenshtein,
    check_answer,
    parse_number,
)

NONE: frozenset[str] = frozenset()


def result(spec: SolutionSpec, answer: object, **flags: bool) -> str:
    return check_answer(spec, answer, **flags).result


# --- normalisation -------------------------------------------------------------------------------


def test_base_normalize_turns_every_space_into_a_plain_space_and_trims() -> None:
    assert base_normalize("  a\u00a0b\u202fc\u2007d\te\n ") == "a b c d e"


def test_base_normalize_composes_to_nfc() -> None:
    assert base_normalize("e\u0301te\u0301") == "\u00e9t\u00e9"


def test_t1_ignores_case_accents_and_every_space() -> None:
    assert apply_t1(" Élève  Ça\u00a0va ") == "elevecava"
    assert apply_t1("İstanbul") == "istanbul"  # folding yields i + U+0307, then the dot is stripped
    assert apply_t1("Straße") == "strasse"  # case-folding, not just lower()


def test_t2_removes_punctuation_and_symbols_then_collapses_spaces() -> None:
    assert apply_t2("Jean-Pierre, l'été !") == "JeanPierre lété"
    assert apply_t2("a  -  b") == "a b"
    assert apply_t2("3,5 €") == "35"
    assert apply_t2("e!\u0301") == "\u00e9"  # the accent joins the letter once "!" is gone


def test_t2_then_t1_makes_apostrophe_and_space_spellings_agree() -> None:
    both = frozenset({"T1", "T2"})
    assert apply_tolerances("l'été", both) == apply_tolerances("l ete", both) == "lete"
    # Either tolerance alone is not enough.
    assert apply_tolerances("l'été", {"T2"}) == "lété" != apply_tolerances("l ete", {"T2"})
    assert apply_tolerances("l'été", {"T1"}) == "l'ete" != apply_tolerances("l ete", {"T1"})


# --- QROC ----------------------------------------------------------------------------------------


def test_qroc_without_tolerance_is_exact_after_nfc_and_spaces() -> None:
    spec = SolutionSpec.qroc(["Paris"], tolerances=NONE)
    assert result(spec, "Paris") == OK
    assert result(spec, " Paris\u00a0") == OK
    assert result(spec, "paris") == KO
    assert result(spec, "Paris!") == KO


def test_qroc_t1_only() -> None:
    spec = SolutionSpec.qroc(["Île-de-France"], tolerances={"T1"})
    assert result(spec, "ILE-DE-FRANCE") == OK
    assert result(spec, "ile - de - france") == OK
    assert result(spec, "ile de france") == KO  # the dashes are punctuation: T2 is not enabled


def test_qroc_t2_only() -> None:
    spec = SolutionSpec.qroc(["Île-de-France"], tolerances={"T2"})
    assert result(spec, "Île de France") == KO  # "Île de France" keeps spaces, the variant has none
    assert result(spec, "ÎledeFrance!") == OK
    assert result(spec, "iledefrance") == KO  # case and accents need T1


def test_qroc_default_tolerances_are_t1_and_t2() -> None:
    spec = SolutionSpec.qroc(["Île-de-France"])
    assert spec.tolerances == {"T1", "T2"}
    assert result(spec, "ile de france") == OK
    assert result(spec, "ile de frnace") == KO  # a typo needs T3


def test_qroc_t3_allows_a_quarter_of_the_variant_length() -> None:
    spec = SolutionSpec.qroc(["abcdefgh"], tolerances={"T3"})  # 8 letters: up to 2 edits
    assert result(spec, "abcdefxy") == OK  # 2 substitutions
    assert result(spec, "abcdexyz") == KO  # 3
    spec4 = SolutionSpec.qroc(["abcd"], tolerances={"T3"})  # 4 letters: exactly 1 edit (1/4 = 0.25)
    assert result(spec4, "abce") == OK
    assert result(spec4, "abcdx") == OK  # one insertion, measured against the variant's length
    assert result(spec4, "abef") == KO
    assert result(spec4, "abcdxy") == KO
    # The allowance comes from the variant, not from the answer: 2 deletions from 8 letters are
    # fine (2 ≤ ⌊8/4⌋) although they are a third of the 6-letter answer; 2 insertions into 7
    # letters are not (2 > ⌊7/4⌋) although they are under a quarter of the 9-letter answer.
    assert result(spec, "abcdef") == OK
    assert result(SolutionSpec.qroc(["abcdefg"], tolerances={"T3"}), "abcdefgxy") == KO
    spec3 = SolutionSpec.qroc(["abc"], tolerances={"T3"})  # 3 letters: 0.75 edit → none
    assert result(spec3, "abd") == KO


def test_qroc_t3_is_measured_after_t1_and_t2() -> None:
    spec = SolutionSpec.qroc(["Marseille"], tolerances={"T1", "T2", "T3"})
    assert result(spec, "MARSEILE") == OK  # T1 → "marseile", 1 deletion ≤ ⌊9/4⌋ = 2
    assert result(spec, "Mar-sei-lle !") == OK  # T2/T1 make it exact
    assert result(spec, "marsl") == KO
    raw = SolutionSpec.qroc(["Marseille"], tolerances={"T3"})
    assert result(raw, "marseile") == OK  # M→m and one missing l: 2 edits
    assert result(raw, "marseil") == KO  # 3 edits


def test_qroc_any_variant_matches() -> None:
    spec = SolutionSpec.qroc(["Lutèce", "Paris"])
    assert result(spec, "paris") == OK
    assert result(spec, "lutece") == OK
    assert result(spec, "Lyon") == KO


def test_qroc_blank_or_non_text_answers_are_ko() -> None:
    spec = SolutionSpec.qroc(["Paris"])
    for answer in ("", "   ", "\u00a0", None, 42, ["Paris"], {"answer": "Paris"}, b"Paris"):
        assert result(spec, answer) == KO


def test_qroc_variant_empty_after_t2_still_matches_its_own_spelling() -> None:
    spec = SolutionSpec.qroc(["?!"], tolerances={"T2"})
    assert result(spec, "?!") == OK


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,5", Decimal("3.5")),
        ("3.50", Decimal("3.5")),
        (" 3,5 ", Decimal("3.5")),
        (",5", Decimal("0.5")),
        ("+3", Decimal(3)),
        ("-2", Decimal(-2)),
        ("\u22122", Decimal(-2)),
        ("- 2", Decimal(-2)),
        ("-0", Decimal(0)),
        ("1 000", Decimal(1000)),
        ("1\u00a0000", Decimal(1000)),
        ("1\u202f000", Decimal(1000)),
        ("1 234 567,89", Decimal("1234567.89")),
        ("007", Decimal(7)),
    ],
)
def test_parse_number_accepts_french_and_english_writing(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "-", ",", "1,000.5", "3 5", "10 00", "1 0 0 0", "12e3", "3.5 €", "5%", "trois", "1,2,3", "٣", None, 3.5],
)
def test_parse_number_rejects_non_numbers(text: object) -> None:
    assert parse_number(text) is None


def test_parse_number_refuses_huge_digit_strings() -> None:
    assert parse_number("9" * 5000) is None


def test_numeric_qroc_compares_numbers_not_text() -> None:
    spec = SolutionSpec.qroc(["3.5"], numeric=True)
    assert result(spec, "3,5") == OK
    assert result(spec, "3,50") == OK
    assert result(spec, "35") == KO
    assert result(spec, "3,6") == KO
    assert result(spec, "3,5 €") == KO  # units are not numbers
    big = SolutionSpec.qroc(["1000"], numeric=True)
    assert result(big, "1 000") == OK
    assert result(big, "1\u202f000,0") == OK
    assert result(big, "10 00") == KO


def test_numeric_qroc_ignores_text_tolerances() -> None:
    # T2 would read "1,5" as "15" and T3 would accept one wrong digit in four: neither applies.
    assert result(SolutionSpec.qroc(["15"], tolerances={"T1", "T2", "T3"}, numeric=True), "1,5") == KO
    assert result(SolutionSpec.qroc(["1234"], tolerances={"T3"}, numeric=True), "1235") == KO


def test_numeric_variant_that_is_not_a_number_falls_back_to_exact_text() -> None:
    spec = SolutionSpec.qroc(["42", "N/A"], numeric=True)
    assert result(spec, "N/A") == OK
    assert result(spec, "n/a") == KO
    assert result(spec, "42,0") == OK


# --- QCU / QCM -----------------------------------------------------------------------------------


def test_qcu_exact_index() -> None:
    spec = SolutionSpec.qcu(2)
    assert spec.choices == {"2"}
    assert result(spec, "2") == OK
    assert result(spec, " 2 ") == OK
    assert result(spec, "02") == OK
    for wrong in ("3", "1", "0", "-2", "+2", "two", "", "2,3", "²", "٢", "9" * 5000, None, 2, ["2"], 2.0, True):
        assert result(spec, wrong) == KO, wrong


def test_qcm_is_an_order_insensitive_set() -> None:
    spec = SolutionSpec.qcm([1, 3])
    for right in (["1", "3"], ["3", "1"], ("1", "3", "3"), {"1", "3"}, frozenset({"3", "1"}), "3,1", "1, 3"):
        assert result(spec, right) == OK, right
    for wrong in (["1"], ["1", "2", "3"], [], "", ["1", "x"], ["1", 3], "1;3", "13", None, b"1,3", {"1": "3"}, 13):
        assert result(spec, wrong) == KO, wrong


def test_qcm_with_too_many_items_is_ko() -> None:
    assert result(SolutionSpec.qcm([1]), ["1"] * 10_000) == KO


# --- QROCM-ind -----------------------------------------------------------------------------------


CITY = {"city": ["Paris", "Lutèce"], "country": ["France"]}


def test_qrocm_ind_all_fields_must_match_and_each_field_is_reported() -> None:
    spec = SolutionSpec.qrocm_ind(CITY)
    both = check_answer(spec, {"city": "lutece", "country": "FRANCE", "extra": "ignored"})
    assert both == CheckResult(OK, {"city": OK, "country": OK})
    one = check_answer(spec, {"city": "Paris", "country": "Belgique"})
    assert one.result == KO
    assert dict(one.fields) == {"city": OK, "country": KO}
    # A field's own variants only: "France" is not a city.
    assert check_answer(spec, {"city": "France", "country": "France"}).fields["city"] == KO


def test_qrocm_ind_missing_or_malformed_answers_are_ko() -> None:
    spec = SolutionSpec.qrocm_ind(CITY)
    assert dict(check_answer(spec, {"city": "Paris"}).fields) == {"city": OK, "country": KO}
    assert dict(check_answer(spec, {"city": None, "country": 3}).fields) == {"city": KO, "country": KO}
    assert dict(check_answer(spec, "Paris").fields) == {"city": KO, "country": KO}
    assert result(spec, None) == KO


def test_qrocm_ind_partial_credit_only_when_asked() -> None:
    spec = SolutionSpec.qrocm_ind(CITY, partial_credit=True)
    assert result(spec, {"city": "Paris", "country": "Belgique"}) == PARTIALLY
    assert result(spec, {"city": "Rome", "country": "Italie"}) == KO
    assert result(spec, {"city": "Paris", "country": "France"}) == OK


# --- QROCM-dep -----------------------------------------------------------------------------------


def test_qrocm_dep_finds_the_matching_that_first_fit_misses() -> None:
    # Input a could use either group; b only the first. First-fit gives group 1 to a and fails b.
    spec = SolutionSpec.qrocm_dep([["Paris", "Lyon"], ["Paris"]], ["a", "b"])
    assert check_answer(spec, {"a": "Paris", "b": "Lyon"}) == CheckResult(OK, {"a": OK, "b": OK})
    assert result(spec, {"a": "Lyon", "b": "Paris"}) == OK


def test_qrocm_dep_each_group_serves_one_input() -> None:
    spec = SolutionSpec.qrocm_dep([["Paris"], ["Lyon"]], ["a", "b"])
    twice = check_answer(spec, {"a": "paris", "b": "Paris"})
    assert twice.result == KO
    assert dict(twice.fields) == {"a": OK, "b": KO}
    assert result(spec, {"a": "Lyon", "b": "Paris"}) == OK  # order does not matter


def test_qrocm_dep_with_more_groups_than_inputs() -> None:
    spec = SolutionSpec.qrocm_dep([["rouge"], ["vert"], ["bleu"]], ["c1", "c2"])
    assert result(spec, {"c1": "Bleu", "c2": "rouge"}) == OK
    assert result(spec, {"c1": "Bleu", "c2": "jaune"}) == KO


def test_qrocm_dep_three_inputs_need_a_two_step_augmenting_path() -> None:
    # a:{0,1}, b:{1,2}, c:{0} — first-fit takes 0 for a and 1 for b, then c must push a to 1, b to 2.
    groups = [["x", "y"], ["y", "z"], ["z"]]
    spec = SolutionSpec.qrocm_dep([groups[0], groups[1], groups[2]], ["a", "b", "c"])
    assert result(spec, {"a": "y", "b": "z", "c": "x"}) == OK
    # Three inputs answer "p" but only two groups accept it: one input must stay unmatched.
    spec2 = SolutionSpec.qrocm_dep([["p"], ["p"], ["q"]], ["a", "b", "c"])
    three_p = check_answer(spec2, {"a": "p", "b": "p", "c": "p"})
    assert three_p.result == KO
    assert dict(three_p.fields) == {"a": OK, "b": OK, "c": KO}
    assert result(spec2, {"a": "q", "b": "p", "c": "p"}) == OK


def test_qrocm_dep_partial_credit_and_malformed_answers() -> None:
    spec = SolutionSpec.qrocm_dep([["Paris"], ["Lyon"]], ["a", "b"], partial_credit=True)
    assert result(spec, {"a": "Paris", "b": "Rome"}) == PARTIALLY
    assert result(spec, {"a": "Rome", "b": "Rome"}) == KO
    assert dict(check_answer(spec, ["Paris", "Lyon"]).fields) == {"a": KO, "b": KO}


# --- special outcomes ----------------------------------------------------------------------------


def test_special_outcomes_and_their_precedence() -> None:
    spec = SolutionSpec.qcu(1)
    assert result(spec, "1", skipped=True) == ABAND
    assert result(spec, None, skipped=True, timed_out=True) == ABAND
    assert result(spec, "1", timed_out=True) == TIMEDOUT
    assert result(spec, "2", timed_out=True) == TIMEDOUT
    assert result(spec, "1", focused_out=True) == FOCUSED_OUT
    assert result(spec, "2", focused_out=True) == KO  # leaving the page did not make it wrong
    assert result(spec, "1", timed_out=True, focused_out=True) == TIMEDOUT


def test_focused_out_keeps_the_per_field_verdicts() -> None:
    spec = SolutionSpec.qrocm_ind(CITY, partial_credit=True)
    verdict = check_answer(spec, {"city": "Paris", "country": "?"}, focused_out=True)
    assert verdict.result == FOCUSED_OUT
    assert dict(verdict.fields) == {"city": OK, "country": KO}
    assert not verdict.is_ok


# --- shapes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: SolutionSpec("QRO"),
        lambda: SolutionSpec("QCU", choices=frozenset({"1", "2"})),
        lambda: SolutionSpec.qcu(0),
        lambda: SolutionSpec.qcu("01"),
        lambda: SolutionSpec.qcm([]),
        lambda: SolutionSpec.qroc([]),
        lambda: SolutionSpec.qroc(["ok", "  "]),
        lambda: SolutionSpec("QROC", fields={"answer": "Paris"}),  # type: ignore[dict-item]
        lambda: SolutionSpec("QROC", fields={"other": ("Paris",)}),
        lambda: SolutionSpec.qroc(["Paris"], tolerances={"T4"}),
        lambda: SolutionSpec.qrocm_ind({}),
        lambda: SolutionSpec.qrocm_dep([["a"]], ["x", "y"]),
        lambda: SolutionSpec.qrocm_dep([["a"], ["b"]], ["x", "x"]),
        lambda: SolutionSpec.qrocm_dep([["a"]], []),
    ],
)
def test_impossible_specs_are_rejected_at_construction(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        build()


def test_specs_are_frozen_and_hashable() -> None:
    fields = {"city": ["Paris"]}
    spec = SolutionSpec.qrocm_ind(fields)
    fields["city"].append("Rome")  # the spec copied its input
    assert spec.fields["city"] == ("Paris",)
    assert hash(spec) == hash(SolutionSpec.qrocm_ind({"city": ["Paris"]}))
    assert spec == SolutionSpec.qrocm_ind({"city": ["Paris"]})
    with pytest.raises(AttributeError):
        spec.numeric = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.fields["x"] = ("y",)  # type: ignore[index]


def test_check_result_rejects_unknown_results_and_requires_a_spec() -> None:
    with pytest.raises(ValueError):
        CheckResult("maybe")
    with pytest.raises(TypeError):
        check_answer("QCU", "1")  # type: ignore[arg-type]


# --- bounded Levenshtein -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "bound", "expected"),
    [
        ("kitten", "sitting", 3, 3),
        ("kitten", "sitting", 2, 3),  # over the bound: bound + 1
        ("", "abc", 3, 3),
        ("abc", "", 2, 3),
        ("abc", "abc", 0, 0),
        ("abc", "abd", 0, 1),
        ("flaw", "lawn", 2, 2),
        ("abcdef", "azced", 3, 3),
    ],
)
def test_bounded_levenshtein(a: str, b: str, bound: int, expected: int) -> None:
    assert bounded_levenshtein(a, b, bound) == expected
    assert bounded_levenshtein(b, a, bound) == expected


def test_huge_answers_are_refused_without_work() -> None:
    spec = SolutionSpec.qroc(["Paris"], tolerances={"T1", "T2", "T3"})
    assert result(spec, "Paris" + " " * 3000) == KO  # longer than MAX_ANSWER_CHARS even if trimmable
    assert result(spec, "é" * 1_000_000) == KO
    assert result(SolutionSpec.qcm([1]), "1," * 1_000_000) == KO
