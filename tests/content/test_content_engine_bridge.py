"""Engine bridge: catalog from the database, and every demo challenge checked against its own solution."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.content.packfactory import write_pack
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.content.engine_bridge import current_version, get_catalog, solution_spec
from pix_lti.content.loader import load_pack_folder
from pix_lti.content.models import Challenge, ChallengeVersion
from pix_lti.engine.checker import check_answer

DEMO = Path(__file__).resolve().parents[2] / "content" / "crcn-demo"
WRONG_TEXT = "zq réponse manifestement fausse"


def test_catalog_built_once_per_release(db_session: Session, tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    load_pack_folder(db_session, root)
    catalog = get_catalog(db_session, "mini")
    assert get_catalog(db_session, "mini") is catalog  # cached
    assert set(catalog.challenge_index) == {"qcu-1", "qcm-1", "qroc-1", "qrocm-ind-1", "qrocm-dep-1"}
    assert catalog.skill_of("qroc-1").name == "@recherche2" and catalog.competence_of("qroc-1") == "1.1"
    (root / "competences" / "1.1.yaml").write_text(
        (root / "competences" / "1.1.yaml").read_text(encoding="utf-8").replace("Choisir", "Choisir bien"),
        encoding="utf-8")
    load_pack_folder(db_session, root)
    assert get_catalog(db_session, "mini") is not catalog  # a new release rebuilds it


def test_current_version_and_spec_follow_the_locale(db_session: Session, tmp_path: Path) -> None:
    load_pack_folder(db_session, write_pack(tmp_path))
    v = current_version(db_session, "mini", "qrocm-ind-1")
    assert check_answer(solution_spec(v, "fr"), {"nom": "Rapport", "ext": ".csv"}).result == "ok"
    assert check_answer(solution_spec(v, "en"), {"nom": "report", "ext": ".csv"}).result == "ok"
    assert check_answer(solution_spec(v, "en"), {"nom": "rapport", "ext": ".csv"}).result == "ko"
    number = current_version(db_session, "mini", "qroc-1")
    assert check_answer(solution_spec(number, "fr"), "3.5").result == "ok"


# ---------------------------------------------------------------------------------------------------------------------
# The whole demo bank: each challenge's own solution is accepted, and a wrong answer refused.


def right_answers(v: ChallengeVersion, loc: str) -> Iterator[Any]:
    """Every accepted variant of the solution, as a student would type or tick it."""
    sol = v.solution
    if v.type == "QCU":
        yield str(sol)
    elif v.type == "QCM":
        yield [str(i) for i in sol]
        yield ",".join(str(i) for i in reversed(sol))  # order does not matter
    elif v.type == "QROC":
        yield from sol[loc]
    elif v.type == "QROCM-ind":
        longest = max(len(variants[loc]) for variants in sol.values())
        for i in range(longest):  # every variant of every field appears in at least one answer
            yield {k: variants[loc][min(i, len(variants[loc]) - 1)] for k, variants in sol.items()}
    elif v.type == "QROCM-dep":
        keys = [inp["key"] for inp in v.inputs]
        yield {k: sol[i][loc][0] for i, k in enumerate(keys)}
        yield {k: sol[i][loc][0] for i, k in enumerate(reversed(keys))}  # any input may take any group


def wrong_answers(v: ChallengeVersion, loc: str) -> Iterator[Any]:
    sol = v.solution
    count = len((v.proposals or {}).get(loc, []))
    if v.type == "QCU":
        yield from (str(i) for i in range(1, count + 1) if i != sol)
    elif v.type == "QCM":
        right = set(sol)
        if len(right) > 1:
            yield [str(i) for i in sorted(right)[1:]]  # one right proposal missing
        extra = next((i for i in range(1, count + 1) if i not in right), None)
        if extra is not None:
            yield [str(i) for i in sorted(right | {extra})]  # one wrong proposal ticked
    elif v.type == "QROC":
        yield "999999" if v.format == "number" else WRONG_TEXT
    else:
        keys = [inp["key"] for inp in v.inputs]
        rights = next(iter(right_answers(v, loc)))
        for inp in v.inputs:  # one field wrong at a time; drop-downs get another option
            options = (inp.get("options") or {}).get(loc)
            accepted = set(_accepted_for(v, inp["key"], loc))
            bad = next((o for o in options if o not in accepted), None) if options else (
                "999999" if v.format == "number" else WRONG_TEXT)
            if bad is None:
                pytest.fail(f"{v.challenge.source_id}: every option of {inp['key']!r} is accepted ({loc})")
            yield {**rights, inp["key"]: bad}
        if v.type == "QROCM-dep" and len(keys) > 1:
            yield {k: rights[keys[0]] for k in keys}  # the same right answer twice fills only one group


def _accepted_for(v: ChallengeVersion, key: str, loc: str) -> list[str]:
    if v.type == "QROCM-ind":
        return v.solution[key][loc]
    return [variant for group in v.solution for variant in group[loc]]


def test_every_demo_challenge_accepts_its_solution_and_refuses_a_wrong_answer(db_session: Session) -> None:
    load_pack_folder(db_session, DEMO)
    catalog = get_catalog(db_session, "crcn-demo")  # the engine accepts the whole bank (tubes, levels, ids)
    assert len(catalog.competences) == 16 and len(catalog.playable_challenges) > 0
    versions = db_session.scalars(
        select(ChallengeVersion).join(Challenge, ChallengeVersion.challenge_id == Challenge.id)
        .where(ChallengeVersion.number == Challenge.current_version_number)
    ).all()
    assert versions
    failures: list[str] = []
    checked = 0
    for v in versions:
        for loc in v.locales:
            spec = solution_spec(v, loc)
            for answer in right_answers(v, loc):
                if check_answer(spec, answer).result != "ok":
                    failures.append(f"{v.challenge.source_id} ({loc}): own answer {answer!r} refused")
            wrongs = list(wrong_answers(v, loc))
            if not wrongs:
                failures.append(f"{v.challenge.source_id} ({loc}): no wrong answer could be built")
            for answer in wrongs:
                if check_answer(spec, answer).result == "ok":
                    failures.append(f"{v.challenge.source_id} ({loc}): wrong answer {answer!r} accepted")
            checked += 1
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)
    assert checked >= len(versions)
