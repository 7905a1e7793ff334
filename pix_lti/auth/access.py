"""The current user (from the session) and the decorators views use to require a login or a role."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from sqlalchemy import ColumnElement, bindparam, exists, select

from pix_lti.db import get_db
from pix_lti.identity.models import Membership, MembershipRole, User

F = TypeVar("F", bound=Callable[..., Any])
SESSION_USER_KEY = "user_id"
SESSION_STAMP_KEY = "credentials_stamp"


def credentials_stamp(user: User) -> str:
    """A keyed digest of the password hash, kept in the session at login. A password change alters it, so the sessions
    opened before the change (another device, a forgotten school computer) stop being valid."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:32]


def _orga_member(user_id: Any) -> ColumnElement[bool]:
    """Whether the person is an active Orga member (référent or teacher) of some organisation: the "Orga" link."""
    m = Membership.__table__.c
    return exists().where(m.user_id == user_id, m.role.in_([MembershipRole.ADMIN, MembershipRole.MEMBER]),
                          m.disabled_at.is_(None))


# One statement gives the person and the navigation's "Orga" flag (every page showing the navigation needs it; loading
# ``user.memberships`` for it was one more query per page). Built once: every request runs it.
_CURRENT_USER = select(User, _orga_member(User.id)).where(User.id == bindparam("user_id"))


def current_user() -> User | None:
    if "_current_user" not in g:
        user_id = session.get(SESSION_USER_KEY)
        user = None
        if isinstance(user_id, int):
            row = get_db().execute(_CURRENT_USER, {"user_id": user_id}).first()
            if row is not None:
                user, g._orga_navigation = row[0], bool(row[1])
        stamp = session.get(SESSION_STAMP_KEY)
        # Every login path stores the stamp (log_in); a mismatch means the password changed since: end this session.
        if user is not None and stamp is not None and not hmac.compare_digest(str(stamp), credentials_stamp(user)):
            _fresh_session()
            user = None
        g._current_user = user
    return g._current_user


def shows_orga_navigation() -> bool:
    """The navigation's "Orga" link: computed with the current user, or here once (after a login in this request)."""
    user = current_user()
    if user is None:
        return False
    if "_orga_navigation" not in g:
        g._orga_navigation = bool(get_db().scalar(select(_orga_member(user.id))))
    return bool(g._orga_navigation)


def _fresh_session() -> None:
    """Empty the session under a new id (against session fixation), keeping only the chosen language."""
    locale = session.get("locale")
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    if locale:
        session["locale"] = locale


def log_in(user: User) -> None:
    """Bind ``user`` to a fresh session id (against session fixation), keeping the chosen language."""
    _fresh_session()
    session[SESSION_USER_KEY] = user.id
    session[SESSION_STAMP_KEY] = credentials_stamp(user)
    g._current_user = user
    g.pop("_orga_navigation", None)


def refresh_login(user: User) -> None:
    """After a password change: a new session id and stamp for this session (its other data, e.g. an LTI launch
    context, is kept); the user's other sessions no longer match the stamp and end at their next request."""
    session.regenerate()  # type: ignore[attr-defined]
    session[SESSION_USER_KEY] = user.id
    session[SESSION_STAMP_KEY] = credentials_stamp(user)
    g._current_user = user
    g.pop("_orga_navigation", None)


def log_out() -> None:
    _fresh_session()
    g._current_user = None
    g.pop("_orga_navigation", None)


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
        return {"current_user": current_user(), "shows_orga_navigation": shows_orga_navigation}
