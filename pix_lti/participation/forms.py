from __future__ import annotations

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
