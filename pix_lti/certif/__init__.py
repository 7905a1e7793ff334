"""Certification: centres and sessions (centre members), candidate entry and the certification test (students), the
invigilator portal, and — registered by their own blueprint — scoring, jury, certificates and public verification."""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.certif.blueprint import bp

    app.register_blueprint(bp)
