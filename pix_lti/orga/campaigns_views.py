"""Campaign pages of Orga: the list (active / archived), creating a campaign (assessment on a target profile, or
profiles collection) with its stages, building a target profile from the référentiel, the campaign page with its
direct link, archiving and unarchiving (the owner or a référent)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from pix_lti.db import get_db, utcnow
from pix_lti.orga import campaigns as campaign_services
from pix_lti.orga import badges as badge_rules
from pix_lti.orga import referential
from pix_lti.orga.access import campaign_or_404, orga, orga_route
from pix_lti.orga.models import (
    Campaign,
    CampaignBadge,
    CampaignParticipation,
    CampaignType,
    ParticipationStatus,
    TargetProfile,
)

MAX_STAGES = 5
TITLE_MAX = 255


def _locale() -> str:
    return str(get_locale() or "fr")


def _pack_key() -> str:
    return str(current_app.config["PIX_SETTINGS"].content_pack)


def available_profiles(org_id: int) -> list[TargetProfile]:
    """Ready-made (public) profiles and the organisation's own."""
    return list(get_db().scalars(select(TargetProfile).where(
        or_(TargetProfile.is_public.is_(True), TargetProfile.organisation_id == org_id))
        .order_by(TargetProfile.is_public.desc(), TargetProfile.name)))


@orga_route()
def campaign_list(org_id: int) -> ResponseReturnValue:
    db = get_db()
    archived = request.args.get("etat") == "archivees"
    mine = request.args.get("mes") == "1"
    query = select(Campaign).where(Campaign.organisation_id == org_id,
                                   Campaign.archived_at.is_not(None) if archived else Campaign.archived_at.is_(None))
    if mine:
        query = query.where(Campaign.owner_id == orga().user.id)
    rows = db.scalars(query.order_by(Campaign.created_at.desc(), Campaign.id.desc())).all()
    counts = dict(db.execute(
        select(CampaignParticipation.campaign_id, func.count(CampaignParticipation.id))
        .where(CampaignParticipation.campaign_id.in_([c.id for c in rows]),
               CampaignParticipation.is_improved.is_(False))
        .group_by(CampaignParticipation.campaign_id)).all()) if rows else {}
    shared = dict(db.execute(
        select(CampaignParticipation.campaign_id, func.count(CampaignParticipation.id))
        .where(CampaignParticipation.campaign_id.in_([c.id for c in rows]),
               CampaignParticipation.is_improved.is_(False),
               CampaignParticipation.status == ParticipationStatus.SHARED)
        .group_by(CampaignParticipation.campaign_id)).all()) if rows else {}
    return render_template("orga/campaigns.html", campaigns=rows, counts=counts, shared=shared, archived=archived,
                           mine=mine)


@dataclass
class CampaignDraft:
    """What the creation form holds, validated; ``errors`` maps a field name to its message."""

    title: str = ""
    type: str = CampaignType.ASSESSMENT.value
    target_profile_id: int | None = None
    landing_text: str = ""
    external_id_label: str = ""
    multiple_sendings: bool = False
    stages: list[tuple[str, str, str]] | None = None
    badges: list[tuple[str, str, str, str]] | None = None

    @classmethod
    def from_form(cls, form: dict[str, str]) -> CampaignDraft:
        raw_profile = (form.get("target_profile_id") or "").strip()
        return cls(title=(form.get("title") or "").strip(), type=form.get("type") or "",
                   target_profile_id=int(raw_profile) if raw_profile.isdigit() else None,
                   landing_text=(form.get("landing_text") or "").strip(),
                   external_id_label=(form.get("external_id_label") or "").strip(),
                   multiple_sendings=form.get("multiple_sendings") == "1",
                   stages=[((form.get(f"stage_threshold_{i}") or "").strip(), (form.get(f"stage_title_{i}") or "").strip(),
                            (form.get(f"stage_message_{i}") or "").strip()) for i in range(MAX_STAGES)],
                   badges=[tuple((form.get(f"badge_{name}_{i}") or "").strip()  # type: ignore[misc]
                                 for name in ("title", "threshold", "tubes", "message"))
                           for i in range(badge_rules.MAX_BADGES)])


def validate_draft(draft: CampaignDraft, profiles: list[TargetProfile]) -> tuple[dict[str, str], list[tuple[int, str, str]]]:
    errors: dict[str, str] = {}
    if not draft.title:
        errors["title"] = _("Donnez un titre à la campagne.")
    elif len(draft.title) > TITLE_MAX:
        errors["title"] = _("Le titre est trop long (255 caractères au plus).")
    if draft.type not in {t.value for t in CampaignType}:
        errors["type"] = _("Choisissez le type de campagne.")
    elif draft.type == CampaignType.ASSESSMENT.value and draft.target_profile_id not in {p.id for p in profiles}:
        errors["target_profile_id"] = _("Choisissez un profil cible.")
    if len(draft.external_id_label) > 255:
        errors["external_id_label"] = _("Le libellé est trop long (255 caractères au plus).")
    stages: list[tuple[int, str, str]] = []
    for threshold, title, message in draft.stages or []:
        if not (threshold or title or message):
            continue
        if not threshold.isdigit() or not 0 <= int(threshold) <= 100 or not title:
            errors["stages"] = _("Chaque palier a un seuil entre 0 et 100 % et un titre.")
            continue
        stages.append((int(threshold), title[:255], message))
    if len({s[0] for s in stages}) != len(stages):
        errors["stages"] = _("Deux paliers ne peuvent pas avoir le même seuil.")
    return errors, stages


