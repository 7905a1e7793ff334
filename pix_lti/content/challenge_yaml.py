"""Reading one challenge entry of a YAML competence file into a normalised :class:`ChallengeData`.

This module checks the *shape* of each field (types, translations); the rules that relate fields to
each other (solution within proposals, QROCM keys, numbers) live in :mod:`pix_lti.content.rules`
because they apply to Pix imports too.
"""

from __future__ import annotations

import re
from typing import Any

from pix_lti.content.fields import (
    check_known_keys,
    localized,
    localized_list,
    optional_bool,
    optional_number,
    optional_positive_int,
    required_str,
    text_list,
)
from pix_lti.content.issues import Where
from pix_lti.content.schema import (
    CHALLENGE_STATUSES,
    TOLERANCES,
    ChallengeData,
    InputData,
    LocalizedList,
    MediaRef,
)
from pix_lti.content.yamlio import line_of

CHALLENGE_KEYS = {
    "id", "type", "status", "instruction", "proposals", "solution", "input", "inputs", "tolerances", "format",
    "timer", "focused", "illustration", "attachment", "irt", "locales",
}
_INPUT_KEYS = {"key", "label", "numeric", "placeholder", "options"}
_QROC_INPUT_KEYS = {"label", "numeric", "placeholder"}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
QROC_DEFAULT_KEY = "answer"
DEFAULT_ANSWER_LABEL = {"fr": "Votre réponse", "en": "Your answer"}


def read_challenge(where: Where, data: Any, skill_name: str, pack_locales: list[str]) -> ChallengeData | None:
    if not isinstance(data, dict):
        where.error("challenges", "each challenge must be a map of fields")
        return None
    cid = required_str(where, data, "id")
    where = where.at(cid or "?", line_of(data))
    if cid and not ID_RE.match(cid):
        where.error("id", "ids use letters, digits, '.', '_' and '-' only (they appear in URLs)")
    check_known_keys(where, data, CHALLENGE_KEYS)

    ctype = required_str(where, data, "type")  # an unknown type is reported by rules.check_challenge
    status = str(data.get("status", "validated"))
    if status not in CHALLENGE_STATUSES:
        where.error("status", f"unknown status {status!r}; expected validated or archived")

    locales = _challenge_locales(where, data.get("locales"), pack_locales)
    instruction = localized(where, data.get("instruction"), "instruction", locales)

    proposals: LocalizedList | None = None
    if ctype in ("QCU", "QCM"):
        proposals = localized_list(where, data.get("proposals"), "proposals", locales)
    elif "proposals" in data:
        where.warning("proposals", f"{ctype} challenges have no proposals; ignored")

    inputs = _read_inputs(where, data, ctype, locales)
    solution = _read_solution(where, data.get("solution"), ctype, locales)
    tolerances = _read_tolerances(where, data.get("tolerances"), ctype)
    fmt = str(data.get("format", "text"))
    if fmt not in ("text", "number"):
        where.error("format", f"unknown format {fmt!r}; expected text or number")
        fmt = "text"

    irt_a = irt_b = None
    irt = data.get("irt")
    if irt is not None:
        if not isinstance(irt, dict):
            where.error("irt", "expected {discrimination: a, difficulty: b}")
        else:
            check_known_keys(where, irt, {"discrimination", "difficulty"}, "irt.")
            irt_a = optional_number(where, irt, "discrimination", "irt.discrimination")
            irt_b = optional_number(where, irt, "difficulty", "irt.difficulty")
            if irt_a is None or irt_b is None:
                where.error("irt", "both discrimination and difficulty are required")
                irt_a = irt_b = None

    return ChallengeData(
        id=cid,
        skill_source_id=skill_name,
        type=ctype,
        instruction=instruction,
        solution=solution,
        locales=locales,
        status=status,
        proposals=proposals,
        inputs=inputs,
        tolerances=tolerances,
        format=fmt,
        timer=optional_positive_int(where, data, "timer"),
        focused=optional_bool(where, data, "focused"),
        illustration=_read_media(where, data.get("illustration"), "illustration", "alt", locales),
        attachment=_read_media(where, data.get("attachment"), "attachment", "name", locales),
        irt_discrimination=irt_a,
        irt_difficulty=irt_b,
    )


def _challenge_locales(where: Where, value: Any, pack_locales: list[str]) -> list[str]:
    if value is None:
        return list(pack_locales)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        where.error("locales", "expected a non-empty list of locales")
        return list(pack_locales)
    unknown = [v for v in value if v not in pack_locales]
    if unknown:
        where.error("locales", f"locales {unknown} are not among the pack locales {pack_locales}")
    return [v for v in value if v in pack_locales] or list(pack_locales)


