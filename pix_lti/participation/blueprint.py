"""URLs of the campaign pages (French paths: the codes and links are given to pupils)."""

from flask import Blueprint

from pix_lti.participation import reconcile_views, views

bp = Blueprint("participation", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static-participation")

bp.add_url_rule("/campagnes", view_func=views.join, methods=["GET", "POST"], endpoint="join")
bp.add_url_rule("/campagnes/<code>", view_func=views.landing, endpoint="landing")
bp.add_url_rule("/campagnes/<code>/identifiant", view_func=views.external_id, methods=["GET", "POST"],
                endpoint="external_id")
bp.add_url_rule("/campagnes/<code>/inscription", view_func=reconcile_views.reconcile, methods=["GET", "POST"],
                endpoint="reconcile")
bp.add_url_rule("/campagnes/<code>/commencer", view_func=views.start, methods=["GET", "POST"], endpoint="start")
bp.add_url_rule("/campagnes/<code>/fin", view_func=views.end, endpoint="end")
bp.add_url_rule("/campagnes/<code>/envoyer", view_func=views.share, methods=["POST"], endpoint="share")
bp.add_url_rule("/campagnes/<code>/repasser", view_func=views.retry, methods=["POST"], endpoint="retry")