@orga_route()
def new_campaign(org_id: int) -> ResponseReturnValue:
    context = orga()
    profiles = available_profiles(org_id)
    draft = CampaignDraft(target_profile_id=request.args.get("profil", type=int))
    errors: dict[str, str] = {}
    if request.method == "POST":
        draft = CampaignDraft.from_form(request.form.to_dict())
        errors, stages = validate_draft(draft, profiles)
        is_assessment = draft.type == CampaignType.ASSESSMENT.value
        profile = next((p for p in profiles if p.id == draft.target_profile_id), None) if is_assessment else None
        badges, badge_error = badge_rules.parse_badges(draft.badges or [], set(profile.tubes) if profile else set())
        if badge_error is not None:
            errors["badges"] = (_("Chaque badge a un titre et un seuil entre 0 et 100 %.")
                                if badge_error.code == "incomplete"
                                else _("Sujets absents du profil cible : %(tubes)s", tubes=badge_error.detail))
        if not errors:
            campaign = campaign_services.create_campaign(
                get_db(), context.organisation, title=draft.title, type=CampaignType(draft.type),
                target_profile=profile, landing_text=draft.landing_text,
                external_id_label=draft.external_id_label or None, multiple_sendings=draft.multiple_sendings,
                owner=context.user, stages=stages)
            if profile is not None:
                for title, threshold, tubes, message in badges:
                    campaign.badges.append(CampaignBadge(title=title, threshold=threshold, tubes=tubes,
                                                         message=message))
                get_db().flush()
            flash(_("Campagne créée : code %(code)s.", code=campaign.code), "success")
            return redirect(url_for("orga.campaign", org_id=org_id, campaign_id=campaign.id), code=303)
    return render_template("orga/campaign_new.html", draft=draft, errors=errors, profiles=profiles,
                           max_stages=MAX_STAGES, max_badges=badge_rules.MAX_BADGES), 422 if errors else 200


@orga_route()
def new_target_profile(org_id: int) -> ResponseReturnValue:
    """Pick tubes and cap their level per competence; "Compter" shows the skill count, "Enregistrer" saves."""
    infos = referential.competences(get_db(), _pack_key(), _locale())
    caps: dict[str, int] = {}
    name = ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        caps = referential.parse_caps(request.form.to_dict(), infos)
        name = (request.form.get("name") or "").strip()[:255]
        if request.form.get("action") == "save":
            if not name:
                errors["name"] = _("Donnez un nom au profil cible.")
            if not caps:
                errors["tubes"] = _("Choisissez au moins un sujet.")
            if not errors:
                profile = campaign_services.create_target_profile(get_db(), name=name, pack_key=_pack_key(),
                                                                  tubes=caps, organisation=orga().organisation)
                flash(_("Profil cible « %(name)s » créé.", name=profile.name), "success")
                return redirect(url_for("orga.new_campaign", org_id=org_id, profil=profile.id), code=303)
    return render_template("orga/target_profile_new.html", infos=infos, caps=caps, name=name, errors=errors,
                           skill_count=referential.count_target_skills(infos, caps)), 422 if errors else 200


@orga_route()
def campaign_page(org_id: int, campaign_id: int) -> ResponseReturnValue:
    campaign = campaign_or_404(campaign_id)
    skill_count = None
    if campaign.target_profile is not None:
        skill_count = len(campaign_services.target_skills(get_db(), campaign.target_profile))
    direct_link = url_for("participation.landing", code=campaign.code, _external=True)
    return render_template("orga/campaign.html", campaign=campaign, direct_link=direct_link, skill_count=skill_count,
                           can_archive=_can_archive(campaign))


def _can_archive(campaign: Campaign) -> bool:
    context = orga()
    return context.is_admin or campaign.owner_id == context.user.id


@orga_route()
def archive(org_id: int, campaign_id: int) -> ResponseReturnValue:
    campaign = campaign_or_404(campaign_id)
    if not _can_archive(campaign):
        abort(403)
    if campaign.archived_at is None:
        campaign.archived_at = utcnow()
        get_db().flush()
    flash(_("Campagne archivée : les élèves ne peuvent plus y participer."), "success")
    return redirect(url_for("orga.campaign", org_id=org_id, campaign_id=campaign.id), code=303)


@orga_route()
def unarchive(org_id: int, campaign_id: int) -> ResponseReturnValue:
    campaign = campaign_or_404(campaign_id)
    if not _can_archive(campaign):
        abort(403)
    campaign.archived_at = None
    get_db().flush()
    flash(_("Campagne désarchivée."), "success")
    return redirect(url_for("orga.campaign", org_id=org_id, campaign_id=campaign.id), code=303)
