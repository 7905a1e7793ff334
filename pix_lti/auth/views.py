from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pix_lti.auth import access, services
from pix_lti.auth.forms import LoginForm
from pix_lti.db import get_db, keep_changes_on_error
from pix_lti.web import ratelimit
from pix_lti.web.security import safe_next_url

# Per username: slows guessing of one account; per address: slows spraying many accounts.
LOGIN_PER_USERNAME = ratelimit.Limit("login-user", max_hits=10, window_seconds=15 * 60)
LOGIN_PER_ADDRESS = ratelimit.Limit("login-ip", max_hits=60, window_seconds=15 * 60)


def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next"), default="")
    error = None
    status = 200
    if form.validate_on_submit():
        username = services.normalise_username(form.username.data or "")
        keep_changes_on_error()
        ratelimit.hit_and_check(LOGIN_PER_ADDRESS, request.remote_addr or "-")
        ratelimit.hit_and_check(LOGIN_PER_USERNAME, username)
        user = services.authenticate(get_db(), username, form.password.data or "")
        if user is not None:
            access.log_in(user)
            return redirect(safe_next_url(form.next.data, default=url_for("home.index")), code=303)
        error = _("Identifiant ou mot de passe incorrect.")
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, error=error), status


def logout() -> ResponseReturnValue:
    access.log_out()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"), code=303)
