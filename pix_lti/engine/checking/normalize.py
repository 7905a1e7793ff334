"""Text normalisation for free-text answers (QROC / QROCM) and the T1/T2 tolerances.

Pipeline, applied identically to the student's answer and to every accepted variant:

1. ``base_normalize`` (always): NFC, every Unicode space (NBSP, narrow NBSP, figure space, tabs,
   line breaks...) becomes a plain space, then leading/trailing spaces are trimmed.  Why: the same
   visible text typed on a phone, pasted from a word processor or written in YAML must compare
   equal before any tolerance is considered, and a stray trailing space is never a wrong answer.
2. T2 (if enabled) *before* T1: drop every character that is not a letter (with its combining
   marks), a digit or a space, then collapse runs of spaces.  Punctuation is thus removed while
   word boundaries still exist: ``"l'été"`` → ``"lété"`` and ``"l ete"`` keeps its letters; T1
   then removes the spaces of both and they compare equal (``"lete"``).  With T2 alone they
   differ ("lété" vs "l ete"), as they should: T2 forgives punctuation, not accents or spaces.
   Because T2 removes (rather than replaces by a space) and T1 removes all spaces, the two steps
   commute — a property test checks T1∘T2 = T2∘T1 — so the fixed order is a convention, not a
   trap; it is documented so that T2-only results are predictable.
3. T1 (if enabled): case-fold, strip accents (NFD, drop combining marks, NFC again) and remove
   all whitespace.

Every function here is total on ``str`` and idempotent (checked by property tests).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection

# Tolerance codes as written in content (docs/content-format.md).
T1 = "T1"
T2 = "T2"
T3 = "T3"
ALL_TOLERANCES: frozenset[str] = frozenset({T1, T2, T3})


def _is_space(char: str) -> bool:
    # str.isspace() covers NBSP (U+00A0), narrow NBSP (U+202F), figure space (U+2007), ideographic
    # space, tabs and line breaks; zero-width space (U+200B, category Cf) is treated as a space too
    # because it is invisible and often pasted from web pages.
    return char.isspace() or char == "\u200b"


def base_normalize(text: str) -> str:
    """NFC-normalise, turn every kind of space into ' ' and trim (always applied)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if _is_space(c) else c for c in text)
    # A second NFC is not needed: spaces never take part in canonical composition.
    return text.strip(" ")


def _collapse_spaces(text: str) -> str:
    return " ".join(part for part in text.split(" ") if part)


def apply_t2(text: str) -> str:
    """T2: keep only letters (categories L*), their marks (M*), numbers (N*) and spaces; collapse spaces.

    Marks are kept because a letter written with a separate combining accent is still a letter;
    T1 strips accents anyway when it is enabled.
    """
    kept = []
    for char in text:
        if char == " ":
            kept.append(char)
        elif unicodedata.category(char)[0] in "LMN":
            kept.append(char)
        elif _is_space(char):
            kept.append(" ")
    # NFC again: removing a character can bring a mark next to a letter it now composes with.
    return unicodedata.normalize("NFC", _collapse_spaces("".join(kept)))


def strip_accents(text: str) -> str:
    """NFD, drop every combining mark (categories Mn, Mc, Me), then recompose with NFC."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c)[0] != "M")
    return unicodedata.normalize("NFC", bare)


def apply_t1(text: str) -> str:
    """T1: ignore case, accents and whitespace.

    Case-folding comes first because folding can itself produce combining marks (``"İ"`` folds to
    ``"i"`` + U+0307), which the accent stripping then removes.  The loop repeats until the text
    is stable, which makes T1 idempotent even for the rare characters whose folded, stripped or
    recomposed form folds again (it converges in one or two rounds in practice; capped for safety).
    """
    for _ in range(4):
        folded = strip_accents(text.casefold())
        folded = "".join(c for c in folded if not _is_space(c))
        if folded == text:
            break
        text = folded
    return text


def apply_tolerances(text: str, tolerances: Collection[str]) -> str:
    """Apply the always-on normalisation, then T2, then T1 (T3 is a comparison, not a transformation)."""
    text = base_normalize(text)
    if T2 in tolerances:
        text = apply_t2(text)
    if T1 in tolerances:
        text = apply_t1(text)
    return text
