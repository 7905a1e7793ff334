"""Content: the référentiel (areas, competences, tubes, skills), the challenge bank and tutorials.

Reading and validating a pack (``reader``, ``rules``) needs neither Flask nor the database, so the
package root stays import-light; ``init_app`` wires the admin browser and the CLI into the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.content.cli import content_group

    app.cli.add_command(content_group)
