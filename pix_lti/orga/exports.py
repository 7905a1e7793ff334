"""The campaign results CSV, streamed: the header is built in the request, then rows are read in id-ordered batches
by a reader session of their own (the request's unit of work has ended when the body is sent) and encoded one by
one, so memory stays bounded whatever the number of participants."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, stream_with_context
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import get_db
from pix_lti.identity.models import User
from pix_lti.orga import badges as badge_rules
from pix_lti.orga import campaigns as campaign_services
from pix_lti.orga import referential, reporting
from pix_lti.orga.access import campaign_or_404, orga_route
from pix_lti.orga.csv_export import encode_rows, percent_cell
from pix_lti.orga.models import Campaign, CampaignParticipation, CampaignType, ParticipationStatus

BATCH = 500

STATUS_LABELS = {ParticipationStatus.STARTED: "En cours", ParticipationStatus.TO_SHARE: "Terminé, non envoyé",
                 ParticipationStatus.SHARED: "Envoyé"}


@dataclass(frozen=True)
class ExportPlan:
    """Everything rows need, computed once in the request (plain values: rows are built after it ends)."""

    organisation_id: int
    campaign_id: int
    fixed: tuple[str, ...]  # organisation, campaign, code, target profile
    kind: CampaignType
    has_external_id: bool
    competences: tuple[str, ...]  # codes, référentiel order
    areas: tuple[str, ...]
    area_of: dict[str, str]
    target_ids: frozenset[str] | None
    timezone: str
    badges: tuple[tuple[str, tuple[str, ...], int], ...] = ()  # (title, skill ids, threshold)


def build_plan(session: Session, campaign: Campaign, timezone: str) -> tuple[ExportPlan, list[str]]:
    pack_key = campaign_services.campaign_pack_key(session, campaign)
    infos = referential.competences(session, pack_key)
    target_ids: frozenset[str] | None = None
    badge_specs: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    if campaign.type is CampaignType.ASSESSMENT and campaign.target_profile is not None:
        skills = campaign_services.target_skills(session, campaign.target_profile)
        badge_specs = tuple((b.title, tuple(badge_rules.badge_skill_ids(b, skills)), b.threshold)
                            for b in campaign.badges)
        target_ids = frozenset(s.id for s in skills)
        used = {s.competence for s in skills}
        infos = [i for i in infos if i.code in used]
    areas = tuple(dict.fromkeys(i.area_code for i in infos))
    plan = ExportPlan(
        organisation_id=campaign.organisation_id, campaign_id=campaign.id,
        fixed=(campaign.organisation.name, campaign.title, campaign.code,
               campaign.target_profile.name if campaign.target_profile else ""),
        kind=campaign.type, has_external_id=bool(campaign.external_id_label),
        competences=tuple(i.code for i in infos), areas=areas, area_of={i.code: i.area_code for i in infos},
        target_ids=target_ids, timezone=timezone, badges=badge_specs)
    header = ["Organisation", "Campagne", "Code", "Profil cible", "Nom", "Prénom", "Classe", "Groupe"]
    if campaign.external_id_label:
        header.append(campaign.external_id_label)
    header += ["Statut", "Progression", "Date de début", "Date d'envoi", "Envoyé"]
    if campaign.type is CampaignType.ASSESSMENT:
        header += ["Palier", *(f"Badge {title}" for title, _, _ in plan.badges), "% de maîtrise"]
        for label, codes in (("compétence", plan.competences), ("domaine", plan.areas)):
            for code in codes:
                header += [f"% de maîtrise {label} {code}", f"Acquis testés {label} {code}",
                           f"Acquis validés {label} {code}"]
    else:
        header.append("Pix total")
        for code in plan.competences:
            header += [f"Niveau {code}", f"Pix {code}"]
    return plan, header


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone) if value is not None else None


def assessment_cells(plan: ExportPlan, results: dict[str, Any] | None) -> list[Any]:
    """Stage, mastery, then per competence and per area: mastery, tested and validated skills (blank until sent)."""
    width = 2 + len(plan.badges) + 3 * (len(plan.competences) + len(plan.areas))
    if not results:
        return [""] * width
    stage = results.get("stage") or {}
    statuses = results.get("skills") or {}
    cells: list[Any] = [stage.get("title", "")]
    for _title, skill_ids, threshold in plan.badges:  # same exact rule as badges.acquired
        validated = sum(1 for sid in skill_ids if statuses.get(sid) == "validated")
        cells.append(bool(skill_ids) and validated * 100 >= threshold * len(skill_ids))
    cells.append(percent_cell(results.get("mastery_rate")))
    per_competence = results.get("competences") or {}
    area_totals: dict[str, list[int]] = {code: [0, 0, 0] for code in plan.areas}
    for code in plan.competences:
        c = per_competence.get(code) or {}
        validated, tested, total = int(c.get("validated", 0)), int(c.get("tested", 0)), int(c.get("total", 0))
        cells += [percent_cell(validated / total if total else 0.0), tested, validated]
        sums = area_totals[plan.area_of[code]]
        sums[0], sums[1], sums[2] = sums[0] + validated, sums[1] + tested, sums[2] + total
    for code in plan.areas:
        validated, tested, total = area_totals[code]
        cells += [percent_cell(validated / total if total else 0.0), tested, validated]
    return cells


def profile_cells(plan: ExportPlan, results: dict[str, Any] | None) -> list[Any]:
    if not results:
        return [""] * (1 + 2 * len(plan.competences))
    per_competence = results.get("competences") or {}
    cells: list[Any] = [results.get("total_pix", "")]
    for code in plan.competences:
        c = per_competence.get(code) or {}
        cells += [c.get("level", 0), c.get("pix", 0)]
    return cells


def export_rows(session: Session, plan: ExportPlan) -> Iterator[Sequence[Any]]:
    """Rows in participation id order, read ``BATCH`` at a time (keyset pagination: no offset scans)."""
    zone = ZoneInfo(plan.timezone)
    last_id = 0
    while True:
        batch = session.execute(
            select(CampaignParticipation, User).join(User, User.id == CampaignParticipation.user_id)
            .where(CampaignParticipation.campaign_id == plan.campaign_id, CampaignParticipation.is_improved.is_(False),
                   CampaignParticipation.id > last_id)
            .order_by(CampaignParticipation.id).limit(BATCH)).all()
        if not batch:
            return
        user_ids = [u.id for _, u in batch]
        groups = reporting.group_names(session, plan.organisation_id, user_ids)
        divisions = reporting.division_names(session, plan.organisation_id, user_ids)
        for participation, user in batch:
            row: list[Any] = [*plan.fixed, user.last_name, user.first_name, divisions.get(user.id, ""),
                              groups.get(user.id, "")]
            if plan.has_external_id:
                row.append(participation.external_id or "")
            shared = participation.status is ParticipationStatus.SHARED
            row += [STATUS_LABELS[participation.status],
                    f"{reporting.progress_percent(session, participation, plan.target_ids)} %",
                    _local(participation.created_at, zone), _local(participation.shared_at, zone), shared]
            results = participation.results if shared else None
            row += assessment_cells(plan, results) if plan.kind is CampaignType.ASSESSMENT \
                else profile_cells(plan, results)
            yield row
        last_id = batch[-1][0].id
        session.expunge_all()  # bounded memory: forget the batch's objects


def filename(campaign: Campaign) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", campaign.title).strip("-")[:40] or "campagne"
    return f"resultats-{campaign.code}-{slug}.csv"


@orga_route()
def campaign_csv(org_id: int, campaign_id: int) -> ResponseReturnValue:
    campaign = campaign_or_404(campaign_id)
    plan, header = build_plan(get_db(), campaign, current_app.config["PIX_SETTINGS"].timezone)
    database = current_app.extensions["pix_lti.db"]

    def generate() -> Iterator[bytes]:
        session = database.reader_session()
        try:
            yield from encode_rows(header, export_rows(session, plan))
        finally:
            session.close()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(campaign)}"'
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response