def _read_inputs(where: Where, data: dict[str, Any], ctype: str, locales: list[str]) -> list[InputData]:
    if ctype == "QROC":
        raw = data.get("input")
        if "inputs" in data:
            where.error("inputs", "a QROC has a single `input`; use QROCM-ind/QROCM-dep for several inputs")
        if raw is None:
            where.warning("input", "no input label: screen readers will announce the default 'Votre réponse'")
            return [InputData(QROC_DEFAULT_KEY, {loc: DEFAULT_ANSWER_LABEL.get(loc, "Answer") for loc in locales},
                              numeric=data.get("format") == "number")]
        if not isinstance(raw, dict):
            where.error("input", "expected {label: {fr, en}, numeric: false}")
            return []
        check_known_keys(where, raw, _QROC_INPUT_KEYS, "input.")
        return [InputData(
            QROC_DEFAULT_KEY,
            localized(where, raw.get("label"), "input.label", locales),
            numeric=optional_bool(where, raw, "numeric"),
            placeholder=localized(where, raw.get("placeholder"), "input.placeholder", locales, required=False),
        )]
    if ctype in ("QROCM-ind", "QROCM-dep"):
        raw = data.get("inputs")
        if "input" in data:
            where.error("input", f"a {ctype} lists its fields under `inputs`")
        if not isinstance(raw, list) or not raw:
            where.error("inputs", "expected a non-empty list of {key, label}")
            return []
        result: list[InputData] = []
        for index, item in enumerate(raw, start=1):
            field = f"inputs[{index}]"
            if not isinstance(item, dict):
                where.error(field, "expected {key, label: {fr, en}}")
                continue
            check_known_keys(where, item, _INPUT_KEYS, f"{field}.")
            key = required_str(where, item, "key", f"{field}.key")
            options = None
            if item.get("options") is not None:
                options = localized_list(where, item["options"], f"{field}.options", locales)
            result.append(InputData(
                key,
                localized(where, item.get("label"), f"{field}.label", locales),
                numeric=optional_bool(where, item, "numeric"),
                placeholder=localized(where, item.get("placeholder"), f"{field}.placeholder", locales, required=False),
                options=options,
            ))
        return result
    for key in ("input", "inputs"):
        if key in data:
            where.warning(key, f"{ctype} challenges have no text inputs; ignored")
    return []


def _variants(where: Where, value: Any, field: str, locales: list[str]) -> dict[str, list[str]] | None:
    """A list of accepted variants, the same for every locale, or ``{fr: [...], en: [...]}``."""
    if isinstance(value, dict):
        return localized_list(where, value, field, locales)
    if value is None:
        where.error(field, "missing accepted answers")
        return None
    items = text_list(where, value, field)
    if items is None:
        return None
    if not items:
        where.error(field, "empty list of accepted answers")
        return None
    return {loc: list(items) for loc in locales}


def _index(where: Where, value: Any, field: str) -> int | None:
    if isinstance(value, bool):
        where.error(field, "expected the 1-based number of a proposal")
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    where.error(field, f"expected the 1-based number of a proposal, got {value!r}")
    return None


def _read_solution(where: Where, value: Any, ctype: str, locales: list[str]) -> Any:
    if value is None:
        where.error("solution", "missing required field")
        return None
    if ctype == "QCU":
        if isinstance(value, list):
            where.error("solution", "a QCU has exactly one right proposal (use QCM for several)")
            return None
        return _index(where, value, "solution")
    if ctype == "QCM":
        raw = value if isinstance(value, list) else [p for p in str(value).split(",") if p.strip()]
        indices = [_index(where, v, "solution") for v in raw]
        if any(i is None for i in indices):
            return None
        unique = sorted({i for i in indices if i is not None})
        if len(unique) != len(indices):
            where.warning("solution", "a proposal is listed twice")
        return unique
    if ctype == "QROC":
        return _variants(where, value, "solution", locales)
    if ctype == "QROCM-ind":
        if not isinstance(value, dict):
            where.error("solution", "expected a map: input key → list of accepted answers")
            return None
        return {str(k): _variants(where, v, f"solution.{k}", locales) for k, v in value.items()}
    if ctype == "QROCM-dep":
        if not isinstance(value, list):
            where.error("solution", "expected a list of groups, each a list of accepted answers")
            return None
        return [_variants(where, g, f"solution[{i}]", locales) for i, g in enumerate(value, start=1)]
    return value  # unknown type: already reported


def _read_tolerances(where: Where, value: Any, ctype: str) -> list[str]:
    if value is None:
        return ["T1", "T2"]
    if ctype in ("QCU", "QCM"):
        where.warning("tolerances", "tolerances only apply to QROC/QROCM answers; ignored")
    if not isinstance(value, list):
        where.error("tolerances", "expected a list among T1, T2, T3 (possibly empty)")
        return ["T1", "T2"]
    unknown = [v for v in value if v not in TOLERANCES]
    if unknown:
        where.error("tolerances", f"unknown tolerance(s) {unknown}; expected among T1, T2, T3")
    return sorted({v for v in value if v in TOLERANCES})


def _read_media(where: Where, value: Any, field: str, text_key: str, locales: list[str]) -> MediaRef | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        where.error(field, f"expected {{file: media/…, {text_key}: {{fr, en}}}}")
        return None
    check_known_keys(where, value, {"file", text_key}, f"{field}.")
    file = required_str(where, value, "file", f"{field}.file")
    return MediaRef(file=file or None, text=localized(where, value.get(text_key), f"{field}.{text_key}", locales))
