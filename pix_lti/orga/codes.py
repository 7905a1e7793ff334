"""Campaign codes: 6 letters then 3 digits (``QWERTZ248``), read aloud or copied from a board by pupils.

The alphabet leaves out the characters people confuse when reading or typing a code: I/L/1 and O/0. Codes come from
``secrets`` (not guessable from one another) and are stored upper-case; what a person types is normalised before the
lookup (case, spaces, dashes), so ``qwe rtz-248`` finds ``QWERTZ248``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"  # A–Z without I, L, O
DIGITS = "23456789"  # without 0, 1
LETTER_COUNT = 6
DIGIT_COUNT = 3
CODE_LENGTH = LETTER_COUNT + DIGIT_COUNT
MAX_ATTEMPTS = 50  # 23^6 × 8^3 ≈ 7.6e10 codes: a clash is rare, fifty in a row means something is wrong

_CODE_RE = re.compile(rf"[{LETTERS}]{{{LETTER_COUNT}}}[{DIGITS}]{{{DIGIT_COUNT}}}")
_SEPARATORS = re.compile(r"[\s\-_.]+")  # what people insert when they copy a code: spaces (incl. NBSP), dashes, dots


class CodeSpaceExhausted(RuntimeError):
    """No free code after ``MAX_ATTEMPTS`` draws (practically impossible unless ``exists`` always answers True)."""


def random_code() -> str:
    letters = "".join(secrets.choice(LETTERS) for _ in range(LETTER_COUNT))
    digits = "".join(secrets.choice(DIGITS) for _ in range(DIGIT_COUNT))
    return letters + digits


def generate_code(exists: Callable[[str], bool]) -> str:
    """A random code for which ``exists(code)`` is False (the caller checks its table)."""
    for _ in range(MAX_ATTEMPTS):
        code = random_code()
        if not exists(code):
            return code
    raise CodeSpaceExhausted(f"no free campaign code after {MAX_ATTEMPTS} attempts")


def normalise_code(raw: str | None) -> str:
    """What the person typed, upper-cased and without separators (may still be malformed: see ``is_valid_code``)."""
    if not raw:
        return ""
    return _SEPARATORS.sub("", raw).upper()


def is_valid_code(code: str) -> bool:
    """Whether ``code`` (already normalised) has the shape of a campaign code."""
    return bool(_CODE_RE.fullmatch(code))
