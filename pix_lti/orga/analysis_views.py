"""The collective analysis page of an assessment campaign (shared results only)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import select

from pix_lti.content.models import ContentPack, Skill
from pix_lti.db import get_db
from pix_lti.identity.models import User
from pix_lti.orga import analysis, reporting
from pix_lti.orga import campaigns as campaign_services
from pix_lti.orga import referential
from pix_lti.orga.access import campaign_or_404, orga_route
from pix_lti.orga.models import CampaignParticipation, CampaignType, ParticipationStatus


@orga_route()
def campaign_analysis(org_id: int, campaign_id: int) -> ResponseReturnValue:
    db = get_db()
    campaign = campaign_or_404(campaign_id)
    if campaign.type is not CampaignType.ASSESSMENT or campaign.target_profile is None:
        return render_template("orga/analysis.html", campaign=campaign, result=None, svg=None, progress=None)
    pack_key = campaign.target_profile.pack_key
    target = campaign_services.target_skills(db, campaign.target_profile)
    names = dict(db.execute(select(Skill.source_id, Skill.name).join(ContentPack)
                            .where(ContentPack.key == pack_key, Skill.source_id.in_([s.id for s in target]))).all())
    skills = [analysis.SkillInfo(s.id, names.get(s.id, s.id), s.tube, s.competence, s.level) for s in target]
    rows = db.execute(select(CampaignParticipation.user_id, CampaignParticipation.results)
                      .join(User, User.id == CampaignParticipation.user_id)
                      .where(CampaignParticipation.campaign_id == campaign.id,
                             CampaignParticipation.is_improved.is_(False),
                             CampaignParticipation.status == ParticipationStatus.SHARED)).all()
    divisions = reporting.division_names(db, org_id, [user_id for user_id, _ in rows])
    result = analysis.analyse(skills, ((divisions.get(user_id), results or {}) for user_id, results in rows))
    progress = None
    if campaign.multiple_sendings:  # every sending, the older (improved) ones too
        progress = analysis.sending_progress(db.execute(
            select(CampaignParticipation.user_id, CampaignParticipation.shared_at, CampaignParticipation.mastery_rate)
            .where(CampaignParticipation.campaign_id == campaign.id,
                   CampaignParticipation.status == ParticipationStatus.SHARED,
                   CampaignParticipation.mastery_rate.is_not(None))).all())
    competence_names = {c.code: c.name for c in referential.competences(db, pack_key)}
    svg = Markup(analysis.heatmap_svg(result, "Acquis × classes : part des élèves qui maîtrisent l'acquis"))  # noqa: S704 - built from escaped parts
    return render_template("orga/analysis.html", campaign=campaign, result=result, svg=svg,
                           competence_names=competence_names, progress=progress)
