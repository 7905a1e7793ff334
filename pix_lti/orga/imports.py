"""The organisation's learners (référents and teachers see them; only référents import): the list with class and
active filters, and the roster import — SIECLE XML or SCO CSV, all or nothing, every bad line listed."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from pix_lti.db import get_db, utcnow
from pix_lti.identity.models import OrganisationType
from pix_lti.orga import roster, roster_files
from pix_lti.orga.access import orga, orga_route
from pix_lti.orga.models import OrganisationLearner

PAGE_SIZE = 100


def _today():  # noqa: ANN202 - the same injectable clock as the other pages
    clock = current_app.config.get("PIX_CLOCK")
    return (clock() if clock is not None else utcnow()).date()


def divisions(org_id: int) -> list[str]:
    return list(get_db().scalars(select(OrganisationLearner.division).where(
        OrganisationLearner.organisation_id == org_id, OrganisationLearner.is_active.is_(True))
        .distinct().order_by(OrganisationLearner.division)))


@orga_route()
def learners(org_id: int) -> ResponseReturnValue:
    db = get_db()
    division = request.args.get("classe") or None
    show_left = request.args.get("partis") == "1"
    search = (request.args.get("q") or "").strip()[:100]
    query = select(OrganisationLearner).where(OrganisationLearner.organisation_id == org_id,
                                              OrganisationLearner.is_active.is_(not show_left))
    if division:
        query = query.where(OrganisationLearner.division == division)
    for word in search.lower().split()[:5]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(OrganisationLearner.first_name).like(pattern, escape="\\"),
                                func.lower(OrganisationLearner.last_name).like(pattern, escape="\\")))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.scalars(query.order_by(OrganisationLearner.division, func.lower(OrganisationLearner.last_name),
                                     func.lower(OrganisationLearner.first_name), OrganisationLearner.id)
                      .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("orga/learners.html", learners=rows, divisions=divisions(org_id), division=division,
                           show_left=show_left, search=search, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))


@orga_route(admin=True)
def import_learners(org_id: int) -> ResponseReturnValue:
    organisation = orga().organisation
    if request.method == "GET":
        return render_template("orga/import.html", errors=[], file_error=None)
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    name = (upload.filename or "").lower() if upload is not None else ""
    try:
        if not data:
            raise roster_files.RosterFileError(_("Choisissez un fichier."))
        if organisation.type is OrganisationType.SUP:
            result = roster_files.parse_sup_csv(data, _today())
        elif organisation.type is not OrganisationType.SCO or not organisation.uai:
            raise roster_files.RosterFileError(_("L'import SIECLE ou CSV est réservé aux établissements scolaires "
                                                 "avec un UAI et à l'enseignement supérieur."))
        elif name.endswith(".xml") or data.lstrip()[:1] == b"<":
            result = roster_files.parse_siecle_xml(data, organisation.uai, _today())
        else:
            result = roster_files.parse_sco_csv(data, _today())
    except roster_files.RosterFileError as exc:
        return render_template("orga/import.html", errors=[], file_error=str(exc)), 422
    if result.errors:  # all or nothing: every bad line listed, nothing changed
        return render_template("orga/import.html", errors=roster_files.sorted_errors(result.errors),
                               file_error=None), 422
    if not result.records:
        return render_template("orga/import.html", errors=[],
                               file_error=_("Aucun élève à importer dans ce fichier.")), 422
    summary = roster.apply_roster(get_db(), organisation, result.records, utcnow())
    flash(_("Import terminé : %(c)d élèves ajoutés, %(u)d mis à jour, %(s)d inchangés, %(l)d partis, %(k)d ignorés "
            "(sortis ou sans INE/classe).", c=summary.created, u=summary.updated, s=summary.unchanged,
            l=summary.left, k=result.skipped), "success")
    return redirect(url_for("orga.learners", org_id=org_id), code=303)
