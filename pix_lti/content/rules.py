"""Semantic rules checked on a normalised :class:`PackData`, whatever its source (YAML pack or Pix release).

The readers attach an origin ``(file, line)`` to every entry they create; the rules use it so each
message names the file, the entry id, the field and the reason.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from pix_lti.content.issues import Report, Where
from pix_lti.content.schema import (
    CHALLENGE_TYPES,
    MAX_LEVEL,
    SKILL_STATUSES,
    TUTORIAL_FORMATS,
    ChallengeData,
    MediaRef,
    PackData,
)

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SVG_ACTIVE = re.compile(r"<script|<foreignObject|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
MIN_PROPOSALS, MAX_PROPOSALS = 2, 8


class Origins:
    """Where each entry object was read from (keyed by object identity: entries may share ids when duplicated)."""

    def __init__(self, default_file: str):
        self.default_file = default_file
        self._by_obj: dict[int, tuple[str, int | None]] = {}
        self._keep: list[object] = []  # keep objects alive so their id() stays unique

    def record(self, obj: object, file: str, line: int | None) -> None:
        self._by_obj[id(obj)] = (file, line)
        self._keep.append(obj)

    def where(self, report: Report, obj: object, entry: str) -> Where:
        file, line = self._by_obj.get(id(obj), (self.default_file, None))
        return Where(report, file, entry, line)


def check_pack(pack: PackData, report: Report, origins: Origins) -> None:
    """Cross-entry rules: unique ids, references, levels, and every challenge's own rules."""
    strict = pack.source_kind == "pack"  # Pix releases are served as they are: soft rules become warnings

    def dupes(items: list, key, kind: str) -> None:  # type: ignore[no-untyped-def]
        counts = Counter(key(i) for i in items)
        for item in items:
            if counts[key(item)] > 1:
                origins.where(report, item, key(item)).error("id", f"duplicate {kind} id {key(item)!r}")

    dupes(pack.areas, lambda a: a.source_id, "area")
    dupes(pack.competences, lambda c: c.source_id, "competence")
    dupes(pack.tubes, lambda t: t.source_id, "tube")
    dupes(pack.skills, lambda s: s.source_id, "skill")
    dupes(pack.challenges, lambda c: c.id, "challenge")
    dupes(pack.tutorials, lambda t: t.id, "tutorial")
    if strict:  # Pix keeps same-named tubes apart by record id; our packs use the name as the id
        dupes(pack.tubes, lambda t: t.name, "tube name")

    area_ids = {a.source_id for a in pack.areas}
    for comp in pack.competences:
        if comp.area_source_id not in area_ids:
            origins.where(report, comp, comp.code).error("area", f"unknown area {comp.area_source_id!r}")

    competence_ids = {c.source_id for c in pack.competences}
    tubes_by_id = {t.source_id: t for t in pack.tubes}
    for tube in pack.tubes:
        if tube.competence_source_id not in competence_ids:
            origins.where(report, tube, tube.name).error("competence", f"unknown competence {tube.competence_source_id!r}")

    tutorial_ids = {t.id for t in pack.tutorials}
    for tuto in pack.tutorials:
        where = origins.where(report, tuto, tuto.id)
        if not re.match(r"^https?://[^\s/]+", tuto.link or ""):
            where.error("link", f"tutorial link must start with http:// or https:// (got {tuto.link!r})")
        if strict and tuto.locale not in pack.locales:
            where.error("locale", f"locale {tuto.locale!r} is not one of the pack locales {pack.locales}")
        if strict and tuto.format not in TUTORIAL_FORMATS:
            where.error("format", f"unknown format {tuto.format!r}; expected one of {', '.join(TUTORIAL_FORMATS)}")

    validated_by_skill: Counter[str] = Counter(
        c.skill_source_id for c in pack.challenges if c.status == "validated"
    )
    levels_in_tube: dict[tuple[str, int], int] = defaultdict(int)
    for skill in pack.skills:
        where = origins.where(report, skill, skill.name)
        if skill.level < 1 or skill.level > MAX_LEVEL:
            where.error("level", f"level {skill.level} outside 1..{MAX_LEVEL}")
        if skill.status not in SKILL_STATUSES:
            where.error("status", f"unknown status {skill.status!r}; expected active or archived")
        if skill.tube_source_id not in tubes_by_id:
            where.error("tube", f"skill without a known tube ({skill.tube_source_id!r})")
        for tid in skill.tutorial_ids:
            if tid not in tutorial_ids:
                where.error("tutorials", f"unknown tutorial {tid!r}")
        if skill.status == "active":
            levels_in_tube[(skill.tube_source_id, skill.level)] += 1
            if levels_in_tube[(skill.tube_source_id, skill.level)] == 2:
                where.error("level", f"the tube already has an active skill of level {skill.level}")
            soft = where.error if strict else where.warning
            if not skill.tutorial_ids:
                soft("tutorials", "an active skill needs at least one tutorial")
            if validated_by_skill[skill.source_id] == 0:
                soft("challenges", "an active skill needs at least one validated challenge")

    skill_ids = {s.source_id for s in pack.skills}
    for challenge in pack.challenges:
        where = origins.where(report, challenge, challenge.id)
        if not challenge.skill_source_id or challenge.skill_source_id not in skill_ids:
            where.error("skill", "challenge without skill" + (
                f" (unknown skill {challenge.skill_source_id!r})" if challenge.skill_source_id else ""))
        check_challenge(challenge, where)
        if strict and pack.root is not None:
            for field, media in (("illustration", challenge.illustration), ("attachment", challenge.attachment)):
                if media is not None:
                    check_media_file(where, field, media, pack.root)


