"""The LTI endpoints the platform and the browser reach: JWKS, OIDC login initiation, launch, the "open in a new
window" continuation, the deep-linking picker and response, Dynamic Registration, and the competence-test start page.

Launch POSTs come from the LMS (cross-site): they are exempt from CSRF tokens and rely on state, nonce and the
signed JWT instead (see ``setup.py``)."""

from __future__ import annotations

import logging
from typing import Any

import jwt
from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pylti1p3.exception import LtiException, OIDCException
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from pix_lti.auth.access import current_user, log_in, login_required
from pix_lti.auth.forced_change import allowed_before_password_change
from pix_lti.db import get_db
from pix_lti.launch import deep_linking, keys
from pix_lti.launch.adapters import (
    COOKIE_PATH,
    DbToolConfig,
    ToolCookieService,
    ToolOIDCLogin,
    ToolRequest,
    http_session,
    session_service,
    store,
)
from pix_lti.launch.dynamic_registration import DynamicRegistrationError, register_dynamically, tool_values
from pix_lti.launch.errors import ADVICE_CONFIG, ADVICE_PLATFORM, ADVICE_RELAUNCH, CookiesBlocked, LaunchError
from pix_lti.launch.grades import queue_existing_results
from pix_lti.launch.models import ActivityKind, LtiRegistration
from pix_lti.launch.provisioning import LaunchOutcome, provision_launch
from pix_lti.launch.registrations import origin_of
from pix_lti.launch.validation import ToolMessageLaunch, registration_status_error
from pix_lti.orga.models import TargetProfile
from pix_lti.web import ratelimit

log = logging.getLogger(__name__)

bp = Blueprint("launch", __name__, url_prefix="/lti", template_folder="templates", static_folder="static",
               static_url_path="/static")

SESSION_KEY = "lti"  # what the launch tells later pages: registration, course group, link, role
LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "lti_deployment_id", "client_id")
DYNAMIC_REGISTRATION_LIMIT = ratelimit.Limit("lti-dynamic-registration", max_hits=20, window_seconds=3600)


def _settings() -> Any:
    return current_app.config["PIX_SETTINGS"]


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _public_url() -> str:
    return _settings().public_url.rstrip("/")


def launch_url() -> str:
    return f"{_public_url()}/lti/launch"


