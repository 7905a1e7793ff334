"""URLs of the results side of certification (issue 9, part "results"): the jury (platform administrators), students'
certificates, the public verification page, the centre's CSV export and the Orga page of results. The centre,
candidate and invigilator pages are on the ``certif`` blueprint (``blueprint.py``)."""

from flask import Blueprint

from pix_lti.certif import certificates_views, exports, jury_views, verification

bp = Blueprint("certif_results", __name__, template_folder="templates")

bp.add_url_rule("/certif/jury", view_func=jury_views.sessions, endpoint="jury_sessions")
bp.add_url_rule("/certif/jury/sessions/<int:session_id>", view_func=jury_views.session_page, endpoint="jury_session")
bp.add_url_rule("/certif/jury/sessions/<int:session_id>/publier", view_func=jury_views.publish, methods=["POST"],
                endpoint="jury_publish")
bp.add_url_rule("/certif/jury/resultats/<int:result_id>/<any(neutraliser, rejeter, annuler, rouvrir, commenter):action>",
                view_func=jury_views.result_action, methods=["POST"], endpoint="jury_result_action")
bp.add_url_rule("/certificats", view_func=certificates_views.my_certificates, endpoint="my_certificates")
bp.add_url_rule("/certificats/<int:result_id>", view_func=certificates_views.certificate_page, endpoint="certificate")
bp.add_url_rule("/certificats/<int:result_id>/certificat.pdf", view_func=certificates_views.certificate_download,
                endpoint="certificate_pdf")
bp.add_url_rule("/verification", view_func=verification.verification_form, endpoint="verification_form")
bp.add_url_rule("/verification/<code>", view_func=verification.verification, endpoint="verification")
bp.add_url_rule("/certif/centres/<int:org_id>/sessions/<int:session_id>/resultats.csv", view_func=exports.session_csv,
                endpoint="session_csv")
bp.add_url_rule("/orga/<int:org_id>/certifications", view_func=exports.orga_results, endpoint="orga_results")


@bp.context_processor
def _formatting() -> dict[str, object]:
    """Dates in the reader's language and the settings' time zone (Flask-Babel's default timezone)."""
    from flask_babel import format_date, format_datetime

    return {"fmt_datetime": lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
            "fmt_date": lambda value, fmt="long": format_date(value, fmt) if value else ""}