def check_challenge(ch: ChallengeData, where: Where) -> None:
    """Rules relating a challenge's fields to each other."""
    if not ch.type:
        return  # "missing required field" already reported
    if ch.type not in CHALLENGE_TYPES:
        where.error("type", f"unknown type {ch.type!r}; expected one of {', '.join(CHALLENGE_TYPES)}")
        return
    if not ch.instruction or not any(v.strip() for v in ch.instruction.values()):
        where.error("instruction", "empty instruction")
    if ch.type in ("QCU", "QCM"):
        _check_choice(ch, where)
    elif ch.type == "QROC":
        _check_variants_present(where, "solution", ch.solution)
    elif ch.type == "QROCM-ind":
        _check_inputs(ch, where)
        if isinstance(ch.solution, dict):
            keys = {i.key for i in ch.inputs}
            missing = sorted(keys - set(ch.solution))
            extra = sorted(set(ch.solution) - keys)
            if missing or extra:
                where.error("solution", "QROCM solution keys do not match the inputs"
                            + (f"; no solution for input(s) {missing}" if missing else "")
                            + (f"; no input for solution key(s) {extra}" if extra else ""))
            for key, variants in ch.solution.items():
                _check_variants_present(where, f"solution.{key}", variants)
    elif ch.type == "QROCM-dep":
        _check_inputs(ch, where)
        if isinstance(ch.solution, list):
            if len(ch.solution) < len(ch.inputs):
                where.error("solution", f"QROCM-dep needs at least as many groups as inputs "
                                        f"({len(ch.solution)} groups for {len(ch.inputs)} inputs)")
            for index, group in enumerate(ch.solution, start=1):
                _check_variants_present(where, f"solution[{index}]", group)
    if ch.type in ("QROC", "QROCM-ind", "QROCM-dep"):
        _check_numbers_and_options(ch, where)


def _check_choice(ch: ChallengeData, where: Where) -> None:
    proposals = ch.proposals or {}
    lengths = {loc: len(items) for loc, items in proposals.items()}
    if len(set(lengths.values())) > 1:
        where.error("proposals", f"proposals differ in length between locales {lengths}")
    count = min(lengths.values()) if lengths else 0
    if proposals and not MIN_PROPOSALS <= count <= MAX_PROPOSALS:
        where.error("proposals", f"expected {MIN_PROPOSALS}..{MAX_PROPOSALS} proposals, got {count}")
    for loc, items in proposals.items():
        repeated = sorted({p for p in items if items.count(p) > 1})
        if repeated:
            where.error(f"proposals.{loc}", f"the same proposal appears twice: {repeated}")
    if ch.solution is None or not count:
        return
    if ch.type == "QCU":
        if not isinstance(ch.solution, int) or not 1 <= ch.solution <= count:
            where.error("solution", f"QCU solution {ch.solution!r} is not among the proposals (1..{count})")
    else:
        indices = ch.solution if isinstance(ch.solution, list) else []
        if not indices:
            where.error("solution", "QCM solution must list at least one proposal")
        outside = [i for i in indices if not 1 <= i <= count]
        if outside:
            where.error("solution", f"QCM solution {outside} not among the proposals (1..{count})")


