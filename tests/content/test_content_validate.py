"""The validator reports each malformed case with its file, entry id, field and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from tests.content.packfactory import PACK, challenge, competence_file, write_pack

from pix_lti.content.reader import read_pack
from pix_lti.content.schema import Issue


def errors_of(tmp_path: Path, comp: dict[str, Any] | None = None, pack: dict[str, Any] | None = None) -> list[Issue]:
    _, report = read_pack(write_pack(tmp_path, comp, pack))
    return report.errors


def test_minimal_pack_is_valid_and_normalised(tmp_path: Path) -> None:
    pack, report = read_pack(write_pack(tmp_path))
    assert report.errors == []
    assert pack is not None
    assert pack.counts() == {"areas": 1, "competences": 1, "tubes": 1, "skills": 2, "challenges": 5, "tutorials": 1}
    by_id = {c.id: c for c in pack.challenges}
    assert by_id["qcm-1"].solution == [1, 3]
    assert by_id["qroc-1"].solution == {"fr": ["3,5"], "en": ["3,5"]}  # plain list copied into every locale
    assert by_id["qrocm-ind-1"].solution["nom"] == {"fr": ["rapport"], "en": ["report"]}
    assert by_id["qrocm-dep-1"].tolerances == ["T1", "T2", "T3"]
    assert by_id["qcu-1"].tolerances == ["T1", "T2"]
    assert pack.tutorials[0].duration_seconds == 300
    assert {s.name for s in pack.skills} == {"@recherche1", "@recherche2"}


def _break_challenge(cid: str, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def apply(comp: dict[str, Any]) -> None:
        ch = challenge(comp, cid)
        for key, value in changes.items():
            if value is None:
                ch.pop(key, None)
            else:
                ch[key] = value
    return apply


def _dup_challenge(comp: dict[str, Any]) -> None:
    challenge(comp, "qcm-1")["id"] = "qcu-1"


def _level(comp: dict[str, Any]) -> None:
    comp["tubes"][0]["skills"][1]["level"] = 9


def _no_tutorial_link(comp: dict[str, Any]) -> None:
    comp["tutorials"][0]["link"] = "javascript:alert(1)"


def _unknown_tutorial(comp: dict[str, Any]) -> None:
    comp["tubes"][0]["skills"][0]["tutorials"] = ["nope"]


def _skill_without_tutorial(comp: dict[str, Any]) -> None:
    comp["tubes"][0]["skills"][0]["tutorials"] = []


def _top_level_challenges(comp: dict[str, Any]) -> None:
    comp["challenges"] = [{"id": "orphan", "type": "QCU"}]


def _same_level_twice(comp: dict[str, Any]) -> None:
    comp["tubes"][0]["skills"][1]["level"] = 1


def _missing_translation_tube(comp: dict[str, Any]) -> None:
    del comp["tubes"][0]["title"]["en"]


def _bad_tube_name(comp: dict[str, Any]) -> None:
    comp["tubes"][0]["name"] = "recherche avancée"


def _only_archived(comp: dict[str, Any]) -> None:
    for ch in comp["tubes"][0]["skills"][0]["challenges"]:
        ch["status"] = "archived"


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str, str]] = [
    # (case, mutation, expected entry, expected field, expected reason fragment)
    ("duplicate id", _dup_challenge, "qcu-1", "id", "duplicate challenge id"),
    ("level outside 1..8", _level, "@recherche9", "level", "outside 1..8"),
    ("QCU solution outside", _break_challenge("qcu-1", solution=4), "qcu-1", "solution", "not among the proposals"),
    ("QCU solution zero", _break_challenge("qcu-1", solution=0), "qcu-1", "solution", "not among the proposals"),
    ("QCM solution outside", _break_challenge("qcm-1", solution=[1, 7]), "qcm-1", "solution", "not among the proposals"),
    ("QCM empty solution", _break_challenge("qcm-1", solution=[]), "qcm-1", "solution", "at least one proposal"),
    ("QROCM keys", _break_challenge("qrocm-ind-1", solution={"nom": ["x"], "autre": ["y"]}),
     "qrocm-ind-1", "solution", "keys do not match the inputs"),
    ("QROCM-dep groups", _break_challenge("qrocm-dep-1", solution=[["rouge"]]),
     "qrocm-dep-1", "solution", "at least as many groups as inputs"),
    ("unknown type", _break_challenge("qcu-1", type="QCX"), "qcu-1", "type", "unknown type 'QCX'"),
    ("missing translation", _break_challenge("qcu-1", instruction={"fr": "Choisir"}),
     "qcu-1", "instruction", "missing translation (en)"),
    ("missing proposal translation", _break_challenge("qcm-1", proposals={"fr": ["a", "b"]}),
     "qcm-1", "proposals", "missing translation (en)"),
    ("proposals lengths", _break_challenge("qcm-1", proposals={"fr": ["a", "b", "c"], "en": ["a", "b"]}),
     "qcm-1", "proposals", "differ in length"),
    ("missing tube translation", _missing_translation_tube, "@recherche", "title", "missing translation (en)"),
    ("challenge without skill", _top_level_challenges, "", "challenges", "challenge without skill"),
    ("tutorial link", _no_tutorial_link, "tuto-1", "link", "http:// or https://"),
    ("unknown tutorial", _unknown_tutorial, "@recherche1", "tutorials", "unknown tutorial 'nope'"),
    ("skill without tutorial", _skill_without_tutorial, "@recherche1", "tutorials", "at least one tutorial"),
    ("skill without validated challenge", _only_archived, "@recherche1", "challenges", "validated challenge"),
    ("missing media", _break_challenge("qcu-1", illustration={"file": "media/none.png", "alt": {"fr": "a", "en": "b"}}),
     "qcu-1", "illustration.file", "missing media file"),
    ("media traversal", _break_challenge("qroc-1", attachment={"file": "../pack.yaml", "name": {"fr": "a", "en": "b"}}),
     "qroc-1", "attachment.file", "under media/"),
    ("number format", _break_challenge("qroc-1", solution=["trois"]), "qroc-1", "solution", "do not read as numbers"),
    ("unknown tolerance", _break_challenge("qroc-1", tolerances=["T9"]), "qroc-1", "tolerances", "unknown tolerance"),
    ("option not offered", _break_challenge("qrocm-ind-1", solution={"nom": ["x"], "ext": [".pdf"]}),
     "qrocm-ind-1", "solution.ext", "among the options"),
    ("YAML boolean", _break_challenge("qroc-1", solution=[False], format=None), "qroc-1", "solution[1]", "boolean"),
    ("missing solution", _break_challenge("qcu-1", solution=None), "qcu-1", "solution", "missing required field"),
    ("same level twice", _same_level_twice, "@recherche1", "level", "already has an active skill of level 1"),
    ("tube name", _bad_tube_name, "recherche avancée", "name", "camelCase"),
    ("QCU with list", _break_challenge("qcu-1", solution=[1, 2]), "qcu-1", "solution", "exactly one"),
    ("QROCM input key", _break_challenge("qrocm-dep-1", inputs=[{"key": "A b", "label": {"fr": "x", "en": "y"}},
                                                                 {"key": "b", "label": {"fr": "x", "en": "y"}}]),
     "qrocm-dep-1", "inputs[1].key", "must match"),
]


@pytest.mark.parametrize(("case", "mutate", "entry", "field", "reason"), CASES, ids=[c[0] for c in CASES])
def test_each_malformed_case_is_reported(
    tmp_path: Path, case: str, mutate: Callable[[dict[str, Any]], None], entry: str, field: str, reason: str
) -> None:
    comp = competence_file()
    mutate(comp)
    errors = errors_of(tmp_path, comp)
    matching = [e for e in errors if e.entry == entry and e.field == field and reason in e.reason]
    assert matching, f"{case}: expected [{entry}] {field}: …{reason}…, got:\n" + "\n".join(map(str, errors))
    assert all(e.file == "competences/1.1.yaml" for e in matching)
    assert all(e.line for e in matching), "issues inside a YAML entry carry its line number"


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    comp = competence_file()
    challenge(comp, "qcu-1")["solution"] = 9
    challenge(comp, "qcm-1")["type"] = "QCX"
    comp["tutorials"][0]["link"] = "ftp://example.org"
    fields = {(e.entry, e.field) for e in errors_of(tmp_path, comp)}
    assert {("qcu-1", "solution"), ("qcm-1", "type"), ("tuto-1", "link")} <= fields


def test_pack_file_problems(tmp_path: Path) -> None:
    pack = {**PACK, "locales": ["fr", "en"], "areas": [{**PACK["areas"][0], "title": {"fr": "Information"}}]}
    errors = errors_of(tmp_path, pack=pack)
    assert any(e.file == "pack.yaml" and e.field == "title" and "missing translation (en)" in e.reason for e in errors)


def test_unknown_competence_file(tmp_path: Path) -> None:
    comp = competence_file()
    comp["competence"] = "9.9"
    errors = errors_of(tmp_path, comp)
    assert any(e.field == "competence" and "unknown competence" in e.reason for e in errors)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    write_pack(tmp_path)
    (tmp_path / "competences" / "1.1.yaml").write_text("competence: '1.1'\ntubes:\n  - name: [unclosed\n",
                                                      encoding="utf-8")
    _, report = read_pack(tmp_path)
    assert report.errors and report.errors[0].line is not None and "YAML" in report.errors[0].reason


def test_unknown_field_is_a_warning_not_silence(tmp_path: Path) -> None:
    comp = competence_file()
    challenge(comp, "qcu-1")["solutions"] = 2
    _, report = read_pack(write_pack(tmp_path, comp))
    assert any(w.entry == "qcu-1" and w.field == "solutions" for w in report.warnings)


def test_cli_validate_exit_status(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pix_lti.content.__main__ import main

    good = write_pack(tmp_path / "good")
    result = CliRunner().invoke(main, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output
    comp = competence_file()
    challenge(comp, "qcu-1")["solution"] = 7
    bad = write_pack(tmp_path / "bad", comp)
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "competences/1.1.yaml" in result.output and "[qcu-1] solution" in result.output


def test_svg_with_script_is_refused(tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    (root / "media" / "pic.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', encoding="utf-8")
    _, report = read_pack(root)
    assert any(e.entry == "qcu-1" and e.field == "illustration.file" and "script" in e.reason for e in report.errors)
