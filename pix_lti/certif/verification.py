"""The public verification page ``/verification/<code>`` (issue 9 §7): anyone holding a certificate's code (printed, or
in its QR code) sees that certificate — name, date, score, levels, validity — and nothing else. A wrong, malformed,
unpublished, rejected or cancelled code gives the same 404 page through the same path (one query). Every look-up counts
against a per-address rate limit (shared store), so codes cannot be enumerated: 31^8 ≈ 8.5 × 10^11 codes against
30 tries per 10 minutes."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from pix_lti.certif import certificates, codes
from pix_lti.db import get_db
from pix_lti.web import ratelimit

LOOKUPS_PER_ADDRESS = ratelimit.Limit("certif-verification", max_hits=30, window_seconds=10 * 60)


def verification_form() -> ResponseReturnValue:
    """A form to type a code (``?code=`` from the form redirects to the canonical page)."""
    raw = request.args.get("code")
    if raw:
        code = codes.normalise_verification_code(raw)
        return redirect(url_for("certif_results.verification", code=code or "-"))
    return render_template("certif/verification_form.html")


def verification(code: str) -> ResponseReturnValue:
    ratelimit.hit_and_check(LOOKUPS_PER_ADDRESS, request.remote_addr or "-")
    db = get_db()
    result = certificates.find_by_code(db, code)
    if result is None:
        abort(404)
    settings = current_app.config["PIX_SETTINGS"]
    view = certificates.certificate_view(db, result, locale=str(get_locale() or "fr"), timezone=settings.timezone,
                                         public_url=settings.public_url)
    response = current_app.make_response(render_template("certif/verification_page.html", view=view, public=True))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
