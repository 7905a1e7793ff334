"""Certification: centres and sessions (centre members), candidate entry and the certification test (students), the
invigilator portal, and — registered by their own blueprint — scoring, jury, certificates and public verification."""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.certif.blueprint import bp

    app.register_blueprint(bp)
    from pix_lti.certif.results_blueprint import bp as results_bp  # scoring, jury, certificates, verification

    app.register_blueprint(results_bp)
    from pix_lti.certif.access import is_certification_centre

    app.add_template_global(is_certification_centre)  # the Orga navigation links to the centre's pages
    from pix_lti.certif.demo import load_demo_certification
    from pix_lti.demo import register_demo_loader

    register_demo_loader(app, load_demo_certification)
