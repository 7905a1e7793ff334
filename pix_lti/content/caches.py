"""Per-process caches of immutable content for the hot student pages (question GET, answer POST).

- :func:`version_content`: a challenge version's content (type, instruction, proposals, inputs, solution, timer…) as a
  frozen :class:`VersionContent`, read once with Core and then served from memory. A version's content never changes
  once loaded (a new content goes into a new version); the IRT statistics, which calibration may update, are left out.
- :func:`rendered` (used by ``templating.challenge_body_html``): a bounded LRU for HTML built from such content only.

The caches belong to the Flask app (``app.extensions``), i.e. to one worker process in production, and start empty with
each app: a test database that reuses ids after a rollback never sees another test's content. Outside an app context
nothing is cached. Never put anything user-specific (answers, timers, CSRF tokens) in them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pix_lti.content.models import ChallengeVersion

V = TypeVar("V")


class LRU(Generic[V]):
    """A small thread-safe least-recently-used map (gunicorn may run threads; the GIL alone does not order a
    move-to-end and an eviction)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass(frozen=True, slots=True)
class VersionContent:
    """What a page or the checker needs of a ``ChallengeVersion``: same attribute names, read-only. The JSON values
    (dicts, lists) are shared by every request of the process: read them, never change them."""

    id: int
    challenge_id: int
    number: int
    release_id: int
    content_hash: str
    type: str
    instruction: dict[str, str]
    proposals: dict[str, list[str]] | None
    inputs: list[dict[str, Any]]
    solution: Any
    tolerances: list[str]
    format: str
    timer: int | None
    focused: bool
    auto_reply: bool
    embed_url: str | None
    illustration: dict[str, Any] | None
    attachment: dict[str, Any] | None
    locales: list[str]


VersionLike = ChallengeVersion | VersionContent

VERSION_CACHE_SIZE = 8192  # a bank has ~3,000 current versions; older ones stay reachable from tests under way
RENDER_CACHE_SIZE = 4096   # (version, locale, UI locale) bodies of ~2–5 kB: ≤ ~20 MB per worker

_COLUMNS = tuple(f.name for f in fields(VersionContent))
_table = ChallengeVersion.__table__
# Built once (memoised cache key); plain columns, no ORM identity map or instance state.
_READ_VERSION = select(*(_table.c[name] for name in _COLUMNS)).where(_table.c.id == bindparam("version_id"))


class ContentCaches:
    def __init__(self) -> None:
        self.versions: LRU[VersionContent] = LRU(VERSION_CACHE_SIZE)
        self.rendered: LRU[Any] = LRU(RENDER_CACHE_SIZE)


_EXTENSION = "pix_lti.content_caches"
_init_lock = threading.Lock()


def app_caches() -> ContentCaches | None:
    """The current app's caches (created on first use), or None outside an app context."""
    if not has_app_context():
        return None
    extensions = current_app.extensions
    caches = extensions.get(_EXTENSION)
    if caches is None:
        with _init_lock:
            caches = extensions.setdefault(_EXTENSION, ContentCaches())
    return caches


def read_version(session: Session, version_id: int) -> VersionContent | None:
    """The version's content straight from the database (one Core SELECT)."""
    row = session.execute(_READ_VERSION, {"version_id": version_id}).first()
    return VersionContent(*row) if row is not None else None


def read_versions(session: Session, version_ids: list[int], chunk: int = 500) -> list[VersionContent]:
    """Several versions' contents (warm-up), a bounded IN list per statement."""
    found: list[VersionContent] = []
    base = select(*(_table.c[name] for name in _COLUMNS))
    for start in range(0, len(version_ids), chunk):
        part = version_ids[start:start + chunk]
        found.extend(VersionContent(*row) for row in session.execute(base.where(_table.c.id.in_(part))))
    return found


def version_content(session: Session, version_id: int) -> VersionContent:
    """The content of version ``version_id``: from the app's cache, else read once. LookupError if there is none."""
    caches = app_caches()
    content = caches.versions.get(version_id) if caches is not None else None
    if content is None:
        content = read_version(session, version_id)
        if content is None:
            raise LookupError(f"no challenge version #{version_id}")
        if caches is not None:
            caches.versions.put(version_id, content)
    return content


def rendered(key: Hashable, build: Callable[[], V]) -> V:
    """``build()`` once per ``key`` in the app's render cache (called every time outside an app context)."""
    caches = app_caches()
    if caches is None:
        return build()
    value = caches.rendered.get(key)
    if value is None:
        value = caches.rendered.put(key, build())
    return value
