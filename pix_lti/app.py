"""The application factory: it only wires things (settings, database, store, extensions, blueprints, CLI, errors).

No migrations, no network access and no data loading happen here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from pix_lti.db import Database, init_request_scope, install_unit_of_work_commit
from pix_lti.kvstore import make_store
from pix_lti.settings import Settings, load_settings
from pix_lti.web import converters, errors, health, i18n, logs, security
from pix_lti.web.sessions import ServerSessionInterface

# Feature packages; each exposes ``init_app(app)`` registering its blueprint(s) and CLI commands.
FEATURES: tuple[str, ...] = (
    "pix_lti.auth",
    "pix_lti.auth.oidc",
    "pix_lti.home",
    "pix_lti.content",
    "pix_lti.assessment",
    "pix_lti.participation",
    "pix_lti.orga",
    "pix_lti.certif",
    "pix_lti.launch",
    "pix_lti.outbox",
)

csrf = CSRFProtect()


def create_app(config_override: Mapping[str, Any] | Settings | None = None, *, database: Database | None = None) -> Flask:
    settings = config_override if isinstance(config_override, Settings) else load_settings(overrides=config_override)
    logs.configure_logging(settings.log_format, settings.log_level)

    app = Flask(__name__, instance_path=settings.instance_dir, instance_relative_config=False)
    app.config.update(
        PIX_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        TESTING=settings.env == "testing",
        # Inside LMS/ENT iframes the session cookie is third-party: it must be SameSite=None; Secure (HTTPS only).
        SESSION_COOKIE_NAME="pix_lti_session",
        SESSION_COOKIE_SECURE=settings.uses_https,
        SESSION_COOKIE_SAMESITE="None" if settings.uses_https else "Lax",
        SESSION_COOKIE_HTTPONLY=True,
        PREFERRED_URL_SCHEME="https" if settings.uses_https else "http",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; a test may last longer than an hour
        WTF_CSRF_SSL_STRICT=False,  # the Referer is often stripped inside iframes; the session-bound token is the check
        TEMPLATES_AUTO_RELOAD=settings.env == "development",
    )
    if settings.proxy_fix:
        n = settings.proxy_fix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]

    database = database or Database.from_url(
        settings.resolved_database_url,
        pool_size=settings.database_pool_size,
        connect_timeout=settings.database_connect_timeout,
    )
    init_request_scope(app, database)
    store = make_store(settings.redis_url, database)
    app.extensions["pix_lti.kv"] = store
    app.session_interface = ServerSessionInterface(store, settings.session_lifetime_minutes * 60)

    converters.init_converters(app)
    csrf.init_app(app)
    i18n.init_i18n(app)
    logs.init_request_ids(app)
    security.init_security_headers(app)
    errors.init_error_handlers(app)
    app.register_blueprint(health.bp)

    for module_name in FEATURES:
        importlib.import_module(module_name).init_app(app)

    from pix_lti.cli import register_commands

    register_commands(app)
    install_unit_of_work_commit(app)  # last: runs first among after-request handlers
    return app
