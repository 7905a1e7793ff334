"""A campaign's live activity: who started, finished or sent results, with progress, filters (status, LMS group),
a search on names and external id, 50 people a page."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from pix_lti.db import get_db
from pix_lti.orga import campaigns as campaign_services
from pix_lti.orga import reporting
from pix_lti.orga.access import campaign_or_404, orga, orga_route

PAGE_SIZE = 50


@orga_route()
def activity(org_id: int, campaign_id: int) -> ResponseReturnValue:
    db = get_db()
    campaign = campaign_or_404(campaign_id)
    groups = reporting.organisation_groups(db, org_id)
    group_id = request.args.get("groupe", type=int)
    if group_id not in {g.id for g in groups}:
        group_id = None  # another organisation's group id filters nothing rather than probing it
    divisions = reporting.organisation_divisions(db, org_id)
    division = request.args.get("classe") or None
    if division not in divisions:
        division = None
    status = request.args.get("statut") or None
    search = (request.args.get("q") or "").strip()[:100]
    query = reporting.participants_query(campaign, status=status, search=search, group_id=group_id,
                                         division=division)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    target_ids = None
    if campaign.target_profile is not None:
        target_ids = frozenset(s.id for s in campaign_services.target_skills(db, campaign.target_profile))
    progress = {p.id: reporting.progress_percent(db, p, target_ids) for p, _ in rows}
    groups_by_user = reporting.group_names(db, orga().organisation.id, [u.id for _, u in rows])
    divisions_by_user = reporting.division_names(db, orga().organisation.id, [u.id for _, u in rows])
    return render_template("orga/activity.html", campaign=campaign, rows=rows, progress=progress,
                           groups_by_user=groups_by_user, groups=groups,
                           divisions_by_user=divisions_by_user, divisions=divisions, division=division, group_id=group_id, status=status,
                           search=search, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           reminders=reporting.reminder_lists(db, campaign, division),
                           counts={s.value: n for s, n in reporting.status_counts(db, campaign).items()}, statuses=list(reporting.StatusFilter))
