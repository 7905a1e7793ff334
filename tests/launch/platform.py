"""A real third-party LTI 1.3 platform for the tests: ``lti1p3platform`` (PyPI) served on loopback by werkzeug in a
thread. It signs launches with its own key (published at /jwks), runs the OIDC authorisation step, checks the tool's
deep-linking responses and client assertions against the tool's JWKS, and offers AGS and NRPS endpoints.

Tests prepare each launch with a ``LaunchSpec`` (user, roles, context, custom parameters, services, and optional
tampering of the claims or of the signature for the bad-payload suite), then drive the browser side with the Flask
test client: ``run_launch`` does GET tool login → GET platform /auth (real HTTP) → POST tool launch.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from flask import Flask, Response, jsonify
from flask import request as flask_request
from flask.testing import FlaskClient
from jwcrypto.jwk import JWK
from lti1p3platform.framework.templates import template as launch_form_template
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService, TPage
from lti1p3platform.membership import Context
from lti1p3platform.score import UpdateScoreStatus
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

TOOL_URL = "http://127.0.0.1:5000"  # the tool's public URL in the tests (the settings' default)
MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_rsa_key() -> JWK:
    return JWK.generate(kty="RSA", size=2048)


def pem(key: JWK, private: bool) -> str:
    return key.export_to_pem(private_key=private, password=None).decode()


@dataclass
class LaunchSpec:
    """One launch as the platform will send it."""

    user_id: str = "student-1"
    roles: list[str] = field(default_factory=lambda: [LEARNER])
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    context: dict[str, Any] | None = field(default_factory=lambda: {"id": "course-1", "title": "5e B – Numérique",
                                                                    "label": "5B"})
    resource_link_id: str = "link-1"
    resource_link_title: str = "Évaluation numérique"
    custom: dict[str, str] | None = None
    deep_linking: bool = False
    deep_linking_data: Any = None
    ags: bool = True
    lineitem_url: bool = False  # put a "lineitem" in the AGS claim (the link has one)
    nrps: bool = False
    tamper: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    sign: Callable[[dict[str, Any], FakePlatform], str] | None = None
    client_id: str | None = None  # login initiation's client_id (default: the registration's)


class _FlaskRequest(Request):
    def build_metadata(self, request: Any) -> TRequest:
        def numeric(values: dict[str, str]) -> dict[str, Any]:
            return {k: int(v) if k in ("page", "limit") and v.isdigit() else v for k, v in values.items()}

        return {"method": request.method, "form_data": request.form.to_dict(), "get_data": numeric(request.args.to_dict()),
                "headers": dict(request.headers), "content_type": request.content_type, "path": request.path,
                "json": request.get_json(silent=True)}


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, platform: FakePlatform) -> None:  # type: ignore[override]
        self.platform = platform

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        p = self.platform
        registration = (Registration().set_iss(p.issuer).set_client_id(p.client_id).set_deployment_id(p.deployment_id)
                        .set_oidc_login_url(f"{p.tool_url}/lti/login").set_launch_url(f"{p.tool_url}/lti/launch")
                        .set_deeplink_launch_url(f"{p.tool_url}/lti/launch")
                        .set_platform_public_key(pem(p.key, False)).set_platform_private_key(pem(p.key, True)))
        if p.tool_jwks is not None:
            registration.set_tool_key_set(p.tool_jwks)  # type: ignore[arg-type]
        return registration


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def __init__(self, request: Request, config: _Config, spec: LaunchSpec):
        super().__init__(request, config)
        self.spec = spec

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        return launch_form_template.render(launch_data)

    def generate_launch_request(self) -> Any:
        # The message the library builds (claims, deep-linking settings), then the test's changes, then a signature.
        assert self._registration is not None
        if self._dl:
            self.set_launch_url(self._registration.get_deeplink_launch_url())
        message, state = self.get_launch_data()
        if self._dl:
            message[MESSAGE_TYPE] = "LtiDeepLinkingRequest"
            message.update(self._deep_linking_launch_data or {})
        now = int(time.time())
        message.update({"iat": now, "exp": now + 300})
        if self.spec.tamper is not None:
            message = self.spec.tamper(message)
        platform: FakePlatform = self._platform_config.platform  # type: ignore[attr-defined]
        if self.spec.sign:
            token = self.spec.sign(message, platform)
        elif platform.fast_signing:  # a loaded key object: no PEM parsing per launch (benchmarks)
            token = jwt.encode(message, platform.signing_key(), algorithm="RS256", headers={"kid": platform.kid})
        else:
            token = self._registration.platform_encode_and_sign(message)
        platform.issued.append(message)
        return {"state": state, "id_token": token}


class _Grades(AssignmentsGradesService):
    def __init__(self, request: Request, platform: FakePlatform, context_id: str):
        base = f"{platform.base}/ags/{context_id}"
        super().__init__(request, platform.config(), f"{base}/lineitems")
        self.platform = platform
        self.base = base

    def find_lineitems(self, page: int = 1, limit: int | None = None, line_item_id: str | None = None,
                       resource_link_id: str | None = None, resource_id: str | None = None,
                       tag: str | None = None) -> TPage:
        items = [i for i in self.platform.lineitems.values()
                 if (resource_id is None or i.get("resourceId") == resource_id) and (tag is None or i.get("tag") == tag)]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> Any:
        return self.platform.lineitems[line_item_id]

    def create_lineitem(self, creation_data: Any) -> Any:
        item_id = f"{self.base}/lineitems/{next(self.platform.ids)}"
        item = {**creation_data, "id": item_id}
        self.platform.lineitems[item_id] = item
        return item

    def update_lineitem(self, update_data: Any) -> Any:
        self.platform.lineitems[update_data["id"]].update(update_data)
        return self.platform.lineitems[update_data["id"]]

    def delete_lineitem(self, line_item_id: str) -> None:
        self.platform.lineitems.pop(line_item_id, None)

    def update_score(self, line_item_id: str, score: Any) -> UpdateScoreStatus:
        previous = [s for item, s in self.platform.scores if item == line_item_id and s.get("userId") == score.get("userId")]
        if previous and previous[-1]["timestamp"] >= score["timestamp"]:
            return UpdateScoreStatus.OLD_TIMESTAMP
        self.platform.scores.append((line_item_id, score))
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id: str, page: int = 1, limit: int | None = None,
                    user_id: str | None = None) -> TPage:
        return {"content": [], "has_next": False, "next": None}


class _Roster(NamesRoleProvisioningService):
    def __init__(self, request: Request, platform: FakePlatform, context_id: str):
        super().__init__(request, platform.config(), f"{platform.base}/nrps/{context_id}/Members")
        self.platform = platform
        self.context_id = context_id

    def get_member_data_page(self, page: int = 1, limit: int | None = None, role: str | None = None,
                             since: str | None = None, **_: Any) -> TPage:
        members = self.platform.members
        if limit is None:
            return {"content": members, "has_next": False, "next": None}
        start = (page - 1) * limit
        return {"content": members[start:start + limit], "has_next": start + limit < len(members), "next": None}

    def get_context_by_id(self) -> Context:
        return Context(id=self.context_id, label="5B", title="5e B")


class FakePlatform:
    """An LMS on ``http://127.0.0.1:<port>``; attributes record what it received."""

    def __init__(self, client_id: str = "pix-tool-client", deployment_id: str = "deployment-1",
                 tool_url: str = TOOL_URL, quiet: bool = False,
                 default_spec: Callable[[str], LaunchSpec] | None = None):
        self.client_id = client_id
        self.tool_url = tool_url
        self.default_spec = default_spec  # for logins not prepared by login_url(): spec from the login_hint
        self.fast_signing = False
        self._signing_key: Any = None
        self.deployment_id = deployment_id
        self.key = new_rsa_key()
        self.extra_keys: list[JWK] = []  # published too (key rotation tests)
        self.tool_jwks: dict[str, Any] | None = None
        self.app = self._build_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        if quiet:  # no access log line per request (benchmarks)
            import logging

            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.issuer = self.base
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        self.specs: dict[str, LaunchSpec] = {}
        self.issued: list[dict[str, Any]] = []
        self.jwks_user_agents: list[str] = []
        self.token_requests: list[dict[str, Any]] = []
        self.lineitems: dict[str, dict[str, Any]] = {}
        self.scores: list[tuple[str, dict[str, Any]]] = []
        self.score_failures = 0       # next N score posts answer 503 (nothing recorded)
        self.score_attempts = 0
        self.members: list[dict[str, Any]] = []
        self.nrps_requests: list[str] = []
        self.nrps_page_size: int | None = None
        self.deep_link_responses: list[dict[str, Any]] = []
        self.registrations: list[dict[str, Any]] = []
        self.extra_keys = []

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

    def config(self) -> _Config:
        config = _Config(platform=self)
        config.get_registration()  # the library's checks need the registration loaded
        return config

    def jwks(self) -> dict[str, Any]:
        keys = []
        for key in (self.key, *self.extra_keys):
            public = json.loads(key.export_public())
            keys.append({**public, "kid": key.thumbprint(), "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    @property
    def kid(self) -> str:
        return self.key.thumbprint()

    def signing_key(self) -> Any:
        if self._signing_key is None:
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            self._signing_key = load_pem_private_key(pem(self.key, True).encode(), password=None)
        return self._signing_key

    # ----- browser side ----------------------------------------------------------------------------------------------
    def login_url(self, spec: LaunchSpec) -> str:
        """The tool's login initiation URL the platform sends the browser to."""
        hint = f"hint-{next(self.ids)}"
        self.specs[hint] = spec
        login = _Login(None, self.config())
        login.set_lti_message_hint(hint=hint)
        if spec.deep_linking:
            login.set_deeplinking_launch_url()
        url = login.initiate_login(spec.user_id)
        if spec.client_id is not None:
            url = url.replace(f"client_id={self.client_id}", f"client_id={spec.client_id}")
        return url

    # ----- the HTTP side ---------------------------------------------------------------------------------------------
    def _build_app(self) -> Flask:
        app = Flask("fake_platform")
        platform = self

        @app.get("/jwks")
        def jwks() -> Response:
            platform.jwks_user_agents.append(flask_request.headers.get("User-Agent", ""))
            return jsonify(platform.jwks())

        @app.get("/auth")
        def auth() -> Any:
            spec = platform.specs.get(flask_request.args.get("lti_message_hint", ""))
            if spec is None and platform.default_spec is not None:
                spec = platform.default_spec(flask_request.args.get("login_hint", ""))
            if spec is None:
                return "unknown message hint", 400
            launch = _Launch(_FlaskRequest(flask_request), platform.config(), spec)
            launch.set_user_data(spec.user_id, spec.roles, full_name=spec.name, email_address=spec.email)
            if spec.given_name or spec.family_name:
                launch.set_extra_claims({k: v for k, v in (("given_name", spec.given_name),
                                                            ("family_name", spec.family_name)) if v})
            if spec.context is not None:
                launch.set_launch_context_claim(spec.context["id"], context_title=spec.context.get("title"),
                                                context_label=spec.context.get("label"))
            launch.set_resource_link_claim(spec.resource_link_id, title=spec.resource_link_title)
            if spec.custom:
                launch.set_custom_parameters_claim(spec.custom)
            context_id = (spec.context or {}).get("id", "none")
            if spec.ags:
                lineitem = None
                if spec.lineitem_url:
                    lineitem = f"{platform.base}/ags/{context_id}/lineitems/li-{spec.resource_link_id}"
                    platform.lineitems.setdefault(lineitem, {"id": lineitem, "scoreMaximum": 100, "label": "Pix",
                                                             "resourceLinkId": spec.resource_link_id})
                launch.set_ags(f"{platform.base}/ags/{context_id}/lineitems", lineitem)
            if spec.nrps:
                paging = f"?limit={platform.nrps_page_size}" if platform.nrps_page_size else ""
                launch.set_nrps(f"{platform.base}/nrps/{context_id}/Members{paging}")
            if spec.deep_linking:
                launch.set_dl(f"{platform.base}/deep-link-return", title="Choisir", accept_types={"ltiResourceLink"},
                              extra_data=spec.deep_linking_data)
            return launch.lti_launch()

        @app.post("/token")
        def token() -> Any:
            platform.token_requests.append(flask_request.form.to_dict())
            config = platform.config()
            try:
                return jsonify(config.get_access_token(flask_request.form.to_dict()))
            except Exception as exc:  # noqa: BLE001 - report like a platform would
                return jsonify({"error": "invalid_client", "error_description": str(exc)}), 400

        def _reply(resp: Any) -> Any:
            if 200 <= resp.code < 300:
                data = resp.result["content"] if isinstance(resp.result, dict) and "content" in resp.result else resp.result
                response = Response(json.dumps(data), status=resp.code, mimetype=resp.media_type)
                if isinstance(resp.result, dict) and resp.result.get("next"):
                    response.headers["Link"] = f'<{resp.result["next"]}>; rel="next"'
                return response
            return Response(json.dumps({"error": resp.message}), status=resp.code, mimetype="application/json")

        @app.route("/ags/<context_id>/lineitems", methods=["GET", "POST"])
        def lineitems(context_id: str) -> Any:
            service = _Grades(_FlaskRequest(flask_request), platform, context_id)
            handler = service.handle_get_lineitems if flask_request.method == "GET" else service.handle_create_lineitem
            return _reply(service.handle_resp(handler))

        @app.post("/ags/<context_id>/lineitems/<item>/scores")
        def scores(context_id: str, item: str) -> Any:
            platform.score_attempts += 1
            if platform.score_failures > 0:
                platform.score_failures -= 1
                return Response("unavailable", status=503)
            service = _Grades(_FlaskRequest(flask_request), platform, context_id)
            item_id = f"{service.base}/lineitems/{item}"
            if item_id not in platform.lineitems:
                return Response("not found", status=404)
            return _reply(service.handle_resp(service.handle_update_score, line_item_id=item_id))

        @app.get("/nrps/<context_id>/Members")
        def members(context_id: str) -> Any:
            platform.nrps_requests.append(flask_request.full_path)
            service = _Roster(_FlaskRequest(flask_request), platform, context_id)
            return _reply(service.handle_resp(service.handle_get_members))

        @app.post("/deep-link-return")
        def deep_link_return() -> Any:
            config = platform.config()
            items = config.validate_deeplinking_resp(flask_request.form.to_dict())
            claims = config._jwt  # noqa: SLF001 - header and body as validated
            body = json.loads(config.urlsafe_b64decode(flask_request.form["JWT"].split(".")[1]))
            platform.deep_link_responses.append({"items": items, "claims": body, "header": claims.get("header")})
            return "ok"

        @app.get("/.well-known/openid-configuration")
        def openid_configuration() -> Any:
            return jsonify({
                "issuer": platform.issuer, "authorization_endpoint": f"{platform.base}/auth",
                "token_endpoint": f"{platform.base}/token", "jwks_uri": f"{platform.base}/jwks",
                "registration_endpoint": f"{platform.base}/register",
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "fake-lms", "version": "1.0",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}]},
            })

        @app.post("/register")
        def register() -> Any:
            if flask_request.headers.get("Authorization") != "Bearer reg-token-123":
                return jsonify({"error": "invalid token"}), 401
            body = flask_request.get_json()
            platform.registrations.append(body)
            return jsonify({**body, "client_id": "dyn-client-1", "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                **body["https://purl.imsglobal.org/spec/lti-tool-configuration"], "deployment_id": "dyn-deployment-1"}})

        return app


# ----- driving a launch ----------------------------------------------------------------------------------------------

_INPUT = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
_ACTION = re.compile(r'<form method="POST" action="([^"]+)"')


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class LaunchRun:
    login: TestResponse
    form: dict[str, str]
    response: TestResponse


def authorise(client: FlaskClient, platform: FakePlatform, spec: LaunchSpec) -> tuple[TestResponse, dict[str, str], str]:
    """Login initiation at the tool, then the platform's authorisation step: (tool login response, the auto-post
    form's fields, its action)."""
    login = client.get(_path(platform.login_url(spec)))
    assert login.status_code == 302, (login.status_code, login.get_data(as_text=True)[:500])
    page = requests.get(login.headers["Location"], timeout=10)
    assert page.status_code == 200, page.text
    fields = {name: html.unescape(value) for name, value in _INPUT.findall(page.text)}
    action = _ACTION.search(page.text)
    assert action, page.text
    return login, fields, html.unescape(action.group(1))


def run_launch(client: FlaskClient, platform: FakePlatform, spec: LaunchSpec,
               post: Callable[[dict[str, str]], dict[str, str]] | None = None) -> LaunchRun:
    """A full launch; ``post`` may change the fields posted to the tool (missing state, other state…)."""
    login, fields, action = authorise(client, platform, spec)
    data = post(dict(fields)) if post else fields
    response = client.post(_path(action), data=data)
    return LaunchRun(login=login, form=fields, response=response)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

