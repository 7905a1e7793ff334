"""The French school code (UAI / ex-RNE): 7 characters (digits) then a check letter."""

from __future__ import annotations

import re

_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # 23 letters: I, O and Q are never used
_UAI = re.compile(r"^(\d{7})([A-Z])$")


def uai_check_letter(digits: str) -> str:
    return _CHECK_LETTERS[int(digits) % 23]


def normalise_uai(value: str) -> str | None:
    """Upper-cased, trimmed UAI when its check letter is right; None otherwise."""
    candidate = value.strip().upper()
    match = _UAI.match(candidate)
    if not match or uai_check_letter(match.group(1)) != match.group(2):
        return None
    return candidate
