"""The ``pix-lti`` command (also ``flask --app pix_lti.app``): database, demo data, server, configuration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _alembic_config(database_url: str):  # noqa: ANN202 - alembic's Config
    from alembic.config import Config

    ini = PROJECT_ROOT / "alembic.ini"
    config = Config(str(ini)) if ini.exists() else Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def run_migrations(database_url: str, revision: str = "head") -> None:
    from alembic import command

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(database_url), revision)


@click.group("db", help="Database schema (Alembic migrations).")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    url = current_app.config["PIX_SETTINGS"].resolved_database_url
    run_migrations(url, revision)
    click.echo(f"Database at revision {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. -1, base)."""
    from alembic import command

    command.downgrade(_alembic_config(current_app.config["PIX_SETTINGS"].resolved_database_url), revision)
    click.echo(f"Database at revision {revision}.")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the database's current revision."""
    from alembic import command

    command.current(_alembic_config(current_app.config["PIX_SETTINGS"].resolved_database_url), verbose=False)


@click.group("demo", help="Demonstration data.")
def demo_group() -> None:
    pass


@demo_group.command("load")
@with_appcontext
def demo_load() -> None:
    """Create (idempotently) the demo school, accounts and content, and print what to open."""
    from pix_lti.demo import load_demo, print_demo_summary

    settings = current_app.config["PIX_SETTINGS"]
    if settings.is_production:
        raise click.ClickException("demo data (with known passwords) is refused in production")
    summary = load_demo(current_app)
    print_demo_summary(summary, settings.public_url)


@click.command("serve")
@click.option("--bind", default=None, help="Address to listen on (default: from PIX_LTI_PUBLIC_URL's port, on 127.0.0.1).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: 2 × CPU + 1).")
def serve(bind: str | None, workers: int | None) -> None:
    """Run the service under gunicorn with the configuration in config/gunicorn.conf.py."""
    args = [sys.executable, "-m", "gunicorn", "--config", str(PROJECT_ROOT / "config" / "gunicorn.conf.py")]
    if bind:
        args += ["--bind", bind]
    if workers:
        args += ["--workers", str(workers)]
    args.append("pix_lti.wsgi:app")
    os.execvp(args[0], args)


@click.group("config", help="Configuration.")
def config_group() -> None:
    pass


@config_group.command("check")
def config_check() -> None:
    """Validate the configuration (environment and PIX_LTI_CONFIG file) and exit non-zero on problems."""
    from pix_lti.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Configuration valid (env={settings.env}, database={settings.resolved_database_url.split('@')[-1]}).")


@config_group.command("table")
def config_table() -> None:
    """Print the settings as a Markdown table (used in the README)."""
    from pix_lti.settings import settings_table

    click.echo("| Variable | Default | Meaning |\n|---|---|---|")
    for name, default, doc in settings_table():
        click.echo(f"| `{name}` | `{default}` | {doc} |")


@click.group("kv", help="The shared short-lived store (sessions, nonces, rate limits).")
def kv_group() -> None:
    pass


@kv_group.command("purge")
@with_appcontext
def kv_purge() -> None:
    """Delete expired entries of the database-backed store (Redis expires its keys by itself). Run it daily."""
    from pix_lti.kvstore import SqlStore

    store = current_app.extensions["pix_lti.kv"]
    if not isinstance(store, SqlStore):
        click.echo("The store is Redis: keys expire by themselves.")
        return
    click.echo(f"{store.purge_expired()} expired entries deleted.")


@click.group("i18n", help="Translations.")
def i18n_group() -> None:
    pass


@i18n_group.command("compile")
def i18n_compile() -> None:
    """Compile the .po catalogues into .mo files."""
    from pix_lti.web.i18n import compile_translations

    for path in compile_translations():
        click.echo(f"compiled {path}")


def register_commands(app: Flask) -> None:
    for command in (db_group, demo_group, serve, config_group, kv_group, i18n_group):
        app.cli.add_command(command)


def _create_app_for_cli() -> Flask:
    from pix_lti.app import create_app
    from pix_lti.settings import SettingsError

    try:
        return create_app()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def main() -> None:
    cli = FlaskGroup(create_app=_create_app_for_cli, add_default_commands=True, add_version_option=False,
                     help="pix_lti: digital-skills assessment service.")
    cli.main(prog_name="pix-lti")
