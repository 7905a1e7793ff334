"""Reading a YAML content pack folder (``pack.yaml`` + ``competences/*.yaml``) into :class:`PackData`.

``read_pack`` never stops at the first problem: it returns the data it could read together with a
report listing every issue, which is what ``pix_lti content validate`` prints.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pix_lti.content.challenge_yaml import read_challenge
from pix_lti.content.fields import (
    check_known_keys,
    duration_seconds,
    localized,
    required_str,
    text_value,
)
from pix_lti.content.issues import Report, Where
from pix_lti.content.rules import Origins, check_pack
from pix_lti.content.schema import (
    AreaData,
    CompetenceData,
    PackData,
    SkillData,
    TubeData,
    TutorialData,
)
from pix_lti.content.yamlio import YamlReadError, line_of, load_yaml

TUBE_NAME_RE = re.compile(r"^@[A-Za-z][A-Za-z0-9]*$")
_PACK_KEYS = {"id", "version", "locales", "framework", "areas"}
_AREA_KEYS = {"code", "color", "title", "competences"}
_COMPETENCE_KEYS = {"code", "name", "description"}
_FILE_KEYS = {"competence", "tutorials", "tubes"}
_TUTORIAL_KEYS = {"id", "locale", "title", "source", "format", "duration", "link"}
_TUBE_KEYS = {"name", "title", "description", "skills"}
_SKILL_KEYS = {"level", "status", "description", "tutorials", "challenges"}


def read_pack(root: Path) -> tuple[PackData | None, Report]:
    """Read and validate the pack in ``root``.  ``PackData`` is None only when pack.yaml is unusable."""
    report = Report()
    root = Path(root)
    origins = Origins("pack.yaml")
    pack = _read_pack_file(root, report, origins)
    if pack is None:
        return None, report
    comp_dir = root / "competences"
    files = sorted(comp_dir.glob("*.yaml")) + sorted(comp_dir.glob("*.yml")) if comp_dir.is_dir() else []
    if not files:
        Where(report, "competences/").warning("", "no competence file yet")
    seen_competences: dict[str, str] = {}
    known_competences = {c.code for c in pack.competences}
    for path in files:
        _read_competence_file(root, path, pack, report, origins, seen_competences, known_competences)
    for code in sorted(known_competences - set(seen_competences)):
        Where(report, "pack.yaml", code).warning("", f"competence {code} has no file competences/{code}.yaml")
    check_pack(pack, report, origins)
    return pack, report


def _read_pack_file(root: Path, report: Report, origins: Origins) -> PackData | None:
    where = Where(report, "pack.yaml")
    path = root / "pack.yaml"
    if not path.is_file():
        where.error("", f"no pack.yaml in {root}")
        return None
    try:
        data = load_yaml(path)
    except YamlReadError as exc:
        where.error("", str(exc), exc.line)
        return None
    if not isinstance(data, dict):
        where.error("", "pack.yaml must be a map")
        return None
    check_known_keys(where, data, _PACK_KEYS)
    locales = data.get("locales")
    if not isinstance(locales, list) or not locales or not all(isinstance(x, str) for x in locales):
        where.error("locales", "expected a non-empty list of locales, e.g. [fr, en]")
        locales = ["fr"]
    framework = data.get("framework") if isinstance(data.get("framework"), dict) else {}
    if not framework:
        where.error("framework", "missing required field")
    pack = PackData(
        id=required_str(where, data, "id"),
        version=required_str(where, data, "version"),
        locales=list(locales),
        framework_id=required_str(where, framework, "id", "framework.id") if framework else "",
        framework_name=localized(where, framework.get("name"), "framework.name", locales) if framework else {},
        root=root,
        source_kind="pack",
    )
    areas = data.get("areas")
    if not isinstance(areas, list) or not areas:
        where.error("areas", "expected a non-empty list of areas")
        areas = []
    for raw_area in areas:
        if not isinstance(raw_area, dict):
            where.error("areas", "each area must be a map")
            continue
        code = required_str(where.at("", line_of(raw_area)), raw_area, "code")
        w = where.at(f"area {code}", line_of(raw_area))
        check_known_keys(w, raw_area, _AREA_KEYS)
        area = AreaData(code=code, title=localized(w, raw_area.get("title"), "title", pack.locales),
                        color=raw_area.get("color"))
        if area.color is not None and not re.match(r"^#[0-9a-fA-F]{6}$", str(area.color)):
            w.error("color", f"expected a colour #rrggbb, got {area.color!r}")
        pack.areas.append(area)
        origins.record(area, "pack.yaml", line_of(raw_area))
        for raw_comp in raw_area.get("competences") or []:
            if not isinstance(raw_comp, dict):
                w.error("competences", "each competence must be a map")
                continue
            ccode = required_str(w.at("", line_of(raw_comp)), raw_comp, "code")
            cw = where.at(ccode, line_of(raw_comp))
            check_known_keys(cw, raw_comp, _COMPETENCE_KEYS)
            if ccode and not ccode.startswith(f"{code}."):
                cw.error("code", f"competence {ccode} is listed under area {code}")
            comp = CompetenceData(
                code=ccode,
                area_source_id=code,
                name=localized(cw, raw_comp.get("name"), "name", pack.locales),
                description=localized(cw, raw_comp.get("description"), "description", pack.locales, required=False),
            )
            pack.competences.append(comp)
            origins.record(comp, "pack.yaml", line_of(raw_comp))
    return pack


def _read_competence_file(
    root: Path,
    path: Path,
    pack: PackData,
    report: Report,
    origins: Origins,
    seen: dict[str, str],
    known: set[str],
) -> None:
    rel = path.relative_to(root).as_posix()
    where = Where(report, rel)
    try:
        data = load_yaml(path)
    except YamlReadError as exc:
        where.error("", str(exc), exc.line)
        return
    if data is None:
        where.warning("", "empty file")
        return
    if not isinstance(data, dict):
        where.error("", "a competence file must be a map with competence, tutorials and tubes")
        return
    check_known_keys(where, data, _FILE_KEYS | {"challenges", "skills"})
    for misplaced in ("challenges", "skills"):
        if misplaced in data:
            where.error(misplaced, "challenge without skill: challenges are nested under a skill, skills under a tube",
                        line_of(data))
    code = required_str(where, data, "competence")
    if code and code not in known:
        where.error("competence", f"unknown competence {code!r} (not in pack.yaml)")
    if code in seen:
        where.error("competence", f"competence {code} is already described in {seen[code]}")
    seen.setdefault(code, rel)
    if code and path.stem != code:
        where.warning("competence", f"file name should be competences/{code}.yaml")

    for raw in _as_list(where, data.get("tutorials"), "tutorials"):
        tuto = _read_tutorial(where, raw, pack.locales)
        if tuto is not None:
            pack.tutorials.append(tuto)
            origins.record(tuto, rel, line_of(raw))
    for raw_tube in _as_list(where, data.get("tubes"), "tubes"):
        _read_tube(where, raw_tube, code, pack, origins, rel)


def _as_list(where: Where, value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        where.error(field, "expected a list")
        return []
    return value


def _read_tutorial(where: Where, raw: Any, locales: list[str]) -> TutorialData | None:
    if not isinstance(raw, dict):
        where.error("tutorials", "each tutorial must be a map")
        return None
    tid = required_str(where.at("", line_of(raw)), raw, "id")
    w = where.at(tid, line_of(raw))
    check_known_keys(w, raw, _TUTORIAL_KEYS)
    return TutorialData(
        id=tid,
        locale=required_str(w, raw, "locale"),
        title=required_str(w, raw, "title"),
        source=required_str(w, raw, "source"),
        format=required_str(w, raw, "format"),
        duration_seconds=duration_seconds(w, raw.get("duration")),
        link=required_str(w, raw, "link"),
    )


def _read_tube(where: Where, raw: Any, competence: str, pack: PackData, origins: Origins, rel: str) -> None:
    if not isinstance(raw, dict):
        where.error("tubes", "each tube must be a map")
        return
    name = required_str(where.at("", line_of(raw)), raw, "name")
    w = where.at(name, line_of(raw))
    check_known_keys(w, raw, _TUBE_KEYS)
    if name and not TUBE_NAME_RE.match(name):
        w.error("name", "a tube name is '@' followed by camelCase ASCII letters and digits")
    tube = TubeData(
        name=name,
        competence_source_id=competence,
        title=localized(w, raw.get("title"), "title", pack.locales),
        description=localized(w, raw.get("description"), "description", pack.locales, required=False),
    )
    pack.tubes.append(tube)
    origins.record(tube, rel, line_of(raw))
    skills = _as_list(w, raw.get("skills"), "skills")
    if not skills:
        w.error("skills", "a tube needs at least one skill")
    for raw_skill in skills:
        if not isinstance(raw_skill, dict):
            w.error("skills", "each skill must be a map")
            continue
        level = raw_skill.get("level")
        sw = w.at(f"{name}{level}", line_of(raw_skill))
        check_known_keys(sw, raw_skill, _SKILL_KEYS)
        if isinstance(level, bool) or not isinstance(level, int):
            sw.error("level", f"expected a whole number 1..8, got {level!r}")
            level = 0
        tutorials = raw_skill.get("tutorials") or []
        if not isinstance(tutorials, list):
            sw.error("tutorials", "expected a list of tutorial ids")
            tutorials = []
        tutorial_ids = [t for t in (text_value(sw, t, "tutorials") for t in tutorials) if t]
        skill = SkillData(
            name=f"{name}{level}",
            tube_source_id=tube.source_id,
            level=level,
            status=str(raw_skill.get("status", "active")),
            description=localized(sw, raw_skill.get("description"), "description", pack.locales, required=False),
            tutorial_ids=tutorial_ids,
        )
        pack.skills.append(skill)
        origins.record(skill, rel, line_of(raw_skill))
        for raw_challenge in _as_list(sw, raw_skill.get("challenges"), "challenges"):
            challenge = read_challenge(sw, raw_challenge, skill.source_id, pack.locales)
            if challenge is not None:
                pack.challenges.append(challenge)
                origins.record(challenge, rel, line_of(raw_challenge))
