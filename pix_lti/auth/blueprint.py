from flask import Blueprint

from pix_lti.auth import views

bp = Blueprint("auth", __name__, template_folder="templates")
bp.add_url_rule("/connexion", view_func=views.login, methods=["GET", "POST"], endpoint="login")
bp.add_url_rule("/deconnexion", view_func=views.logout, methods=["POST"], endpoint="logout")
bp.add_url_rule("/compte/mot-de-passe", view_func=views.change_password, methods=["GET", "POST"],
                endpoint="change_password")
