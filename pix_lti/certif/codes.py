"""Certification codes, read from a board or a paper certificate and typed by people:

- the session **access code**: 4 letters + 2 digits (``KRTV47``);
- the certificate **verification code**: ``P-`` + 8 characters (``P-7KXM3RQA``).

Alphabets leave out 0/O, 1/I/L (read or typed one for the other). Codes come from ``secrets`` (through
``secrets.SystemRandom``) unless a test passes its own ``random.Random``; what a person types is normalised before the
lookup (case, spaces, dashes), so ``krtv 47`` finds ``KRTV47`` and ``p 7kxm-3rqa`` finds ``P-7KXM3RQA``.
"""

from __future__ import annotations

import random
import re
import secrets

from pix_lti.web.converters import MAX_DATABASE_ID

LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"  # A–Z without I, L, O
DIGITS = "23456789"  # without 0, 1
VERIFICATION_ALPHABET = LETTERS + DIGITS
ACCESS_LETTERS = 4
ACCESS_DIGITS = 2
VERIFICATION_LENGTH = 8
VERIFICATION_PREFIX = "P-"
MAX_ID = MAX_DATABASE_ID  # ids are INTEGER columns: a larger number is no id (and PostgreSQL would refuse it)

_ACCESS_RE = re.compile(rf"[{LETTERS}]{{{ACCESS_LETTERS}}}[{DIGITS}]{{{ACCESS_DIGITS}}}")
_VERIFICATION_RE = re.compile(rf"P-[{VERIFICATION_ALPHABET}]{{{VERIFICATION_LENGTH}}}")
_SEPARATORS = re.compile(r"[\s\-_.]+")


def _rng(rng: random.Random | None) -> random.Random:
    return rng if rng is not None else secrets.SystemRandom()


def new_access_code(rng: random.Random | None = None) -> str:
    """23^4 × 8^2 ≈ 18 million codes: guessing one is hopeless under the entry form's rate limit."""
    r = _rng(rng)
    return "".join(r.choice(LETTERS) for _ in range(ACCESS_LETTERS)) + "".join(
        r.choice(DIGITS) for _ in range(ACCESS_DIGITS))


def new_verification_code(rng: random.Random | None = None) -> str:
    r = _rng(rng)
    return VERIFICATION_PREFIX + "".join(r.choice(VERIFICATION_ALPHABET) for _ in range(VERIFICATION_LENGTH))


def new_invigilator_password(rng: random.Random | None = None, length: int = 10) -> str:
    """Shown once to the centre and read to the invigilator: the same unambiguous alphabet, no separators."""
    r = _rng(rng)
    return "".join(r.choice(VERIFICATION_ALPHABET) for _ in range(length))


def normalise_access_code(raw: str | None) -> str:
    """Upper-cased, separators removed (may still be malformed: see ``is_valid_access_code``)."""
    return _SEPARATORS.sub("", raw or "").upper()


def is_valid_access_code(code: str) -> bool:
    return bool(_ACCESS_RE.fullmatch(code))


def normalise_verification_code(raw: str | None) -> str:
    """``p 7kxm-3rqa``, ``P7KXM3RQA`` and ``P-7KXM3RQA`` all become ``P-7KXM3RQA``."""
    compact = _SEPARATORS.sub("", raw or "").upper()
    if compact.startswith("P") and len(compact) == 1 + VERIFICATION_LENGTH:
        return VERIFICATION_PREFIX + compact[1:]
    return compact


def is_valid_verification_code(code: str) -> bool:
    return bool(_VERIFICATION_RE.fullmatch(code))


def normalise_session_number(raw: str | None) -> int | None:
    """The session number as typed (spaces tolerated); None when it is not a positive number."""
    compact = _SEPARATORS.sub("", raw or "")
    if not (compact.isascii() and compact.isdigit()) or len(compact) > 10:
        return None
    number = int(compact)
    return number if 0 < number <= MAX_ID else None
