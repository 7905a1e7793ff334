"""The bad-payload suite: each launch follows a real OIDC login (so state and nonce are valid), then the platform
sends a broken or forged id_token. Each must be answered 4xx with a page for school IT, creating no user, no session
and no grade — as a student and as a teacher."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.launch.helpers import counts, lti_user, opened_session
from tests.launch.platform import INSTRUCTOR, LEARNER, TOOL_URL, FakePlatform, LaunchSpec, new_rsa_key, pem, run_launch

pytestmark = pytest.mark.usefixtures("registration")

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
Claims = dict[str, Any]
OTHER_KEY = new_rsa_key()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _without(*names: str) -> Callable[[Claims], Claims]:
    def tamper(claims: Claims) -> Claims:
        return {k: v for k, v in claims.items() if k not in names}

    return tamper


def _with(**values: Any) -> Callable[[Claims], Claims]:
    def tamper(claims: Claims) -> Claims:
        return {**claims, **{k.replace("__", "/"): v for k, v in values.items()}}

    return tamper


def _set(name: str, value: Any) -> Callable[[Claims], Claims]:
    return lambda claims: {**claims, name: value}


def _sign_no_kid(claims: Claims, platform: FakePlatform) -> str:
    return jwt.encode(claims, pem(platform.key, True), algorithm="RS256")


def _sign_unknown_kid(claims: Claims, platform: FakePlatform) -> str:
    return jwt.encode(claims, pem(OTHER_KEY, True), algorithm="RS256", headers={"kid": OTHER_KEY.thumbprint()})


def _sign_wrong_key(claims: Claims, platform: FakePlatform) -> str:
    return jwt.encode(claims, pem(OTHER_KEY, True), algorithm="RS256", headers={"kid": platform.kid})


def _sign_none(claims: Claims, platform: FakePlatform) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": platform.kid}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _sign_hs256(claims: Claims, platform: FakePlatform) -> str:
    # The classic confusion attack: HMAC keyed with the platform's *public* key, which anyone can download.
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": platform.kid}).encode())
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    mac = hmac.new(pem(platform.key, False).encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _now() -> int:
    return int(time.time())


# (case, spec changes, fields-posted change, expected status, expected error code on the page)
CASES: list[tuple[str, dict[str, Any], Callable[[dict[str, str]], dict[str, str]] | None, int, str]] = [
    ("no kid", {"sign": _sign_no_kid}, None, 400, "kid"),
    ("unknown kid", {"sign": _sign_unknown_kid}, None, 400, "kid"),
    ("wrong signing key", {"sign": _sign_wrong_key}, None, 400, "signature"),
    ("alg none", {"sign": _sign_none}, None, 400, "algorithm"),
    ("HS256", {"sign": _sign_hs256}, None, 400, "algorithm"),
    ("wrong version", {"tamper": _set(LTI + "version", "1.2.0")}, None, 400, "version"),
    ("no version", {"tamper": _without(LTI + "version")}, None, 400, "missing_claim"),
    ("invalid message", {"tamper": lambda claims: {"name": "badltilaunch"}}, None, 400, "issuer"),
    ("missing aud, iss, sub, deployment_id, roles",
     {"tamper": _without("aud", "iss", "sub", LTI + "deployment_id", LTI + "roles")}, None, 400, "issuer"),
    ("iat 11111 and exp 22222", {"tamper": _with(iat=11111, exp=22222)}, None, 400, "expired"),
    ("missing message_type", {"tamper": _without(LTI + "message_type")}, None, 400, "missing_claim"),
    ("unknown message_type", {"tamper": _set(LTI + "message_type", "LtiBogusRequest")}, None, 400, "message_type"),
    ("missing roles claim", {"tamper": _without(LTI + "roles")}, None, 400, "missing_claim"),
    ("missing deployment_id", {"tamper": _without(LTI + "deployment_id")}, None, 400, "missing_claim"),
    ("missing resource_link", {"tamper": _without(LTI + "resource_link")}, None, 400, "missing_claim"),
    ("missing sub", {"tamper": _without("sub")}, None, 400, "missing_claim"),
    ("wrong iss", {"tamper": _set("iss", "https://evil.example.org")}, None, 400, "issuer"),
    ("unknown client_id", {"tamper": _with(aud="unknown-client", azp="unknown-client")}, None, 400, "audience"),
    ("wrong aud", {"tamper": _set("aud", "another-tool")}, None, 400, "audience"),
    ("aud list without azp", {"tamper": lambda c: {**_without("azp")(c), "aud": [c["aud"], "another-tool"]}},
     None, 400, "azp"),
    ("azp mismatch", {"tamper": _set("azp", "another-tool")}, None, 400, "azp"),
    ("missing exp", {"tamper": _without("exp")}, None, 400, "missing_exp"),
    ("missing iat", {"tamper": _without("iat")}, None, 400, "missing_iat"),
    ("iat in the future", {"tamper": lambda c: {**c, "iat": _now() + 3600, "exp": _now() + 3900}}, None, 400,
     "iat_future"),
    ("iat too old", {"tamper": lambda c: {**c, "iat": _now() - 3600, "exp": _now() + 300}}, None, 400, "too_old"),
    ("target_link_uri mismatch", {"tamper": _set(LTI + "target_link_uri", TOOL_URL + "/lti/elsewhere")}, None, 400,
     "target_link_uri"),
    ("unregistered deployment", {"tamper": _set(LTI + "deployment_id", "deployment-999")}, None, 400, "deployment"),
    ("nonce not the login's", {"tamper": _set("nonce", "a-nonce-we-never-issued")}, None, 400, "nonce"),
    ("missing nonce", {"tamper": _without("nonce")}, None, 400, "nonce"),
    ("state mismatch", {}, lambda f: {**f, "state": "state-00000000-0000-0000-0000-000000000000"}, 400, "state"),
    ("missing state", {}, lambda f: {k: v for k, v in f.items() if k != "state"}, 400, "missing_state"),
    ("missing id_token", {}, lambda f: {k: v for k, v in f.items() if k != "id_token"}, 400, "missing_id_token"),
    ("id_token not a JWT", {}, lambda f: {**f, "id_token": "a.b"}, 400, "format"),
]

ROLES = {"student": [LEARNER], "teacher": [INSTRUCTOR]}


def _assert_refused(db_session: Session, response: Any, before: dict[str, int], status: int, code: str,
                    platform: FakePlatform, user_id: str, session_id: str | None = None) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:2000]
    assert "Informations pour le service informatique" in html
    assert f"<code>{code}</code>" in html
    assert counts(db_session) == before  # no user, identity, membership, session or grade
    assert not opened_session(response, session_id)
    assert lti_user(db_session, platform.issuer, user_id) is None


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize(("case", "changes", "post", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_payload_is_refused(client: FlaskClient, db_session: Session, platform: FakePlatform, role: str,
                                case: str, changes: dict[str, Any], post: Any, status: int, code: str) -> None:
    spec = LaunchSpec(user_id=f"bad-{role}", roles=ROLES[role], **changes)
    before = counts(db_session)
    run = run_launch(client, platform, spec, post=post)
    _assert_refused(db_session, run.response, before, status, code, platform, spec.user_id)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_replays_are_refused(client: FlaskClient, db_session: Session, platform: FakePlatform, role: str) -> None:
    first = run_launch(client, platform, LaunchSpec(user_id="first-user", roles=ROLES[role]))
    assert first.response.status_code == 303
    used_nonce = platform.issued[-1]["nonce"]
    before = counts(db_session)
    session_id = client.get_cookie("pix_lti_session").value
    # The very same POST again (same state, same id_token).
    replay = client.post("/lti/launch", data=first.form)
    _assert_refused(db_session, replay, before, 400, "state", platform, "nobody", session_id)
    # A fresh login whose token carries the nonce already used.
    again = run_launch(client, platform, LaunchSpec(user_id=f"replayer-{role}", roles=ROLES[role],
                                                    tamper=_set("nonce", used_nonce)))
    _assert_refused(db_session, again.response, before, 400, "nonce", platform, f"replayer-{role}", session_id)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_state_from_another_login_is_refused(client: FlaskClient, db_session: Session, platform: FakePlatform,
                                              role: str) -> None:
    from tests.launch.platform import authorise

    _login1, fields1, _ = authorise(client, platform, LaunchSpec(user_id=f"one-{role}", roles=ROLES[role]))
    _login2, fields2, _ = authorise(client, platform, LaunchSpec(user_id=f"two-{role}", roles=ROLES[role]))
    before = counts(db_session)
    swapped = client.post("/lti/launch", data={"id_token": fields1["id_token"], "state": fields2["state"]})
    _assert_refused(db_session, swapped, before, 400, "nonce", platform, f"one-{role}")