def _path(endpoint: str, fallback: str, **values: Any) -> str:
    """Another feature's page when it is installed, else its documented path."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def refuse(error: LaunchError) -> Response:
    """The 4xx page of a refused launch: what happened, what to tell school IT, the reference."""
    log.warning("LTI launch refused: %s %s", error.code, error.detail, extra={"lti_context": error.context})
    response = Response(render_template("launch/refused.html", error=error), status=error.status,
                        mimetype="text/html")
    return response


# ----- keys and configuration ----------------------------------------------------------------------------------------


@bp.get("/jwks.json")
@allowed_before_password_change
def jwks() -> ResponseReturnValue:
    response = jsonify(keys.jwks(get_db(), _secret()))
    response.headers["Cache-Control"] = "public, max-age=300"  # a rotated key is seen within minutes
    return response


@bp.get("/configuration")
@allowed_before_password_change
def configuration() -> ResponseReturnValue:
    """The values school IT pastes into the LMS (public: nothing secret)."""
    values = tool_values(_public_url())
    if request.args.get("format") == "json":
        return jsonify(values)
    return render_template("launch/configuration.html", values=values)


# ----- OIDC login initiation ------------------------------------------------------------------------------------------


def _login_params() -> dict[str, str]:
    source = request.args if request.method == "GET" else request.form
    return {key: value for key in (*LOGIN_PARAMS, "lti1p3_new_window") if (value := source.get(key))}


@bp.route("/login", methods=["GET", "POST"])
@allowed_before_password_change
def login() -> ResponseReturnValue:
    params = _login_params()
    try:
        return _login(params)
    except LaunchError as error:
        return refuse(error)
    except (OIDCException, LtiException) as exc:
        return refuse(LaunchError("login", _l("La demande de connexion de la plateforme n'est pas valide."),
                                  ADVICE_PLATFORM, str(exc)))


def _login(params: dict[str, str]) -> Response:
    issuer, client_id = params.get("iss"), params.get("client_id")
    if not issuer or not params.get("login_hint"):
        raise LaunchError("login", _l("La demande de connexion de la plateforme n'est pas valide."),
                          ADVICE_PLATFORM, "iss and login_hint are required")
    target = params.get("target_link_uri", "")
    if not target or origin_of(target) != origin_of(_public_url()):
        raise LaunchError("target_link_uri", _l("La demande de connexion vise une autre adresse que cet outil."),
                          ADVICE_CONFIG, f"target_link_uri={target!r} is not on {_public_url()}")
    # The state and nonce written to the shared store below join this request's transaction: one commit in all.
    config = DbToolConfig.load(get_db(), _secret(), issuer, client_id, allow_pending=True)
    row = config.candidate(issuer, client_id)
    context = {"issuer": issuer, "client_id": client_id}
    if row is None:
        raise LaunchError("registration", _l("Cette plateforme n'est pas enregistrée dans pix_lti."), ADVICE_CONFIG,
                          f"no registration for iss={issuer!r} client_id={client_id!r}", context=context)
    status_error = registration_status_error(row)
    if status_error is not None:
        raise status_error
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in row.deployment_ids:
        raise LaunchError("deployment", _l("Ce déploiement de l'outil n'est pas enregistré dans pix_lti."),
                          ADVICE_CONFIG, f"deployment_id {deployment!r} is not registered", context=context)
    cookies = ToolCookieService(secure=ToolRequest(params).is_secure())
    oidc = ToolOIDCLogin(ToolRequest(params), config, session_service(store()), cookies)
    oidc.pass_params_to_launch({
        "issuer": row.issuer, "client_id": row.client_id, "target_link_uri": target,
        "login": {key: value for key, value in params.items() if key in LOGIN_PARAMS},
    })
    return oidc.redirect(launch_url())


# ----- launch ---------------------------------------------------------------------------------------------------------


def _load_config(issuer: str, client_id: str) -> DbToolConfig:
    return DbToolConfig.load(get_db(), _secret(), issuer, client_id)


def _validated_launch() -> ToolMessageLaunch:
    try:  # constructing the launch is inside too: pylti1p3 may raise there as well
        message = ToolMessageLaunch(ToolRequest(), _load_config, session_service(store()),
                                    ToolCookieService(secure=ToolRequest().is_secure()), kv=store(),
                                    http=http_session())
        return message.validate()
    except (LaunchError, CookiesBlocked):
        raise
    except (LtiException, OIDCException, jwt.PyJWTError) as exc:
        raise LaunchError("invalid", _l("Le message de lancement n'est pas valide."), ADVICE_PLATFORM,
                          str(exc)) from None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a payload of unexpected shape
        log.info("malformed LTI launch", exc_info=True)
        raise LaunchError("malformed", _l("Le message de lancement n'est pas valide."), ADVICE_PLATFORM,
                          f"{type(exc).__name__}: {exc}") from None


def landing_url(outcome: LaunchOutcome) -> str:
    """Where a resource-link launch opens: a teacher on a campaign link → that campaign's results in Orga, other teacher
    launches → the teacher page (course, grades, link to Orga); learners → the activity of the link."""
    link = outcome.link
    if outcome.is_teacher:
        if link is not None and link.activity_kind is ActivityKind.CAMPAIGN:
            campaign_url = _orga_campaign_url(outcome, link.activity_ref)
            if campaign_url:
                return campaign_url
        return url_for("launch.teacher")
    if link is not None and link.activity_kind is ActivityKind.CAMPAIGN:
        return _path("participation.landing", f"/campagnes/{link.activity_ref}", code=link.activity_ref)
    if link is not None and link.activity_kind is ActivityKind.COMPETENCE:
        return url_for("launch.competence_start", code=link.activity_ref)
    return _path("assessment.profile", "/profil")


def _orga_campaign_url(outcome: LaunchOutcome, code: str) -> str | None:
    """The Orga page of the linked campaign, when it belongs to an organisation the teacher is staff of."""
    from sqlalchemy import select

    from pix_lti.identity.models import Membership, MembershipRole
    from pix_lti.orga.models import Campaign

    session = get_db()
    campaign = session.scalar(select(Campaign).where(Campaign.code == code.upper()))
    if campaign is None:
        return None
    staff = session.scalar(select(Membership.id).where(
        Membership.user_id == outcome.user.id, Membership.organisation_id == campaign.organisation_id,
        Membership.role.in_([MembershipRole.ADMIN, MembershipRole.MEMBER]), Membership.disabled_at.is_(None)))
    return url_for("orga.campaign", org_id=campaign.organisation_id, campaign_id=campaign.id) if staff else None


@bp.post("/launch")
@allowed_before_password_change
def launch() -> ResponseReturnValue:
    try:
        message = _validated_launch()
        registration = message.registration_row
        assert registration is not None
        outcome = provision_launch(get_db(), registration, message.claims, message.message_type)
        if message.message_type == "LtiDeepLinkingRequest" and not outcome.is_teacher:
            raise LaunchError("deep_linking_role", _l("Seul un enseignant peut ajouter une activité au cours."),
                              ADVICE_RELAUNCH, "LtiDeepLinkingRequest from a user without a teaching role",
                              status=403)
    except CookiesBlocked as blocked:
        new_window = url_for("launch.login", **blocked.login_params, lti1p3_new_window="1")
        return render_template("launch/cookies_blocked.html", new_window_url=new_window), 403
    except LaunchError as error:
        return refuse(error)

    log_in(outcome.user)
    session[SESSION_KEY] = {"registration_id": registration.id, "organisation_id": registration.organisation_id,
                            "group_id": outcome.group.id if outcome.group else None,
                            "link_id": outcome.link.id if outcome.link else None, "role": outcome.role.value}
    if message.message_type == "LtiDeepLinkingRequest":
        launch_id = deep_linking.save_launch(message.claims, registration.id, outcome.user.id)
        response = redirect(url_for("launch.picker", launch_id=launch_id), code=303)
    else:
        if outcome.new_learner and outcome.link is not None:
            queue_existing_results(get_db(), outcome.link, outcome.user.id)
        response = redirect(landing_url(outcome), code=303)
    # The state cookie has done its job.
    response.delete_cookie(f"lti1p3-{request.form.get('state', '')}", path=COOKIE_PATH)
    return response


@bp.get("/competence/<code>")
@login_required
def competence_start(code: str) -> ResponseReturnValue:
    """A competence test placed in a course: a page with a button that starts (or resumes) it."""
    choices = {c.ref: c for c in deep_linking.competence_choices(get_db(), str(get_locale() or "fr"))}
    if code not in choices:
        abort(404)
    return render_template("launch/competence_start.html", choice=choices[code],
                           start_url=_path("assessment.start", f"/competences/{code}/evaluer", code=code))


# ----- deep linking ---------------------------------------------------------------------------------------------------


def _picker_launch(launch_id: str) -> tuple[dict[str, Any], LtiRegistration]:
    user = current_user()
    data = deep_linking.load_launch(launch_id)
    if data is None or user is None or data.get("user_id") != user.id:
        abort(404, description=_("Cette sélection a expiré : relancez l'ajout d'activité depuis la plateforme."))
    registration = get_db().get(LtiRegistration, data["registration_id"])
    if registration is None or registration.organisation_id is None or registration_status_error(registration):
        abort(403)
    return data, registration


@bp.route("/selection/<launch_id>", methods=["GET", "POST"])
@login_required
def picker(launch_id: str) -> ResponseReturnValue:
    data, registration = _picker_launch(launch_id)
    db = get_db()
    org_id = registration.organisation_id
    assert org_id is not None
    campaigns = deep_linking.campaign_choices(db, org_id)
    competences = deep_linking.competence_choices(db, str(get_locale() or "fr"))
    profiles = deep_linking.target_profiles(db, org_id)
    settings = data["claims"]["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    error = None
    if request.method == "POST":
        choice, error = _chosen(db, registration, campaigns, competences, profiles)
        if choice is not None:
            title = (request.form.get("title") or "").strip() or choice.title
            resource = deep_linking.content_item(choice, title, graded=request.form.get("graded") == "1")
            token = deep_linking.response_jwt(DbToolConfig.for_row(db, _secret(), registration).registration(
                registration), data["claims"], [resource])
            deep_linking.forget_launch(launch_id)
            return render_template("launch/deep_link_return.html", return_url=settings["deep_link_return_url"],
                                   token=token, title=title)
    return render_template("launch/picker.html", campaigns=campaigns, competences=competences, profiles=profiles,
                           settings=settings, error=error), 422 if error else 200


def _chosen(db: Session, registration: LtiRegistration, campaigns: list[deep_linking.Choice],
            competences: list[deep_linking.Choice],
            profiles: list[TargetProfile]) -> tuple[deep_linking.Choice | None, str | None]:
    value = request.form.get("choice", "")
    offered = {c.key: c for c in (*campaigns, *competences)}
    if value in offered:
        return offered[value], None
    if value == "new-campaign":
        title = (request.form.get("campaign_title") or "").strip()
        profile = next((p for p in profiles if str(p.id) == request.form.get("target_profile")), None)
        if not title or profile is None:
            return None, _("Pour créer une campagne, donnez-lui un titre et choisissez un profil cible.")
        from pix_lti.orga.campaigns import create_campaign

        campaign = create_campaign(db, registration.organisation, title=title[:255], target_profile=profile,
                                   owner=current_user())
        return deep_linking.Choice(ActivityKind.CAMPAIGN, campaign.code, campaign.title), None
    return None, _("Choisissez une activité dans la liste.")


# ----- Dynamic Registration -------------------------------------------------------------------------------------------


@bp.get("/inscription")
@allowed_before_password_change
def dynamic_registration() -> ResponseReturnValue:
    ratelimit.hit_and_check(DYNAMIC_REGISTRATION_LIMIT, request.remote_addr or "-")
    openid_configuration = request.args.get("openid_configuration", "")
    if not openid_configuration:
        return render_template("launch/configuration.html", values=tool_values(_public_url()))
    try:
        registration = register_dynamically(get_db(), http_session(), _public_url(), openid_configuration,
                                            request.args.get("registration_token"))
    except DynamicRegistrationError as exc:
        log.warning("dynamic registration failed: %s", exc)
        return refuse(LaunchError("dynamic_registration", _l("L'enregistrement automatique de l'outil a échoué."),
                                  ADVICE_CONFIG, str(exc)))
    return render_template("launch/registered.html", registration=registration)

