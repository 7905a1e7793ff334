"""Shared short-lived state (web sessions, nonces, rate-limit counters) in Redis or, without Redis, in the database.

Never in process memory: any worker on any host must see the same values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import String, Text, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from pix_lti.db import Base, Database, request_session_in_transaction, utcnow


class KeyValueEntry(Base):
    __tablename__ = "kv_entries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    counter: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class KeyValueStore(Protocol):
    def get_json(self, key: str) -> Any | None: ...
    def set_json(self, key: str, value: Any, ttl_seconds: int) -> None: ...
    def delete(self, key: str) -> None: ...
    def add(self, key: str, ttl_seconds: int) -> bool:
        """Create ``key`` if absent (or expired): True the first time, False after — single-use tokens."""
        ...
    def incr(self, key: str, ttl_seconds: int) -> int:
        """Increment a counter that expires ``ttl_seconds`` after its first increment; returns the new value."""
        ...


class RedisStore:
    def __init__(self, url: str, prefix: str = "pixlti:"):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def _k(self, key: str) -> str:
        return self._prefix + key

    def get_json(self, key: str) -> Any | None:
        raw = self._redis.get(self._k(key))
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._redis.set(self._k(key), json.dumps(value, separators=(",", ":")), ex=ttl_seconds)

    def delete(self, key: str) -> None:
        self._redis.delete(self._k(key))

    def add(self, key: str, ttl_seconds: int) -> bool:
        return bool(self._redis.set(self._k(key), b"1", ex=ttl_seconds, nx=True))

    def incr(self, key: str, ttl_seconds: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(self._k(key))
        pipe.expire(self._k(key), ttl_seconds, nx=True)
        value, _ = pipe.execute()
        return int(value)

    def ping(self) -> None:
        self._redis.ping()


class SqlStore:
    """The database-backed store. Inside a request whose transaction is open, a call joins that unit of work through a
    savepoint (a second connection would wait for SQLite's write lock held by the request); otherwise each call is its own
    short transaction. Either way through ``database.session_factory``, so tests' savepoint binding applies too."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utcnow):
        self._database = database
        self._clock = clock

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        session = request_session_in_transaction()
        if session is None:
            with self._database.transaction() as own:
                yield own
            return
        with session.begin_nested():
            yield session

    def _insert(self, session: Session) -> Any:
        dialect = session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(KeyValueEntry)

    def get_json(self, key: str) -> Any | None:
        with self._transaction() as session:
            entry = session.get(KeyValueEntry, key)
            if entry is None or entry.expires_at <= self._clock():
                return None
            return json.loads(entry.value)

    def set_json(self, key: str, value: Any, ttl_seconds: int) -> None:
        expires = self._clock() + timedelta(seconds=ttl_seconds)
        payload = json.dumps(value, separators=(",", ":"))
        with self._transaction() as session:
            stmt = self._insert(session).values(key=key, value=payload, counter=0, expires_at=expires)
            stmt = stmt.on_conflict_do_update(
                index_elements=[KeyValueEntry.key], set_={"value": payload, "expires_at": expires}
            )
            session.execute(stmt)

    def delete(self, key: str) -> None:
        with self._transaction() as session:
            session.execute(delete(KeyValueEntry).where(KeyValueEntry.key == key))

    def add(self, key: str, ttl_seconds: int) -> bool:
        now = self._clock()
        with self._transaction() as session:
            stmt = self._insert(session).values(key=key, value="", counter=1, expires_at=now + timedelta(seconds=ttl_seconds))
            # An expired entry may be taken over; a live one may not (the conflict update then matches no row).
            stmt = stmt.on_conflict_do_update(
                index_elements=[KeyValueEntry.key],
                set_={"counter": 1, "expires_at": stmt.excluded.expires_at},
                where=KeyValueEntry.expires_at <= now,
            ).returning(KeyValueEntry.key)
            # RETURNING yields the row only when it was inserted or taken over (rowcount is unreliable for upserts).
            return session.execute(stmt).scalar() is not None

    def incr(self, key: str, ttl_seconds: int) -> int:
        now = self._clock()
        expires = now + timedelta(seconds=ttl_seconds)
        with self._transaction() as session:
            stmt = self._insert(session).values(key=key, value="", counter=1, expires_at=expires)
            stmt = stmt.on_conflict_do_update(
                index_elements=[KeyValueEntry.key],
                set_={
                    # An expired window restarts at 1; a live one counts up.
                    "counter": _case_expired(now, 1, KeyValueEntry.counter + 1),
                    "expires_at": _case_expired(now, expires, KeyValueEntry.expires_at),
                },
            )
            session.execute(stmt)
            return session.execute(select(KeyValueEntry.counter).where(KeyValueEntry.key == key)).scalar_one()

    def purge_expired(self) -> int:
        with self._database.transaction() as session:
            expired = delete(KeyValueEntry).where(KeyValueEntry.expires_at <= self._clock()).returning(KeyValueEntry.key)
            return len(session.execute(expired).all())

    def ping(self) -> None:
        self._database.ping()


def _case_expired(now: datetime, if_expired: Any, otherwise: Any) -> Any:
    from sqlalchemy import case, literal

    if not hasattr(if_expired, "compile"):
        if_expired = literal(if_expired, type_=KeyValueEntry.expires_at.type if isinstance(if_expired, datetime) else None)
    return case((KeyValueEntry.expires_at <= now, if_expired), else_=otherwise)


def make_store(redis_url: str, database: Database) -> KeyValueStore:
    return RedisStore(redis_url) if redis_url else SqlStore(database)
