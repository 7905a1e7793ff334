"""What the campaign pages show, built from plain data: the référentiel's names in the visitor's language, a results
snapshot turned into rows, the organisation's text split into paragraphs (escaped by the templates, never raw HTML)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.content.models import Area, ContentPack, Framework
from pix_lti.orga.campaigns import percent
from pix_lti.orga.models import Campaign


def localised(value: dict[str, str] | None, locale: str) -> str:
    if not value:
        return ""
    return value.get(locale) or value.get("fr") or next(iter(value.values()), "")


@dataclass(frozen=True)
class CompetenceName:
    code: str
    name: str


@dataclass(frozen=True)
class AreaNames:
    code: str
    title: str
    competences: tuple[CompetenceName, ...]


def referential(session: Session, pack_key: str, locale: str) -> list[AreaNames]:
    """The pack's areas and competences with their names in ``locale``, in référentiel order."""
    framework = session.scalar(select(Framework).join(ContentPack, Framework.pack_id == ContentPack.id)
                               .where(ContentPack.key == pack_key).order_by(Framework.id).limit(1))
    if framework is None:
        return []
    areas = session.scalars(select(Area).where(Area.framework_id == framework.id).order_by(Area.position)).all()
    return [AreaNames(area.code, localised(area.title, locale),
                      tuple(CompetenceName(c.code, localised(c.name, locale)) for c in area.competences))
            for area in areas]


def competence_names(areas: list[AreaNames]) -> dict[str, str]:
    return {c.code: c.name for area in areas for c in area.competences}


_BLANK_LINE = re.compile(r"\n\s*\n")


def paragraphs(text: str | None) -> list[list[str]]:
    """Plain text → paragraphs (blank-line separated), each a list of lines (single line breaks are kept)."""
    if not text:
        return []
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    result = []
    for block in _BLANK_LINE.split(normalised):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if lines:
            result.append(lines)
    return result


# ---------------------------------------------------------------------------------------------------------------------
# Assessment campaigns: mastery


@dataclass(frozen=True)
class CompetenceRow:
    code: str
    name: str
    validated: int
    tested: int
    total: int

    @property
    def percent(self) -> int:
        return percent(Fraction(self.validated, self.total)) if self.total else 0


@dataclass(frozen=True)
class MasteryView:
    validated: int
    tested: int
    total: int
    competences: list[CompetenceRow]
    stage_title: str | None = None
    stage_message: str | None = None
    stage_index: int | None = None
    stage_count: int = 0

    @property
    def percent(self) -> int:
        # From the counts, not the stored float: 0.29 × 100 is 28.999… in binary floating point.
        return percent(Fraction(self.validated, self.total)) if self.total else 0


def mastery_view(snapshot: dict[str, Any], campaign: Campaign, names: dict[str, str]) -> MasteryView:
    rows = [CompetenceRow(code, names.get(code, code), int(c["validated"]), int(c["tested"]), int(c["total"]))
            for code, c in snapshot.get("competences", {}).items()]
    stage = snapshot.get("stage")
    title = message = None
    if stage:
        title = stage.get("title")
        # The message is the campaign's current wording for that threshold (the snapshot keeps the title).
        current = next((s for s in campaign.stages if s.threshold == stage.get("threshold")), None)
        message = current.message if current is not None else None
    return MasteryView(validated=int(snapshot.get("validated", 0)), tested=int(snapshot.get("tested", 0)),
                       total=int(snapshot.get("total", 0)), competences=rows, stage_title=title,
                       stage_message=message or None, stage_index=stage.get("index") if stage else None,
                       stage_count=int(stage.get("count", 0)) if stage else len(campaign.stages))


# ---------------------------------------------------------------------------------------------------------------------
# Profiles collection: the 16-competence profile


@dataclass(frozen=True)
class ProfileRow:
    code: str
    name: str
    level: int
    pix: int


@dataclass(frozen=True)
class ProfileArea:
    code: str
    title: str
    rows: list[ProfileRow]


@dataclass(frozen=True)
class ProfileView:
    total_pix: int
    max_pix: int
    areas: list[ProfileArea] = field(default_factory=list)


def profile_view(snapshot: dict[str, Any], areas: list[AreaNames]) -> ProfileView:
    scores = snapshot.get("competences", {})
    grouped = []
    for area in areas:
        rows = [ProfileRow(c.code, c.name, int(scores.get(c.code, {}).get("level", 0)),
                           int(scores.get(c.code, {}).get("pix", 0))) for c in area.competences]
        grouped.append(ProfileArea(area.code, area.title, rows))
    return ProfileView(total_pix=int(snapshot.get("total_pix", 0)), max_pix=int(snapshot.get("max_pix", 1024)),
                       areas=grouped)
