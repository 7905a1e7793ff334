"""Campaigns on the student side: joining by code, the landing page, the external id, the campaign test (served by the
assessment pages), the end page with mastery and stage, sharing results with the organisation and retrying."""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.demo import register_demo_loader
    from pix_lti.participation.blueprint import bp
    from pix_lti.participation.demo import load_demo_campaigns

    app.register_blueprint(bp)
    register_demo_loader(app, load_demo_campaigns)
