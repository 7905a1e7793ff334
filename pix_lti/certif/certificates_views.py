"""A student's certification results and certificates (page + PDF). Another person's result id answers 404, like a
missing one."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale

from pix_lti.auth.access import current_user, login_required
from pix_lti.certif import certificates
from pix_lti.certif.certificate_pdf import certificate_pdf
from pix_lti.certif.jury_views import reason_labels
from pix_lti.db import get_db
from pix_lti.documents.pdf import pdf_response_headers


def _locale() -> str:
    return str(get_locale() or "fr")


def view_of(result_id: int) -> certificates.CertificateView:
    user = current_user()
    assert user is not None
    db = get_db()
    result = certificates.certificate_of_user(db, user.id, result_id)
    if result is None:
        abort(404)
    settings = current_app.config["PIX_SETTINGS"]
    return certificates.certificate_view(db, result, locale=_locale(), timezone=settings.timezone,
                                         public_url=settings.public_url)


@login_required
def my_certificates() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    results = certificates.results_of_user(get_db(), user.id)
    return render_template("certif/certificate_list.html", results=results, reasons=reason_labels(),
                           is_certificate=certificates.is_certificate)


@login_required
def certificate_page(result_id: int) -> ResponseReturnValue:
    return render_template("certif/certificate_page.html", view=view_of(result_id), public=False)


@login_required
def certificate_download(result_id: int) -> ResponseReturnValue:
    view = view_of(result_id)
    locale = _locale()
    with force_locale(locale):
        data = certificate_pdf(view.data, lang=locale)
    filename = f"certificat-pix-{view.data.verification_code}.pdf"
    return make_response(data, 200, pdf_response_headers(filename, inline=False))
