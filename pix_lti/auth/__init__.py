"""Entry points that authenticate people (local login, SAML in ``saml/``) and the access checks every view uses."""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.auth import access, forced_change
    from pix_lti.auth.blueprint import bp

    access.init_current_user(app)
    app.register_blueprint(bp)
    from pix_lti.auth.saml.setup import init_saml

    init_saml(app)
    # App-wide, like ``bp.before_app_request``; registered on the app itself because a module-level blueprint keeps its
    # deferred hooks and would add one more copy for every app created in the same process (tests create many).
    app.before_request(forced_change.require_password_change)
