"""The state of a test: assessments, answers and knowledge elements; the student pages that take a test.

``assessment/`` owns what was asked and answered and calls the pure ``engine`` with plain data.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.assessment.blueprint import bp

    app.register_blueprint(bp)
