"""Wires the SAML service provider into the app: blueprint, CSRF exemption of the cross-site ACS POST, CLI group."""

from __future__ import annotations

from flask import Flask


def init_saml(app: Flask) -> None:
    from pix_lti.auth.saml import views
    from pix_lti.auth.saml.admin import admin_bp
    from pix_lti.auth.saml.cli import saml_group

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_bp)
    # The IdP posts the response from its own origin: no CSRF token; the signature, InResponseTo and the single-use
    # assertion id protect it instead.
    app.extensions["csrf"].exempt(views.acs)
    app.cli.add_command(saml_group)
