"""Why a single sign-on was refused, in words a student or teacher can pass on to school IT. Always a 4xx page."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

ADVICE_RETRY = _l("Retournez dans l'ENT et ouvrez de nouveau la ressource depuis le médiacentre. Si le problème se "
                  "répète, transmettez ce message et la référence ci-dessous au service informatique.")
ADVICE_IT = _l("Le service informatique de l'établissement (ou l'administrateur de pix_lti) doit vérifier la "
               "déclaration du fournisseur d'identité : certificats, adresse de métadonnées, attributs transmis.")
ADVICE_SCHOOL = _l("Votre établissement n'est pas encore inscrit sur pix_lti. Le chef d'établissement ou le "
                   "référent numérique doit demander son inscription à l'administrateur de pix_lti.")


@dataclass
class SsoError(Exception):
    """A refused sign-on: ``code`` for logs and tests, ``message`` for people, ``detail`` for school IT."""

    code: str
    message: LazyString | str
    advice: LazyString | str = ADVICE_RETRY
    detail: str = ""
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.detail or self.message}"


def invalid_response(detail: str) -> SsoError:
    return SsoError("invalid_response", _l("La réponse du fournisseur d'identité n'a pas pu être vérifiée."),
                    ADVICE_IT, detail)
