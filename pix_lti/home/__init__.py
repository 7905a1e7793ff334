"""The landing page: where a visitor starts and where each kind of user finds their way."""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.home.views import bp

    app.register_blueprint(bp)
