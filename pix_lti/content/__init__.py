"""Content: the référentiel (areas, competences, tubes, skills), the challenge bank and tutorials.

Reading and validating a pack (``reader``, ``rules``) needs neither Flask nor the database, so the
package root stays import-light; ``init_app`` wires the admin browser, the media route, the
template helpers and the CLI into the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.content.cli import content_group
    from pix_lti.content.templating import init_templating
    from pix_lti.content.views import admin_bp, media_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(media_bp)
    init_templating(app)
    app.cli.add_command(content_group)
