"""Plain, DB-free data classes describing a content pack once it has been read.

Both sources of content (our YAML packs and Pix learning-content release JSON) are turned into these
classes, so the loader that writes the database has a single input shape.  Everything here is
normalised: localised values are ``{locale: value}`` dicts, solutions are in the canonical form
documented on :class:`ChallengeData`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Localized = dict[str, str]
LocalizedList = dict[str, list[str]]

CHALLENGE_TYPES: tuple[str, ...] = ("QCU", "QCM", "QROC", "QROCM-ind", "QROCM-dep")
QROC_TYPES: frozenset[str] = frozenset({"QROC", "QROCM-ind", "QROCM-dep"})
TOLERANCES: tuple[str, ...] = ("T1", "T2", "T3")
TUTORIAL_FORMATS: tuple[str, ...] = ("page", "video", "pdf", "tool", "podcast")
SKILL_STATUSES: tuple[str, ...] = ("active", "archived")
CHALLENGE_STATUSES: tuple[str, ...] = ("validated", "archived")
MAX_LEVEL = 8
PIX_PER_LEVEL = 8  # each competence level is worth 8 pix, shared by the skills of that level


@dataclass(frozen=True)
class Issue:
    """One problem found in a pack: where it is and why it is wrong."""

    file: str
    entry: str  # id of the entry concerned (challenge id, tube name, skill name, tutorial id, …) or "" for the file
    field: str  # dotted path of the field inside the entry, "" when the whole entry is concerned
    reason: str
    severity: Literal["error", "warning"] = "error"
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = " ".join(p for p in (self.entry and f"[{self.entry}]", self.field) if p)
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {what + ': ' if what else ''}{prefix}{self.reason}"


@dataclass
class AreaData:
    code: str
    title: Localized
    color: str | None = None
    source_id: str = ""  # external id (Pix record id); our packs use the code
    framework_id: str = ""  # "" = the pack's framework (Pix releases hold several frameworks)

    def __post_init__(self) -> None:
        self.source_id = self.source_id or self.code


@dataclass
class CompetenceData:
    code: str  # "1.1"
    area_source_id: str
    name: Localized
    description: Localized = field(default_factory=dict)
    source_id: str = ""

    def __post_init__(self) -> None:
        self.source_id = self.source_id or self.code


@dataclass
class TutorialData:
    id: str
    locale: str
    title: str
    source: str
    format: str
    duration_seconds: int | None
    link: str


@dataclass
class TubeData:
    name: str  # "@motdepasse"
    competence_source_id: str
    title: Localized
    description: Localized = field(default_factory=dict)
    source_id: str = ""

    def __post_init__(self) -> None:
        self.source_id = self.source_id or self.name


@dataclass
class SkillData:
    name: str  # "@motdepasse3"
    tube_source_id: str
    level: int
    status: str = "active"
    description: Localized = field(default_factory=dict)
    tutorial_ids: list[str] = field(default_factory=list)
    pix_value: float | None = None  # None: computed by the loader (8 pix shared by the level's active skills)
    source_id: str = ""  # Pix keeps archived and active skills with the same name apart by record id

    def __post_init__(self) -> None:
        self.source_id = self.source_id or self.name


@dataclass
class InputData:
    """One answer field of a QROC/QROCM challenge."""

    key: str
    label: Localized
    numeric: bool = False
    placeholder: Localized = field(default_factory=dict)
    options: LocalizedList | None = None  # present: rendered as a drop-down

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "label": self.label, "numeric": self.numeric}
        if self.placeholder:
            data["placeholder"] = self.placeholder
        if self.options is not None:
            data["options"] = self.options
        return data


@dataclass
class MediaRef:
    """An illustration or attachment: a pack file (``media/x.svg``) or, for Pix releases, a URL."""

    file: str | None = None
    url: str | None = None
    text: Localized = field(default_factory=dict)  # alt text (illustration) or download name (attachment)


@dataclass
class ChallengeData:
    """A challenge as authored.

    Canonical solution shapes (per type):
      QCU: ``int`` (1-based); QCM: sorted ``list[int]``;
      QROC: ``{locale: [variants]}``; QROCM-ind: ``{key: {locale: [variants]}}``;
      QROCM-dep: ``[{locale: [variants]}, ...]`` (groups).
    Language-independent variants are copied into every locale of the challenge.
    """

    id: str
    skill_source_id: str
    type: str
    instruction: Localized
    solution: Any
    locales: list[str]
    status: str = "validated"
    proposals: LocalizedList | None = None
    inputs: list[InputData] = field(default_factory=list)
    tolerances: list[str] = field(default_factory=lambda: ["T1", "T2"])
    format: str = "text"
    timer: int | None = None
    focused: bool = False
    illustration: MediaRef | None = None
    attachment: MediaRef | None = None
    irt_discrimination: float | None = None
    irt_difficulty: float | None = None
    auto_reply: bool = False
    embed_url: str | None = None


@dataclass
class PackData:
    id: str
    version: str
    locales: list[str]
    framework_id: str
    framework_name: Localized
    root: Path | None = None  # folder the pack was read from (media are resolved against it)
    source_kind: str = "pack"  # "pack" (our YAML) or "pix" (a Pix release)
    areas: list[AreaData] = field(default_factory=list)
    competences: list[CompetenceData] = field(default_factory=list)
    tubes: list[TubeData] = field(default_factory=list)
    skills: list[SkillData] = field(default_factory=list)
    challenges: list[ChallengeData] = field(default_factory=list)
    tutorials: list[TutorialData] = field(default_factory=list)
    other_frameworks: dict[str, Localized] = field(default_factory=dict)  # Pix: id → name, besides framework_id

    def counts(self) -> dict[str, int]:
        return {
            "areas": len(self.areas),
            "competences": len(self.competences),
            "tubes": len(self.tubes),
            "skills": len(self.skills),
            "challenges": len(self.challenges),
            "tutorials": len(self.tutorials),
        }


class PackError(Exception):
    """Raised when a pack cannot be used because it has errors."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in content pack; first: {errors[0] if errors else '-'}")
