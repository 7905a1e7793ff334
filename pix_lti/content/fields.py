"""Typed readers for the scalar and localised fields of the YAML format.

Each reader returns a normalised value (or a safe default) and reports problems through a
:class:`~pix_lti.content.issues.Where`, so one malformed field never hides the others.
"""

from __future__ import annotations

import re
from typing import Any

from pix_lti.content.issues import Where
from pix_lti.content.schema import Localized, LocalizedList
from pix_lti.content.yamlio import line_of

_DURATION_RE = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)$")


def text_value(where: Where, value: Any, field: str) -> str | None:
    """A scalar authors meant as text.  Numbers are accepted as their text; YAML booleans are refused
    because ``yes``/``no``/``on``/``off`` silently became booleans (quote them)."""
    if isinstance(value, bool):
        where.error(field, f"read as the boolean {value!r} by YAML: put the text in quotes")
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    if value is None:
        where.error(field, "empty value")
        return None
    where.error(field, f"expected a text, got a {type(value).__name__}")
    return None


def required_str(where: Where, data: dict[str, Any], key: str, field: str | None = None) -> str:
    field = field or key
    if key not in data or data[key] is None or data[key] == "":
        where.error(field, "missing required field")
        return ""
    text = text_value(where, data[key], field)
    if text is not None and not text.strip():
        where.error(field, "empty value")
    return (text or "").strip()


def localized(
    where: Where, value: Any, field: str, locales: list[str], *, required: bool = True
) -> Localized:
    """``{fr: "...", en: "..."}`` with every locale present and non-empty ("missing translation")."""
    if value is None:
        if required:
            where.error(field, "missing required field")
        return {}
    if not isinstance(value, dict):
        where.error(field, f"expected a map of translations {{{', '.join(locales)}}}, got a {type(value).__name__}",
                    line_of(value))
        return {}
    result: Localized = {}
    for locale in locales:
        if locale not in value or value[locale] is None or (isinstance(value[locale], str) and not value[locale].strip()):
            where.error(field, f"missing translation ({locale})", line_of(value))
            continue
        text = text_value(where, value[locale], f"{field}.{locale}")
        if text is not None:
            result[locale] = text.strip()
    for extra in value:
        if extra not in locales:
            where.warning(f"{field}.{extra}", f"locale {extra!r} is not one of the pack/challenge locales; ignored",
                          line_of(value))
    return result


def localized_list(
    where: Where, value: Any, field: str, locales: list[str], *, allow_plain: bool = False
) -> LocalizedList | None:
    """``{fr: [...], en: [...]}``; with ``allow_plain`` a bare list means "the same in every locale"."""
    if value is None:
        where.error(field, "missing required field")
        return None
    if allow_plain and not isinstance(value, dict):
        items = text_list(where, value, field)
        return None if items is None else {loc: list(items) for loc in locales}
    if not isinstance(value, dict):
        where.error(field, f"expected a map of lists per locale {{{', '.join(locales)}}}")
        return None
    result: LocalizedList = {}
    for locale in locales:
        if locale not in value or value[locale] is None:
            where.error(field, f"missing translation ({locale})", line_of(value))
            continue
        items = text_list(where, value[locale], f"{field}.{locale}")
        if items is not None:
            result[locale] = items
    for extra in value:
        if extra not in locales:
            where.warning(f"{field}.{extra}", f"locale {extra!r} is not one of the pack/challenge locales; ignored",
                          line_of(value))
    return result


def text_list(where: Where, value: Any, field: str) -> list[str] | None:
    """A list of texts; a single scalar is accepted as a one-element list."""
    raw = value if isinstance(value, list) else [value]
    result: list[str] = []
    ok = True
    for index, item in enumerate(raw, start=1):
        if isinstance(item, (list, dict)):
            where.error(f"{field}[{index}]", "expected a text, got a nested list/map")
            ok = False
            continue
        text = text_value(where, item, f"{field}[{index}]")
        if text is None:
            ok = False
            continue
        if not text.strip():
            where.error(f"{field}[{index}]", "empty text")
            ok = False
            continue
        result.append(text.strip())
    return result if ok else None


def optional_bool(where: Where, data: dict[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        where.error(key, "expected true or false")
        return default
    return value


def optional_positive_int(where: Where, data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        where.error(key, "expected a positive whole number of seconds")
        return None
    return value


def optional_number(where: Where, data: dict[str, Any], key: str, field: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        where.error(field, "expected a number")
        return None
    return float(value)


def duration_seconds(where: Where, value: Any, field: str = "duration") -> int | None:
    """``"HH:MM:SS"`` (as in Pix tutorials) or a number of seconds."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value  # YAML 1.1 reads unquoted 1:05:00 as a sexagesimal integer (3900)
    if isinstance(value, str):
        match = _DURATION_RE.match(value.strip())
        if match:
            hours, minutes, seconds = (int(g) for g in match.groups())
            return hours * 3600 + minutes * 60 + seconds
    where.error(field, f"expected a duration HH:MM:SS, got {value!r}")
    return None


def check_known_keys(where: Where, data: dict[str, Any], known: set[str], field_prefix: str = "") -> None:
    """Unknown keys are usually typos (``solutions:``); warn so the author notices the data is ignored."""
    for key in data:
        if key not in known:
            where.warning(f"{field_prefix}{key}", "unknown field; ignored", line_of(data))
