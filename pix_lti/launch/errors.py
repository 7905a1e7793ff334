"""Why a launch was refused, in words a teacher can pass on to school IT. Every refusal is a 4xx page, never a 500."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# What to do, by kind of problem. The technical detail (claim names, values) is shown below it, untranslated.
ADVICE_RELAUNCH = _l("Relancez l'activité depuis la plateforme de cours. Si le problème se répète, transmettez ce "
                     "message et la référence ci-dessous au service informatique de l'établissement.")
ADVICE_CONFIG = _l("L'outil est mal déclaré dans la plateforme de cours. Le service informatique (administrateur de "
                   "la plateforme) doit vérifier l'identifiant client, le déploiement et les URL indiqués sur la page "
                   "d'administration LTI de pix_lti.")
ADVICE_PLATFORM = _l("La plateforme de cours a envoyé un message non conforme à LTI 1.3. Le service informatique "
                     "doit le signaler à l'éditeur de la plateforme, avec la référence ci-dessous.")
ADVICE_CLOCK = _l("Le message de lancement est expiré ou daté dans le futur : relancez l'activité. Si cela se "
                  "répète, le service informatique doit vérifier l'heure du serveur de la plateforme (NTP).")
ADVICE_ADMIN = _l("Un administrateur de pix_lti doit activer cette plateforme et la rattacher à un établissement.")


@dataclass
class LaunchError(Exception):
    """A refused launch: ``code`` for logs and tests, ``message`` for people, ``detail`` for school IT."""

    code: str
    message: LazyString | str
    advice: LazyString | str = ADVICE_RELAUNCH
    detail: str = ""
    status: int = 400
    context: dict[str, Any] = field(default_factory=dict)  # issuer, client_id, deployment_id when known

    def __str__(self) -> str:
        return f"{self.code}: {self.detail or self.message}"


@dataclass
class CookiesBlocked(Exception):
    """The launch carries a valid state but the browser did not send the state cookie back: cookies are blocked in
    the LMS iframe. The same login can be replayed in a new window, where cookies are first-party."""

    login_params: dict[str, str]


def missing_claim(claim: str) -> LaunchError:
    return LaunchError("missing_claim", _l("Le message de lancement est incomplet."), ADVICE_PLATFORM,
                       f"required claim missing or empty: {claim}")


def invalid_claim(claim: str, why: str) -> LaunchError:
    return LaunchError("invalid_claim", _l("Le message de lancement contient une valeur non valide."),
                       ADVICE_PLATFORM, f"claim {claim}: {why}")
