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
