"""``/orga``: the organisations of the current person (one → straight to it; several → a chooser), and an
organisation's home page."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from pix_lti.auth.access import current_user, login_required
from pix_lti.db import get_db
from pix_lti.orga.access import orga, orga_route, staff_memberships
from pix_lti.orga.models import Campaign, CampaignParticipation


@login_required
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    memberships = staff_memberships(get_db(), user)
    if not memberships:
        abort(403)  # a student or a person of no organisation: Orga is for staff
    if len(memberships) == 1:
        return redirect(url_for("orga.organisation", org_id=memberships[0].organisation_id))
    return render_template("orga/choose.html", memberships=memberships)


@orga_route()
def organisation(org_id: int) -> ResponseReturnValue:
    db = get_db()
    context = orga()
    counts = db.execute(
        select(Campaign.archived_at.is_(None), func.count(Campaign.id))
        .where(Campaign.organisation_id == org_id).group_by(Campaign.archived_at.is_(None))).all()
    active = sum(n for is_active, n in counts if is_active)
    shared = db.scalar(select(func.count(CampaignParticipation.id)).join(Campaign)
                       .where(Campaign.organisation_id == org_id, CampaignParticipation.shared_at.is_not(None))) or 0
    others = staff_memberships(db, context.user)
    return render_template("orga/organisation.html", active_campaigns=active, shared_count=shared,
                           other_memberships=[m for m in others if m.organisation_id != org_id])
