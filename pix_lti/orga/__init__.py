"""Orga: the pages of an organisation's staff (référents ADMIN, teachers MEMBER) — campaigns and target profiles,
live activity, per-participant results and CSV exports. Models and campaign services are shared with the student
side (``orga.models``, ``orga.campaigns``)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.orga.blueprint import bp

    app.register_blueprint(bp)
