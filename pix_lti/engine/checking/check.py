"""``check_answer``: the verdict on one answer to one challenge.

Rules (issue 4, public Pix behaviour), all documented with their edge cases:

- Special outcomes are passed as flags, not encoded in the answer: ``skipped`` → ``aband``;
  ``timed_out`` → ``timedout`` whatever was typed (a late answer is not an answer); ``focused_out``
  (the caller sets it only for focused challenges) turns a would-be ``ok``/``partially`` into
  ``focusedOut`` — a wrong answer stays ``ko``, because leaving the page did not make it wrong.
  Precedence: skipped, then timed_out, then the answer itself.
- QCU: the answer is one proposal index ``"1".."n"`` (surrounding spaces and leading zeros are
  tolerated); anything else — letters, ``"0"``, out-of-range, wrong types — is ``ko``.
- QCM: a collection of indices (or a comma-separated string ``"1,3"``, as Pix stores them), compared
  as a set: order and duplicates do not matter; any invalid element makes the answer ``ko``.
- QROC: the answer matches when, after the always-on normalisation and the enabled T2 then T1
  (see ``normalize``), it equals a variant, or with T3 when the Levenshtein distance to a variant
  is ≤ 25% of that variant's (normalised) length.  Numeric specs compare numbers only (see
  ``numbers``): a non-numeric answer is ``ko`` and T1/T2/T3 are not used — T2 would turn ``1,5``
  into ``15`` and T3 would accept ``1235`` for ``1234``.
- QROCM-ind: every field against its own variants; ``ok`` only when all fields match, otherwise
  ``ko`` (Pix behaviour) or ``partially`` when the spec grants partial credit and at least one
  field matches.  Per-field verdicts are always exposed in ``CheckResult.fields``.
- QROCM-dep: every input may match any group but each group serves one input: a maximum bipartite
  matching (augmenting paths — a greedy first-fit fails when an input could take either of two
  groups).  ``ok`` when every input is matched; partial credit as for QROCM-ind.

Total on arbitrary input: wrong types, ``None``, any Unicode → ``ko``, never an exception.  Work is
bounded: answers longer than ``MAX_ANSWER_CHARS`` are ``ko`` without being normalised, and T3 is
skipped for strings longer than ``MAX_LEVENSHTEIN_CHARS`` (exact comparison still applies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from functools import lru_cache

from pix_lti.engine.checking.levenshtein import bounded_levenshtein
from pix_lti.engine.checking.normalize import T3, apply_tolerances
from pix_lti.engine.checking.numbers import parse_number
from pix_lti.engine.checking.spec import (
    ABAND,
    FOCUSED_OUT,
    KO,
    OK,
    PARTIALLY,
    QCM,
    QCU,
    QROC,
    QROCM_DEP,
    QROCM_IND,
    TIMEDOUT,
    CheckResult,
    SolutionSpec,
)

MAX_ANSWER_CHARS = 2000  # no accepted answer is anywhere near this long
MAX_LEVENSHTEIN_CHARS = 500  # T3 is O(len · len/4): keep it well under a millisecond
MAX_QCM_ITEMS = 64  # a QCM has at most 8 proposals; more items cannot be a right answer
MAX_INDEX_DIGITS = 3

_KO = CheckResult(KO)


def check_answer(
    spec: SolutionSpec,
    answer: object,
    *,
    skipped: bool = False,
    timed_out: bool = False,
    focused_out: bool = False,
) -> CheckResult:
    """Return the verdict on ``answer`` for the challenge described by ``spec``.

    ``answer`` is a ``str`` (QCU, QROC), a collection of ``str`` or ``"1,3"`` (QCM), or a
    ``Mapping[str, str]`` from input key to text (QROCM-ind, QROCM-dep).
    """
    if not isinstance(spec, SolutionSpec):
        raise TypeError(f"spec must be a SolutionSpec, got {type(spec).__name__}")
    if skipped:
        return CheckResult(ABAND)
    if timed_out:
        return CheckResult(TIMEDOUT)
    verdict = _check_content(spec, answer)
    if focused_out and verdict.result in (OK, PARTIALLY):
        return CheckResult(FOCUSED_OUT, verdict.fields)
    return verdict


def _check_content(spec: SolutionSpec, answer: object) -> CheckResult:
    if spec.type == QCU:
        index = _canonical_index(answer)
        return CheckResult(OK if index is not None and index in spec.choices else KO)
    if spec.type == QCM:
        chosen = _canonical_index_set(answer)
        return CheckResult(OK if chosen is not None and chosen == spec.choices else KO)
    if spec.type == QROC:
        return CheckResult(OK if _text_matches(spec, answer, spec.fields["answer"]) else KO)
    if spec.type == QROCM_IND:
        return _check_qrocm_ind(spec, answer)
    if spec.type == QROCM_DEP:
        return _check_qrocm_dep(spec, answer)
    return _KO  # pragma: no cover - SolutionSpec rejects unknown types


# --- QCU / QCM ---------------------------------------------------------------------------------


def _canonical_index(value: object) -> str | None:
    """``" 02 "`` → ``"2"``; anything that is not a positive ASCII integer → ``None``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_INDEX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return str(number) if number >= 1 else None


