"""Database model of the content: référentiel, challenge bank (versioned) and tutorials.

Every entity belongs to a ``ContentPack`` (``crcn-demo``, a Pix release, a synthetic bank…) and is
keyed by the id it has in its source (``source_id``), so loading the same pack again updates rows in
place instead of duplicating them.  Nothing is ever deleted: an entry that disappears from the
source is marked ``archived``.  A challenge's content lives in immutable ``ChallengeVersion`` rows;
answers point to the exact version that was asked.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from pix_lti.db import Base, str_enum, utcnow


class ItemStatus(enum.StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class ChallengeStatus(enum.StrEnum):
    VALIDATED = "validated"
    ARCHIVED = "archived"


_ITEM_STATUS = str_enum(ItemStatus, "content_item_status")


class ContentPack(Base):
    """A source of content, identified by its key (``crcn-demo``, ``pix``)."""

    __tablename__ = "content_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    source_kind: Mapped[str] = mapped_column(String(16))  # "pack" (our YAML) or "pix" (a Pix release JSON)
    locales: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    releases: Mapped[list[ContentRelease]] = relationship(
        back_populates="pack", order_by="ContentRelease.id", cascade="all, delete-orphan"
    )


class ContentRelease(Base):
    """One load of a pack whose content differed from the previous load (same checksum: no new release)."""

    __tablename__ = "content_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of the normalised content and media
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # created/updated/archived counts

    pack: Mapped[ContentPack] = relationship(back_populates="releases")


class Framework(Base):
    __tablename__ = "content_frameworks"
    __table_args__ = (UniqueConstraint("pack_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[dict[str, str]] = mapped_column(JSON)

    areas: Mapped[list[Area]] = relationship(back_populates="framework", order_by="Area.position")


class Area(Base):
    """A domain of the référentiel (codes 1–5 for the CRCN)."""

    __tablename__ = "content_areas"
    __table_args__ = (UniqueConstraint("pack_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"))
    framework_id: Mapped[int] = mapped_column(ForeignKey("content_frameworks.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    color: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[ItemStatus] = mapped_column(_ITEM_STATUS, default=ItemStatus.ACTIVE)

    framework: Mapped[Framework] = relationship(back_populates="areas")
    competences: Mapped[list[Competence]] = relationship(back_populates="area", order_by="Competence.position")


class Competence(Base):
    __tablename__ = "content_competences"
    __table_args__ = (UniqueConstraint("pack_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("content_areas.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(16))  # "1.1" .. "5.2"
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[ItemStatus] = mapped_column(_ITEM_STATUS, default=ItemStatus.ACTIVE)

    area: Mapped[Area] = relationship(back_populates="competences")
    tubes: Mapped[list[Tube]] = relationship(back_populates="competence", order_by="Tube.name")


class Tube(Base):
    """A topic ("sujet") such as ``@motdepasse`` whose skills rise in level."""

    __tablename__ = "content_tubes"
    __table_args__ = (UniqueConstraint("pack_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(ForeignKey("content_competences.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[ItemStatus] = mapped_column(_ITEM_STATUS, default=ItemStatus.ACTIVE)

    competence: Mapped[Competence] = relationship(back_populates="tubes")
    skills: Mapped[list[Skill]] = relationship(back_populates="tube", order_by="Skill.level")


skill_tutorials = Table(
    "content_skill_tutorials",
    Base.metadata,
    Column("skill_id", Integer, ForeignKey("content_skills.id", ondelete="CASCADE"), primary_key=True),
    Column("tutorial_id", Integer, ForeignKey("content_tutorials.id", ondelete="CASCADE"), primary_key=True),
)


class Skill(Base):
    """``@motdepasse3``: level 3 of tube ``@motdepasse``; ``pix`` is its share of the level's 8 pix."""

    __tablename__ = "content_skills"
    __table_args__ = (UniqueConstraint("pack_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"))
    tube_id: Mapped[int] = mapped_column(ForeignKey("content_tubes.id"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("content_competences.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100), index=True)
    level: Mapped[int]
    status: Mapped[ItemStatus] = mapped_column(_ITEM_STATUS, default=ItemStatus.ACTIVE)
    pix: Mapped[float] = mapped_column(default=0.0)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    tube: Mapped[Tube] = relationship(back_populates="skills")
    competence: Mapped[Competence] = relationship()
    challenges: Mapped[list[Challenge]] = relationship(back_populates="skill", order_by="Challenge.source_id")
    tutorials: Mapped[list[Tutorial]] = relationship(secondary=skill_tutorials, order_by="Tutorial.source_id")


class Tutorial(Base):
    __tablename__ = "content_tutorials"
    __table_args__ = (UniqueConstraint("pack_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(32))
    duration_seconds: Mapped[int | None]
    link: Mapped[str] = mapped_column(String(2000))
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[ItemStatus] = mapped_column(_ITEM_STATUS, default=ItemStatus.ACTIVE)


class Challenge(Base):
    """A question's stable identity; its content is in ``versions`` (``current_version`` is the one served)."""

    __tablename__ = "content_challenges"
    __table_args__ = (UniqueConstraint("pack_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("content_packs.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("content_skills.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[ChallengeStatus] = mapped_column(
        str_enum(ChallengeStatus, "content_challenge_status"), default=ChallengeStatus.VALIDATED
    )
    # Number (not id) of the current version: avoids a circular foreign key between the two tables.
    current_version_number: Mapped[int] = mapped_column(default=1)

    skill: Mapped[Skill] = relationship(back_populates="challenges")
    versions: Mapped[list[ChallengeVersion]] = relationship(
        back_populates="challenge", order_by="ChallengeVersion.number", cascade="all, delete-orphan"
    )
    current_version: Mapped[ChallengeVersion] = relationship(
        primaryjoin=lambda: and_(
            foreign(ChallengeVersion.challenge_id) == Challenge.id,
            ChallengeVersion.number == Challenge.current_version_number,
        ),
        viewonly=True,
        uselist=False,
    )


class ChallengeVersion(Base):
    """Immutable content of one version of a challenge (what the student saw and was checked against).

    The 2PL parameters are statistics about this version, not content: calibration may update them
    (``irt_source`` says where they come from: ``authored``, ``default`` from the level, ``pix``, ``calibrated``).
    """

    __tablename__ = "content_challenge_versions"
    __table_args__ = (
        UniqueConstraint("challenge_id", "number"),
        UniqueConstraint("challenge_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("content_challenges.id", ondelete="CASCADE"))
    number: Mapped[int]
    release_id: Mapped[int] = mapped_column(ForeignKey("content_releases.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    instruction: Mapped[dict[str, str]] = mapped_column(JSON)
    proposals: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    solution: Mapped[Any] = mapped_column(JSON)
    tolerances: Mapped[list[str]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(16), default="text")
    timer: Mapped[int | None]
    focused: Mapped[bool] = mapped_column(default=False)
    auto_reply: Mapped[bool] = mapped_column(default=False)
    embed_url: Mapped[str | None] = mapped_column(String(2000))
    illustration: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {file|url, sha256?, alt: {fr, en}}
    attachment: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {file|url, sha256?, name: {fr, en}}
    locales: Mapped[list[str]] = mapped_column(JSON)
    irt_discrimination: Mapped[float]
    irt_difficulty: Mapped[float]
    irt_source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship(back_populates="versions")


class ContentMedia(Base):
    """A media file of a pack, stored by content hash: served without touching the file system (no
    path traversal possible), immutable, and still there for old versions after the file changed."""

    __tablename__ = "content_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    original_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
