"""Campaign pages: the code form, the landing page, the external id, starting or resuming, the end page, sharing and
retrying.

Everything a learner sees is looked up through their own active participation in the campaign named by the code:
there are no participation ids in URLs, and the one a button carries must be the learner's current one (else 404).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from pix_lti.assessment.models import AssessmentStatus
from pix_lti.auth.access import current_user, login_required
from pix_lti.db import get_db, keep_changes_on_error, utcnow
from pix_lti.engine import rules
from pix_lti.identity.models import User
from pix_lti.orga import campaigns, codes, reconciliation
from pix_lti.orga.models import Campaign, CampaignParticipation, CampaignType, ParticipationStatus
from pix_lti.participation import presenters
from pix_lti.participation.forms import CodeForm, ExternalIdForm, ParticipationActionForm
from pix_lti.web import ratelimit

# Wrong codes per address: stops anyone walking the code space, while a whole class behind one school NAT can still
# mistype a few codes each.
CODE_MISSES = ratelimit.Limit("campaign-code-miss", max_hits=200, window_seconds=15 * 60)


# ---------------------------------------------------------------------------------------------------------------------
# Helpers


def _now() -> datetime:
    # Same injectable clock as the assessment pages (tests and demos set app.config["PIX_CLOCK"]).
    clock: Callable[[], datetime] | None = current_app.config.get("PIX_CLOCK")
    return clock() if clock is not None else utcnow()


def _max_level() -> int:
    return int(current_app.config["PIX_SETTINGS"].max_reachable_level)


def _locale() -> str:
    return str(get_locale() or "fr")


def _user() -> User:
    person = current_user()
    assert person is not None  # behind login_required
    return person


def _profile_pack() -> str:
    """The référentiel a profiles collection reads: the pack of the learner's profile page, so that what is sent is
    what the learner sees there."""
    from pix_lti.assessment.views import pack_key

    return pack_key()


def _assessment_url(assessment_id: int) -> str:
    try:
        return url_for("assessment.router", assessment_id=assessment_id)
    except BuildError:  # the test pages are not installed: their documented address
        return f"/evaluations/{assessment_id}"


def _home_url() -> str:
    try:
        return url_for("assessment.profile")
    except BuildError:
        return url_for("home.index")


def _render(template: str, status: int = 200, **context: object) -> ResponseReturnValue:
    return render_template(template, home_url=_home_url(), **context), status


def _not_found(typed: str | None = None) -> ResponseReturnValue:
    """The code form again, with the reason, as a 404 (counted against the address: see ``CODE_MISSES``)."""
    keep_changes_on_error()  # nothing else is written here; the count must survive the 404 (and the 429)
    ratelimit.hit_and_check(CODE_MISSES, request.remote_addr or "-")
    form = CodeForm(formdata=None, data={"code": typed or ""})
    return _render("participation/join.html", 404, form=form, not_found=True)


def _campaign(code: str) -> Campaign | ResponseReturnValue:
    """The campaign of ``code`` (tolerant of case and spaces), else the not-found page."""
    campaign = campaigns.find_campaign(get_db(), code)
    return campaign if campaign is not None else _not_found(code)


def _canonical(code: str, endpoint: str) -> ResponseReturnValue | None:
    # A hand-typed link (/campagnes/qwe rtz 248) is sent to the canonical address, so that next= and bookmarks are clean.
    normalised = codes.normalise_code(code)
    if normalised != code and codes.is_valid_code(normalised):
        return redirect(url_for(endpoint, code=normalised), code=301)
    return None


def _closed(campaign: Campaign) -> ResponseReturnValue:
    return _render("participation/closed.html", 410, campaign=campaign)


def _participation(campaign: Campaign) -> CampaignParticipation:
    participation = campaigns.active_participation(get_db(), campaign.id, _user().id)
    if participation is None:
        abort(404)
    return participation


def _checked_participation(campaign: Campaign) -> CampaignParticipation:
    """The learner's participation, which must be the one the submitted page showed (tampered or stale → 404)."""
    form = ParticipationActionForm()
    if not form.validate_on_submit():
        abort(400)
    participation = _participation(campaign)
    if form.participation.data != str(participation.id):
        abort(404)
    return participation


def _needs_reconciliation(campaign: Campaign) -> bool:
    """A first participation in a campaign of an organisation with a roster waits until the pupil has found
    themselves in it (``participation.reconcile``); see :mod:`pix_lti.participation.reconcile_views`."""
    return reconciliation.needs_reconciliation(get_db(), campaign.organisation_id, _user())


