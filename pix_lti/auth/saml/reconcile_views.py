"""The birth-date question asked when several roster learners match a student arriving by single sign-on. Three tries
at most (a birth date is guessable); then the student continues unlinked and a teacher links them in Orga."""

from __future__ import annotations

from flask import redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired

from pix_lti.auth.access import current_user, login_required
from pix_lti.auth.saml.reconciliation import choose_by_birth_date
from pix_lti.db import get_db
from pix_lti.web.security import safe_next_url

SESSION_KEY = "saml_reconcile"  # {"user": id, "candidates": [learner ids], "next": path, "tries": n}
MAX_TRIES = 3


class BirthDateForm(FlaskForm):
    birth_date = DateField(_l("Date de naissance"), validators=[DataRequired()], render_kw={"autocomplete": "bday"})


def remember_candidates(user_id: int, candidate_ids: list[int], next_path: str) -> None:
    session[SESSION_KEY] = {"user": user_id, "candidates": candidate_ids, "next": next_path, "tries": 0}


@login_required
def reconcile() -> ResponseReturnValue:
    pending = session.get(SESSION_KEY)
    user = current_user()
    if not pending or user is None or pending.get("user") != user.id:
        return redirect(url_for("home.index"))
    next_path = safe_next_url(pending.get("next"), default=url_for("home.index"))
    form = BirthDateForm()
    error = None
    if form.validate_on_submit():
        learner = choose_by_birth_date(get_db(), user, pending["candidates"], form.birth_date.data)
        if learner is not None:
            session.pop(SESSION_KEY, None)
            return redirect(next_path, code=303)
        pending["tries"] = int(pending.get("tries", 0)) + 1
        if pending["tries"] >= MAX_TRIES:
            session.pop(SESSION_KEY, None)
            return render_template("auth/sso/reconcile.html", form=None, next_path=next_path, gave_up=True)
        session[SESSION_KEY] = pending
        error = _("Cette date ne correspond à aucun élève de votre classe. Vérifiez-la et réessayez.")
    return render_template("auth/sso/reconcile.html", form=form, next_path=next_path, error=error, gave_up=False)


def skip() -> ResponseReturnValue:
    pending = session.pop(SESSION_KEY, None) or {}
    return redirect(safe_next_url(pending.get("next"), default=url_for("home.index")), code=303)
