"""Property tests (hypothesis) for answer checking: idempotent normalisation, totality, self-acceptance."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pix_lti.engine.checker import (
    MAX_ANSWER_CHARS,
    MAX_LEVENSHTEIN_CHARS,
    OK,
    RESULTS,
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

TOLERANCE_SETS = st.sets(st.sampled_from(["T1", "T2", "T3"])).map(frozenset)
# Any Unicode text, including unassigned code points, surrogates excluded (not valid str for I/O).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
VARIANT = ANY_TEXT.filter(lambda s: s.strip() != "")
KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True)


def full_levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


# --- normalisation -------------------------------------------------------------------------------


@given(ANY_TEXT)
def test_each_step_is_idempotent(text: str) -> None:
    for step in (base_normalize, apply_t1, apply_t2):
        once = step(text)
        assert step(once) == once


@given(ANY_TEXT, TOLERANCE_SETS)
def test_the_pipeline_is_idempotent(text: str, tolerances: frozenset[str]) -> None:
    once = apply_tolerances(text, tolerances)
    assert apply_tolerances(once, tolerances) == once


@given(ANY_TEXT)
def test_t1_and_t2_commute(text: str) -> None:
    base = base_normalize(text)
    assert apply_t1(apply_t2(base)) == apply_t2(apply_t1(base))


@given(ANY_TEXT)
def test_t1_output_has_no_space_and_no_combining_mark(text: str) -> None:
    out = apply_t1(text)
    assert not any(c.isspace() for c in out)
    assert not any(unicodedata.category(c).startswith("M") for c in out)


# --- bounded Levenshtein -------------------------------------------------------------------------


@given(st.text("abcd", max_size=12), st.text("abcd", max_size=12), st.integers(0, 6))
def test_bounded_levenshtein_agrees_with_the_full_table(a: str, b: str, bound: int) -> None:
    exact = full_levenshtein(a, b)
    got = bounded_levenshtein(a, b, bound)
    assert got == (exact if exact <= bound else bound + 1)


# --- totality ------------------------------------------------------------------------------------

ANSWERS = st.one_of(
    st.none(),
    ANY_TEXT,
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.binary(max_size=10),
    st.lists(st.one_of(ANY_TEXT, st.integers(), st.none()), max_size=6),
    st.frozensets(ANY_TEXT, max_size=4),
    st.dictionaries(st.one_of(KEYS, ANY_TEXT), st.one_of(ANY_TEXT, st.none(), st.integers()), max_size=4),
    st.dictionaries(st.integers(), ANY_TEXT, max_size=3),
)


@st.composite
def specs(draw: st.DrawFn) -> SolutionSpec:
    tolerances = draw(TOLERANCE_SETS)
    numeric = draw(st.booleans())
    partial = draw(st.booleans())
    kind = draw(st.sampled_from(["QCU", "QCM", "QROC", "QROCM-ind", "QROCM-dep"]))
    if kind == "QCU":
        return SolutionSpec.qcu(draw(st.integers(1, 8)))
    if kind == "QCM":
        return SolutionSpec.qcm(draw(st.sets(st.integers(1, 8), min_size=1)))
    variants = st.lists(VARIANT, min_size=1, max_size=3)
    if kind == "QROC":
        return SolutionSpec.qroc(draw(variants), tolerances=tolerances, numeric=numeric)
    if kind == "QROCM-ind":
        fields = draw(st.dictionaries(KEYS, variants, min_size=1, max_size=3))
        return SolutionSpec.qrocm_ind(fields, tolerances=tolerances, numeric=numeric, partial_credit=partial)
    keys = draw(st.lists(KEYS, min_size=1, max_size=3, unique=True))
    groups = draw(st.lists(variants, min_size=len(keys), max_size=len(keys) + 1))
    return SolutionSpec.qrocm_dep(groups, keys, tolerances=tolerances, numeric=numeric, partial_credit=partial)


@given(specs(), ANSWERS, st.booleans(), st.booleans(), st.booleans())
def test_check_answer_never_raises(
    spec: SolutionSpec, answer: object, skipped: bool, timed_out: bool, focused_out: bool
) -> None:
    verdict = check_answer(spec, answer, skipped=skipped, timed_out=timed_out, focused_out=focused_out)
    assert isinstance(verdict, CheckResult)
    assert verdict.result in RESULTS
    assert set(verdict.fields.values()) <= {"ok", "ko"}


# --- a spec's own variants are accepted ----------------------------------------------------------


@given(st.lists(VARIANT, min_size=1, max_size=4), TOLERANCE_SETS, st.data())
def test_qroc_accepts_each_of_its_variants(variants: list[str], tolerances: frozenset[str], data: st.DataObject) -> None:
    spec = SolutionSpec.qroc(variants, tolerances=tolerances)
    assert check_answer(spec, data.draw(st.sampled_from(variants))).result == OK


NUMBERS = st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False, allow_infinity=False)


def french(value: Decimal) -> str:
    """Write a number the French way: NBSP-grouped thousands, decimal comma."""
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    grouped = f"{int(integer):,}".replace(",", "\u202f")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


@given(NUMBERS, TOLERANCE_SETS)
def test_numeric_spec_accepts_its_value_however_it_is_written(value: Decimal, tolerances: frozenset[str]) -> None:
    spec = SolutionSpec.qroc([f"{value:f}"], tolerances=tolerances, numeric=True)
    for written in (f"{value:f}", french(value), f"{value:f}".replace(".", ",")):
        assert parse_number(written) == value
        assert check_answer(spec, written).result == OK, written


@given(st.dictionaries(KEYS, st.lists(VARIANT, min_size=1, max_size=3), min_size=1, max_size=4), TOLERANCE_SETS, st.data())
def test_qrocm_ind_accepts_its_own_variants(
    fields: dict[str, list[str]], tolerances: frozenset[str], data: st.DataObject
) -> None:
    spec = SolutionSpec.qrocm_ind(fields, tolerances=tolerances)
    answer = {key: data.draw(st.sampled_from(variants)) for key, variants in fields.items()}
    assert check_answer(spec, answer).result == OK


@given(
    st.lists(KEYS, min_size=1, max_size=4, unique=True),
    st.lists(st.lists(VARIANT, min_size=1, max_size=3), min_size=5, max_size=6),
    TOLERANCE_SETS,
    st.data(),
)
def test_qrocm_dep_accepts_any_assignment_of_distinct_groups(
    keys: list[str], groups: list[list[str]], tolerances: frozenset[str], data: st.DataObject
) -> None:
    spec = SolutionSpec.qrocm_dep(groups, keys, tolerances=tolerances)
    chosen = data.draw(st.permutations(range(len(groups))))[: len(keys)]
    answer = {key: data.draw(st.sampled_from(groups[g])) for key, g in zip(keys, chosen, strict=True)}
    assert check_answer(spec, answer).result == OK


# --- bounded work --------------------------------------------------------------------------------


@settings(max_examples=20)
@given(st.integers(MAX_LEVENSHTEIN_CHARS - 5, MAX_ANSWER_CHARS + 5), st.sampled_from("aé ,'x"))
def test_long_answers_are_handled(length: int, char: str) -> None:
    # No timing assertion: the bounds are structural (length caps, banded Levenshtein).
    variant = "a" * MAX_LEVENSHTEIN_CHARS
    spec = SolutionSpec.qroc([variant], tolerances={"T1", "T2", "T3"})
    verdict = check_answer(spec, char * length)
    assert verdict.result in {"ok", "ko"}
    if length > MAX_ANSWER_CHARS:
        assert verdict.result == "ko"
