"""Shared fixtures: a real database (SQLite file by default, PostgreSQL with TEST_DATABASE_URL), migrated once per run with
Alembic; each test runs inside one outer transaction rolled back at the end (sessions join it through savepoints)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from pix_lti.app import create_app
from pix_lti.cli import run_migrations
from pix_lti.db import Database, make_engine
from pix_lti.web.i18n import compile_translations

TEST_SECRET = "test-secret-key-for-the-suite-only-0123456789"


def _fresh_postgres_database(base_url: str, prefix: str) -> str:
    """Create an empty database beside ``base_url`` (dropped at exit) so that runs never see each other's data."""
    url = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url_text: str) -> None:
    url = make_url(url_text)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def new_database_url(tmp_path_factory: pytest.TempPathFactory, prefix: str = "pix_lti_test") -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith("postgresql"):
        return _fresh_postgres_database(base, prefix)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session", autouse=True)
def _translations() -> None:
    compile_translations()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = new_database_url(tmp_path_factory)
    run_migrations(url)
    yield url
    if url.startswith("postgresql"):
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database.from_url(database_url)
    yield db
    db.engine.dispose()


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Change settings with ``@pytest.mark.parametrize("settings_overrides", [{...}], indirect=True)``."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def app(database: Database, database_url: str, tmp_path: Any, settings_overrides: dict[str, Any]) -> Iterator[Flask]:
    connection = database.engine.connect()
    transaction = connection.begin()
    database.bind_to(connection)
    overrides = {
        "env": "testing",
        "secret_key": TEST_SECRET,
        "database_url": database_url,
        "instance_dir": str(tmp_path),
        "log_level": "WARNING",
        **settings_overrides,
    }
    application = create_app(overrides, database=database)
    try:
        yield application
    finally:
        database.unbind()
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session inside the test's transaction (what services receive); flush freely, the test's end rolls back."""
    # No app context is held open here: Flask would reuse it (and its ``g``) for every request of the test.
    session = app.extensions["pix_lti.db"].session_factory()
    yield session
    session.close()



DEMO_PACK = "crcn-demo"


def _load_demo_pack(url: str) -> None:
    from pathlib import Path

    from sqlalchemy.orm import sessionmaker

    from pix_lti.content.loader import load_pack_folder

    database = Database.from_url(url)
    session = sessionmaker(bind=database.engine)()
    try:
        load_pack_folder(session, Path(__file__).resolve().parent.parent / "content" / DEMO_PACK)
        session.commit()
    finally:
        session.close()
        database.engine.dispose()


def use_demo_database() -> tuple[Any, Any]:
    """For a test directory's conftest: ``database_url, database = use_demo_database()`` gives its tests a database of
    their own, migrated and with the demo pack loaded once (committed), so that other tests keep an empty référentiel."""

    @pytest.fixture(scope="session", name="database_url")
    def _database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        url = new_database_url(tmp_path_factory, prefix="pix_lti_demo")
        run_migrations(url)
        _load_demo_pack(url)
        yield url
        if url.startswith("postgresql"):
            drop_postgres_database(url)

    @pytest.fixture(scope="session", name="database")
    def _database(database_url: str) -> Iterator[Database]:
        db = Database.from_url(database_url)
        yield db
        db.engine.dispose()

    return _database_url, _database


@pytest.fixture
def demo_content(database: Database) -> str:
    """The demo pack's key; the test's directory must use ``use_demo_database()`` in its conftest."""
    from sqlalchemy import select

    from pix_lti.content.models import ContentPack

    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        loaded = connection.execute(select(ContentPack.id).where(ContentPack.key == DEMO_PACK)).first()
    assert loaded, "the demo pack is not loaded: add `database_url, database = use_demo_database()` to this folder's conftest"
    return DEMO_PACK


@pytest.fixture
def redis_store() -> Any:
    """A store on the local Redis (database 15) under a prefix of its own; skipped without Redis unless in CI."""
    from pix_lti.kvstore import RedisStore

    store = RedisStore("redis://127.0.0.1:6379/15", prefix=f"pixlti-test-{uuid.uuid4().hex}:")
    try:
        store.ping()
    except Exception:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI starts it)")
    return store
