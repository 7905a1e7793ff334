"""``pix-lti oidc …``: declare an ENT's OpenID Connect provider, list providers."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.oidc.models import DEFAULT_CLAIM_MAP, OidcProvider, encrypt_secret


@click.group("oidc", help="OpenID Connect providers (ENTs).")
def oidc_group() -> None:
    pass


def save_provider(session: Session, secret_key: str, *, issuer: str, client_id: str, client_secret: str = "",
                  discovery_url: str | None = None, name: str = "", scopes: str = "openid profile",
                  claim_map: dict[str, str] | None = None, auto_create_schools: bool = False) -> OidcProvider:
    unknown = set(claim_map or {}) - set(DEFAULT_CLAIM_MAP)
    if unknown:
        raise ValueError(f"unknown claim keys {sorted(unknown)}; known: {sorted(DEFAULT_CLAIM_MAP)}")
    if "openid" not in scopes.split():
        raise ValueError("the scopes must include openid")
    provider = session.scalar(select(OidcProvider).where(OidcProvider.issuer_url == issuer))
    if provider is None:
        provider = OidcProvider(issuer_url=issuer)
        session.add(provider)
    provider.name = name or provider.name or issuer
    provider.discovery_url = discovery_url or issuer.rstrip("/") + "/.well-known/openid-configuration"
    provider.client_id = client_id
    provider.client_secret_encrypted = encrypt_secret(client_secret, secret_key) if client_secret else ""
    provider.scopes = scopes
    provider.claim_map = {**DEFAULT_CLAIM_MAP, **(claim_map or {})}
    provider.auto_create_schools = auto_create_schools
    provider.enabled = True
    session.flush()
    return provider


def _summary(provider: OidcProvider) -> dict[str, object]:
    return {"id": provider.id, "name": provider.name, "issuer": provider.issuer_url,
            "discovery_url": provider.discovery_url, "client_id": provider.client_id, "scopes": provider.scopes,
            "claims": provider.claim_map, "auto_create_schools": provider.auto_create_schools,
            "login_path": f"/oidc/{provider.id}/login", "enabled": provider.enabled}


@oidc_group.command("add-provider")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--client-secret", envvar="PIX_LTI_OIDC_CLIENT_SECRET", default="",
              help="Or the PIX_LTI_OIDC_CLIENT_SECRET variable (keeps it out of the shell history).")
@click.option("--discovery-url", default=None, help="Default: ISSUER/.well-known/openid-configuration")
@click.option("--name", default="")
@click.option("--scopes", default="openid profile")
@click.option("--claim", "claims", multiple=True, metavar="KEY=CLAIM",
              help="Claim mapping override (keys: " + ", ".join(DEFAULT_CLAIM_MAP) + ").")
@click.option("--auto-create-schools/--no-auto-create-schools", default=False)
@with_appcontext
def add_provider(issuer: str, client_id: str, client_secret: str, discovery_url: str | None, name: str, scopes: str,
                 claims: tuple[str, ...], auto_create_schools: bool) -> None:
    mapping = {}
    for item in claims:
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise click.BadParameter(f"expected KEY=CLAIM, got {item!r}", param_hint="--claim")
        mapping[key.strip()] = value.strip()
    with current_app.extensions["pix_lti.db"].transaction() as session:
        try:
            provider = save_provider(session, current_app.config["SECRET_KEY"], issuer=issuer, client_id=client_id,
                                     client_secret=client_secret, discovery_url=discovery_url, name=name,
                                     scopes=scopes, claim_map=mapping, auto_create_schools=auto_create_schools)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(json.dumps(_summary(provider), indent=2))


@oidc_group.command("list")
@with_appcontext
def list_providers() -> None:
    with current_app.extensions["pix_lti.db"].transaction() as session:
        for provider in session.scalars(select(OidcProvider).order_by(OidcProvider.id)):
            click.echo(json.dumps(_summary(provider)))
