"""Launch validation: pylti1p3's ``MessageLaunch`` with the checks it does not make (each measured as accepted by
pylti1p3 2.0.0): state bound to the browser's cookie and used once, the nonce issued for this login and used once,
RS256 only, ``exp``/``iat`` required with a maximum age and a small leeway, ``aud``/``azp``, ``target_link_uri`` equal
to the login request's, a registered deployment, version 1.3.0, a known message type and its required claims.

Platform keys are fetched with a User-Agent, cached in the shared store, and fetched again when an unknown ``kid``
arrives (LMSs rotate keys), at most once per URL every ``REFETCH_INTERVAL`` seconds.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from flask_babel import lazy_gettext as _l
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.session import SessionService

from pix_lti.kvstore import KeyValueStore
from pix_lti.launch.adapters import DbRegistration, DbToolConfig, KvLaunchDataStorage, ToolCookieService, ToolRequest
from pix_lti.launch.claims import (
    AGS,
    CONTEXT,
    CUSTOM,
    DEEP_LINKING_SETTINGS,
    DEPLOYMENT_ID,
    MESSAGE_TYPE,
    RESOURCE_LINK,
    ROLES,
    TARGET_LINK_URI,
    VERSION,
)
from pix_lti.launch.errors import (
    ADVICE_ADMIN,
    ADVICE_CLOCK,
    ADVICE_CONFIG,
    ADVICE_PLATFORM,
    ADVICE_RELAUNCH,
    CookiesBlocked,
    LaunchError,
    invalid_claim,
    missing_claim,
)
from pix_lti.launch.models import LtiRegistration, RegistrationStatus

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256",)
LEEWAY = 60             # seconds of clock difference tolerated between the platform and us
MAX_TOKEN_AGE = 5 * 60  # an id_token older than this (by iat) is refused, whatever its exp says
JWKS_TTL = 60 * 60      # platform keys are re-read at least hourly…
REFETCH_INTERVAL = 30   # …and at once on an unknown kid, but not more often than this per URL
USED_TTL = MAX_TOKEN_AGE + 2 * LEEWAY + 10 * 60  # remember used states/nonces longer than any acceptable token lives

SUPPORTED_MESSAGES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
KNOWN_UNSUPPORTED = ("DataPrivacyLaunchRequest", "LtiSubmissionReviewRequest", "LtiStartProctoring",
                     "LtiEndAssessment", "LtiContextLaunchRequest")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:40]


def fetch_platform_jwks(kv: KeyValueStore, http: requests.Session, url: str, *, force: bool = False) -> dict[str, Any]:
    """The platform's JWKS from the shared cache, or from ``url`` (with our User-Agent) when absent or ``force``d."""
    cache_key = "lti:jwks:" + _digest(url)
    if not force:
        cached = kv.get_json(cache_key)
        if isinstance(cached, dict):
            return cached
    try:
        response = http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise LaunchError("jwks_unavailable", _l("Les clés publiques de la plateforme n'ont pas pu être lues."),
                          ADVICE_CONFIG, f"GET {url}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise LaunchError("jwks_unavailable", _l("Les clés publiques de la plateforme n'ont pas pu être lues."),
                          ADVICE_CONFIG, f"GET {url}: not a JWKS (no 'keys' list)")
    kv.set_json(cache_key, data, JWKS_TTL)
    return data


def _number(body: dict[str, Any], claim: str) -> float:
    value = body.get(claim)
    if value is None:
        raise LaunchError(f"missing_{claim}", _l("Le message de lancement n'indique pas sa date de validité."),
                          ADVICE_PLATFORM, f"required claim missing: {claim}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_claim(claim, "must be a number (seconds since 1970)")
    return float(value)


def _non_empty_string(body: dict[str, Any], claim: str, max_length: int = 512) -> str:
    value = body.get(claim)
    if value is None or value == "":
        raise missing_claim(claim)
    if not isinstance(value, str):
        raise invalid_claim(claim, "must be a string")
    if len(value) > max_length:
        raise invalid_claim(claim, f"longer than {max_length} characters")
    return value


def check_times(body: dict[str, Any], now: float) -> None:
    exp = _number(body, "exp")
    iat = _number(body, "iat")
    if now > exp + LEEWAY:
        raise LaunchError("expired", _l("Le message de lancement a expiré."), ADVICE_CLOCK,
                          f"exp={int(exp)} is {int(now - exp)} s in the past")
    if iat > now + LEEWAY:
        raise LaunchError("iat_future", _l("Le message de lancement est daté dans le futur."), ADVICE_CLOCK,
                          f"iat={int(iat)} is {int(iat - now)} s in the future")
    if iat < now - MAX_TOKEN_AGE - LEEWAY:
        raise LaunchError("too_old", _l("Le message de lancement est trop ancien."), ADVICE_CLOCK,
                          f"iat={int(iat)} is {int(now - iat)} s old (at most {MAX_TOKEN_AGE} s)")
    nbf = body.get("nbf")
    if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) and nbf > now + LEEWAY:
        raise LaunchError("not_yet_valid", _l("Le message de lancement n'est pas encore valide."), ADVICE_CLOCK,
                          f"nbf={int(nbf)} is in the future")


