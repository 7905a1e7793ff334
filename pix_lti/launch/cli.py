"""``pix-lti lti …``: register, list, activate and disable LMS platforms; tool keys; the values to paste."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from pix_lti.identity.models import Organisation
from pix_lti.identity.services import find_organisation_by_uai
from pix_lti.launch import keys, registrations
from pix_lti.launch.dynamic_registration import tool_values
from pix_lti.launch.models import GradeScale, LtiRegistration, RegistrationStatus


@click.group("lti", help="LTI 1.3: LMS platform registrations and the tool's keys.")
def lti_group() -> None:
    pass


def _database():  # noqa: ANN202 - pix_lti.db.Database
    return current_app.extensions["pix_lti.db"]


def _organisation(session, uai: str | None, organisation_id: int | None) -> Organisation | None:  # noqa: ANN001
    if uai:
        organisation = find_organisation_by_uai(session, uai)
        if organisation is None:
            raise click.ClickException(f"no organisation with UAI {uai}")
        return organisation
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise click.ClickException(f"no organisation {organisation_id}")
        return organisation
    return None


@lti_group.command("register")
@click.option("--issuer", required=True, help="The platform's issuer (iss), e.g. https://moodle.example.org")
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorisation endpoint.")
@click.option("--auth-token-url", default="", help="The platform's OAuth2 token endpoint (grades, rosters).")
@click.option("--key-set-url", default=None, help="The platform's JWKS URL (public keyset URL).")
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A static platform key instead: JWKS, JWK or PEM public key file.")
@click.option("--deployment", "deployments", multiple=True, help="A deployment id (repeat for several).")
@click.option("--uai", default=None, help="The organisation's UAI (school code).")
@click.option("--organisation-id", type=int, default=None, help="…or its id.")
@click.option("--name", default="", help="A label for administrators.")
@click.option("--audience", default=None, help="Audience of token requests, when not the token URL.")
@click.option("--grade-scale", type=click.Choice([g.value for g in GradeScale]), default=GradeScale.MASTERY.value,
              show_default=True, help="What competence tests send to the gradebook.")
@click.option("--pending", is_flag=True, help="Create it pending (activate later).")
@with_appcontext
def register(issuer: str, client_id: str, auth_login_url: str, auth_token_url: str, key_set_url: str | None,
             key_file: Path | None, deployments: tuple[str, ...], uai: str | None, organisation_id: int | None,
             name: str, audience: str | None, grade_scale: str, pending: bool) -> None:
    """Register a platform (or update the one with the same issuer and client id, adding deployments)."""
    with _database().transaction() as session:
        try:
            registration = registrations.register(
                session, issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
                auth_token_url=auth_token_url, key_set_url=key_set_url,
                key_set=registrations.parse_static_key(key_file.read_text()) if key_file else None,
                deployment_ids=deployments, organisation=_organisation(session, uai, organisation_id),
                status=RegistrationStatus.PENDING if pending else RegistrationStatus.ACTIVE, name=name,
                auth_audience=audience, grade_scale=GradeScale(grade_scale), source="cli")
        except registrations.RegistrationError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"registration {registration.id}: {registration.issuer} client_id={registration.client_id} "
                   f"{registration.status.value}, deployments: {', '.join(registration.deployment_ids) or '-'}")


@lti_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def list_registrations(as_json: bool) -> None:
    """List registrations."""
    with _database().transaction() as session:
        rows = session.scalars(select(LtiRegistration).order_by(LtiRegistration.id)).all()
        data = [{"id": r.id, "name": r.name, "issuer": r.issuer, "client_id": r.client_id, "status": r.status.value,
                 "organisation": r.organisation.name if r.organisation else None,
                 "deployments": r.deployment_ids, "key_set_url": r.key_set_url, "source": r.source} for r in rows]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data:
        click.echo("no registration")
    for r in data:
        click.echo(f"{r['id']:>4} {r['status']:<9} {r['issuer']}  client_id={r['client_id']}  "
                   f"org={r['organisation'] or '-'}  deployments={','.join(r['deployments']) or '-'}")


def _get(session, registration_id: int) -> LtiRegistration:  # noqa: ANN001
    registration = session.get(LtiRegistration, registration_id)
    if registration is None:
        raise click.ClickException(f"no registration {registration_id}")
    return registration


@lti_group.command("disable")
@click.argument("registration_id", type=int)
@with_appcontext
def disable(registration_id: int) -> None:
    """Refuse the platform's launches and stop sending it grades."""
    with _database().transaction() as session:
        registrations.disable(session, _get(session, registration_id))
    click.echo(f"registration {registration_id} disabled")


@lti_group.command("activate")
@click.argument("registration_id", type=int)
@click.option("--uai", default=None, help="The organisation it serves (UAI)…")
@click.option("--organisation-id", type=int, default=None, help="…or its id.")
@click.option("--deployment", "deployments", multiple=True, help="Add a deployment id.")
@with_appcontext
def activate(registration_id: int, uai: str | None, organisation_id: int | None, deployments: tuple[str, ...]) -> None:
    """Activate a pending (e.g. dynamically registered) or disabled platform."""
    with _database().transaction() as session:
        registration = _get(session, registration_id)
        try:
            registrations.add_deployments(session, registration, deployments)
            registrations.activate(session, registration, _organisation(session, uai, organisation_id))
        except registrations.RegistrationError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"registration {registration_id} active")


@lti_group.command("tool-config")
@with_appcontext
def tool_config() -> None:
    """Print the values to paste into an LMS (JSON)."""
    click.echo(json.dumps(tool_values(current_app.config["PIX_SETTINGS"].public_url), indent=2))


@lti_group.group("keys", help="The tool's signing keys.")
def keys_group() -> None:
    pass


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """Published keys (the first one signs)."""
    with _database().transaction() as session:
        keys.current_key(session, current_app.config["SECRET_KEY"])
        for key in keys.published_keys(session):
            until = f"published until {key.unpublish_at:%Y-%m-%d %H:%M} UTC" if key.unpublish_at else "current"
            click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M} UTC  {until}")


@keys_group.command("rotate")
@click.option("--overlap-hours", type=int, default=int(keys.DEFAULT_OVERLAP.total_seconds() // 3600),
              show_default=True, help="How long the previous key stays published.")
@with_appcontext
def keys_rotate(overlap_hours: int) -> None:
    """Create a new signing key; the previous one stays in the JWKS during the overlap window."""
    with _database().transaction() as session:
        new, previous = keys.rotate(session, current_app.config["SECRET_KEY"], timedelta(hours=overlap_hours))
        click.echo(f"new key {new.kid}; {len(previous)} previous key(s) published for {overlap_hours} more hours")
