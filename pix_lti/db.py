"""Persistence wiring: the declarative base, engines, and the one-unit-of-work-per-request session.

Services receive a ``Session`` and only ``flush``; the request's end commits once (or rolls back on error or on a 4xx/5xx
response). CLI commands and workers use ``Database.transaction()`` and commit explicitly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import enum

from sqlalchemy import Connection, DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Stable constraint names make Alembic migrations reviewable and portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values; we re-attach UTC on the way out)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use pix_lti.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def str_enum(enum_cls: type[enum.Enum], name: str, *, length: int = 16) -> Enum:
    """A Python enum stored by value as VARCHAR + CHECK constraint, not a native PostgreSQL enum: adding a value later is
    a simple migration."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _configure_sqlite(engine: Engine) -> None:
    """pysqlite opens transactions lazily and breaks SAVEPOINTs; take control of BEGIN ourselves (SQLAlchemy docs recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # health checks and other autocommit reads take no lock
        # IMMEDIATE takes the write lock up front: a read-then-write transaction (submitting an answer) cannot fail
        # on a stale WAL snapshot when another worker wrote meanwhile; it waits (busy_timeout) instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 5, connect_timeout: int = 5, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": connect_timeout})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args={"connect_timeout": connect_timeout},
    )
    _ping_idle_connections(engine)
    return engine


IDLE_PING_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Pre-ping only the connections that sat idle in the pool (``pool_pre_ping`` pings on every checkout: one more
    round trip per request). A connection in steady use is not pinged; if the server went away meanwhile, the
    statement's disconnect error makes SQLAlchemy invalidate the whole pool, so only that request fails and the next
    ones reconnect ("optimistic" handling). An idle connection (a database restarted during a quiet night) is pinged
    and replaced before use, as with pre-ping; ``pool_recycle`` bounds a connection's age anyway."""
    from sqlalchemy import exc

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["pix_lti_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get("pix_lti_checked_in")
        if checked_in is None or time.monotonic() - checked_in < IDLE_PING_SECONDS:
            return  # new connection, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool invalidates this connection and checks out another (3 attempts)
            raise exc.DisconnectionError(f"idle connection failed its ping: {error.__class__.__name__}") from error


class Database:
    """An engine and its session factory. Tests rebind the factory to one connection to roll each test back."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.session_factory: sessionmaker[Session] = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, **kw: Any) -> Database:
        return cls(make_engine(url, **kw))

    def bind_to(self, connection: Connection) -> None:
        """Make every session join ``connection``'s outer transaction through savepoints (tests only)."""
        self.session_factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    def unbind(self) -> None:
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    def reader_session(self) -> Session:
        """A session for reads after a request's unit of work is over: autocommit, so it holds no transaction (and on
        SQLite no write lock) while the response is finished. Under tests' connection binding, the bound factory."""
        bind = self.session_factory.kw.get("bind")
        if isinstance(bind, Engine):
            return Session(bind=bind.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
        return self.session_factory()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back otherwise (CLI, workers, side writes)."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise if the database cannot answer ``SELECT 1``."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("SELECT 1")


# ---------------------------------------------------------------------------------------------------------------------
# Request scope (Flask). Imported lazily so that pure modules can use ``Base`` without Flask.


def get_db() -> Session:
    """The current request's session, opened on first use. After the request's commit point (headers, logging), reads
    get an autocommit session instead: nothing written then could be committed anyway."""
    from flask import current_app, g

    session: Session | None = g.get("_db_session")
    if session is None:
        database: Database = current_app.extensions["pix_lti.db"]
        session = database.reader_session() if g.get("_db_finished") else database.session_factory()
        g._db_session = session
    return session


def keep_changes_on_error() -> None:
    """Commit this request's changes even if the response is an error (e.g. counting a failed login)."""
    from flask import g

    g._db_commit_on_error = True


def request_session_in_transaction() -> Session | None:
    """The current request's session if it has a transaction open (so that side writes can join it), else None."""
    from flask import g, has_request_context

    if not has_request_context() or g.get("_db_finished"):
        return None
    session: Session | None = g.get("_db_session")
    return session if session is not None and session.in_transaction() else None


def init_request_scope(app: Any, database: Database) -> None:
    """Open a session per request on first use and close it at teardown. The commit is installed separately, last, by
    ``install_unit_of_work_commit`` so that it runs before every other after-request handler."""
    from flask import g

    app.extensions["pix_lti.db"] = database

    @app.after_request
    def _close_late_reader(response: Any) -> Any:
        # Registered first, so it runs last among after-request handlers: a session opened after the commit point (for
        # reads while finishing the response) ends here, before the web session is saved.
        if g.get("_db_finished"):
            session: Session | None = g.pop("_db_session", None)
            if session is not None:
                session.close()
        return response

    @app.teardown_request
    def _close_unit_of_work(exc: BaseException | None) -> None:
        session: Session | None = g.pop("_db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def install_unit_of_work_commit(app: Any) -> None:
    """Register the request's single commit point. Flask runs after-request handlers in reverse order of registration:
    registered last, this one runs first, so the transaction (and SQLite's write lock) ends before headers, logging or
    session saving touch the database again."""
    from flask import Response, g

    @app.after_request
    def _commit_unit_of_work(response: Response) -> Response:
        session: Session | None = g.pop("_db_session", None)
        g._db_finished = True  # from here on, get_db() gives lock-free reads and side writes stand alone
        if session is not None:
            try:
                if response.status_code < 400 or g.get("_db_commit_on_error"):
                    session.commit()  # a failure here propagates and becomes a 500 page, nothing half-written
                else:
                    session.rollback()
            finally:
                session.close()
        return response
