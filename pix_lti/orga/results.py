"""One participant's results as sent to the organisation: mastery, per-competence validated/tested skills, stage,
the skills validated or not, and the tutorials recommended for the failed ones; for a profiles collection, the 16
competence levels and pix. Nothing is shown before the learner sends the results."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.content.models import ContentPack, ItemStatus, Skill, Tutorial
from pix_lti.db import get_db
from pix_lti.orga import badges as badge_rules
from pix_lti.orga import campaigns as campaign_services
from pix_lti.orga import referential
from pix_lti.orga.access import campaign_or_404, orga_route, participation_or_404
from pix_lti.orga.models import ParticipationStatus

MAX_TUTORIALS = 6


def recommended_tutorials(session: Session, pack_key: str, failed_skill_ids: list[str], locale: str) -> list[Tutorial]:
    """Active tutorials attached to the failed skills, in the learner's language first, without duplicates."""
    if not failed_skill_ids:
        return []
    rows = session.scalars(select(Skill).join(ContentPack).where(ContentPack.key == pack_key,
                                                                 Skill.source_id.in_(failed_skill_ids))).all()
    seen: dict[int, Tutorial] = {}
    for skill in sorted(rows, key=lambda s: failed_skill_ids.index(s.source_id)):
        for tutorial in skill.tutorials:
            if tutorial.status is ItemStatus.ACTIVE:
                seen.setdefault(tutorial.id, tutorial)
    ordered = sorted(seen.values(), key=lambda t: not t.locale.startswith(locale))
    return ordered[:MAX_TUTORIALS]


@orga_route()
def participant(org_id: int, campaign_id: int, participation_id: int) -> ResponseReturnValue:
    db = get_db()
    campaign = campaign_or_404(campaign_id)
    participation = participation_or_404(campaign, participation_id)
    results: dict[str, Any] | None = participation.results if participation.status is ParticipationStatus.SHARED else None
    locale = str(get_locale() or "fr")
    pack_key = campaign_services.campaign_pack_key(db, campaign)
    infos = {c.code: c for c in referential.competences(db, pack_key, locale)}
    skill_names: dict[str, str] = {}
    tutorials: list[Tutorial] = []
    badges: list[tuple[str, str, bool]] = []
    if results and results.get("kind") == "assessment" and campaign.target_profile is not None:
        target = campaign_services.target_skills(db, campaign.target_profile)
        badges = [(b.title, b.message, badge_rules.acquired(b, target, results.get("skills") or {}))
                  for b in campaign.badges]
    if results and results.get("kind") == "assessment":
        skills = results.get("skills") or {}
        names = dict(db.execute(select(Skill.source_id, Skill.name).join(ContentPack)
                                .where(ContentPack.key == pack_key, Skill.source_id.in_(list(skills)))).all())
        skill_names = {sid: names.get(sid, sid) for sid in skills}
        failed = [sid for sid, status in skills.items() if status != "validated"]
        tutorials = recommended_tutorials(db, pack_key, failed, locale)
    return render_template("orga/participant.html", campaign=campaign, participation=participation, results=results,
                           infos=infos, skill_names=skill_names, tutorials=tutorials, badges=badges)