def check_audience(body: dict[str, Any], client_id: str) -> None:
    aud = body.get("aud")
    if aud is None or aud == "" or aud == []:
        raise missing_claim("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise invalid_claim("aud", "must be a string or a list of strings")
    if client_id not in audiences:
        raise LaunchError("audience", _l("Le message de lancement n'est pas destiné à cet outil."), ADVICE_CONFIG,
                          f"aud={audiences!r} does not contain our client_id {client_id!r}")
    azp = body.get("azp")
    if len(audiences) > 1 and azp is None:
        raise LaunchError("azp", _l("Le message de lancement n'est pas destiné à cet outil."), ADVICE_PLATFORM,
                          "several audiences but no azp claim")
    if azp is not None and azp != client_id:
        raise LaunchError("azp", _l("Le message de lancement n'est pas destiné à cet outil."), ADVICE_CONFIG,
                          f"azp={azp!r} is not our client_id {client_id!r}")


def check_message(body: dict[str, Any], registration: LtiRegistration, target_link_uri: str | None) -> str:
    """The claims every supported message needs; returns the message type."""
    version = body.get(VERSION)
    if version is None:
        raise missing_claim(VERSION)
    if version != "1.3.0":
        raise LaunchError("version", _l("Cette version de LTI n'est pas prise en charge (1.3.0 attendue)."),
                          ADVICE_PLATFORM, f"{VERSION}={version!r}")
    message_type = body.get(MESSAGE_TYPE)
    if not message_type:
        raise missing_claim(MESSAGE_TYPE)
    if message_type not in SUPPORTED_MESSAGES:
        known = message_type in KNOWN_UNSUPPORTED
        raise LaunchError("message_type", _l("Ce type de message LTI n'est pas pris en charge par pix_lti."),
                          ADVICE_CONFIG if known else ADVICE_PLATFORM,
                          f"{MESSAGE_TYPE}={message_type!r} ({'not supported' if known else 'unknown'})")
    deployment_id = _non_empty_string(body, DEPLOYMENT_ID, 255)
    if deployment_id not in registration.deployment_ids:
        raise LaunchError("deployment", _l("Ce déploiement de l'outil n'est pas enregistré dans pix_lti."),
                          ADVICE_CONFIG, f"deployment_id {deployment_id!r} is not registered for this platform")
    _non_empty_string(body, "sub", 512)
    roles = body.get(ROLES)
    if roles is None:
        raise missing_claim(ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise invalid_claim(ROLES, "must be a list of strings")
    claimed_target = body.get(TARGET_LINK_URI)
    if not claimed_target:
        raise missing_claim(TARGET_LINK_URI)
    if claimed_target != target_link_uri:
        raise LaunchError("target_link_uri", _l("Le lancement ne correspond pas à la demande de connexion."),
                          ADVICE_PLATFORM,
                          f"{TARGET_LINK_URI}={claimed_target!r} differs from the login request's {target_link_uri!r}")
    for claim in (CONTEXT, RESOURCE_LINK, DEEP_LINKING_SETTINGS, CUSTOM, AGS):
        if claim in body and not isinstance(body[claim], dict):
            raise invalid_claim(claim, "must be an object")
    if CONTEXT in body and not isinstance(body[CONTEXT].get("id"), str):
        raise invalid_claim(CONTEXT, "id must be a string")
    if message_type == "LtiResourceLinkRequest":
        link = body.get(RESOURCE_LINK)
        if not isinstance(link, dict) or not link.get("id") or not isinstance(link["id"], str):
            raise missing_claim(RESOURCE_LINK + " (id)")
    else:
        settings = body.get(DEEP_LINKING_SETTINGS)
        if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
            raise missing_claim(DEEP_LINKING_SETTINGS + " (deep_link_return_url)")
        if urlsplit(settings["deep_link_return_url"]).scheme not in ("https", "http"):  # it becomes a form action
            raise invalid_claim(DEEP_LINKING_SETTINGS, "deep_link_return_url must be an http(s) URL")
        accept = settings.get("accept_types")
        if not isinstance(accept, list) or "ltiResourceLink" not in accept:
            raise invalid_claim(DEEP_LINKING_SETTINGS, "accept_types must include ltiResourceLink")
    return str(message_type)


class ToolMessageLaunch(MessageLaunch[ToolRequest, DbToolConfig, SessionService, ToolCookieService]):
    """One launch request. ``validate()`` runs every check, in an order where nothing unverified is trusted beyond
    choosing the key; it stores nothing until all checks passed."""

    def __init__(self, request: ToolRequest, load_config: Callable[[str, str], DbToolConfig],
                 session_service: SessionService, cookie_service: ToolCookieService, *, kv: KeyValueStore,
                 http: requests.Session, clock: Callable[[], float] = time.time):
        # The registration is known only once the state is read: ``load_config(issuer, client_id)`` reads it then.
        super().__init__(request, DbToolConfig([], _no_key), session_service=session_service,
                         cookie_service=cookie_service, requests_session=http)
        self._load_config = load_config
        self._kv = kv
        self._clock = clock
        self.registration_row: LtiRegistration | None = None
        self.state_params: dict[str, Any] = {}
        self._refetched = False

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    # ----- keys ------------------------------------------------------------------------------------------------------
    def fetch_public_key(self, key_set_url: str) -> Any:
        return fetch_platform_jwks(self._kv, self._requests_session, key_set_url)

    def get_public_key(self) -> tuple[str, str]:
        try:
            return super().get_public_key()
        except LtiException as exc:
            url = self._registration.get_key_set_url() if self._registration else None
            if "Unable to find public key" not in str(exc) or not url or self._refetched:
                raise
            # An unknown kid: the platform may have rotated its keys. Re-read them, at most once per interval.
            self._refetched = True
            if not self._kv.add("lti:jwks-refetch:" + _digest(url), REFETCH_INTERVAL):
                raise
            assert self._registration is not None
            self._registration.set_key_set(fetch_platform_jwks(self._kv, self._requests_session, url, force=True))
            return super().get_public_key()

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        public_key, _alg = self.get_public_key()
        try:
            # Times, audience and the rest are checked by us, with their own messages and a leeway.
            jwt.decode(self._get_id_token(), public_key, algorithms=list(ALLOWED_ALGORITHMS),
                       options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                "verify_iss": False})
        except jwt.InvalidTokenError as exc:
            raise LaunchError("signature", _l("La signature du message de lancement n'est pas valide."),
                              ADVICE_CONFIG, f"signature check failed: {exc}") from None
        return self

    # ----- the whole validation --------------------------------------------------------------------------------------
    def validate(self) -> ToolMessageLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        if not self._get_request_param("id_token"):
            raise LaunchError("missing_id_token", _l("La plateforme n'a pas envoyé de message de lancement."),
                              ADVICE_PLATFORM, "no id_token in the launch request")
        state = self._get_request_param("state")
        if not state:
            raise LaunchError("missing_state", _l("Le lancement ne correspond à aucune demande de connexion."),
                              ADVICE_RELAUNCH, "no state in the launch request")
        params = self._session_service.get_state_params(state) if len(state) <= 200 else None
        if not isinstance(params, dict):
            raise LaunchError("state", _l("Le lancement ne correspond à aucune demande de connexion."),
                              ADVICE_RELAUNCH, "unknown or expired state (login more than 10 minutes ago?)")
        self.state_params = params
        cookie = self._cookie_service.get_cookie(state)
        if cookie is None:
            raise CookiesBlocked(dict(params.get("login") or {}))
        if cookie != state:
            raise LaunchError("state", _l("Le lancement ne correspond à aucune demande de connexion."),
                              ADVICE_RELAUNCH, "state does not match this browser's login")
        self._validated = True  # lets pylti1p3's getters read the body without re-entering validate()
        try:
            self._validate_token(params)
        except BaseException:
            self._validated = False
            raise
        return self

    def _validate_token(self, params: dict[str, Any]) -> None:
        try:
            self.validate_jwt_format()
        except LtiException as exc:
            raise LaunchError("format", _l("Le message de lancement n'est pas un jeton JWT lisible."),
                              ADVICE_PLATFORM, str(exc)) from None
        header, body = self._jwt.get("header"), self._jwt.get("body")
        if not isinstance(header, dict) or not isinstance(body, dict):
            raise LaunchError("format", _l("Le message de lancement n'est pas un jeton JWT lisible."),
                              ADVICE_PLATFORM, "header and payload must be JSON objects")
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise LaunchError("algorithm", _l("Le message de lancement n'est pas signé comme LTI 1.3 l'exige."),
                              ADVICE_PLATFORM, f"alg={alg!r}; only RS256 is accepted")
        if not isinstance(header.get("kid"), str) or not header["kid"]:
            raise LaunchError("kid", _l("Le message de lancement ne dit pas quelle clé l'a signé."),
                              ADVICE_PLATFORM, "no kid in the JWT header")

        self._tool_config = self._load_config(str(params.get("issuer")), str(params.get("client_id")))
        registration = self._tool_config.find_row(str(params.get("issuer")), str(params.get("client_id")))
        context = {"issuer": params.get("issuer"), "client_id": params.get("client_id")}
        if registration is None:
            raise LaunchError("registration", _l("Cette plateforme n'est pas (ou plus) autorisée dans pix_lti."),
                              ADVICE_ADMIN, "registration removed or disabled since the login", status=403,
                              context=context)
        self.registration_row = registration
        self._registration = self._tool_config.registration(registration)
        if body.get("iss") != registration.issuer:
            raise LaunchError("issuer", _l("Le message de lancement ne vient pas de la plateforme attendue."),
                              ADVICE_CONFIG, f"iss={body.get('iss')!r}, expected {registration.issuer!r}",
                              context=context)

        try:
            self.get_public_key()
        except LtiException as exc:
            raise LaunchError("kid", _l("La clé qui a signé le message de lancement est inconnue."), ADVICE_CONFIG,
                              f"{exc} (kid={header.get('kid')!r})", context=context) from None
        self.validate_jwt_signature()

        check_audience(body, registration.client_id)
        check_times(body, self._clock())
        message_type = check_message(body, registration, params.get("target_link_uri"))
        context["deployment_id"] = body.get(DEPLOYMENT_ID)
        try:  # pylti1p3's own deployment and per-message checks, as a second line
            self.validate_deployment()
            self.validate_message()
        except LtiException as exc:
            raise LaunchError("message", _l("Le message de lancement est incomplet."), ADVICE_PLATFORM, str(exc),
                              context=context) from None

        nonce = body.get("nonce")
        if not nonce or not isinstance(nonce, str) or nonce != params.get("nonce"):
            raise LaunchError("nonce", _l("Le lancement ne correspond pas à la demande de connexion."),
                              ADVICE_RELAUNCH, "nonce missing or not the one issued for this login", context=context)
        # Single use, checked last so that a refused attempt does not burn a good login.
        if not self._kv.add("lti:nonce-used:" + _digest(nonce), USED_TTL):
            raise LaunchError("nonce_replay", _l("Ce lancement a déjà été utilisé."), ADVICE_RELAUNCH,
                              "nonce already used (replayed launch)", context=context)
        state = self._get_request_param("state")
        if not self._kv.add("lti:state-used:" + _digest(state), USED_TTL):
            raise LaunchError("state_replay", _l("Ce lancement a déjà été utilisé."), ADVICE_RELAUNCH,
                              "state already used (replayed launch)", context=context)
        # The login is spent: a replay now finds no state at all (and would hit the used nonce anyway).
        storage = self._session_service.data_storage
        if isinstance(storage, KvLaunchDataStorage):
            storage.delete_value(self._session_service._get_key(state))  # noqa: SLF001 - pylti1p3's key scheme
        self.message_type = message_type

    message_type: str = ""

    @property
    def claims(self) -> dict[str, Any]:
        return dict(self._jwt.get("body") or {})

    def db_registration(self) -> DbRegistration:
        assert isinstance(self._registration, DbRegistration)
        return self._registration


def _no_key() -> Any:
    raise RuntimeError("launch validation signs nothing")


def registration_status_error(registration: LtiRegistration) -> LaunchError | None:
    if registration.status is RegistrationStatus.PENDING:
        return LaunchError("pending", _l("Cette plateforme attend son activation par un administrateur de pix_lti."),
                           ADVICE_ADMIN, f"registration {registration.id} is pending", status=403)
    if registration.status is RegistrationStatus.DISABLED:
        return LaunchError("disabled", _l("Cette plateforme a été désactivée dans pix_lti."), ADVICE_ADMIN,
                           f"registration {registration.id} is disabled", status=403)
    return None
