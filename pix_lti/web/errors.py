"""Error pages in French and English (HTML), or RFC 9457 problem details (JSON). Never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

# Titles and explanations a person can act on; the reason given by the view (``abort(409, description=...)``) is shown too.
MESSAGES = {
    400: (_l("Requête invalide"), _l("La demande envoyée n'a pas pu être comprise. Revenez en arrière et réessayez.")),
    401: (_l("Connexion nécessaire"), _l("Connectez-vous pour accéder à cette page.")),
    403: (_l("Accès refusé"), _l("Vous n'avez pas les droits nécessaires pour accéder à cette page.")),
    404: (_l("Page introuvable"), _l("Cette page n'existe pas ou n'existe plus. Vérifiez l'adresse.")),
    405: (_l("Méthode non autorisée"), _l("Cette action n'est pas possible sur cette page.")),
    409: (_l("Conflit"), _l("Cette action n'est plus possible : la situation a changé entre-temps. Rechargez la page.")),
    413: (_l("Envoi trop volumineux"), _l("Le fichier ou le formulaire envoyé dépasse la taille autorisée.")),
    422: (_l("Données non valides"), _l("Certaines données envoyées ne sont pas valides. Corrigez-les et réessayez.")),
    429: (_l("Trop de tentatives"), _l("Vous avez fait trop de tentatives. Patientez quelques minutes avant de réessayer.")),
    500: (_l("Erreur du service"), _l("Une erreur inattendue s'est produite. Elle a été enregistrée ; réessayez dans un instant.")),
    503: (_l("Service indisponible"), _l("Le service est momentanément indisponible. Réessayez dans quelques minutes.")),
}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def _describe(error: HTTPException) -> str | None:
    """The view's own explanation, if it gave one (werkzeug's generic English default is not shown)."""
    default = type(error).description
    description = error.description
    return None if not description or description == default else str(description)


def render_error(error: HTTPException) -> Response:
    code = error.code or 500
    title, explanation = MESSAGES.get(code, (error.name, ""))
    detail = _describe(error)
    if isinstance(error, CSRFError):
        detail = str(_l("Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page et renvoyez-le."))
    request_id = g.get("request_id", "-")
    if wants_json():
        response = jsonify({"type": "about:blank", "title": str(title), "status": code,
                            "detail": detail or str(explanation), "request_id": request_id})
        response.mimetype = "application/problem+json"
    else:
        response = Response(
            render_template("errors/error.html", code=code, title=title, explanation=explanation, detail=detail,
                            request_id=request_id),
            mimetype="text/html",
        )
    response.status_code = code
    if code == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    if code == 429 and getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)  # type: ignore[attr-defined]
    return response


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        if error.code is None:  # a RequestRedirect or similar routing exception: let werkzeug answer
            return error.get_response()  # type: ignore[return-value]
        return render_error(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        try:
            return render_error(InternalServerError())
        except Exception:  # the error page itself failed (e.g. template error): still no trace to the visitor
            log.exception("error page failed")
            return Response("Erreur du service / Service error (" + g.get("request_id", "-") + ")", 500,
                            mimetype="text/plain")
