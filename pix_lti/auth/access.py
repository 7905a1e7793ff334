"""The current user (from the session) and the decorators views use to require a login or a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for

from pix_lti.db import get_db
from pix_lti.identity.models import User

F = TypeVar("F", bound=Callable[..., Any])
SESSION_USER_KEY = "user_id"


def current_user() -> User | None:
    if "_current_user" not in g:
        user_id = session.get(SESSION_USER_KEY)
        g._current_user = get_db().get(User, user_id) if isinstance(user_id, int) else None
    return g._current_user


def log_in(user: User) -> None:
    """Bind ``user`` to a fresh session id (against session fixation), keeping the chosen language."""
    locale = session.get("locale")
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    session[SESSION_USER_KEY] = user.id
    if locale:
        session["locale"] = locale
    g._current_user = user


def log_out() -> None:
    locale = session.get("locale")
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    if locale:
        session["locale"] = locale
    g._current_user = None


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Platform administrators only (school IT / operators): 403 for other logged-in people."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def init_current_user(app: Flask) -> None:
    @app.context_processor
    def _user_context() -> dict[str, Any]:
        return {"current_user": current_user()}
