"""Thin pylti1p3 adapters: a tool configuration read from the database, launch data / state / nonces in the shared
store (Redis or database — never process memory), cookies set on the Flask response, HTTP with a User-Agent and
timeouts, and a service connector whose access tokens are cached in the shared store."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import requests
from flask import Response, current_app, redirect, request
from pylti1p3.cookie import CookieService
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiServiceException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.registration import Registration
from pylti1p3.request import Request
from pylti1p3.service_connector import ServiceConnector, TServiceConnectorResponse
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pix_lti.kvstore import KeyValueStore
from pix_lti.launch import keys
from pix_lti.launch.models import LtiRegistration, RegistrationStatus

log = logging.getLogger(__name__)

USER_AGENT = "pix_lti/0.1 (LTI 1.3 tool)"
HTTP_TIMEOUT = (5, 15)  # connect, read (seconds): a slow LMS must not hold a web worker or the outbox worker forever
COOKIE_PATH = "/lti/"
STATE_TTL = 10 * 60  # a login must end in a launch within 10 minutes


class TimeoutSession(requests.Session):
    """A requests session with a default timeout (pylti1p3 passes none) and a User-Agent (some Moodle refuse
    requests without one)."""

    def __init__(self, user_agent: str = USER_AGENT, timeout: Any = HTTP_TIMEOUT):
        super().__init__()
        self.headers["User-Agent"] = user_agent
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


def http_session() -> TimeoutSession:
    public_url = current_app.config["PIX_SETTINGS"].public_url
    return TimeoutSession(f"{USER_AGENT} +{public_url}")


def store() -> KeyValueStore:
    return current_app.extensions["pix_lti.kv"]


# ----- pylti1p3 request, storage, cookies -----------------------------------------------------------------------------


class ToolRequest(Request):
    """The current Flask request, as pylti1p3 sees it."""

    def __init__(self, params: dict[str, str] | None = None):
        self._params = params

    @property
    def session(self) -> Any:  # pylti1p3's default session storage is never used (see KvLaunchDataStorage)
        raise NotImplementedError("pix_lti keeps LTI state in the shared store, not in the web session")

    def get_param(self, key: str) -> str:
        if self._params is not None:
            return self._params.get(key)  # type: ignore[return-value]
        source = request.args if request.method == "GET" else request.form
        return source.get(key)  # type: ignore[return-value]

    def is_secure(self) -> bool:
        return bool(request.is_secure or current_app.config["PIX_SETTINGS"].uses_https)


class KvLaunchDataStorage(LaunchDataStorage[Any]):
    """pylti1p3 state parameters, nonces and launch data in the shared store, with expiry. Keys are not prefixed by
    a per-browser id: the browser is bound to its login by the state cookie, checked at launch."""

    _prefix = "lti1p3-"

    def __init__(self, kv: KeyValueStore, default_ttl: int = STATE_TTL):
        super().__init__()
        self._kv = kv
        self._default_ttl = default_ttl

    def get_session_cookie_name(self) -> str | None:
        return None

    def _key(self, key: str) -> str:
        return "lti:" + self._prepare_key(key)

    def get_value(self, key: str) -> Any:
        return self._kv.get_json(self._key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._kv.set_json(self._key(key), value, int(exp or self._default_ttl))

    def check_value(self, key: str) -> bool:
        return self._kv.get_json(self._key(key)) is not None

    def delete_value(self, key: str) -> None:
        self._kv.delete(self._key(key))

    def can_set_keys_expiration(self) -> bool:
        return True


class ToolCookieService(CookieService):
    """Reads the request's cookies; collects the ones to set and writes them on the response: HttpOnly, limited to
    the LTI paths, ``SameSite=None; Secure`` over HTTPS (a launch inside an LMS iframe is cross-site)."""

    def __init__(self, secure: bool):
        self._secure = secure
        self._to_set: dict[str, tuple[str, int | None]] = {}

    def _name(self, name: str) -> str:
        return f"{self._cookie_prefix}-{name}"

    def get_cookie(self, name: str) -> str | None:
        return request.cookies.get(self._name(name))

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self._to_set[self._name(name)] = (str(value), exp)

    def apply(self, response: Response) -> Response:
        for key, (value, max_age) in self._to_set.items():
            response.set_cookie(key, value, max_age=max_age, path=COOKIE_PATH, httponly=True, secure=self._secure,
                                samesite="None" if self._secure else "Lax")
        return response


def session_service(kv: KeyValueStore) -> SessionService:
    service = SessionService(ToolRequest())
    service.set_data_storage(KvLaunchDataStorage(kv))
    service.set_launch_data_lifetime(STATE_TTL)
    return service


# ----- registrations and tool configuration --------------------------------------------------------------------------


class DbRegistration(Registration):
    """A pylti1p3 registration built from an ``LtiRegistration`` row. The tool's private key is loaded only when
    something must be signed (deep-linking responses, token requests), not on every launch."""

    def __init__(self, row: LtiRegistration, signing_key: Callable[[], keys.SigningKey]):
        self.row = row
        self._signing_key = signing_key
        self._loaded: keys.SigningKey | None = None
        self.set_issuer(row.issuer).set_client_id(row.client_id).set_auth_login_url(row.auth_login_url)
        self.set_auth_token_url(row.auth_token_url).set_key_set_url(row.key_set_url).set_key_set(row.key_set)
        if row.auth_audience:
            self.set_auth_audience(row.auth_audience)

    def _key(self) -> keys.SigningKey:
        if self._loaded is None:
            self._loaded = self._signing_key()
        return self._loaded

    def get_tool_private_key(self) -> str:
        return self._key().private_pem

    def get_tool_public_key(self) -> str:
        return self._key().public_pem

    def get_kid(self) -> str:
        return self._key().kid


class DbToolConfig(ToolConfAbstract[ToolRequest]):
    """Registrations and deployments read from the database up front (``load``): pylti1p3's look-ups during the
    login and launch then cost no query, and services running outside a transaction (grades, rosters) can use it.
    Every issuer may have several client ids."""

    def __init__(self, rows: Sequence[LtiRegistration], signing_key: Callable[[], keys.SigningKey], *,
                 allow_pending: bool = False):
        self._rows = list(rows)
        self._signing_key = signing_key
        self._allow_pending = allow_pending

    @classmethod
    def load(cls, session: Session, secret_key: str, issuer: str | None, client_id: str | None = None,
             **kwargs: Any) -> DbToolConfig:
        """The registrations of ``issuer`` (one client id, or all), with their deployments and organisation."""
        query = (select(LtiRegistration).where(LtiRegistration.issuer == (issuer or ""))
                 .options(selectinload(LtiRegistration.deployments), selectinload(LtiRegistration.organisation)))
        if client_id:
            query = query.where(LtiRegistration.client_id == client_id)
        return cls(list(session.scalars(query)), lambda: keys.signing_key(session, secret_key), **kwargs)

    @classmethod
    def for_row(cls, session: Session, secret_key: str, row: LtiRegistration) -> DbToolConfig:
        return cls([row], lambda: keys.signing_key(session, secret_key))

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def registration(self, row: LtiRegistration) -> DbRegistration:
        return DbRegistration(row, self._signing_key)

    def candidate(self, iss: str, client_id: str | None) -> LtiRegistration | None:
        """Like ``registrations.find_for_login``: the exact client id, or the issuer's only registration."""
        candidates = [r for r in self._rows if r.issuer == iss and (not client_id or r.client_id == client_id)]
        return candidates[0] if len(candidates) == 1 else None

    def find_row(self, iss: str, client_id: str | None) -> LtiRegistration | None:
        """The registration launches may use (not disabled; not pending unless allowed)."""
        row = self.candidate(iss, client_id)
        if row is None or row.status is RegistrationStatus.DISABLED:
            return None
        if row.status is RegistrationStatus.PENDING and not self._allow_pending:
            return None
        return row

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> DbRegistration | None:
        return self.find_registration_by_params(iss, None)  # type: ignore[arg-type]

    def find_registration_by_params(self, iss: str, client_id: str, *args: Any,
                                    **kwargs: Any) -> DbRegistration | None:  # type: ignore[override]
        row = self.find_row(iss, client_id)
        return self.registration(row) if row is not None else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)  # type: ignore[arg-type]

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str, *args: Any,
                                  **kwargs: Any) -> Deployment | None:
        row = self.find_row(iss, client_id)
        if row is None or deployment_id not in row.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)


