"""One unit of work per request: the request's end commits once, or rolls back on an error response or exception."""

from __future__ import annotations

import pytest
from flask import Flask, abort
from sqlalchemy import func, select

from pix_lti.db import get_db, keep_changes_on_error
from pix_lti.identity.models import Organisation, OrganisationType


@pytest.fixture
def uow_app(app: Flask) -> Flask:
    def add(name: str) -> None:
        get_db().add(Organisation(name=name, type=OrganisationType.PRO))
        get_db().flush()

    @app.post("/_test/ok")
    def ok() -> str:
        add("committed")
        return "ok"

    @app.post("/_test/refused")
    def refused() -> str:
        add("refused")
        abort(422)

    @app.post("/_test/crash")
    def crash() -> str:
        add("crashed")
        raise RuntimeError("boom")

    @app.post("/_test/audited")
    def audited() -> str:
        add("audited")
        keep_changes_on_error()
        abort(429)

    app.config["WTF_CSRF_ENABLED"] = False  # these test-only routes have no form
    return app


def count(app: Flask, name: str) -> int:
    with app.extensions["pix_lti.db"].transaction() as session:
        return session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name == name))


@pytest.mark.parametrize(("path", "status", "name", "kept"), [
    ("/_test/ok", 200, "committed", 1),
    ("/_test/refused", 422, "refused", 0),
    ("/_test/crash", 500, "crashed", 0),
    ("/_test/audited", 429, "audited", 1),
])
def test_request_commits_once_or_rolls_back(uow_app: Flask, path: str, status: int, name: str, kept: int) -> None:
    assert uow_app.test_client().post(path).status_code == status
    assert count(uow_app, name) == kept


def test_side_writes_join_the_request_instead_of_waiting_for_its_lock(tmp_path) -> None:  # noqa: ANN001
    """Real connections (no shared test connection): during a request that already holds the database (SQLite's write
    lock), a rate-limit count must not open a second connection that would wait for that lock until it times out."""
    import time

    from pix_lti.app import create_app
    from pix_lti.cli import run_migrations
    from pix_lti.db import Database
    from tests.conftest import TEST_SECRET
    from tests.factories import make_user
    from tests.helpers import login, submit_form

    url = f"sqlite:///{tmp_path / 'real.sqlite3'}"
    run_migrations(url)
    database = Database.from_url(url)
    app = create_app({"env": "testing", "secret_key": TEST_SECRET, "database_url": url,
                      "instance_dir": str(tmp_path), "log_level": "ERROR"}, database=database)
    with database.transaction() as session:
        make_user(session, username="real.user", password="first-password-123")
    client = app.test_client()
    assert login(client, "real.user", "first-password-123").status_code == 303
    started = time.monotonic()
    # current_user() opens the request's transaction, then a wrong current password is counted by the rate limiter.
    response = submit_form(client, "/compte/mot-de-passe", {"current_password": "wrong-password-000",
                                                             "new_password": "a-new-password-456",
                                                             "confirm_password": "a-new-password-456"})
    assert response.status_code == 422
    assert time.monotonic() - started < 5  # the old design waited 10 s for the lock, then failed with a 500
    database.engine.dispose()
