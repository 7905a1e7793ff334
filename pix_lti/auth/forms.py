from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from pix_lti.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problems


class LoginForm(FlaskForm):
    username = StringField(_l("Identifiant"), validators=[DataRequired(), Length(max=150)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


# What each rule code (auth.passwords.password_problems, auth.services.new_password_problems) means to the person.
PASSWORD_PROBLEM_MESSAGES: dict[str, LazyString] = {
    "too_short": _l("Le mot de passe doit contenir au moins %(n)d caractères.", n=MIN_PASSWORD_LENGTH),
    "too_long": _l("Le mot de passe doit contenir au plus %(n)d caractères.", n=MAX_PASSWORD_LENGTH),
    "spaces": _l("Le mot de passe ne doit ni commencer ni finir par une espace."),
    "same_as_username": _l("Le mot de passe ne doit pas être votre identifiant."),
    "unchanged": _l("Le nouveau mot de passe doit être différent de l'actuel."),
}


def password_problem_messages(problems: list[str]) -> list[str]:
    return [str(PASSWORD_PROBLEM_MESSAGES.get(code, code)) for code in problems]


def _password_rules(form: FlaskForm, field: Field) -> None:
    problems = password_problems(field.data or "")
    if problems:
        raise ValidationError(" ".join(password_problem_messages(problems)))


class NewPasswordForm(FlaskForm):
    """The forced change at first login: the temporary password was typed moments ago, it is not asked again."""

    new_password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(), _password_rules],
                                 render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("Les deux mots de passe ne sont pas identiques."))],
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField()


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
