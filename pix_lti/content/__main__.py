"""``python -m pix_lti.content validate PATH``: usable by content authors without a database or the app."""

from __future__ import annotations

import click

from pix_lti.content.cli import validate_command


@click.group()
def main() -> None:
    """Content pack tools."""


main.add_command(validate_command)

if __name__ == "__main__":
    main()
