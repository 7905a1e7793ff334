"""Server-side sessions: the cookie holds only a random id; the data lives in Redis or the database, so any worker on
any host serves any request. Cookies are ``SameSite=None; Secure`` over HTTPS so that launches work inside LMS/ENT iframes."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from pix_lti.kvstore import KeyValueStore

_SID = re.compile(r"^[A-Za-z0-9_-]{43}$")
_EXPIRY_KEY = "_exp"


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None, new: bool = False):
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid or _new_sid()
        self.new = new
        self.modified = False
        self.previous_sid: str | None = None

    def regenerate(self) -> None:
        """Give the session a new id (at login, against fixation); the old id is deleted when the session is saved."""
        if self.previous_sid is None and not self.new:
            self.previous_sid = self.sid
        self.sid = _new_sid()
        self.modified = True


def _new_sid() -> str:
    return secrets.token_urlsafe(32)


def _storage_key(sid: str) -> str:
    # Store a hash of the id: a leaked store dump does not give usable cookies.
    return "session:" + hashlib.sha256(sid.encode()).hexdigest()


class ServerSessionInterface(SessionInterface):
    def __init__(self, store: KeyValueStore, lifetime_seconds: int):
        self.store = store
        self.lifetime = lifetime_seconds

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and _SID.match(sid):
            data = self.store.get_json(_storage_key(sid))
            if isinstance(data, dict):
                return ServerSession(data, sid=sid)
        return ServerSession(new=True)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.previous_sid:
            self.store.delete(_storage_key(session.previous_sid))
        if not session:
            if not session.new:
                self.store.delete(_storage_key(session.sid))
                response.delete_cookie(name, domain=domain, path=path)
            return
        now = int(time.time())
        expires_at = int(session.get(_EXPIRY_KEY, 0))
        # Sliding expiry without a write on every request: refresh once less than half the lifetime is left.
        needs_refresh = expires_at - now < self.lifetime // 2
        if not (session.modified or needs_refresh):
            return
        data = dict(session)
        data[_EXPIRY_KEY] = now + self.lifetime
        self.store.set_json(_storage_key(session.sid), data, self.lifetime)
        response.set_cookie(
            name,
            session.sid,
            max_age=self.lifetime,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=domain,
            path=path,
        )
        response.vary.add("Cookie")
