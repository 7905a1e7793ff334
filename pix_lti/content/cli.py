"""``content`` commands: ``validate`` (no database), ``load`` and ``import-pix`` (need the app's database).

They are registered on the application CLI (``pix-lti content …``) by :func:`pix_lti.content.init_app`,
and also runnable as ``python -m pix_lti.content …`` (``validate`` then needs no configuration at all).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from pix_lti.content.issues import Report
from pix_lti.content.schema import Issue, PackError


def print_issues(issues: list[Issue], *, show_warnings: bool = True, as_json: bool = False) -> None:
    shown = [i for i in issues if show_warnings or i.severity == "error"]
    if as_json:
        click.echo(json.dumps([
            {"file": i.file, "line": i.line, "entry": i.entry, "field": i.field, "reason": i.reason,
             "severity": i.severity} for i in shown
        ], ensure_ascii=False, indent=2))
        return
    for issue in shown:
        click.echo(str(issue), err=issue.severity == "error")


@click.group("content", help="Content packs: validate, load, import a Pix release.")
def content_group() -> None:
    pass


@content_group.command("validate")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--warnings/--no-warnings", "show_warnings", default=True, help="Also list warnings.")
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def validate_command(path: Path, show_warnings: bool, as_json: bool) -> None:
    """Validate the content pack in PATH (no database needed); exit status 1 when it has errors."""
    from pix_lti.content.reader import read_pack

    pack, report = read_pack(path)
    print_issues(report.issues, show_warnings=show_warnings, as_json=as_json)
    if not as_json:
        _summary(str(path), pack.counts() if pack else None, report)
    sys.exit(1 if report.errors else 0)


def _summary(label: str, counts: dict[str, int] | None, report: Report) -> None:
    text = ", ".join(f"{v} {k}" for k, v in counts.items()) if counts else "unreadable"
    click.echo(f"{label}: {text}; {len(report.errors)} error(s), {len(report.warnings)} warning(s)")


@content_group.command("load")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Re-synchronise even when the content did not change.")
@with_appcontext
def load_command(path: Path, force: bool) -> None:
    """Validate then load the pack in PATH into the database (idempotent)."""
    from pix_lti.content.loader import load_pack_folder

    database = current_app.extensions["pix_lti.db"]
    try:
        with database.transaction() as session:
            result = load_pack_folder(session, path, force=force)
    except PackError as exc:
        print_issues(exc.issues, show_warnings=False)
        raise click.ClickException(f"{path}: not loaded, {len([i for i in exc.issues if i.severity == 'error'])} "
                                   "error(s); run `content validate` for details") from None
    click.echo(result.describe())


@content_group.command("import-pix")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pack-key", default="pix", show_default=True, help="Key under which the release is stored.")
@click.option("--force", is_flag=True, help="Re-synchronise even when the content did not change.")
@click.option("--dry-run", is_flag=True, help="Only read and check the file.")
@with_appcontext
def import_pix_command(file: Path, pack_key: str, force: bool, dry_run: bool) -> None:
    """Import a Pix learning-content release JSON ({"content": {frameworks, areas, …}})."""
    from pix_lti.content.loader import load_pack_data
    from pix_lti.content.pix_import import read_pix_release

    pack, report = read_pix_release(file, pack_key=pack_key)
    print_issues(report.issues, show_warnings=True)
    _summary(str(file), pack.counts() if pack else None, report)
    if pack is None or report.errors:
        raise click.ClickException(f"{file}: not imported")
    if dry_run:
        return
    database = current_app.extensions["pix_lti.db"]
    with database.transaction() as session:
        result = load_pack_data(session, pack, pack_key=pack_key, force=force)
    click.echo(result.describe())
