"""What templates need to show a challenge, shared by the admin preview and the student journey.

- Jinja filters ``content_markdown`` / ``content_inline`` and globals ``content_media_url``,
  ``content_text`` (pick a locale from a ``{fr, en}`` map);
- :func:`challenge_body_html`: that body for the student's question page, rendered once per (version, locales);
- :func:`answer_from_form`: the answer a student submitted through ``content/_challenge_form.html``
  in the shape ``pix_lti.engine.checker.check_answer`` expects.

Field names used by the partial: QCU ``answer`` (one index), QCM ``answer`` (several indices),
QROC ``answer``, QROCM ``answer-<key>`` for each input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from pix_lti.content import caches
from pix_lti.content.models import ChallengeVersion
from pix_lti.content.rendering import render_inline, render_markdown

FIELD = "answer"


def media_url(ref: Mapping[str, Any] | None, download: bool = False) -> str | None:
    """URL of an illustration/attachment: our media route for pack files, the source URL for Pix ones."""
    if not ref:
        return None
    if ref.get("sha256") and ref.get("file"):
        name = str(ref["file"]).rsplit("/", 1)[-1]
        params = {"download": 1} if download else {}
        return url_for("content_media.media", sha256=ref["sha256"], filename=name, **params)
    return ref.get("url")


def localized_text(value: Mapping[str, Any] | None, locale: str) -> Any:
    """``{fr: …, en: …}`` → the text in ``locale``, else French, else any."""
    if not value:
        return ""
    if locale in value:
        return value[locale]
    return value.get("fr", next(iter(value.values())))


def input_name(key: str, ctype: str) -> str:
    return FIELD if ctype in ("QCU", "QCM", "QROC") else f"{FIELD}-{key}"


def answer_from_form(version: ChallengeVersion, form: MultiDict[str, str]) -> Any:
    """The submitted answer for ``check_answer``: str (QCU, QROC), list of str (QCM), dict (QROCM)."""
    if version.type == "QCM":
        return form.getlist(FIELD)
    if version.type in ("QCU", "QROC"):
        return form.get(FIELD, "")
    return {inp["key"]: form.get(input_name(inp["key"], version.type), "") for inp in version.inputs}


def challenge_body_html(version: caches.VersionLike, locale: str) -> Markup:
    """``content/_challenge_form.html``'s ``challenge_body(version, locale)`` (empty, enabled fields) as HTML, cached
    in the app's render cache: it depends only on the immutable version, the content locale, the interface locale
    (its notices and legends) and the script root (media URLs). Nothing of the student (answers, timer, CSRF token) is
    in it; the caller's page adds those."""
    key = ("challenge_body", version.id, version.content_hash, locale, str(get_locale()), request.script_root)

    def build() -> Markup:
        macro = current_app.jinja_env.get_template("content/_challenge_form.html").module.challenge_body  # type: ignore[attr-defined]
        return Markup(macro(version, locale))

    return caches.rendered(key, build)


def init_templating(app: Flask) -> None:
    app.add_template_filter(render_markdown, "content_markdown")
    app.add_template_filter(render_inline, "content_inline")
    app.add_template_global(media_url, "content_media_url")
    app.add_template_global(localized_text, "content_text")
    app.add_template_global(input_name, "content_input_name")
