"""Pages for accounts without email: generate a class's accounts (printable PDF, printable page or CSV, shown once) and
reset a student's password (teachers and référents).

The format is chosen on the generation form, before generating: one POST creates the accounts and returns that one
document. Temporary passwords exist in clear only in that response (``no-store``); only their hashes are kept, so there
is no second download to offer later — generating again gives new temporary passwords to pupils who have not logged in
yet. Nothing (no cache, no server-side file, no session) holds a password between two requests."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from pix_lti.db import get_db, utcnow
from pix_lti.documents.pdf import pdf_response_headers
from pix_lti.orga import accounts, accounts_pdf, reporting
from pix_lti.orga.access import orga, orga_route
from pix_lti.orga.csv_export import encode_rows
from pix_lti.orga.models import OrganisationLearner

NOTES = {"new": "Nouveau compte", "reset": "Nouveau mot de passe provisoire", "active": "Compte déjà activé",
         "external": "Se connecte par l'ENT"}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # temporary passwords
    return response


@orga_route()
def class_accounts(org_id: int) -> ResponseReturnValue:
    db = get_db()
    divisions = reporting.organisation_divisions(db, org_id)
    if request.method == "GET":
        return render_template("orga/accounts.html", divisions=divisions, error=None)
    division = request.form.get("classe") or ""
    if division not in divisions:
        return render_template("orga/accounts.html", divisions=divisions, error=_("Choisissez une classe.")), 422
    rows = accounts.generate_class_accounts(db, orga().organisation, division)
    if request.form.get("format") == "csv":
        body = b"".join(encode_rows(
            ["Classe", "Nom", "Prénom", "Identifiant", "Mot de passe provisoire", "État"],
            ([r.division, r.last_name, r.first_name, r.username or "", r.password or "", NOTES[r.note]] for r in rows)))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        safe = "".join(c if c.isalnum() else "-" for c in division)
        response.headers["Content-Disposition"] = f'attachment; filename="comptes-{safe}.csv"'
        return _no_store(response)
    if request.form.get("format") == "pdf":
        info = accounts_pdf.SheetInfo(school=orga().organisation.name, division=division,
                                      date_text=format_date(utcnow(), format="long"),
                                      login_url=url_for("auth.login", _external=True))
        body = accounts_pdf.account_sheet_pdf(rows, info, lang=str(get_locale() or "fr"))
        safe = "".join(c if c.isalnum() else "-" for c in division)
        return Response(body, headers=pdf_response_headers(f"comptes-{safe}.pdf"))
    return _no_store(Response(render_template("orga/account_sheet.html", rows=rows, division=division, notes=NOTES)))


@orga_route()
def reset_password(org_id: int, learner_id: int) -> ResponseReturnValue:
    db = get_db()
    learner = db.get(OrganisationLearner, learner_id)
    if learner is None or learner.organisation_id != org_id:
        abort(404)
    try:
        row = accounts.reset_password(db, orga().organisation, learner)
    except accounts.NotAStudentAccount:
        abort(403)
    return _no_store(Response(render_template("orga/account_sheet.html", rows=[row], division=learner.division,
                                              notes=NOTES)))
