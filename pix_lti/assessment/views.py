"""Student pages around the tests: the profile (home of a student), starting/resuming, retry and reset of a competence,
and Mes tutos. Taking a test (question, checkpoint, result) is in ``taking.py``.

Every query is scoped to the logged-in user: another user's ids are simply not found (404).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from pix_lti.assessment import presenters, services, tutorials
from pix_lti.auth.access import current_user, login_required
from pix_lti.content.engine_bridge import ContentNotLoaded
from pix_lti.db import get_db, utcnow
from pix_lti.identity.models import User
from pix_lti.web.security import safe_next_url



# ---------------------------------------------------------------------------------------------------------------------
# Shared helpers (also used by taking.py)


def now() -> datetime:
    """The request's clock; tests (and demos) may inject one with ``app.config["PIX_CLOCK"]``."""
    clock: Callable[[], datetime] | None = current_app.config.get("PIX_CLOCK")
    return clock() if clock is not None else utcnow()


def pack_key() -> str:
    """The content pack competence tests run on (``PIX_LTI_CONTENT_PACK``)."""
    return str(current_app.config["PIX_SETTINGS"].content_pack)


def max_level() -> int:
    return int(current_app.config["PIX_SETTINGS"].max_reachable_level)


def locale() -> str:
    return str(get_locale() or "fr")


def user() -> User:
    person = current_user()
    assert person is not None  # every view here is behind login_required
    return person


def long_date(moment: datetime | None) -> str:
    return format_date(moment, format="long") if moment else ""


# ---------------------------------------------------------------------------------------------------------------------
# Profile


@login_required
def profile() -> ResponseReturnValue:
    session = get_db()
    try:
        data = presenters.build_profile(session, user().id, pack_key(), locale=locale(), max_level=max_level(),
                                        now=now())
    except ContentNotLoaded:
        return render_template("assessment/no_content.html"), 503
    return render_template("assessment/profile.html", profile=data, chart=presenters.profile_chart(data),
                           long_date=long_date)


@login_required
def start(code: str) -> ResponseReturnValue:
    """Start or resume the test of a competence (POST, CSRF-checked by the app), then go to its current step."""
    session = get_db()
    try:
        assessment = services.start_competence_evaluation(session, user(), code, pack_key=pack_key(),
                                                          max_level=max_level(), now=now())
    except KeyError:
        abort(404)
    except services.NotYetImprovable as too_early:
        flash(_("Vous pourrez retenter cette compétence à partir du %(date)s.",
                date=long_date(too_early.available_at)), "info")
        return redirect(url_for("assessment.profile"), code=303)
    return redirect(url_for("assessment.router", assessment_id=assessment.id), code=303)


# ---------------------------------------------------------------------------------------------------------------------
# Reset (7 days after the last activity), with a confirmation page


def _reset_allowed(code: str) -> tuple[bool, services.CompetenceState]:
    state = services.competence_state(get_db(), user().id, code)
    allowed = state.assessment is not None and state.resettable_at is not None and now() >= state.resettable_at
    return allowed, state


@login_required
def reset(code: str) -> ResponseReturnValue:
    session = get_db()
    name = presenters.competence_name(session, pack_key(), code, locale())
    if name is None:
        abort(404)
    allowed, state = _reset_allowed(code)
    if not allowed:
        if state.resettable_at is not None:
            flash(_("Vous pourrez remettre cette compétence à zéro à partir du %(date)s.",
                    date=long_date(state.resettable_at)), "info")
        return redirect(url_for("assessment.profile"), code=303)
    if request.method == "POST":
        services.reset_competence(session, user(), code, now=now())
        flash(_("La compétence « %(name)s » a été remise à zéro.", name=name), "success")
        return redirect(url_for("assessment.profile"), code=303)
    catalog = services.catalogs.full_catalog(session, pack_key())
    score = services.profile_score(session, user().id, catalog, max_level()).by_competence().get(code)
    return render_template("assessment/reset_confirm.html", code=code, name=name, score=score)


# ---------------------------------------------------------------------------------------------------------------------
# Mes tutos


@login_required
def saved_tutorials() -> ResponseReturnValue:
    return render_template("assessment/saved_tutorials.html",
                           tutorials=presenters.saved_tutorials(get_db(), user().id))


def _back(default_endpoint: str, **values: Any) -> ResponseReturnValue:
    return redirect(safe_next_url(request.form.get("next"), default=url_for(default_endpoint, **values)), code=303)


@login_required
def save_tutorial(tutorial_id: int) -> ResponseReturnValue:
    try:
        tutorials.save_tutorial(get_db(), user().id, tutorial_id, skill_id=request.form.get("skill_id"))
    except tutorials.UnknownTutorial:
        abort(404)
    flash(_("Tutoriel enregistré dans Mes tutos."), "success")
    return _back("assessment.saved_tutorials")


@login_required
def remove_tutorial(tutorial_id: int) -> ResponseReturnValue:
    if tutorials.remove_tutorial(get_db(), user().id, tutorial_id):
        flash(_("Tutoriel retiré de Mes tutos."), "success")
    return _back("assessment.saved_tutorials")
