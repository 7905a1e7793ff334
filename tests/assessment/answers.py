"""Build form data answering a challenge version right (or wrong), as the student's browser would post it."""

from __future__ import annotations

from typing import Any

from pix_lti.content.models import ChallengeVersion


def _variants(value: Any, locale: str) -> list[str]:
    if isinstance(value, dict):
        value = value.get(locale) or next(iter(value.values()))
    return [str(v) for v in value]


def right_form(version: ChallengeVersion, locale: str = "fr") -> dict[str, Any]:
    solution = version.solution
    if version.type == "QCU":
        return {"answer": str(solution)}
    if version.type == "QCM":
        return {"answer": [str(i) for i in solution]}
    if version.type == "QROC":
        return {"answer": _variants(solution, locale)[0]}
    if version.type == "QROCM-ind":
        return {f"answer-{key}": _variants(value, locale)[0] for key, value in solution.items()}
    keys = [field["key"] for field in version.inputs]
    return {f"answer-{key}": _variants(group, locale)[0] for key, group in zip(keys, solution, strict=False)}


def wrong_form(version: ChallengeVersion, locale: str = "fr") -> dict[str, Any]:
    if version.type == "QCU":
        n = len((version.proposals or {}).get(locale) or next(iter((version.proposals or {"x": [1, 2]}).values())))
        return {"answer": str(1 if int(version.solution) != 1 else n)}
    if version.type == "QCM":
        return {"answer": [str(i) for i in list(version.solution)[:-1]] or ["99"]}
    if version.type == "QROC":
        return {"answer": "zzz-réponse-fausse"}
    return {key: "zzz-réponse-fausse" for key in right_form(version, locale)}
