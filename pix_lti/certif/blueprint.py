"""URLs of the certification pages (centre, candidate, invigilator). Scoring, jury and certificates live on the
``certif_results`` blueprint."""

from flask import Blueprint

from pix_lti.certif import candidate_views, centre_views, invigilator_views

bp = Blueprint("certif", __name__, url_prefix="/certif", template_folder="templates")

# Centre (staff of the organisation)
C = "/centres/<int:org_id>"
bp.add_url_rule(C, view_func=centre_views.home, endpoint="centre")
bp.add_url_rule(f"{C}/activer", view_func=centre_views.activate, methods=["POST"], endpoint="activate")
bp.add_url_rule(f"{C}/sessions/nouvelle", view_func=centre_views.new_session, methods=["GET", "POST"],
                endpoint="new_session")
S = f"{C}/sessions/<int:session_id>"
bp.add_url_rule(S, view_func=centre_views.session_page, endpoint="session")
bp.add_url_rule(f"{S}/modifier", view_func=centre_views.edit_session, methods=["GET", "POST"],
                endpoint="edit_session")
bp.add_url_rule(f"{S}/mot-de-passe", view_func=centre_views.regenerate_password, methods=["POST"],
                endpoint="regenerate_password")
bp.add_url_rule(f"{S}/candidats", view_func=centre_views.enrol, methods=["POST"], endpoint="enrol")
bp.add_url_rule(f"{S}/candidats/classe", view_func=centre_views.enrol_class, methods=["GET", "POST"],
                endpoint="enrol_class")
bp.add_url_rule(f"{S}/candidats/<int:candidate_id>/retirer", view_func=centre_views.remove_candidate,
                methods=["POST"], endpoint="remove_candidate")

# Candidate (a logged-in student)
bp.add_url_rule("/rejoindre", view_func=candidate_views.join, methods=["GET", "POST"], endpoint="join")
bp.add_url_rule("/candidat/<int:candidate_id>", view_func=candidate_views.candidate, endpoint="candidate")
bp.add_url_rule("/candidat/<int:candidate_id>/commencer", view_func=candidate_views.start, methods=["POST"],
                endpoint="start")

# Invigilator (session number + invigilator password; scope: that session)
bp.add_url_rule("/surveillant", view_func=invigilator_views.login, methods=["GET", "POST"],
                endpoint="invigilator_login")
bp.add_url_rule("/surveillant/quitter", view_func=invigilator_views.logout, methods=["POST"],
                endpoint="invigilator_logout")
V = "/surveillant/sessions/<int:session_id>"
bp.add_url_rule(V, view_func=invigilator_views.session_page, endpoint="invigilator_session")
bp.add_url_rule(f"{V}/finaliser", view_func=invigilator_views.finalise, methods=["GET", "POST"],
                endpoint="invigilator_finalise")
VC = f"{V}/candidats/<int:candidate_id>"
bp.add_url_rule(VC, view_func=invigilator_views.candidate_page, methods=["GET", "POST"],
                endpoint="invigilator_candidate")
for _action in ("authorise", "pause", "end", "absent", "present"):
    bp.add_url_rule(f"{VC}/{_action}", view_func=getattr(invigilator_views, _action), methods=["POST"],
                    endpoint=f"invigilator_{_action}")


def _local_time(moment: object) -> str:
    """A stored UTC datetime in the settings' time zone, as dd/mm/yyyy hh:mm."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from flask import current_app

    if not isinstance(moment, datetime):
        return ""
    return moment.astimezone(ZoneInfo(current_app.config["PIX_SETTINGS"].timezone)).strftime("%d/%m/%Y %H:%M")


@bp.context_processor
def _certif_helpers() -> dict[str, object]:
    return {"local_time": _local_time}