def release_db() -> None:
    """End the request's database transaction (committing what it did) before slow remote calls (a roster read page
    by page), so that no lock is held meanwhile — on SQLite every transaction holds the write lock. Call it only
    where the request's work so far is final. (Shared-store calls need no release: they join the request's
    transaction.)"""
    from flask import g

    session = g.get("_db_session")
    if session is not None and session.in_transaction():
        session.commit()


# ----- OIDC login ---------------------------------------------------------------------------------------------------


class FlaskRedirect(Redirect[Response]):
    def __init__(self, location: str, cookies: ToolCookieService):
        self._location = location
        self._cookies = cookies

    def do_redirect(self) -> Response:
        return self._cookies.apply(redirect(self._location, code=302))

    def do_js_redirect(self) -> Response:  # never used: a plain redirect works in iframes and needs no script
        return self.do_redirect()

    def set_redirect_url(self, location: str) -> None:
        self._location = location

    def get_redirect_url(self) -> str:
        return self._location


class ToolOIDCLogin(OIDCLogin[ToolRequest, DbToolConfig, SessionService, ToolCookieService, Response]):
    """pylti1p3's login initiation; the nonce it generates is also saved with the state parameters, so the launch can
    check that the token's nonce is the one issued for this very login."""

    def get_redirect(self, url: str) -> FlaskRedirect:
        return FlaskRedirect(url, self._cookie_service)

    def _generate_nonce(self) -> str:
        nonce = super()._generate_nonce()
        self._state_params = {**self._state_params, "nonce": nonce}
        return nonce

    def get_registration(self) -> DbRegistration:
        return self._registration  # type: ignore[return-value]


