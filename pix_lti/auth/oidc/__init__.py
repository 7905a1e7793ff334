"""OpenID Connect connector for ENTs that offer it: per-provider discovery, client id/secret, scopes and claim mapping,
authorization code flow with state, nonce and PKCE (authlib), ending in the same provisioning as SAML."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.auth.oidc import views
    from pix_lti.auth.oidc.cli import oidc_group

    app.register_blueprint(views.bp)
    app.cli.add_command(oidc_group)
