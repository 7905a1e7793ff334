from __future__ import annotations

import random
from datetime import date

import pytest

from pix_lti.identity.usernames import (
    ATTEMPTS_PER_WIDTH,
    SUFFIX_WIDTHS,
    UsernameUnavailable,
    base_username,
    first_first_name,
    generate_username,
    normalise_name,
)

BIRTH = date(2012, 12, 5)


@pytest.mark.parametrize(("raw", "expected"), [
    ("Léa", "lea"),
    ("INÈS", "ines"),
    ("Jean-Pierre", "jeanpierre"),
    ("Le Gall", "legall"),
    ("N'Diaye", "ndiaye"),
    ("N’Diaye", "ndiaye"),  # typographic apostrophe
    ("Çağlar", "caglar"),
    ("Œdipe", "oedipe"),
    ("Lætitia", "laetitia"),
    ("Søren", "soren"),
    ("Łukasz", "lukasz"),
    ("Groß", "gross"),
    ("  d'Artagnan-Dupont  ", "dartagnandupont"),
    ("Ｌéa", "lea"),  # full-width letters from a copy-paste
    ("Marie 2", "marie"),
])
def test_names_are_reduced_to_plain_lowercase_letters(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_only_the_first_first_name_is_kept_but_compounds_stay_whole() -> None:
    assert first_first_name("Léa Marie Anne") == "Léa"
    assert first_first_name("Léa, Marie") == "Léa"
    assert first_first_name("Jean-Pierre Paul") == "Jean-Pierre"
    assert first_first_name("  - Zoé") == "Zoé"  # a stray separator is not a first name


@pytest.mark.parametrize(("first", "last", "birth", "expected"), [
    ("Léa", "Martin", date(2012, 12, 5), "lea.martin0512"),
    ("Hugo", "Bernard", date(2011, 3, 21), "hugo.bernard2103"),
    ("Jean-Pierre", "Le Gall", date(2010, 1, 9), "jeanpierre.legall0901"),
    ("Aïssatou Fatou", "N'Diaye", date(2013, 7, 31), "aissatou.ndiaye3107"),
    ("Élodie", "de La Fontaine-Saint-Jean", date(2012, 2, 29), "elodie.delafontainesaintjean2902"),
])
def test_base_username(first: str, last: str, birth: date, expected: str) -> None:
    assert base_username(first, last, birth) == expected


@pytest.mark.parametrize(("first", "last"), [("", "Martin"), ("Léa", ""), ("  ", "Martin"), ("Léa", "--'"),
                                             ("123", "Martin"), ("李", "Martin")])
def test_names_without_usable_letters_are_refused_clearly(first: str, last: str) -> None:
    with pytest.raises(ValueError, match="name .* has no letter usable in a username"):
        base_username(first, last, BIRTH)


def test_birth_date_must_be_a_date() -> None:
    with pytest.raises(ValueError, match="birth date"):
        base_username("Léa", "Martin", "05/12/2012")  # type: ignore[arg-type]


def test_very_long_names_stay_within_the_column() -> None:
    taken = {base_username("A" * 300, "B" * 300, BIRTH)}
    username = generate_username("A" * 300, "B" * 300, BIRTH, taken=taken, rng=random.Random(1))
    assert len(username) <= 150 and username.startswith("a" * 60 + "." + "b" * 60 + "0512")


def test_free_base_username_is_used_as_is() -> None:
    assert generate_username("Léa", "Martin", BIRTH, taken={"hugo.bernard2103"}) == "lea.martin0512"
    assert generate_username("Léa", "Martin", BIRTH) == "lea.martin0512"


def test_collision_appends_two_random_digits() -> None:
    username = generate_username("Léa", "Martin", BIRTH, taken={"lea.martin0512"}, rng=random.Random(7))
    assert username.startswith("lea.martin0512") and len(username) == len("lea.martin0512") + 2
    assert username[-2:].isdigit() and username != "lea.martin0512"


def test_collision_suffix_is_random_not_sequential() -> None:
    suffixes = {generate_username("Léa", "Martin", BIRTH, taken={"lea.martin0512"}, rng=random.Random(seed))[-2:]
                for seed in range(20)}
    assert len(suffixes) > 5


def test_all_two_digit_suffixes_taken_moves_to_three_digits() -> None:
    taken = {"lea.martin0512"} | {f"lea.martin0512{n:02d}" for n in range(100)}
    username = generate_username("Léa", "Martin", BIRTH, taken=taken, rng=random.Random(3))
    assert username not in taken
    assert len(username) == len("lea.martin0512") + 3 and username[-3:].isdigit()


def test_taken_may_be_a_callable_and_is_asked_a_bounded_number_of_times() -> None:
    asked: list[str] = []

    def always_taken(username: str) -> bool:
        asked.append(username)
        return True

    with pytest.raises(UsernameUnavailable):
        generate_username("Léa", "Martin", BIRTH, taken=always_taken, rng=random.Random(0))
    assert len(asked) == 1 + len(SUFFIX_WIDTHS) * ATTEMPTS_PER_WIDTH
    assert len(set(asked)) == len(asked)  # never the same candidate twice


def test_callable_sees_the_candidates_in_order_of_length() -> None:
    asked: list[str] = []

    def taken(username: str) -> bool:
        asked.append(username)
        return len(asked) < 3

    username = generate_username("Hugo", "Bernard", date(2011, 3, 21), taken=taken, rng=random.Random(5))
    assert asked[0] == "hugo.bernard2103"
    assert username == asked[-1] and len(asked) == 3 and len(username) == len("hugo.bernard2103") + 2
