"""Parsing of numeric answers (``format: number``) as French and English users type them.

Accepted: an optional sign (``+``, ``-`` or the typographic minus U+2212), an integer part written
either as plain digits or in groups of three separated by spaces (any Unicode space, e.g. NBSP or
narrow NBSP, as in French typography: ``1 000 000``), and an optional decimal part after a comma
*or* a dot (``3,5`` = ``3.5``; ``,5`` = ``0.5``).  Values are compared exactly as ``Decimal``, so
``3,50`` = ``3.5`` and ``-0`` = ``0``.

Rejected (→ not a number, never an exception): two decimal separators (``1,000.5``), spaces that
are not thousands groups (``3 5``), exponents, units, percent signs, letters, and inputs longer
than ``MAX_NUMBER_CHARS`` (bounded work; Python also refuses to parse huge digit strings).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pix_lti.engine.checking.normalize import base_normalize

MAX_NUMBER_CHARS = 64

# After base_normalize every Unicode space is a plain " ".
_NUMBER = re.compile(
    r"""
    (?P<sign>[+\-]?)\ ?                                  # sign, optionally followed by one space
    (?P<int>[0-9]{1,3}(?:\ [0-9]{3})+|[0-9]+)?           # grouped thousands or plain digits
    (?:[.,](?P<frac>[0-9]+))?                            # decimal part, comma or dot
    """,
    re.VERBOSE | re.ASCII,
)


def parse_number(text: object) -> Decimal | None:
    """Return the number written in ``text``, or ``None`` when it is not a valid number."""
    if not isinstance(text, str) or len(text) > MAX_NUMBER_CHARS:
        return None
    cleaned = base_normalize(text).replace("\u2212", "-")
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        return None
    integer = (match.group("int") or "").replace(" ", "")
    fraction = match.group("frac") or ""
    if not integer and not fraction:
        return None  # a lone sign, or an empty string
    try:
        value = Decimal(f"{match.group('sign')}{integer or '0'}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        return None
    return value + 0  # normalises -0 to 0 so that equality and hashing agree
