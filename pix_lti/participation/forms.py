from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from pix_lti.orga.campaigns import EXTERNAL_ID_MAX


class CodeForm(FlaskForm):
    # Generous length: people paste codes with spaces or dashes; the lookup normalises them.
    code = StringField(_l("Code de la campagne"),
                       validators=[DataRequired(message=_l("Saisissez le code donné par votre enseignant.")),
                                   Length(max=40, message=_l("Ce code est trop long."))],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                  "maxlength": "40"})


class ExternalIdForm(FlaskForm):
    # The label is the campaign's own (e.g. "Numéro d'élève"); the view sets it.
    external_id = StringField(validators=[
        DataRequired(message=_l("Ce champ est obligatoire pour participer.")),
        Length(max=EXTERNAL_ID_MAX, message=_l("%(max)s caractères au plus.", max=EXTERNAL_ID_MAX)),
    ], render_kw={"autocomplete": "off", "maxlength": str(EXTERNAL_ID_MAX)})


class ParticipationActionForm(FlaskForm):
    """A button on the end page (share, retry): the CSRF token and the participation the page showed."""

    participation = HiddenField()


class ReconcileForm(FlaskForm):
    """Finding oneself in the school's roster: names as on the school's records, and the birth date in three fields
    (day, month, year — the order French pupils write it; no date picker to fight with on phones)."""

    first_name = StringField(_l("Prénom"), validators=[
        DataRequired(message=_l("Saisissez votre prénom.")), Length(max=255, message=_l("Ce prénom est trop long."))],
        render_kw={"autocomplete": "given-name", "spellcheck": "false", "maxlength": "255"})
    last_name = StringField(_l("Nom de famille"), validators=[
        DataRequired(message=_l("Saisissez votre nom de famille.")), Length(max=255, message=_l("Ce nom est trop long."))],
        render_kw={"autocomplete": "family-name", "spellcheck": "false", "maxlength": "255"})
    birth_day = StringField(_l("Jour"), render_kw={"autocomplete": "bday-day", "inputmode": "numeric",
                                                   "maxlength": "2", "size": "2"})
    birth_month = StringField(_l("Mois"), render_kw={"autocomplete": "bday-month", "inputmode": "numeric",
                                                     "maxlength": "2", "size": "2"})
    birth_year = StringField(_l("Année"), render_kw={"autocomplete": "bday-year", "inputmode": "numeric",
                                                     "maxlength": "4", "size": "4"})

    birth_date: date | None = None  # set by ``validate`` when the three parts make a real past date
    birth_date_errors: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.birth_date_errors = []

    def validate(self, extra_validators: Any = None) -> bool:
        names_ok = super().validate(extra_validators)
        self.birth_date, self.birth_date_errors = None, []
        parts = [(f.data or "").strip() for f in (self.birth_day, self.birth_month, self.birth_year)]
        if not all(parts):
            self.birth_date_errors.append(str(_l("Saisissez votre date de naissance : jour, mois et année.")))
        elif not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            self.birth_date_errors.append(str(_l("Saisissez la date avec des chiffres, par exemple 05 12 2012.")))
        else:
            try:
                born = date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                born = None
            if born is None or born >= date.today() or born.year < 1900:
                self.birth_date_errors.append(str(_l("Cette date de naissance n'existe pas.")))
            else:
                self.birth_date = born
        return names_ok and self.birth_date is not None
