"""Small hand-made catalogs for the engine's unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pix_lti.engine import Answer, Catalog, Challenge, Skill


def make_catalog(
    spec: Mapping[str, Mapping[str, Iterable[int]]],
    *,
    timed: Iterable[str] = (),
    challenges_per_skill: int = 1,
    archived_skills: Iterable[str] = (),
) -> Catalog:
    """``spec``: competence → tube (without "@") → levels.  Skill ids are the names, e.g.
    "@alpha4"; challenge ids are "<skill name>#<n>" (n from 1).  ``timed`` lists challenge ids."""
    timed_ids = set(timed)
    archived = set(archived_skills)
    skills: list[Skill] = []
    challenges: list[Challenge] = []
    for comp, tubes in spec.items():
        for tube, levels in tubes.items():
            for level in levels:
                name = f"@{tube}{level}"
                skills.append(
                    Skill(
                        id=name,
                        name=name,
                        tube=f"@{tube}",
                        competence=comp,
                        level=level,
                        status="archived" if name in archived else "active",
                    )
                )
                for n in range(1, challenges_per_skill + 1):
                    cid = f"{name}#{n}"
                    challenges.append(Challenge(id=cid, skill_id=name, timed=cid in timed_ids))
    return Catalog.build(skills, challenges, version="test")


def ans(skill_name: str, result: str = "ok", n: int = 1) -> Answer:
    """An answer on challenge n of a skill of a ``make_catalog`` catalog."""
    return Answer(f"{skill_name}#{n}", result)


def statuses(elements: Iterable[object]) -> dict[str, tuple[str, str]]:
    """skill id → (status, source) of knowledge elements."""
    return {e.skill_id: (str(e.status), str(e.source)) for e in elements}  # type: ignore[attr-defined]
