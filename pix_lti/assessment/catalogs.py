"""Which engine catalog a test runs on: the whole référentiel for a competence evaluation, the target profile's skills
(tubes capped at a level) for a campaign. Sub-catalogs are cached per (content release, tubes)."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from pix_lti import engine
from pix_lti.content import engine_bridge

_cache: dict[tuple[str, tuple[tuple[str, int], ...]], tuple[engine.Catalog, engine.Catalog]] = {}
_lock = threading.Lock()


def full_catalog(session: Session, pack_key: str) -> engine.Catalog:
    """The pack's catalog; looked up once per transaction (the lookup checks the latest release with a query)."""
    memo: dict[str, engine.Catalog] = engine_bridge.transaction_memo(session, "catalogs")
    catalog = memo.get(pack_key)
    if catalog is None:
        catalog = memo[pack_key] = engine_bridge.get_catalog(session, pack_key)
    return catalog


def target_catalog(session: Session, pack_key: str, tubes: dict[str, int]) -> engine.Catalog:
    """The catalog restricted to ``tubes`` (tube name → highest level), for campaigns."""
    full = full_catalog(session, pack_key)
    key = (pack_key, tuple(sorted(tubes.items())))
    cached = _cache.get(key)
    if cached is not None and cached[0] is full:
        return cached[1]
    with _lock:
        skills = [s for s in full.skills if s.tube in tubes and s.level <= tubes[s.tube]]
        skill_ids = {s.id for s in skills}
        challenges = [c for c in full.challenges if c.skill_id in skill_ids]
        sub = engine.Catalog.build(skills, challenges, version=f"{full.version}/target")
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = (full, sub)
    return sub


def target_skill_ids(session: Session, pack_key: str, tubes: dict[str, int]) -> list[str]:
    return [s.id for s in target_catalog(session, pack_key, tubes).skills if s.active]
