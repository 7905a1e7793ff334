from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from pix_lti.auth import access, services
from pix_lti.auth.forms import ChangePasswordForm, LoginForm, NewPasswordForm, password_problem_messages
from pix_lti.auth.passwords import MIN_PASSWORD_LENGTH, verify_password
from pix_lti.db import get_db, keep_changes_on_error
from pix_lti.web import ratelimit
from pix_lti.web.security import safe_next_url

# Per username: slows guessing of one account; per address: slows spraying many accounts.
LOGIN_PER_USERNAME = ratelimit.Limit("login-user", max_hits=10, window_seconds=15 * 60)
LOGIN_PER_ADDRESS = ratelimit.Limit("login-ip", max_hits=60, window_seconds=15 * 60)
# Someone at an unattended logged-in computer must not be able to guess the password to take the account over.
PASSWORD_CHANGE_PER_USER = ratelimit.Limit("password-change", max_hits=10, window_seconds=15 * 60)


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


@access.login_required
def change_password() -> ResponseReturnValue:
    user = access.current_user()
    assert user is not None
    forced = user.must_change_password
    if user.password_hash is None and not forced:
        abort(403, description=_("Votre compte n'a pas de mot de passe sur ce service : vous vous connectez par votre "
                                 "ENT ou votre plateforme de cours."))
    form: NewPasswordForm = NewPasswordForm() if forced else ChangePasswordForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next"), default="")
    status = 200
    if form.validate_on_submit():
        status = 422
        current_ok = True
        if isinstance(form, ChangePasswordForm):
            # Counted before verifying: the 11th try in the window is refused without being checked, even if right.
            # The count must outlive the 422/429 answer (as for login); nothing else is pending on those paths.
            keep_changes_on_error()
            ratelimit.hit_and_check(PASSWORD_CHANGE_PER_USER, str(user.id))
            current_ok = verify_password(user.password_hash, form.current_password.data or "")
            if not current_ok:
                form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        if current_ok:
            try:
                services.set_password(get_db(), user, form.new_password.data or "")
            except services.PasswordRejected as rejected:
                form.new_password.errors.extend(password_problem_messages(rejected.problems))
            else:
                access.refresh_login(user)
                flash(_("Votre mot de passe a été changé."), "success")
                return redirect(safe_next_url(form.next.data, default=url_for("home.index")), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("auth/change_password.html", form=form, forced=forced, user=user,
                           min_length=MIN_PASSWORD_LENGTH), status
