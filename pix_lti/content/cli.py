"""``content`` commands: ``validate`` (no database), ``load`` and ``import-pix`` (need the app's database).

They are registered on the Flask CLI (``pix_lti content …`` / ``flask content …``) by
:func:`pix_lti.content.init_app`, and also runnable as ``python -m pix_lti.content …``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pix_lti.content.issues import Report
from pix_lti.content.reader import read_pack


def print_report(report: Report, *, show_warnings: bool, as_json: bool) -> None:
    issues = report.issues if show_warnings else report.errors
    if as_json:
        click.echo(json.dumps([
            {"file": i.file, "line": i.line, "entry": i.entry, "field": i.field, "reason": i.reason,
             "severity": i.severity} for i in issues
        ], ensure_ascii=False, indent=2))
        return
    for issue in issues:
        click.echo(str(issue), err=issue.severity == "error")


@click.command("validate")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--warnings/--no-warnings", "show_warnings", default=True, help="Also list warnings.")
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def validate_command(path: Path, show_warnings: bool, as_json: bool) -> None:
    """Validate the content pack in PATH; exit status 1 when it has errors."""
    pack, report = read_pack(path)
    print_report(report, show_warnings=show_warnings, as_json=as_json)
    if not as_json:
        counts = ", ".join(f"{v} {k}" for k, v in pack.counts().items()) if pack else "unreadable"
        click.echo(f"{path}: {counts}; {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    sys.exit(1 if report.errors else 0)
