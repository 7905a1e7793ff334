"""The référentiel as the Orga pages show it: competences (with names and areas) and their tubes with the number of
active skills up to each level, for building target profiles and labelling results. Read from the engine catalog of
the content pack (cached per release) plus the competence/area names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment import catalogs
from pix_lti.content.models import Area, Competence, ContentPack


@dataclass
class TubeChoice:
    name: str
    levels: dict[int, int] = field(default_factory=dict)  # level → active skills at that level

    @property
    def max_level(self) -> int:
        return max(self.levels) if self.levels else 0

    def skills_up_to(self, cap: int) -> int:
        return sum(n for level, n in self.levels.items() if level <= cap)


@dataclass
class CompetenceInfo:
    code: str
    name: str
    area_code: str
    area_name: str
    tubes: list[TubeChoice] = field(default_factory=list)


def _localised(value: Mapping[str, str] | None, locale: str) -> str:
    if not value:
        return ""
    return value.get(locale) or value.get("fr") or next(iter(value.values()), "")


def competences(session: Session, pack_key: str, locale: str = "fr") -> list[CompetenceInfo]:
    """Every competence of the pack in référentiel order, each with its tubes (only tubes with active skills)."""
    rows = session.execute(
        select(Competence, Area).join(Area, Area.id == Competence.area_id).join(ContentPack)
        .where(ContentPack.key == pack_key).order_by(Area.position, Area.code, Competence.position, Competence.code)
    ).all()
    infos = {c.code: CompetenceInfo(c.code, _localised(c.name, locale), a.code, _localised(a.title, locale))
             for c, a in rows}
    tubes: dict[str, dict[str, TubeChoice]] = {}
    for skill in catalogs.full_catalog(session, pack_key).skills:
        if not skill.active or skill.competence not in infos:
            continue
        tube = tubes.setdefault(skill.competence, {}).setdefault(skill.tube, TubeChoice(skill.tube))
        tube.levels[skill.level] = tube.levels.get(skill.level, 0) + 1
    for code, info in infos.items():
        info.tubes = sorted(tubes.get(code, {}).values(), key=lambda t: t.name)
    return list(infos.values())


def count_target_skills(infos: list[CompetenceInfo], caps: Mapping[str, int]) -> int:
    """How many active skills a profile with ``caps`` (tube → highest level) targets."""
    return sum(t.skills_up_to(caps[t.name]) for info in infos for t in info.tubes if t.name in caps)


def parse_caps(form: Mapping[str, str], infos: list[CompetenceInfo]) -> dict[str, int]:
    """Tube caps from a form (``tube:<name>`` = level, 0 or empty = left out). Unknown tubes and levels outside the
    tube's range are ignored, so a tampered form can only choose what the référentiel offers."""
    caps: dict[str, int] = {}
    for info in infos:
        for tube in info.tubes:
            raw = (form.get(f"tube:{tube.name}") or "").strip()
            if raw.isdigit() and 1 <= int(raw) <= tube.max_level:
                caps[tube.name] = int(raw)
    return caps