def _canonical_index_set(value: object) -> frozenset[str] | None:
    if isinstance(value, str):
        if len(value) > MAX_QCM_ITEMS * (MAX_INDEX_DIGITS + 2):
            return None
        items: Sequence[object] | Set[object] = value.split(",")
    elif isinstance(value, (Sequence, Set)) and not isinstance(value, (bytes, bytearray)):
        items = value
    else:
        return None
    if not 0 < len(items) <= MAX_QCM_ITEMS:
        return None
    indices = set()
    for item in items:
        index = _canonical_index(item)
        if index is None:
            return None  # one invalid element makes the whole answer wrong, never an error
        indices.add(index)
    return frozenset(indices)


# --- Free text ---------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _treated(text: str, tolerances: frozenset[str]) -> str:
    # Variants would be normalised again for every answer: cache them (answers are not cached,
    # so that arbitrary student text cannot fill the cache with long strings).
    return apply_tolerances(text, tolerances)


def _text_matches(spec: SolutionSpec, answer: object, variants: tuple[str, ...]) -> bool:
    if not isinstance(answer, str) or len(answer) > MAX_ANSWER_CHARS or not answer.strip():
        return False
    if spec.numeric:
        return _number_matches(answer, variants)
    treated = apply_tolerances(answer, spec.tolerances)
    references = [_treated(v, spec.tolerances) for v in variants]
    if treated in references:
        return True
    if T3 not in spec.tolerances or len(treated) > MAX_LEVENSHTEIN_CHARS:
        return False
    for reference in references:
        if len(reference) > MAX_LEVENSHTEIN_CHARS:
            continue
        # distance / len ≤ 0.25  ⇔  distance ≤ ⌊len / 4⌋ (integers: no float rounding at the boundary)
        allowed = len(reference) // 4
        if allowed and bounded_levenshtein(treated, reference, allowed) <= allowed:
            return True
    return False


def _number_matches(answer: str, variants: tuple[str, ...]) -> bool:
    value = parse_number(answer)
    for variant in variants:
        expected = parse_number(variant)
        if expected is None:
            # Content should not hold this (the validator checks it): fall back to exact text.
            if apply_tolerances(answer, ()) == _treated(variant, frozenset()):
                return True
        elif value is not None and value == expected:
            return True
    return False


# --- QROCM -------------------------------------------------------------------------------------


def _field_value(answer: Mapping[object, object], key: str) -> object:
    try:
        return answer.get(key)
    except Exception:  # a hostile Mapping implementation: treat the field as unanswered
        return None


def _aggregate(spec: SolutionSpec, fields: dict[str, str]) -> CheckResult:
    right = sum(1 for verdict in fields.values() if verdict == OK)
    if fields and right == len(fields):
        return CheckResult(OK, fields)
    if spec.partial_credit and right > 0:
        return CheckResult(PARTIALLY, fields)
    return CheckResult(KO, fields)


def _check_qrocm_ind(spec: SolutionSpec, answer: object) -> CheckResult:
    if not isinstance(answer, Mapping):
        return CheckResult(KO, {key: KO for key in spec.fields})
    fields = {
        key: OK if _text_matches(spec, _field_value(answer, key), variants) else KO
        for key, variants in spec.fields.items()
    }
    return _aggregate(spec, fields)


def _check_qrocm_dep(spec: SolutionSpec, answer: object) -> CheckResult:
    keys = spec.input_keys
    if not isinstance(answer, Mapping):
        return CheckResult(KO, {key: KO for key in keys})
    # edges[i] = the groups input i matches (inputs and groups are few: a handful each).
    edges = [
        [g for g, group in enumerate(spec.groups) if _text_matches(spec, _field_value(answer, key), group)]
        for key in keys
    ]
    matched_input = _maximum_matching(edges, len(spec.groups))
    fields = {key: OK if i in matched_input else KO for i, key in enumerate(keys)}
    return _aggregate(spec, fields)


def _maximum_matching(edges: list[list[int]], group_count: int) -> set[int]:
    """Kuhn's augmenting-path algorithm; returns the inputs matched in a maximum matching.

    O(inputs · edges), exact (unlike first-fit: with input A matching groups {1, 2} and input B
    matching only {1}, first-fit gives 1 to A and leaves B unmatched; augmenting moves A to 2).
    """
    owner: list[int | None] = [None] * group_count  # group → input currently using it

    def augment(i: int, seen: set[int]) -> bool:
        for g in edges[i]:
            if g in seen:
                continue
            seen.add(g)
            current = owner[g]
            if current is None or augment(current, seen):
                owner[g] = i
                return True
        return False

    for i in range(len(edges)):
        augment(i, set())
    return {i for i in owner if i is not None}
