"""From stored content to the engine's inputs: the selection ``Catalog`` and a version's ``SolutionSpec``.

Ids given to the engine are the content's stable source ids (``@motdepasse3``, ``c41-mdp-1a``, Pix
record ids); :func:`current_version` maps a challenge id the engine returns back to the exact
``ChallengeVersion`` to show and to store with the answer.

The catalog is built once per content release and cached in the process (key: pack and latest
release id), so a new ``content load`` is picked up by the next request without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, joinedload

from pix_lti.content.caches import VersionContent
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
from pix_lti.engine import types as engine_types
from pix_lti.engine.catalog import Catalog
from pix_lti.engine.checker import SolutionSpec


class ContentNotLoaded(LookupError):
    """The requested pack has never been loaded."""


@dataclass(frozen=True)
class _CacheEntry:
    release: tuple[int, str]  # (id, checksum): ids alone can be reused after a rolled-back load
    catalog: Catalog
    # Challenge source id -> id of its current version in this release (versions are immutable and a release never
    # changes: the answer path maps the engine's choice to the version to show without a query).
    version_ids: Mapping[str, int]


_catalogs: dict[tuple[str, str | None], _CacheEntry] = {}
_catalog_lock = threading.Lock()
_TX_MEMO = "pix_lti.transaction_memo"


def transaction_memo(session: Session, name: str) -> dict[Any, Any]:
    """A dict for ``name`` that lives as long as the session's current transaction: what was read once in it (the
    latest release, a learner's earlier knowledge) is not read again, and a later transaction reads afresh."""
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(_TX_MEMO, {})
    return memos.setdefault(name, {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_transaction_memo(session: Session, *args: Any) -> None:
    session.info.pop(_TX_MEMO, None)


def latest_release(session: Session, pack_key: str) -> ContentRelease:
    release = session.scalar(
        select(ContentRelease).join(ContentPack).where(ContentPack.key == pack_key)
        .order_by(ContentRelease.id.desc()).limit(1)
    )
    if release is None:
        raise ContentNotLoaded(f"content pack {pack_key!r} is not loaded (run `pix-lti content load`)")
    return release


def get_catalog(session: Session, pack_key: str, framework: str | None = None) -> Catalog:
    """The engine catalog of ``pack_key`` (one framework: default the pack's first), cached per release."""
    return _entry(session, pack_key, framework).catalog


# Run on every answer and most pages: built once, so SQLAlchemy reuses its memoised cache key (no construction per call).
_LATEST_RELEASE = (
    select(ContentRelease.id, ContentRelease.checksum, ContentRelease.pack_id).join(ContentPack)
    .where(ContentPack.key == bindparam("pack_key")).order_by(ContentRelease.id.desc()).limit(1)
)


def release_entry(session: Session, pack_key: str, framework: str | None = None) -> _CacheEntry:
    """The cached catalog and version map of the pack's latest release (built now if this process has not yet)."""
    return _entry(session, pack_key, framework)


def _entry(session: Session, pack_key: str, framework: str | None = None, *, reuse: bool = False) -> _CacheEntry:
    """The cache entry of the pack's latest release (one small query), remembered for the transaction; with ``reuse``
    the entry last looked up in this transaction is taken as is (the one the caller's catalog came from)."""
    key = (pack_key, framework)
    memo: dict[tuple[str, str | None], _CacheEntry] = transaction_memo(session, "catalog_entries")
    entry = memo.get(key)
    if reuse and entry is not None:
        return entry
    row = session.execute(_LATEST_RELEASE, {"pack_key": pack_key}).first()
    if row is None:
        raise ContentNotLoaded(f"content pack {pack_key!r} is not loaded (run `pix-lti content load`)")
    marker = (row.id, row.checksum)
    entry = _catalogs.get(key)
    if entry is None or entry.release != marker:
        with _catalog_lock:  # one build per process even when several requests miss at once
            entry = _catalogs.get(key)
            if entry is None or entry.release != marker:
                catalog, version_ids = _build(session, row.pack_id, framework, version=f"{pack_key}@{row.id}")
                entry = _CacheEntry(marker, catalog, version_ids)
                _catalogs[key] = entry
    memo[key] = entry
    return entry


def clear_catalog_cache() -> None:
    _catalogs.clear()


def build_catalog(session: Session, pack_id: int, framework: str | None = None, *, version: str = "") -> Catalog:
    return _build(session, pack_id, framework, version=version)[0]


def _build(session: Session, pack_id: int, framework: str | None = None, *,
           version: str = "") -> tuple[Catalog, dict[str, int]]:
    fw_query = select(Framework).where(Framework.pack_id == pack_id).order_by(Framework.id)
    if framework is not None:
        fw_query = fw_query.where(Framework.source_id == framework)
    fw = session.scalars(fw_query.limit(1)).first()
    if fw is None:
        raise ContentNotLoaded(f"no framework {framework!r} in pack #{pack_id}")
    rows = session.execute(
        select(Skill.id, Skill.source_id, Skill.name, Tube.source_id, Competence.code, Skill.level, Skill.status)
        .join(Tube, Skill.tube_id == Tube.id)
        .join(Competence, Skill.competence_id == Competence.id)
        .join(Area, Competence.area_id == Area.id)
        .where(Skill.pack_id == pack_id, Area.framework_id == fw.id)
        # An archived area/competence/tube makes its skills unplayable, whatever their own status.
        .add_columns(Area.status, Competence.status, Tube.status)
        .order_by(Competence.position, Tube.source_id, Skill.level, Skill.id)
    ).all()
    skills = []
    skill_db_ids: dict[int, str] = {}
    for db_id, sid, name, tube, comp, level, status, a_status, c_status, t_status in rows:
        archived = ItemStatus.ARCHIVED in (status, a_status, c_status, t_status)
        skills.append(engine_types.Skill(id=sid, name=name, tube=tube, competence=comp, level=level,
                                         status="archived" if archived else "active"))
        skill_db_ids[db_id] = sid
    challenges = []
    version_ids: dict[str, int] = {}
    for ch in session.scalars(
        select(Challenge).where(Challenge.pack_id == pack_id, Challenge.skill_id.in_(skill_db_ids))
        .options(joinedload(Challenge.current_version)).order_by(Challenge.id)
    ).unique():
        v = ch.current_version
        challenges.append(engine_types.Challenge(
            id=ch.source_id, skill_id=skill_db_ids[ch.skill_id], timed=v.timer is not None, focused=v.focused,
            discrimination=v.irt_discrimination, difficulty=v.irt_difficulty,
            status="validated" if ch.status == ChallengeStatus.VALIDATED else "archived"))
        version_ids[ch.source_id] = v.id
    return Catalog.build(skills, challenges, version=version), version_ids


def current_version_id(session: Session, pack_key: str, challenge_id: str) -> int:
    """The id of the version to show (and to record with the answer) for the engine's challenge id: from the release
    the transaction's catalog came from (:func:`get_catalog`), without a query on the answer path."""
    version_id = _entry(session, pack_key, reuse=True).version_ids.get(challenge_id)
    if version_id is None:  # not in the default framework's catalog: ask the database
        version_id = current_version(session, pack_key, challenge_id).id
    return version_id


def current_version(session: Session, pack_key: str, challenge_id: str) -> ChallengeVersion:
    """The version to show (and to record with the answer) for the engine's challenge id."""
    version = session.scalar(
        select(ChallengeVersion).join(Challenge, ChallengeVersion.challenge_id == Challenge.id)
        .join(ContentPack, Challenge.pack_id == ContentPack.id)
        .where(ContentPack.key == pack_key, Challenge.source_id == challenge_id,
               ChallengeVersion.number == Challenge.current_version_number)
    )
    if version is None:
        raise LookupError(f"no challenge {challenge_id!r} in pack {pack_key!r}")
    return version


_SPEC_CACHE_SIZE = 8192
_specs: dict[tuple[int, str, str], SolutionSpec] = {}


def solution_spec(version: ChallengeVersion | VersionContent, locale: str) -> SolutionSpec:
    """The checker's view of ``version`` for a student answering in ``locale`` (falls back to the
    version's first locale).  Cached: versions are immutable, so (id, hash, locale) is a safe key."""
    key = (version.id, version.content_hash, locale)
    spec = _specs.get(key)
    if spec is None:
        spec = spec_from_content(version.type, version.solution, version.inputs, version.tolerances,
                                 version.format, version.locales, locale)
        if len(_specs) >= _SPEC_CACHE_SIZE:
            _specs.clear()  # crude but bounded; a bank has ~3,000 versions × 2 locales
        _specs[key] = spec
    return spec


def spec_from_content(
    ctype: str,
    solution: Any,
    inputs: Sequence[Mapping[str, Any]],
    tolerances: Sequence[str],
    fmt: str,
    locales: Sequence[str],
    locale: str,
) -> SolutionSpec:
    """Build the ``SolutionSpec`` from the canonical stored solution (see ``schema.ChallengeData``)."""
    loc = locale if locale in locales else (locales[0] if locales else locale)
    numeric = fmt == "number"
    if ctype == "QCU":
        return SolutionSpec.qcu(int(solution))
    if ctype == "QCM":
        return SolutionSpec.qcm(int(i) for i in solution)
    if ctype == "QROC":
        return SolutionSpec.qroc(_pick(solution, loc), tolerances=tolerances, numeric=numeric)
    if ctype == "QROCM-ind":
        return SolutionSpec.qrocm_ind({k: _pick(v, loc) for k, v in solution.items()},
                                      tolerances=tolerances, numeric=numeric)
    if ctype == "QROCM-dep":
        return SolutionSpec.qrocm_dep([_pick(g, loc) for g in solution], [i["key"] for i in inputs],
                                      tolerances=tolerances, numeric=numeric)
    raise ValueError(f"unknown challenge type {ctype!r}")


def _pick(per_locale: Mapping[str, list[str]], locale: str) -> list[str]:
    if locale in per_locale:
        return list(per_locale[locale])
    return list(next(iter(per_locale.values())))
