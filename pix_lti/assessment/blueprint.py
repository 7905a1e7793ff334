"""URLs of the student pages (French paths, like the rest of the student journey)."""

from flask import Blueprint

from pix_lti.assessment import taking, views

bp = Blueprint("assessment", __name__, template_folder="templates")

bp.add_url_rule("/profil", view_func=views.profile, endpoint="profile")
bp.add_url_rule("/competences/<code>/evaluer", view_func=views.start, methods=["POST"], endpoint="start")
bp.add_url_rule("/competences/<code>/remise-a-zero", view_func=views.reset, methods=["GET", "POST"],
                endpoint="reset")

bp.add_url_rule("/evaluations/<int:assessment_id>", view_func=taking.router, endpoint="router")
bp.add_url_rule("/evaluations/<int:assessment_id>/question", view_func=taking.question, methods=["GET", "POST"],
                endpoint="question")
bp.add_url_rule("/evaluations/<int:assessment_id>/question/demarrer", view_func=taking.start_timer,
                methods=["POST"], endpoint="start_timer")
bp.add_url_rule("/evaluations/<int:assessment_id>/point-etape", view_func=taking.checkpoint,
                methods=["GET", "POST"], endpoint="checkpoint")
bp.add_url_rule("/evaluations/<int:assessment_id>/resultat", view_func=taking.result, endpoint="result")

bp.add_url_rule("/mes-tutos", view_func=views.saved_tutorials, endpoint="saved_tutorials")
bp.add_url_rule("/mes-tutos/<int:tutorial_id>", view_func=views.save_tutorial, methods=["POST"],
                endpoint="save_tutorial")
bp.add_url_rule("/mes-tutos/<int:tutorial_id>/retirer", view_func=views.remove_tutorial, methods=["POST"],
                endpoint="remove_tutorial")
