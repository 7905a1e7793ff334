"""Usernames for local accounts (students without ENT or LMS): ``prenom.nomJJMM``.

The pattern French schools already use for Pix class accounts: first name, a dot, last name, then day and month of birth,
e.g. Léa Martin born on 5 December → ``lea.martin0512``. A child can rebuild it from what they know, and it holds no
email. Pure functions: the caller says which usernames are taken (a set, or a callable querying the database).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Container
from datetime import date

# Letters NFKD does not decompose into a base letter + accent; without this table "Œ" or "ø" would be dropped.
_SPECIAL_LETTERS = str.maketrans({
    "œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ŀ": "l",
})
_NOT_A_Z = re.compile(r"[^a-z]+")
# Several first names are separated by spaces or commas on school rosters ("Léa, Marie"); a compound first name keeps its
# hyphen ("Jean-Pierre") and so stays whole.
_FIRST_NAMES_SEPARATOR = re.compile(r"[\s,;/]+")

# Room left in the 150-character column for the dot, DDMM and collision digits; real names never come close.
MAX_PART_LENGTH = 60
SUFFIX_WIDTHS = (2, 3, 4, 5, 6)
ATTEMPTS_PER_WIDTH = 20

Taken = Callable[[str], bool] | Container[str]


class UsernameUnavailable(RuntimeError):
    """Every candidate tried was taken (only with an implausibly crowded name, or a ``taken`` that says yes to all)."""


def normalise_name(text: str) -> str:
    """Lower-case a-z only: accents stripped ("Inès" → "ines"), everything else dropped ("N'Diaye" → "ndiaye",
    "Le Gall" → "legall", "Jean-Pierre" → "jeanpierre")."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return _NOT_A_Z.sub("", decomposed)[:MAX_PART_LENGTH]


def first_first_name(first_names: str) -> str:
    """The first of several first names ("Léa Marie Anne" → "Léa"); a hyphenated compound stays whole."""
    for part in _FIRST_NAMES_SEPARATOR.split(first_names.strip()):
        if normalise_name(part):
            return part
    return ""


def base_username(first_name: str, last_name: str, birth_date: date) -> str:
    """``prenom.nomJJMM`` without collision handling. Raises ValueError when a name has no usable letter."""
    first = normalise_name(first_first_name(first_name))
    last = normalise_name(last_name)
    if not first:
        raise ValueError(f"the first name {first_name!r} has no letter usable in a username")
    if not last:
        raise ValueError(f"the last name {last_name!r} has no letter usable in a username")
    if not isinstance(birth_date, date):
        raise ValueError(f"the birth date must be a date, not {birth_date!r}")
    return f"{first}.{last}{birth_date.day:02d}{birth_date.month:02d}"


def _is_taken(taken: Taken) -> Callable[[str], bool]:
    if callable(taken):
        return taken
    return lambda username: username in taken


def generate_username(first_name: str, last_name: str, birth_date: date, *, taken: Taken = frozenset(),
                      rng: random.Random | None = None) -> str:
    """A free username: the base one, or the base followed by random digits (2 digits, then 3… up to 6).

    Random rather than sequential digits, so the suffix does not reveal how many namesakes exist and two classes
    generated at the same time rarely race for the same name. At most ``len(SUFFIX_WIDTHS) * ATTEMPTS_PER_WIDTH + 1``
    calls to ``taken``: never an endless loop, even if ``taken`` always answers yes (then UsernameUnavailable).
    The caller still relies on the database's unique constraint for concurrent creations.
    """
    base = base_username(first_name, last_name, birth_date)
    is_taken = _is_taken(taken)
    if not is_taken(base):
        return base
    rng = rng or random.SystemRandom()
    for width in SUFFIX_WIDTHS:
        # Distinct draws within one width: with 2 digits, 20 of the 100 suffixes are tried without repeats.
        for number in rng.sample(range(10**width), k=min(ATTEMPTS_PER_WIDTH, 10**width)):
            candidate = f"{base}{number:0{width}d}"
            if not is_taken(candidate):
                return candidate
    raise UsernameUnavailable(f"no free username found for {base!r}")