def _after_start(campaign: Campaign, participation: CampaignParticipation) -> ResponseReturnValue:
    if campaign.type is CampaignType.ASSESSMENT and participation.status is ParticipationStatus.STARTED:
        assessment = campaigns.campaign_assessment(get_db(), participation)
        if assessment is not None and assessment.status is AssessmentStatus.STARTED:
            return redirect(_assessment_url(assessment.id), code=303)
    return redirect(url_for("participation.end", code=campaign.code), code=303)


# ---------------------------------------------------------------------------------------------------------------------
# Joining


def join() -> ResponseReturnValue:
    """``/campagnes``: type a code. Valid and known → the landing page; otherwise the form again with the reason."""
    form = CodeForm()
    if form.validate_on_submit():
        typed = form.code.data or ""
        campaign = campaigns.find_campaign(get_db(), typed)
        if campaign is not None:
            return redirect(url_for("participation.landing", code=campaign.code), code=303)
        return _not_found(typed)
    status = 422 if request.method == "POST" else 200
    return _render("participation/join.html", status, form=form, not_found=False)


def landing(code: str) -> ResponseReturnValue:
    """The campaign's landing page: organisation, title, its own words, what the test is about, "Je commence"."""
    if (redirect_to := _canonical(code, "participation.landing")) is not None:
        return redirect_to
    campaign = _campaign(code)
    if not isinstance(campaign, Campaign):
        return campaign
    person = current_user()
    participation = campaigns.active_participation(get_db(), campaign.id, person.id) if person else None
    if participation is not None:
        campaigns.refresh_participation(get_db(), participation)
    elif campaign.archived_at is not None:
        return _closed(campaign)
    areas = []
    if campaign.target_profile is not None:
        names = presenters.competence_names(presenters.referential(get_db(), campaign.target_profile.pack_key,
                                                                   _locale()))
        covered = []
        for skill in campaigns.target_skills(get_db(), campaign.target_profile):
            if skill.competence not in covered:
                covered.append(skill.competence)
        areas = [(code_, names.get(code_, code_)) for code_ in covered]
    needs_identity = person is not None and participation is None and campaign.archived_at is None \
        and _needs_reconciliation(campaign)
    return _render("participation/landing.html", campaign=campaign, participation=participation,
                   paragraphs=presenters.paragraphs(campaign.landing_text), competences=areas,
                   needs_identity=needs_identity,
                   login_url=url_for("auth.login", next=url_for("participation.landing", code=campaign.code)),
                   form=ParticipationActionForm())


@login_required
def external_id(code: str) -> ResponseReturnValue:
    """The campaign's own identifier (e.g. "Numéro d'élève"), asked once before the participation starts."""
    if (redirect_to := _canonical(code, "participation.external_id")) is not None:
        return redirect_to
    campaign = _campaign(code)
    if not isinstance(campaign, Campaign):
        return campaign
    existing = campaigns.active_participation(get_db(), campaign.id, _user().id)
    if existing is not None or not campaign.external_id_label:
        return redirect(url_for("participation.landing", code=campaign.code), code=303)
    if campaign.archived_at is not None:
        return _closed(campaign)
    if _needs_reconciliation(campaign):
        return redirect(url_for("participation.reconcile", code=campaign.code), code=303)
    form = ExternalIdForm()
    form.external_id.label.text = campaign.external_id_label
    if form.validate_on_submit():
        try:
            participation = campaigns.start_participation(get_db(), campaign, _user(), external_id=form.external_id.data,
                                                          max_level=_max_level(), now=_now())
        except campaigns.ExternalIdInvalid:
            form.external_id.errors = [_("Saisissez entre 1 et %(max)s caractères, sans retour à la ligne.",
                                         max=campaigns.EXTERNAL_ID_MAX)]
        else:
            return _after_start(campaign, participation)
    status = 422 if request.method == "POST" else 200
    return _render("participation/external_id.html", status, campaign=campaign, form=form)


@login_required
def start(code: str) -> ResponseReturnValue:
    """"Je commence" / "Reprendre": create or resume the participation and go to the test (or the end page)."""
    campaign = _campaign(code)
    if not isinstance(campaign, Campaign):
        return campaign
    if request.method == "GET":  # e.g. back from the login page: the landing page has the button
        return redirect(url_for("participation.landing", code=campaign.code), code=303)
    if not ParticipationActionForm().validate_on_submit():
        abort(400)
    existing = campaigns.active_participation(get_db(), campaign.id, _user().id)
    if existing is None and campaign.archived_at is None and _needs_reconciliation(campaign):
        return redirect(url_for("participation.reconcile", code=campaign.code), code=303)
    if existing is None and campaign.external_id_label:
        return redirect(url_for("participation.external_id", code=campaign.code), code=303)
    try:
        participation = campaigns.start_participation(get_db(), campaign, _user(), max_level=_max_level(), now=_now())
    except campaigns.CampaignArchived:
        return _closed(campaign)
    return _after_start(campaign, participation)


