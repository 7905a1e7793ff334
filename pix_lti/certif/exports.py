"""Result lists for the school: a published session's results as CSV (the centre's staff), and the Orga page listing
the published results of an organisation's learners. Both use only published results; the CSV helpers are Orga's
(UTF-8 BOM, ``;``, formula injection neutralised)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import abort, current_app, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import or_
from sqlalchemy.orm import Session

from pix_lti.certif.access import centre_route, session_or_404
from pix_lti.certif.certificates import local_date, published_results_query
from pix_lti.certif.jury_views import reason_labels
from pix_lti.certif.models import (
    CertificationCandidate,
    CertificationCentre,
    CertificationResult,
    CertificationSession,
    ResultStatus,
    SessionStatus,
)
from pix_lti.db import get_db
from pix_lti.orga.access import orga, orga_route
from pix_lti.orga.csv_export import encode_rows
from pix_lti.orga.models import OrganisationLearner
from pix_lti.participation.presenters import competence_names, referential


def status_labels() -> dict[ResultStatus, str]:
    return {ResultStatus.VALIDATED: _("Validée"), ResultStatus.REJECTED: _("Rejetée"),
            ResultStatus.CANCELLED: _("Annulée"), ResultStatus.PENDING_JURY: _("En attente du jury")}


def _competence_codes(db: Session, results: Sequence[CertificationResult]) -> list[tuple[str, str]]:
    """(code, name) of the référentiel's competences, from the pack of the first result (all share one in practice)."""
    if not results:
        return []
    names = competence_names(referential(db, results[0].course.assessment.pack_key, str(get_locale() or "fr")))
    return list(names.items())


def session_rows(db: Session, certification_session: CertificationSession) -> tuple[list[str], list[list[Any]]]:
    settings = current_app.config["PIX_SETTINGS"]
    results = [c.course.result for c in certification_session.candidates
               if c.course is not None and c.course.result is not None]
    comps = _competence_codes(db, results)
    header = [_("Numéro de session"), _("Date"), _("Nom"), _("Prénom"), _("Date de naissance"),
              _("Identifiant externe"), _("Statut"), _("Score pix"),
              *[_("Niveau %(code)s", code=code) for code, _name in comps],
              _("Motifs"), _("Code de vérification"), _("Valable jusqu'au")]
    statuses, reasons = status_labels(), reason_labels()
    day = local_date(certification_session.starts_at, settings.timezone).strftime("%d/%m/%Y")
    rows: list[list[Any]] = []
    for candidate in certification_session.candidates:
        result = candidate.course.result if candidate.course is not None else None
        base = [certification_session.id, day, candidate.last_name, candidate.first_name,
                candidate.birth_date.strftime("%d/%m/%Y"), candidate.external_id]
        if result is None:
            rows.append([*base, _("Absent") if candidate.course is None else _("Non noté"), "",
                         *["" for _c in comps], "", "", ""])
            continue
        validated = result.status is ResultStatus.VALIDATED
        levels = [(result.competence_levels.get(code, -1) if validated else "") for code, _n in comps]
        rows.append([*base, statuses[result.status], result.pix_score if validated else "",
                     *[("" if lv == "" else (lv if lv >= 1 else _("Non certifiée"))) for lv in levels],
                     ", ".join(reasons.get(r, r) for r in result.reasons),
                     result.verification_code or "",
                     result.valid_until.strftime("%d/%m/%Y") if isinstance(result.valid_until, date) else ""])
    return header, rows


@centre_route()
def session_csv(org_id: int, session_id: int) -> ResponseReturnValue:
    certification_session = session_or_404(session_id)
    if certification_session.status is not SessionStatus.PUBLISHED:
        abort(404)  # results exist for the centre only once the jury has published them
    header, rows = session_rows(get_db(), certification_session)
    body = b"".join(encode_rows(header, rows))
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certification-session-{certification_session.id}-resultats.csv"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


def organisation_results(db: Session, organisation_id: int) -> list[CertificationResult]:
    """Published, non-cancelled results of the organisation's learners: candidates enrolled from its roster, or who
    sat in a session of its own centre."""
    return list(db.scalars(
        published_results_query()
        .join(CertificationCentre, CertificationSession.centre_id == CertificationCentre.id)
        .outerjoin(OrganisationLearner, CertificationCandidate.organisation_learner_id == OrganisationLearner.id)
        .where(or_(CertificationCentre.organisation_id == organisation_id,
                   OrganisationLearner.organisation_id == organisation_id),
               CertificationResult.status != ResultStatus.CANCELLED)
        .order_by(CertificationSession.starts_at.desc(), CertificationCandidate.last_name,
                  CertificationCandidate.first_name)))


@orga_route()
def orga_results(org_id: int) -> ResponseReturnValue:
    db = get_db()
    context = orga()
    results = organisation_results(db, context.organisation.id)
    settings = current_app.config["PIX_SETTINGS"]
    return render_template("certif/results_orga.html", orga_context=context, results=results,
                           statuses=status_labels(), reasons=reason_labels(),
                           day=lambda r: local_date(r.course.candidate.session.starts_at, settings.timezone))
