"""Campaign codes: shape, alphabet, uniqueness, tolerant normalisation."""

from __future__ import annotations

import pytest

from pix_lti.orga import codes


def test_random_codes_have_six_unambiguous_letters_then_three_digits() -> None:
    for _ in range(500):
        code = codes.random_code()
        assert len(code) == 9 and codes.is_valid_code(code)
        assert all(c in codes.LETTERS for c in code[:6]) and all(c in codes.DIGITS for c in code[6:])
        assert not set(code) & set("IOL01")


def test_alphabet_leaves_out_confusable_characters() -> None:
    assert len(codes.LETTERS) == 23 and not set(codes.LETTERS) & set("ILO")
    assert codes.DIGITS == "23456789"


def test_generate_code_skips_taken_codes() -> None:
    taken: set[str] = set()
    seen = []

    def exists(code: str) -> bool:
        seen.append(code)
        return len(seen) <= 3  # the first three draws are "taken"

    code = codes.generate_code(exists)
    assert code == seen[-1] and len(seen) == 4 and code not in taken


def test_generate_code_gives_up_when_every_code_is_taken() -> None:
    with pytest.raises(codes.CodeSpaceExhausted):
        codes.generate_code(lambda _code: True)


@pytest.mark.parametrize("typed", ["QWERTZ248", "qwertz248", " qwe rtz 248 ", "QWE-RTZ-248", "qwe\u00a0rtz\t248"])
def test_normalise_is_case_and_space_tolerant(typed: str) -> None:
    assert codes.normalise_code(typed) == "QWERTZ248"


@pytest.mark.parametrize("bad", ["", "QWERTZ24", "QWERTZ2489", "QWERT1248", "OWERTZ248", "QWERTZ240", "248QWERTZ",
                                 "QWÉRTZ248"])
def test_malformed_codes_are_not_valid(bad: str) -> None:
    assert not codes.is_valid_code(codes.normalise_code(bad))
