"""Finding oneself in the school's roster before a first participation (``/campagnes/<code>/inscription``).

When the campaign's organisation has imported a roster and the pupil's account is not linked to one of its learners
yet (see :func:`pix_lti.orga.reconciliation.needs_reconciliation`), "Je commence" comes here first: first name, last
name, birth date. One free learner matches → the account is linked and the participation starts (after the external
id, if the campaign asks one), so the pupil shows under their class in Orga. Nobody matches → the form again with the
reason (attempts are rate-limited: the form must not become a way to test who is enrolled, born when). Several
learners match, or the match is someone else's → "ask your teacher", nothing linked."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask.typing import ResponseReturnValue

from pix_lti.auth.access import login_required
from pix_lti.db import get_db, keep_changes_on_error
from pix_lti.orga import campaigns, reconciliation
from pix_lti.orga.models import Campaign
from pix_lti.orga.reconciliation import MatchOutcome
from pix_lti.participation import views
from pix_lti.participation.forms import ReconcileForm
from pix_lti.web import ratelimit

# Counted before looking up (every try, found or not), per account and per address: a pupil who mistypes gets a few
# more tries; nobody gets to walk names and birth dates. A class behind one school NAT stays under the address limit.
ATTEMPTS_PER_USER = ratelimit.Limit("campaign-reconcile-user", max_hits=10, window_seconds=15 * 60)
ATTEMPTS_PER_ADDRESS = ratelimit.Limit("campaign-reconcile-address", max_hits=300, window_seconds=15 * 60)


def _continue(campaign: Campaign) -> ResponseReturnValue:
    """After the link: the external id if the campaign asks one, else the participation starts (this POST carried
    the CSRF token, as "Je commence" does)."""
    if campaign.external_id_label:
        return redirect(url_for("participation.external_id", code=campaign.code), code=303)
    try:
        participation = campaigns.start_participation(get_db(), campaign, views._user(), max_level=views._max_level(),
                                                      now=views._now())
    except campaigns.CampaignArchived:
        return views._closed(campaign)
    return views._after_start(campaign, participation)


@login_required
def reconcile(code: str) -> ResponseReturnValue:
    if (redirect_to := views._canonical(code, "participation.reconcile")) is not None:
        return redirect_to
    campaign = views._campaign(code)
    if not isinstance(campaign, Campaign):
        return campaign
    db, user = get_db(), views._user()
    landing = url_for("participation.landing", code=campaign.code)
    if campaigns.active_participation(db, campaign.id, user.id) is not None \
            or not reconciliation.needs_reconciliation(db, campaign.organisation_id, user):
        return redirect(landing, code=303)  # already in, or nothing to find: the landing page has the button
    if campaign.archived_at is not None:
        return views._closed(campaign)
    if request.method == "GET":
        form = ReconcileForm(formdata=None, data={"first_name": user.first_name, "last_name": user.last_name})
        return views._render("participation/reconcile.html", campaign=campaign, form=form, not_found=False)
    form = ReconcileForm()
    if not form.validate_on_submit():
        return views._render("participation/reconcile.html", 422, campaign=campaign, form=form, not_found=False)
    keep_changes_on_error()  # the counts must outlive the 422/409/429 answers; nothing else is pending then
    ratelimit.hit_and_check(ATTEMPTS_PER_ADDRESS, request.remote_addr or "-")
    ratelimit.hit_and_check(ATTEMPTS_PER_USER, str(user.id))
    assert form.birth_date is not None
    match = reconciliation.find_learner(db, campaign.organisation, user, first_name=form.first_name.data or "",
                                        last_name=form.last_name.data or "", birth_date=form.birth_date)
    if match.outcome is MatchOutcome.FOUND and match.learner is not None:
        try:
            reconciliation.link_learner(db, match.learner, user)
        except ValueError:  # linked by someone else between the lookup and the update
            match = reconciliation.Match(MatchOutcome.TAKEN)
    if match.outcome in (MatchOutcome.FOUND, MatchOutcome.ALREADY_YOURS):
        return _continue(campaign)
    if match.outcome is MatchOutcome.NOT_FOUND:
        return views._render("participation/reconcile.html", 422, campaign=campaign, form=form, not_found=True)
    return views._render("participation/ask_teacher.html", 409, campaign=campaign,
                         taken=match.outcome is MatchOutcome.TAKEN)
