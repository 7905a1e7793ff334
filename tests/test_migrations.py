"""Migrations upgrade and downgrade on a fresh database, and match the models (what ``alembic check`` verifies)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from pix_lti.cli import _alembic_config, run_migrations
from pix_lti.db import make_engine
from pix_lti.models import metadata
from tests.conftest import drop_postgres_database, new_database_url


@pytest.fixture
def empty_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = new_database_url(tmp_path_factory, prefix="pix_lti_migrations")
    yield url
    if url.startswith("postgresql"):
        drop_postgres_database(url)


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    run_migrations(empty_database_url)
    assert table_names(empty_database_url) == set(metadata.tables)
    command.downgrade(_alembic_config(empty_database_url), "base")
    assert table_names(empty_database_url) == set()
    run_migrations(empty_database_url)
    assert table_names(empty_database_url) == set(metadata.tables)


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_single_head() -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(_alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
