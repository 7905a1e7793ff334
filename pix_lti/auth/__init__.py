"""Entry points that authenticate people (local login here; SAML/OIDC later) and the access checks every view uses."""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.auth import access
    from pix_lti.auth.blueprint import bp

    access.init_current_user(app)
    app.register_blueprint(bp)