def _check_variants_present(where: Where, field: str, variants: object) -> None:
    if variants is None:
        return  # shape problem already reported
    if not isinstance(variants, dict) or not variants or not all(variants.values()):
        where.error(field, "no accepted answer")


def _check_inputs(ch: ChallengeData, where: Where) -> None:
    keys = Counter(i.key for i in ch.inputs)
    for index, inp in enumerate(ch.inputs, start=1):
        if inp.key and not KEY_RE.match(inp.key):
            where.error(f"inputs[{index}].key", f"key {inp.key!r} must match [a-z][a-z0-9_]*")
        if keys[inp.key] > 1:
            where.error(f"inputs[{index}].key", f"duplicate input key {inp.key!r}")


def _iter_variants(ch: ChallengeData) -> list[tuple[str, str | None, dict[str, list[str]]]]:
    """(field, input key or None, variants per locale) for every accepted-answer list of a QROC/QROCM."""
    sol = ch.solution
    if ch.type == "QROC" and isinstance(sol, dict):
        return [("solution", ch.inputs[0].key if ch.inputs else None, sol)]
    if ch.type == "QROCM-ind" and isinstance(sol, dict):
        return [(f"solution.{k}", k, v) for k, v in sol.items() if isinstance(v, dict)]
    if ch.type == "QROCM-dep" and isinstance(sol, list):
        return [(f"solution[{i}]", None, g) for i, g in enumerate(sol, start=1) if isinstance(g, dict)]
    return []


def _number_parser() -> Callable[[str], object] | None:
    """The checker's own number parser, so `validate` and answer time agree on what a number is.

    Imported lazily: a broken engine package mid-development must not stop authors validating."""
    try:
        from pix_lti.engine.checking.numbers import parse_number
    except ImportError:  # pragma: no cover - only while the engine package is being rewritten
        return None
    return parse_number


def _check_numbers_and_options(ch: ChallengeData, where: Where) -> None:
    parse_number = _number_parser() if ch.format == "number" else None
    if ch.format == "number" and parse_number is None:
        where.warning("format", "number check skipped: pix_lti.engine.checking is not importable")
    by_key = {i.key: i for i in ch.inputs}
    with_options = [i for i in ch.inputs if i.options]
    for field, key, per_locale in _iter_variants(ch):
        for loc, variants in per_locale.items():
            if parse_number is not None:
                bad = [v for v in variants if parse_number(v) is None]
                if bad:
                    where.error(field, f"format: number but {bad} do not read as numbers ({loc})")
            # Drop-down: the accepted answer must be one of the options shown for that input.
            targets = [by_key[key]] if key in by_key and by_key[key].options else (
                with_options if key is None and len(with_options) == len(ch.inputs) else [])
            for inp in targets:
                options = (inp.options or {}).get(loc, [])
                if not any(v in options for v in variants):
                    where.error(field, f"no accepted answer is among the options of input {inp.key!r} ({loc})")


def check_media_file(where: Where, field: str, media: MediaRef, root: Path) -> None:
    """A media path is relative, stays inside the pack's media/ folder and names an existing file."""
    if not media.file:
        return
    rel = PurePosixPath(media.file)
    if rel.is_absolute() or ".." in rel.parts or "\\" in media.file or not rel.parts or rel.parts[0] != "media":
        where.error(f"{field}.file", f"media path must be relative and under media/ (got {media.file!r})")
        return
    path = root / rel
    if not path.is_file():
        where.error(f"{field}.file", f"missing media file {media.file!r}")
    elif not path.resolve().is_relative_to((root / "media").resolve()):
        where.error(f"{field}.file", f"media file {media.file!r} links outside the pack's media/ folder")
    elif path.suffix.lower() == ".svg" and _SVG_ACTIVE.search(path.read_text(encoding="utf-8", errors="replace")):
        # Media are shown to students from our origin: an SVG must be a picture, never a program.
        where.error(f"{field}.file", f"SVG {media.file!r} contains a script, an event handler or a javascript: link")
