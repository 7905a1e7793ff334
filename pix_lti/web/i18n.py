"""French first, English too. The visitor's choice (session) wins, then the browser's languages, then the default."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import Babel

from pix_lti.web.security import safe_next_url

LOCALES = ("fr", "en")
LOCALE_NAMES = {"fr": "Français", "en": "English"}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    default = current_app.config["PIX_SETTINGS"].default_locale
    return request.accept_languages.best_match(LOCALES, default=default) or default


@bp.get("/langue/<code>")
def switch_locale(code: str) -> ResponseReturnValue:
    if code in LOCALES:
        session["locale"] = code
    return redirect(safe_next_url(request.args.get("next")), code=303)


def init_i18n(app: Flask) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["PIX_SETTINGS"].default_locale)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["PIX_SETTINGS"].timezone)
    babel = Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "fr"), "locale_names": LOCALE_NAMES}

    return babel


def compile_translations() -> list[str]:
    """Compile every ``messages.po`` into ``messages.mo`` (set-up step; ``.mo`` files are build output)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    root = Path(__file__).resolve().parent.parent / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        compiled.append(str(mo_path))
    return compiled
