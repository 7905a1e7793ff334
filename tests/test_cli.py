from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from pix_lti.demo import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_UAI
from pix_lti.identity.models import Membership, Organisation, User


def counts(app: Flask) -> tuple[int, int, int]:
    with app.extensions["pix_lti.db"].transaction() as session:
        return (session.scalar(select(func.count()).select_from(User)),
                session.scalar(select(func.count()).select_from(Organisation)),
                session.scalar(select(func.count()).select_from(Membership)))


def test_demo_load_is_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    after_first = counts(app)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert counts(app) == after_first
    assert after_first[0] >= len(DEMO_PEOPLE)
    assert DEMO_UAI in first.output and DEMO_PASSWORD in first.output and "lea.martin0512" in first.output
    assert "http://127.0.0.1:5000/" in first.output


def test_demo_accounts_can_log_in(app: Flask, runner: FlaskCliRunner) -> None:
    from tests.helpers import login

    runner.invoke(args=["demo", "load"])
    client = app.test_client()
    assert login(client, "lea.martin0512", DEMO_PASSWORD).status_code == 303


def test_config_check_reports_problems(runner: FlaskCliRunner, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PIX_LTI_PROXY_FIX", "lots")
    result = runner.invoke(args=["config", "check"])
    assert result.exit_code != 0 and "PIX_LTI_PROXY_FIX: expected an integer" in result.output


def test_config_table_lists_settings(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["config", "table"])
    assert result.exit_code == 0 and "| `PIX_LTI_SECRET_KEY` |" in result.output


def test_console_script_refuses_bad_configuration(tmp_path) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys

    env = {**os.environ, "PIX_LTI_ENV": "production"}
    result = subprocess.run([sys.executable, "-c", "from pix_lti.cli import main; main()", "db", "current"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "PIX_LTI_SECRET_KEY: production refuses the default secret key" in result.stderr
    assert "Traceback" not in result.stderr


def test_kv_purge_deletes_expired_entries(app: Flask, runner: FlaskCliRunner) -> None:
    from datetime import timedelta

    from pix_lti.db import utcnow
    from pix_lti.kvstore import KeyValueEntry

    with app.extensions["pix_lti.db"].transaction() as session:
        session.add(KeyValueEntry(key="old", value="", counter=0, expires_at=utcnow() - timedelta(seconds=1)))
        session.add(KeyValueEntry(key="live", value="", counter=0, expires_at=utcnow() + timedelta(hours=1)))
    result = runner.invoke(args=["kv", "purge"])
    assert result.exit_code == 0 and "1 expired entries deleted." in result.output
    with app.extensions["pix_lti.db"].transaction() as session:
        assert session.get(KeyValueEntry, "live") is not None and session.get(KeyValueEntry, "old") is None
