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
    from pix_lti.demo import register_demo_loader

    register_demo_loader(app, _load_demo_content)


DEMO_PACK_KEY = "crcn-demo"


def _load_demo_content(session: object, summary: object) -> None:
    """``demo load``: the open demo pack (idempotent: an unchanged pack is a no-op)."""
    from pathlib import Path

    from flask import current_app

    from pix_lti.content.loader import load_pack_folder

    path = Path(current_app.config["PIX_SETTINGS"].content_dir) / DEMO_PACK_KEY
    result = load_pack_folder(session, path)  # type: ignore[arg-type]
    state = "unchanged" if result.unchanged else f"loaded, {result.new_versions} new challenge versions"
    summary.lines.append(f"Demo content: pack {DEMO_PACK_KEY} ({state})")  # type: ignore[attr-defined]
    summary.urls.append(("/admin/content/", "content browser (platform admin)"))  # type: ignore[attr-defined]
