"""Content browser for platform administrators, and the public media route.

``/admin/content/…``: packs → domains and competences → tubes → skills → challenges, with a preview
of each challenge exactly as a student sees it (FR/EN, any version), and counts by level and type.
``/content/media/<sha256>/<name>``: pack media, looked up by content hash in the database (never on
the file system, so no path can escape), served as immutable.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from pix_lti.auth.access import admin_required
from pix_lti.content import queries
from pix_lti.content.charts import level_type_chart
from pix_lti.content.models import Challenge, ContentMedia, ContentPack, ContentRelease, Skill, Tube
from pix_lti.db import get_db

admin_bp = Blueprint("content_admin", __name__, url_prefix="/admin/content", template_folder="templates",
                     static_folder="static", static_url_path="/static")
media_bp = Blueprint("content_media", __name__, url_prefix="/content")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _pack_or_404(key: str) -> ContentPack:
    pack = queries.get_pack(get_db(), key)
    if pack is None:
        abort(404)
    return pack


def _latest_release(pack: ContentPack) -> ContentRelease | None:
    return pack.releases[-1] if pack.releases else None


@admin_bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    return render_template("content/admin_index.html", packs=queries.pack_summaries(get_db()))


@admin_bp.get("/<key>/")
@admin_required
def pack(key: str) -> ResponseReturnValue:
    pack = _pack_or_404(key)
    session = get_db()
    table = queries.level_type_counts(session, pack)
    return render_template(
        "content/admin_pack.html", pack=pack, release=_latest_release(pack),
        frameworks=queries.frameworks_tree(session, pack), counts=queries.competence_counts(session, pack),
        table=table, chart=level_type_chart(table, level_word=_("Niveau")),
        releases=list(reversed(pack.releases))[:20],
    )


@admin_bp.get("/<key>/competences/<code>")
@admin_required
def competence(key: str, code: str) -> ResponseReturnValue:
    pack = _pack_or_404(key)
    session = get_db()
    comp = queries.get_competence(session, pack, code)
    if comp is None:
        abort(404)
    table = queries.level_type_counts(session, pack, comp)
    tubes = queries.competence_tubes(session, comp)
    max_level = max([lvl for _tube, levels in tubes for lvl in levels] + [6])
    return render_template(
        "content/admin_competence.html", pack=pack, competence=comp, tubes=tubes,
        levels=list(range(1, max_level + 1)), table=table, chart=level_type_chart(table, level_word=_("Niveau")),
    )


@admin_bp.get("/<key>/tubes/<path:source_id>")
@admin_required
def tube(key: str, source_id: str) -> ResponseReturnValue:
    pack = _pack_or_404(key)
    row = queries.get_by_source(get_db(), Tube, pack, source_id)
    if row is None:
        abort(404)
    return render_template("content/admin_tube.html", pack=pack, tube=row)


@admin_bp.get("/<key>/skills/<path:source_id>")
@admin_required
def skill(key: str, source_id: str) -> ResponseReturnValue:
    pack = _pack_or_404(key)
    session = get_db()
    row = queries.get_by_source(session, Skill, pack, source_id)
    if row is None:
        abort(404)
    return render_template("content/admin_skill.html", pack=pack, skill=row,
                           challenges=queries.skill_challenges(session, row))


@admin_bp.get("/<key>/challenges/<path:source_id>")
@admin_required
def challenge(key: str, source_id: str) -> ResponseReturnValue:
    pack = _pack_or_404(key)
    row = queries.get_by_source(get_db(), Challenge, pack, source_id)
    if row is None:
        abort(404)
    number = request.args.get("version", type=int) or row.current_version_number
    version = next((v for v in row.versions if v.number == number), None)
    if version is None:
        abort(404)
    locale = request.args.get("locale") or version.locales[0]
    if locale not in version.locales:
        abort(404)
    return render_template("content/admin_challenge.html", pack=pack, challenge=row, version=version,
                           locale=locale, pack_locales=pack.locales)


@media_bp.get("/media/<sha256>/<filename>")
def media(sha256: str, filename: str) -> ResponseReturnValue:
    """Serve a pack file by its hash; the name must match the stored one (no guessing other names)."""
    if not _SHA256.match(sha256):
        abort(404)
    item = get_db().scalar(select(ContentMedia).where(ContentMedia.sha256 == sha256))
    if item is None or item.original_name != filename:
        abort(404)
    response = Response(item.data, mimetype=item.mime_type)
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_rfc5987(item.original_name)}"
    # Content-addressed: the bytes behind this URL never change.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    # An SVG opened directly must not run scripts in our origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _rfc5987(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