# ---------------------------------------------------------------------------------------------------------------------
# End page, sharing, retry


def _retry_message(eligibility: rules.RetryEligibility) -> str | None:
    if eligibility.reason == rules.RETRY_TOO_EARLY and eligibility.available_at is not None:
        return _("Vous pourrez repasser ce parcours à partir du %(date)s.",
                 date=format_date(eligibility.available_at, format="long"))
    if eligibility.reason == rules.RETRY_MASTERED:
        return _("Vous maîtrisez déjà toutes les compétences de ce parcours : il n'y a rien à améliorer.")
    if eligibility.reason == rules.RETRY_SINGLE_SENDING:
        return _("Ce parcours ne peut être envoyé qu'une seule fois.")
    return None


@login_required
def end(code: str) -> ResponseReturnValue:
    """``participation.end``: the results of a finished campaign test (or the profile of a profiles collection),
    "J'envoie mes résultats", then the confirmation and the retry."""
    if (redirect_to := _canonical(code, "participation.end")) is not None:
        return redirect_to
    campaign = _campaign(code)
    if not isinstance(campaign, Campaign):
        return campaign
    db = get_db()
    participation = _participation(campaign)
    campaigns.refresh_participation(db, participation)
    if participation.status is ParticipationStatus.STARTED:  # the test is not finished: back to it
        return _after_start(campaign, participation)
    shared = participation.status is ParticipationStatus.SHARED
    locale = _locale()
    mastery = profile = None
    if campaign.type is CampaignType.ASSESSMENT:
        assert campaign.target_profile is not None
        snapshot = participation.results if shared and participation.results else \
            campaigns.compute_results(db, participation).snapshot()
        names = presenters.competence_names(presenters.referential(db, campaign.target_profile.pack_key, locale))
        mastery = presenters.mastery_view(snapshot, campaign, names)
    else:
        pack = _profile_pack()
        snapshot = participation.results if shared and participation.results else \
            campaigns.profile_snapshot(db, participation.user_id, pack, _max_level())
        profile = presenters.profile_view(snapshot, presenters.referential(db, snapshot.get("pack_key", pack), locale))
    eligibility = campaigns.retry_eligibility(participation, _now()) if shared else None
    return _render("participation/end.html", campaign=campaign, participation=participation, shared=shared,
                   mastery=mastery, profile=profile, retry=eligibility,
                   retry_message=_retry_message(eligibility) if eligibility else None,
                   closed=campaign.archived_at is not None,
                   shared_on=format_date(participation.shared_at, format="long") if participation.shared_at else "",
                   form=ParticipationActionForm(formdata=None, data={"participation": str(participation.id)}))


@login_required
def share(code: str) -> ResponseReturnValue:
    """"J'envoie mes résultats": SHARED with the snapshot; a double click changes nothing."""
    campaign = _campaign(code)
    if not isinstance(campaign, Campaign):
        return campaign
    participation = _checked_participation(campaign)
    try:
        campaigns.share_participation(get_db(), participation, max_level=_max_level(), now=_now(),
                                      profile_pack_key=_profile_pack())
    except campaigns.CampaignArchived:
        flash(_("Cette campagne est clôturée : vos résultats ne peuvent plus être envoyés."), "error")
    except campaigns.NotReadyToShare:
        return _after_start(campaign, participation)
    return redirect(url_for("participation.end", code=campaign.code), code=303)


@login_required
def retry(code: str) -> ResponseReturnValue:
    """"Repasser mon parcours": a new participation when the rules allow it, else the end page says why."""
    campaign = _campaign(code)
    if not isinstance(campaign, Campaign):
        return campaign
    participation = _checked_participation(campaign)
    try:
        fresh = campaigns.retry_participation(get_db(), participation, max_level=_max_level(), now=_now())
    except campaigns.RetryNotAllowed as refused:
        flash(_retry_message(refused.eligibility) or _("Vous ne pouvez pas repasser ce parcours."), "error")
        return redirect(url_for("participation.end", code=campaign.code), code=303)
    except campaigns.CampaignArchived:
        return _closed(campaign)
    return _after_start(campaign, fresh)
