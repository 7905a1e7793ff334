"""Read-side queries of the content browser (admin pages), kept out of the views so they stay thin."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from pix_lti.content.models import (
    Area,
    Challenge,
    ChallengeStatus,
    ChallengeVersion,
    Competence,
    ContentPack,
    ContentRelease,
    Framework,
    ItemStatus,
    Skill,
    Tube,
)
from pix_lti.content.schema import CHALLENGE_TYPES, MAX_LEVEL


@dataclass
class CountTable:
    """Validated challenges of active skills, by skill level (rows) and challenge type (columns)."""

    cells: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    @property
    def levels(self) -> list[int]:
        top = max((lvl for lvl, row in self.cells.items() if sum(row.values())), default=0)
        return list(range(1, max(top, 6) + 1))

    @property
    def types(self) -> tuple[str, ...]:
        return CHALLENGE_TYPES

    def count(self, level: int, ctype: str) -> int:
        return self.cells.get(level, {}).get(ctype, 0)

    def level_total(self, level: int) -> int:
        return sum(self.cells.get(level, {}).values())

    def type_total(self, ctype: str) -> int:
        return sum(row.get(ctype, 0) for row in self.cells.values())

    @property
    def total(self) -> int:
        return sum(self.level_total(lvl) for lvl in self.cells)


@dataclass
class PackSummary:
    pack: ContentPack
    release: ContentRelease | None
    competences: int
    skills: int
    challenges: int


def pack_summaries(session: Session) -> list[PackSummary]:
    result = []
    for pack in session.scalars(select(ContentPack).order_by(ContentPack.key)):
        release = session.scalar(select(ContentRelease).where(ContentRelease.pack_id == pack.id)
                                 .order_by(ContentRelease.id.desc()).limit(1))

        def count(model: type, *conditions: object) -> int:
            return session.scalar(select(func.count()).select_from(model)
                                  .where(model.pack_id == pack.id, *conditions)) or 0  # type: ignore[attr-defined]

        result.append(PackSummary(
            pack, release,
            count(Competence, Competence.status == ItemStatus.ACTIVE),
            count(Skill, Skill.status == ItemStatus.ACTIVE),
            count(Challenge, Challenge.status == ChallengeStatus.VALIDATED),
        ))
    return result


def get_pack(session: Session, key: str) -> ContentPack | None:
    return session.scalar(select(ContentPack).where(ContentPack.key == key))


def frameworks_tree(session: Session, pack: ContentPack) -> list[Framework]:
    """Frameworks with their areas and competences loaded (for the pack page)."""
    return list(session.scalars(
        select(Framework).where(Framework.pack_id == pack.id).order_by(Framework.id)
        .options(selectinload(Framework.areas).selectinload(Area.competences))
    ))


def competence_counts(session: Session, pack: ContentPack) -> dict[int, dict[str, int]]:
    """competence id → {tubes, skills, challenges} (active tubes/skills, validated challenges of active skills)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"tubes": 0, "skills": 0, "challenges": 0})
    for cid, n in session.execute(select(Tube.competence_id, func.count()).where(
            Tube.pack_id == pack.id, Tube.status == ItemStatus.ACTIVE).group_by(Tube.competence_id)):
        counts[cid]["tubes"] = n
    for cid, n in session.execute(select(Skill.competence_id, func.count()).where(
            Skill.pack_id == pack.id, Skill.status == ItemStatus.ACTIVE).group_by(Skill.competence_id)):
        counts[cid]["skills"] = n
    for cid, n in session.execute(
        select(Skill.competence_id, func.count()).join(Challenge, Challenge.skill_id == Skill.id)
        .where(Skill.pack_id == pack.id, Skill.status == ItemStatus.ACTIVE,
               Challenge.status == ChallengeStatus.VALIDATED).group_by(Skill.competence_id)
    ):
        counts[cid]["challenges"] = n
    return counts


def level_type_counts(session: Session, pack: ContentPack, competence: Competence | None = None) -> CountTable:
    query = (
        select(Skill.level, ChallengeVersion.type, func.count())
        .join(Challenge, Challenge.skill_id == Skill.id)
        .join(ChallengeVersion, and_(ChallengeVersion.challenge_id == Challenge.id,
                                     ChallengeVersion.number == Challenge.current_version_number))
        .where(Skill.pack_id == pack.id, Skill.status == ItemStatus.ACTIVE,
               Challenge.status == ChallengeStatus.VALIDATED)
        .group_by(Skill.level, ChallengeVersion.type)
    )
    if competence is not None:
        query = query.where(Skill.competence_id == competence.id)
    table = CountTable()
    for level, ctype, n in session.execute(query):
        if 1 <= level <= MAX_LEVEL:
            table.cells[level][ctype] += n
    return table


def get_competence(session: Session, pack: ContentPack, code: str) -> Competence | None:
    return session.scalar(select(Competence).where(Competence.pack_id == pack.id, Competence.code == code)
                          .order_by(Competence.status, Competence.id).limit(1))


def competence_tubes(session: Session, competence: Competence) -> list[tuple[Tube, dict[int, list[Skill]]]]:
    """Tubes of the competence with their skills by level (several per level when archived ones remain)."""
    tubes = session.scalars(
        select(Tube).where(Tube.competence_id == competence.id).order_by(Tube.status, Tube.name)
        .options(selectinload(Tube.skills).selectinload(Skill.challenges))
    ).all()
    result = []
    for tube in tubes:
        by_level: dict[int, list[Skill]] = defaultdict(list)
        for skill in tube.skills:
            by_level[skill.level].append(skill)
        result.append((tube, dict(by_level)))
    return result


def get_by_source(session: Session, model: type, pack: ContentPack, source_id: str):  # type: ignore[no-untyped-def]
    return session.scalar(select(model).where(model.pack_id == pack.id, model.source_id == source_id))


def skill_challenges(session: Session, skill: Skill) -> list[tuple[Challenge, ChallengeVersion]]:
    rows = session.execute(
        select(Challenge, ChallengeVersion)
        .join(ChallengeVersion, and_(ChallengeVersion.challenge_id == Challenge.id,
                                     ChallengeVersion.number == Challenge.current_version_number))
        .where(Challenge.skill_id == skill.id).order_by(Challenge.status.desc(), Challenge.source_id)
    ).all()
    return [(c, v) for c, v in rows]