# ----- services (AGS, NRPS) -----------------------------------------------------------------------------------------

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*"?([^";]*)"?""", re.IGNORECASE)


def next_link(headers: Any) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header, with its case preserved (pylti1p3 lowercases the whole header,
    which breaks platforms whose paging URLs contain capitals or case-sensitive tokens)."""
    value = ""
    for name, header in dict(headers or {}).items():
        if name.lower() == "link":
            value = header
    for match in _LINK.finditer(value.replace("\n", " ")):
        rel = _REL.search(match.group(2) or "")
        if rel and "next" in rel.group(1).lower().split():
            return match.group(1).strip()
    return None


class TokenAwareSession(TimeoutSession):
    """Remembers the ``expires_in`` of the last OAuth2 token response (pylti1p3 keeps only the token itself)."""

    last_expires_in: int | None = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().request(method, url, *args, **kwargs)
        data = kwargs.get("data")
        if isinstance(data, dict) and data.get("grant_type") == "client_credentials" and response.ok:
            try:
                self.last_expires_in = int(response.json().get("expires_in") or 3600)
            except (ValueError, AttributeError, TypeError):
                self.last_expires_in = None
        return response


class ToolServiceConnector(ServiceConnector):
    """Access tokens cached in the shared store (every worker and the outbox reuse them until shortly before they
    expire) and dropped when the platform answers 401; paging URLs keep their case."""

    def __init__(self, registration: DbRegistration, kv: KeyValueStore, session: TokenAwareSession | None = None):
        self._http = session or TokenAwareSession()
        super().__init__(registration, self._http)
        self._kv = kv
        self.token_requests = 0  # how many tokens this connector had to ask for (observability, tests)

    def _token_key(self, scopes: Sequence[str]) -> str:
        registration = self._registration
        raw = "|".join([registration.get_issuer() or "", registration.get_client_id() or "", *sorted(scopes)])
        return "lti:token:" + hashlib.sha256(raw.encode()).hexdigest()[:40]

    def get_access_token(self, scopes: Sequence[str]) -> str:
        key = self._token_key(scopes)
        cached = self._kv.get_json(key)
        if isinstance(cached, str) and cached:
            return cached
        self._access_tokens.clear()  # the parent's per-instance cache must not bypass the shared one
        self.token_requests += 1
        token = super().get_access_token(scopes)
        # Reuse until a minute before expiry (at most an hour, whatever the platform says).
        ttl = max(30, min(self._http.last_expires_in or 3600, 3600) - 60)
        self._kv.set_json(key, token, ttl)
        return token

    def forget_token(self, scopes: Sequence[str]) -> None:
        self._kv.delete(self._token_key(scopes))
        self._access_tokens.clear()

    def make_service_request(self, scopes: Sequence[str], url: str, is_post: bool = False, data: str | None = None,
                             content_type: str = "application/json", accept: str = "application/json",
                             case_insensitive_headers: bool = False) -> TServiceConnectorResponse:
        try:
            result = super().make_service_request(scopes, url, is_post=is_post, data=data, content_type=content_type,
                                                  accept=accept, case_insensitive_headers=False)
        except LtiServiceException as exc:
            if exc.response is not None and exc.response.status_code == 401:
                self.forget_token(scopes)  # expired or revoked early: the next attempt asks for a new one
            raise
        result["next_page_url"] = next_link(result["headers"])
        return result


def service_connector(registration: DbRegistration, kv: KeyValueStore) -> ToolServiceConnector:
    """A connector for AGS/NRPS calls, with our User-Agent and timeouts."""
    public_url = current_app.config["PIX_SETTINGS"].public_url
    return ToolServiceConnector(registration, kv, TokenAwareSession(f"{USER_AGENT} +{public_url}"))
