"""First-login password change: a person whose account has ``must_change_password`` (a class account created with a
temporary password) reaches no page but the change page until they have chosen their own password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pix_lti.auth.access import current_user
from pix_lti.web.errors import wants_json

F = TypeVar("F", bound=Callable[..., Any])

# Reachable while the change is pending: the change page itself, leaving, choosing a language, static files, health.
EXEMPT_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "i18n.switch_locale", "health.healthz", "static"})
_EXEMPT_ATTRIBUTE = "_pix_allowed_before_password_change"


def allowed_before_password_change(view: F) -> F:
    """Mark a view as reachable while a password change is pending, e.g. an LTI launch or SAML assertion endpoint that
    logs another person in (redirecting it would lose the launch)."""
    setattr(view, _EXEMPT_ATTRIBUTE, True)
    return view


def _is_exempt(endpoint: str) -> bool:
    if endpoint in EXEMPT_ENDPOINTS or endpoint.endswith(".static"):  # blueprints' own static folders too
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, _EXEMPT_ATTRIBUTE, False))


def require_password_change() -> ResponseReturnValue | None:
    """The ``before_request`` hook: None lets the request through, otherwise the redirect (or 403 for JSON clients)."""
    endpoint = request.endpoint
    if endpoint is None or _is_exempt(endpoint):  # None: no route matched, let the 404/405 page answer
        return None
    user = current_user()
    if user is None or not user.must_change_password:
        return None
    if wants_json():
        abort(403, description=_("Vous devez d'abord changer votre mot de passe."))
    # Come back to the page that was asked for (only for GET: a POST's data cannot be replayed after a redirect).
    target = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
    return redirect(url_for("auth.change_password", next=target), code=303)
