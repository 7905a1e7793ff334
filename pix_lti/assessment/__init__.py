"""The state of a test: assessments, answers and knowledge elements; the student pages that take a test.

``assessment/`` owns what was asked and answered and calls the pure ``engine`` with plain data.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from pix_lti.assessment.blueprint import bp
    from pix_lti.assessment.calibration import calibrate_command
    from pix_lti.content.cli import content_group

    app.register_blueprint(bp)
    content_group.add_command(calibrate_command)  # `pix-lti content calibrate`: answers live here, parameters in content
