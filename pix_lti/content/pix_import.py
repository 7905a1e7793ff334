"""Import of a Pix learning-content release JSON (``{"content": {frameworks, areas, competences, …}}``).

Pix field names and conventions are converted to our :class:`PackData`:
- statuses ``actif``/``archivé``/``périmé`` (skills), ``validé``/``archivé``/``périmé`` (challenges);
- proposals as Markdown lists (QCU/QCM) or text with ``${key}`` placeholders (QROC/QROCM), where a
  placeholder may carry ``#placeholder``, ``§aria label`` and ``options=[…]`` (drop-down);
- solutions as Pix writes them: QCU ``"2"``, QCM ``"1,3"``, QROC one accepted variant per line,
  QROCM YAML-like ``key:\\n- variant``;
- ``t1Status``/``t2Status``/``t3Status`` = ``"Désactivé"`` turns a tolerance off; ``alpha``/``delta`` are
  the 2PL discrimination/difficulty.

A challenge that cannot be converted (unknown type, unreadable solution…) is skipped with a warning
naming the Pix record, so one odd record does not block serving a whole release.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from pix_lti.content.issues import Report, Where
from pix_lti.content.rules import Origins, check_challenge, check_pack
from pix_lti.content.schema import (
    AreaData,
    ChallengeData,
    CompetenceData,
    InputData,
    Localized,
    MediaRef,
    PackData,
    SkillData,
    TubeData,
    TutorialData,
)

SKILL_STATUS = {"actif": "active", "archivé": "archived", "périmé": "archived"}
CHALLENGE_STATUS = {"validé": "validated", "archivé": "archived", "périmé": "archived"}
TUTORIAL_FORMAT = {"vidéo": "video", "video": "video", "outil": "tool", "son": "podcast", "audio": "podcast",
                   "podcast": "podcast", "pdf": "pdf"}
DISABLED = "désactivé"
_PLACEHOLDER = re.compile(r"\$\{(?P<body>[^}]*)\}")
_KEY = re.compile(r"^\s*(?P<key>[^\s#§}]+)")
_DURATION = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d)$")


def read_pix_release(path: Path, *, pack_key: str = "pix") -> tuple[PackData | None, Report]:
    report = Report()
    where = Where(report, path.name)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        where.error("", f"not a readable JSON file: {exc}")
        return None, report
    content = raw.get("content") if isinstance(raw, dict) else None
    if not isinstance(content, dict):
        where.error("content", 'expected {"content": {frameworks, areas, competences, tubes, skills, challenges, …}}')
        return None, report
    version = str(raw.get("id") or raw.get("createdAt") or raw.get("version") or "import")
    return convert_release(content, report, file=path.name, pack_key=pack_key, version=version), report


def convert_release(content: dict[str, Any], report: Report, *, file: str, pack_key: str, version: str) -> PackData:
    origins = Origins(file)
    items = {name: _records(report, file, content, name) for name in
             ("frameworks", "areas", "competences", "thematics", "tubes", "skills", "challenges", "tutorials")}
    frameworks = {str(f["id"]): {"fr": str(f.get("name") or f["id"])} for f in items["frameworks"]}
    main_framework = next(iter(frameworks), "pix")
    # Locales: the languages of the challenges ("fr-fr" → "fr"); French first, as the reference language.
    langs = sorted({_lang(loc) for c in items["challenges"] for loc in (c.get("locales") or ["fr"])} | {"fr"},
                   key=lambda x: (x != "fr", x))
    pack = PackData(id=pack_key, version=version, locales=langs, framework_id=main_framework,
                    framework_name=frameworks.get(main_framework, {"fr": "Pix"}), source_kind="pix",
                    other_frameworks={k: v for k, v in frameworks.items() if k != main_framework})

    for rec in items["areas"]:
        area = AreaData(code=str(rec.get("code") or rec["id"]), title=_i18n(rec, "title_i18n", "name"),
                        color=_color(rec.get("color")), source_id=str(rec["id"]),
                        framework_id=str(rec.get("frameworkId") or main_framework))
        pack.areas.append(area)
    for rec in items["competences"]:
        pack.competences.append(CompetenceData(
            code=str(rec.get("index") or rec["id"]), area_source_id=str(rec.get("areaId")),
            name=_i18n(rec, "name_i18n", "name"), description=_i18n(rec, "description_i18n", "description"),
            source_id=str(rec["id"])))
    for rec in items["tubes"]:
        title = _i18n(rec, "practicalTitle_i18n", "practicalTitle") or {"fr": str(rec.get("title") or rec["name"])}
        pack.tubes.append(TubeData(
            name=str(rec.get("name") or rec["id"]), competence_source_id=str(rec.get("competenceId")),
            title=title, description=_i18n(rec, "practicalDescription_i18n", "practicalDescription"),
            source_id=str(rec["id"])))
    for rec in items["tutorials"]:
        w = Where(report, file, str(rec["id"]))
        pack.tutorials.append(TutorialData(
            id=str(rec["id"]), locale=_lang(str(rec.get("locale") or "fr")), title=str(rec.get("title") or ""),
            source=str(rec.get("source") or ""), format=TUTORIAL_FORMAT.get(str(rec.get("format", "")).lower(), "page"),
            duration_seconds=_duration(w, rec.get("duration")), link=str(rec.get("link") or "")))
    for tuto in [t for t in pack.tutorials if not re.match(r"^https?://[^\s/]+", t.link)]:
        # Links are rendered in pages: anything but http(s) (javascript:, data:…) is dropped, never shown.
        Where(report, file, tuto.id).warning("link", f"tutorial link {tuto.link!r} is not http(s); tutorial skipped")
        pack.tutorials.remove(tuto)
    levels: dict[str, int] = {}
    for rec in items["skills"]:
        w = Where(report, file, str(rec["id"]))
        status = SKILL_STATUS.get(str(rec.get("status", "")).lower())
        if status is None:
            w.warning("status", f"unknown skill status {rec.get('status')!r}; skill skipped")
            continue
        level = rec.get("level")
        if not isinstance(level, int) or isinstance(level, bool):
            w.warning("level", f"unreadable level {level!r}; skill skipped")
            continue
        tutorials = [str(t) for t in (rec.get("tutorialIds") or []) + (rec.get("learningMoreTutorialIds") or [])]
        pix_value = rec.get("pixValue")
        pack.skills.append(SkillData(
            name=str(rec.get("name") or rec["id"]), tube_source_id=str(rec.get("tubeId")), level=level, status=status,
            description=_i18n(rec, "hint_i18n", "hint"), tutorial_ids=list(dict.fromkeys(tutorials)),
            pix_value=float(pix_value) if isinstance(pix_value, (int, float)) else None, source_id=str(rec["id"])))
        levels[str(rec["id"])] = level
    known_tutorials = {t.id for t in pack.tutorials}
    for skill in pack.skills:  # Pix releases may list tutorials of other locales that are not shipped
        skill.tutorial_ids = [t for t in skill.tutorial_ids if t in known_tutorials]

    for rec in items["challenges"]:
        challenge = _convert_challenge(report, file, rec)
        if challenge is not None:
            pack.challenges.append(challenge)
    _prune_orphans(pack, Where(report, file))
    for entry in (*pack.areas, *pack.competences, *pack.tubes, *pack.skills, *pack.challenges, *pack.tutorials):
        origins.record(entry, file, None)
    check_pack(pack, report, origins)
    return pack


def _prune_orphans(pack: PackData, where: Where) -> None:
    """Drop, with a warning, entries whose parent is missing from the release (or was skipped above):
    a release is served as far as it is coherent rather than refused for one dangling record."""
    areas = {a.source_id for a in pack.areas}
    kept = [c for c in pack.competences if c.area_source_id in areas]
    for c in pack.competences:
        if c.area_source_id not in areas:
            where.at(c.source_id).warning("areaId", f"unknown area {c.area_source_id!r}; competence skipped")
    pack.competences = kept
    competences = {c.source_id for c in pack.competences}
    for t in pack.tubes:
        if t.competence_source_id not in competences:
            where.at(t.source_id).warning("competenceId", f"unknown competence {t.competence_source_id!r}; tube skipped")
    pack.tubes = [t for t in pack.tubes if t.competence_source_id in competences]
    tubes = {t.source_id for t in pack.tubes}
    for s in pack.skills:
        if s.tube_source_id not in tubes:
            where.at(s.source_id).warning("tubeId", f"unknown tube {s.tube_source_id!r}; skill skipped")
    pack.skills = [s for s in pack.skills if s.tube_source_id in tubes]
    skills = {s.source_id for s in pack.skills}
    for c in pack.challenges:
        if c.skill_source_id not in skills:
            where.at(c.id).warning("skillId", "challenge without skill"
                                   + (f" (unknown skill {c.skill_source_id!r})" if c.skill_source_id else "")
                                   + "; challenge skipped")
    pack.challenges = [c for c in pack.challenges if c.skill_source_id in skills]


def _records(report: Report, file: str, content: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = content.get(name, [])
    if not isinstance(value, list):
        Where(report, file).error(name, "expected a list of records")
        return []
    good = [r for r in value if isinstance(r, dict) and r.get("id") not in (None, "")]
    if len(good) != len(value):
        Where(report, file).warning(name, f"{len(value) - len(good)} record(s) without id skipped")
    return good


def _lang(locale: str) -> str:
    return locale.split("-")[0].lower()


def _i18n(rec: dict[str, Any], key: str, fallback: str) -> Localized:
    value = rec.get(key)
    if isinstance(value, dict):
        return {_lang(k): str(v) for k, v in value.items() if isinstance(v, str) and v.strip()}
    if isinstance(rec.get(fallback), str) and rec[fallback].strip():
        return {"fr": rec[fallback]}
    return {}


# Pix names its area colours; approximate hex values so that charts keep one colour per area.
PIX_COLORS = {"jaffa": "#f1a141", "emerald": "#52d987", "cerulean": "#1ac6ff", "wild-strawberry": "#ff3f94",
              "butterfly-bush": "#574da6"}


def _color(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"^#[0-9a-fA-F]{6}$", value):
        return value
    return PIX_COLORS.get(str(value).lower()) if value else None


def _duration(where: Where, value: Any) -> int | None:
    if value in (None, ""):
        return None
    match = _DURATION.match(str(value).strip())
    if not match:
        where.warning("duration", f"unreadable duration {value!r}")
        return None
    h, m, s = (int(g) for g in match.groups())
    return h * 3600 + m * 60 + s


def _convert_challenge(report: Report, file: str, rec: dict[str, Any]) -> ChallengeData | None:
    cid = str(rec["id"])
    sub = Report()  # problems of this record only: any error skips it
    where = Where(sub, file, cid)
    status = CHALLENGE_STATUS.get(str(rec.get("status", "")).lower())
    if status is None:
        where.error("status", f"unknown challenge status {rec.get('status')!r}")
    locales = list(dict.fromkeys(_lang(x) for x in (rec.get("locales") or ["fr"])))
    ctype = str(rec.get("type") or "")
    proposals_text = str(rec.get("proposals") or "")
    instruction = str(rec.get("instruction") or "")
    tolerances = [t for t, key in (("T1", "t1Status"), ("T2", "t2Status"), ("T3", "t3Status"))
                  if str(rec.get(key, "Activé")).strip().lower() != DISABLED]
    fmt = "number" if str(rec.get("format", "")).lower() == "nombre" else "text"
    challenge = ChallengeData(
        id=cid, skill_source_id=str(rec.get("skillId") or ""), type=ctype,
        instruction={loc: instruction for loc in locales}, solution=None, locales=locales,
        status=status or "archived", tolerances=tolerances, format=fmt,
        timer=rec["timer"] if isinstance(rec.get("timer"), int) and rec["timer"] > 0 else None,
        focused=bool(rec.get("focusable")), auto_reply=bool(rec.get("autoReply")),
        embed_url=_safe_url(where, "embedUrl", rec.get("embedUrl")),
        irt_discrimination=_float(rec.get("alpha")), irt_difficulty=_float(rec.get("delta")),
    )
    if challenge.irt_discrimination is None or challenge.irt_difficulty is None or challenge.irt_discrimination <= 0:
        challenge.irt_discrimination = challenge.irt_difficulty = None  # the loader derives them from the level
    if _safe_url(where, "illustrationUrl", rec.get("illustrationUrl")):
        alt = str(rec.get("illustrationAlt") or "")
        if not alt:
            where.warning("illustrationAlt", "illustration without alternative text")
        challenge.illustration = MediaRef(url=str(rec["illustrationUrl"]), text={loc: alt for loc in locales})
    attachments = rec.get("attachments") or []
    url = _safe_url(where, "attachments", attachments[0]) if isinstance(attachments, list) and attachments else None
    if url:
        name = unquote(PurePosixPath(urlparse(url).path).name) or "fichier"
        challenge.attachment = MediaRef(url=url, text={loc: name for loc in locales})

    raw_solution = str(rec.get("solution") if rec.get("solution") is not None else "")
    try:
        if ctype in ("QCU", "QCM"):
            options = parse_pix_proposals(proposals_text)
            challenge.proposals = {loc: list(options) for loc in locales}
            indices = [int(p) for p in re.split(r"\s*,\s*", raw_solution.strip()) if p.strip()]
            challenge.solution = indices[0] if ctype == "QCU" and len(indices) == 1 else (
                sorted(set(indices)) if ctype == "QCM" else indices)
        elif ctype in ("QROC", "QROCM-ind", "QROCM-dep"):
            inputs = parse_placeholders(proposals_text, locales)
            if ctype == "QROC":
                variants = [line.strip() for line in raw_solution.splitlines() if line.strip()]
                if len(inputs) > 1:
                    where.error("proposals", "a QROC has a single ${…} input")
                label = inputs[0].label if inputs else {loc: "Réponse" for loc in locales}
                challenge.inputs = [InputData("answer", label, numeric=fmt == "number",
                                              placeholder=inputs[0].placeholder if inputs else {},
                                              options=inputs[0].options if inputs else None)]
                challenge.solution = {loc: variants for loc in locales}
            else:
                challenge.inputs = inputs
                context = _proposals_context(proposals_text)
                if context:  # text around the blanks ("Un mot de passe de 12 caractères est … robuste") is material
                    challenge.instruction = {loc: f"{instruction}\n\n{context}" for loc in locales}
                mapping = parse_qrocm_solution(raw_solution)
                if ctype == "QROCM-ind":
                    challenge.solution = {k: {loc: v for loc in locales} for k, v in mapping.items()}
                else:
                    challenge.solution = [{loc: v for loc in locales} for v in mapping.values()]
    except (ValueError, yaml.YAMLError) as exc:
        where.error("solution", f"unreadable solution: {exc}")
    check_challenge(challenge, where)
    if challenge.auto_reply:
        where.warning("autoReply", "auto-reply challenges are served as regular challenges")
    for issue in sub.issues:
        if issue.severity == "error":
            report.add(type(issue)(issue.file, issue.entry, issue.field, issue.reason + "; challenge skipped",
                                   "warning", issue.line))
        else:
            report.add(issue)
    return None if sub.errors else challenge


def _safe_url(where: Where, field: str, value: Any) -> str | None:
    """URLs end up in href/src attributes: keep http(s) only (a javascript: link would run in our pages)."""
    if not value:
        return None
    if isinstance(value, str) and re.match(r"^https?://[^\s/]+", value):
        return value
    where.warning(field, f"URL {value!r} is not http(s); ignored")
    return None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_pix_proposals(text: str) -> list[str]:
    """``"- a\\n- b"`` → ``["a", "b"]``; a line not starting with ``- `` continues the previous proposal."""
    proposals: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if re.match(r"^\s*-\s", line) or line.strip() == "-":
            proposals.append(re.sub(r"^\s*-\s?", "", line).strip())
        elif line.strip() and proposals:
            proposals[-1] = f"{proposals[-1]}\n{line.strip()}"
        elif line.strip():
            proposals.append(line.strip())
    return proposals


def _proposals_context(text: str) -> str:
    """The proposals with each ``${…}`` shown as a blank, when they hold more than "label: ${input}" lines."""
    has_context = False
    for line in text.splitlines():
        parts = _PLACEHOLDER.sub("\0", line).split("\0")
        # Text before the first blank becomes its label; anything after a blank, or a line without blank, is context.
        if len(parts) == 1 and line.strip() or any(p.strip() for p in parts[1:]):
            has_context = True
    return _PLACEHOLDER.sub("…", text).strip() if has_context else ""


def parse_placeholders(text: str, locales: list[str]) -> list[InputData]:
    """Inputs of a QROC/QROCM from its ``${key#placeholder§aria label options=[…]}`` placeholders.

    The label is the aria label when given, else the text before the placeholder on its line (list
    markers and a trailing colon removed), else the placeholder text, else the key."""
    inputs: list[InputData] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        previous_end = 0
        for match in _PLACEHOLDER.finditer(line):
            body = match.group("body")
            options = None
            options_match = re.search(r"options\s*=\s*(\[.*\])", body)
            if options_match:
                try:
                    parsed = json.loads(options_match.group(1))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"unreadable options in ${{{body}}}") from exc
                options = {loc: [str(o) for o in parsed] for loc in locales}
                body = body[: options_match.start()]
            key_match = _KEY.match(body)
            if not key_match:
                raise ValueError(f"placeholder without key: ${{{body}}}")
            key = key_match.group("key")
            rest = body[key_match.end():]
            aria = rest.split("§", 1)[1].strip() if "§" in rest else ""
            placeholder = rest.split("#", 1)[1].split("§", 1)[0].strip() if "#" in rest else ""
            before = re.sub(r"^\s*([-*+]|\d+[.)])\s+", "", line[previous_end: match.start()]).strip()
            before = _PLACEHOLDER.sub("", before).strip().rstrip(":").strip()
            if not re.search(r"\w", before):  # "${nom}.${ext}": a lone "." is no label
                before = ""
            label = aria or before or placeholder or key
            inputs.append(InputData(key, {loc: label for loc in locales},
                                    placeholder={loc: placeholder for loc in locales} if placeholder else {},
                                    options=options))
            previous_end = match.end()
    return inputs


def parse_qrocm_solution(text: str) -> dict[str, list[str]]:
    """Pix QROCM solution ``key:\\n- a\\n- b`` → ``{"key": ["a", "b"]}`` (a scalar value = one variant)."""
    # BaseLoader keeps every scalar as the author's text (no `no` → False, no `007` → 7).
    data = yaml.load(text, Loader=yaml.BaseLoader) if text.strip() else None  # noqa: S506 - BaseLoader builds no objects
    if not isinstance(data, dict) or not data:
        raise ValueError("expected `key:` lines each followed by `- variant` lines")
    result: dict[str, list[str]] = {}
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        variants = [str(v).strip() for v in values if isinstance(v, str) and v.strip()]
        if not variants:
            raise ValueError(f"no variant for {key!r}")
        result[str(key)] = variants
    return result
