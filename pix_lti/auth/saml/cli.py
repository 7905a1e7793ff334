"""``pix-lti saml …``: declare identity providers from their metadata (file or URL), list them, print the SP metadata."""

from __future__ import annotations

import json
from pathlib import Path

import click
import requests
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from pix_lti.auth.saml import sp
from pix_lti.auth.saml.models import GAR_ATTRIBUTE_MAP, SamlIdentityProvider, idp_summary


@click.group("saml", help="SAML 2.0 (GAR and ENT identity providers).")
def saml_group() -> None:
    pass


def _read_metadata(source: str) -> tuple[str, str | None]:
    if source.startswith(("https://", "http://")):
        response = requests.get(source, timeout=15)
        response.raise_for_status()
        return response.text, source
    return Path(source).read_text(encoding="utf-8"), None


def save_identity_provider(session, xml: str, *, metadata_url: str | None = None, name: str = "",  # noqa: ANN001
                           entity_id: str | None = None, allow_idp_initiated: bool = False,
                           auto_create_schools: bool = False,
                           attribute_map: dict[str, str] | None = None) -> SamlIdentityProvider:
    """Create or update (same entityID: new certificates after a rotation) an IdP from its metadata."""
    parsed = sp.parse_idp_metadata(xml, entity_id)
    unknown = set(attribute_map or {}) - set(GAR_ATTRIBUTE_MAP)
    if unknown:
        raise ValueError(f"unknown attribute keys {sorted(unknown)}; known: {sorted(GAR_ATTRIBUTE_MAP)}")
    idp = session.scalar(select(SamlIdentityProvider).where(SamlIdentityProvider.entity_id == parsed.entity_id))
    if idp is None:
        idp = SamlIdentityProvider(entity_id=parsed.entity_id)
        session.add(idp)
    idp.name = name or idp.name or parsed.entity_id
    idp.sso_url = parsed.sso_url
    idp.signing_certs = parsed.signing_certs
    idp.metadata_xml = xml
    idp.metadata_url = metadata_url
    idp.allow_idp_initiated = allow_idp_initiated
    idp.auto_create_schools = auto_create_schools
    idp.attribute_map = {**GAR_ATTRIBUTE_MAP, **(attribute_map or {})}
    idp.enabled = True
    session.flush()
    return idp


@saml_group.command("add-idp")
@click.argument("metadata")
@click.option("--name", default="", help="Name shown to school IT (default: the entityID).")
@click.option("--entity-id", default=None, help="Which IdP when the metadata holds several (federation files).")
@click.option("--idp-initiated/--no-idp-initiated", default=False, help="Accept unsolicited responses from this IdP.")
@click.option("--auto-create-schools/--no-auto-create-schools", default=False,
              help="Create an SCO organisation for an unknown UAI instead of refusing the person.")
@click.option("--attribute", "attributes", multiple=True, metavar="KEY=NAME",
              help="Attribute mapping override, e.g. subject=uid (keys: " + ", ".join(GAR_ATTRIBUTE_MAP) + ").")
@with_appcontext
def add_idp(metadata: str, name: str, entity_id: str | None, idp_initiated: bool, auto_create_schools: bool,
            attributes: tuple[str, ...]) -> None:
    """Declare (or update) an identity provider from METADATA, a file path or an http(s) URL."""
    mapping = {}
    for item in attributes:
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise click.BadParameter(f"expected KEY=NAME, got {item!r}", param_hint="--attribute")
        mapping[key.strip()] = value.strip()
    try:
        xml, url = _read_metadata(metadata)
    except (OSError, requests.RequestException) as exc:
        raise click.ClickException(f"cannot read metadata: {exc}") from exc
    with current_app.extensions["pix_lti.db"].transaction() as session:
        try:
            idp = save_identity_provider(session, xml, metadata_url=url, name=name, entity_id=entity_id,
                                         allow_idp_initiated=idp_initiated, auto_create_schools=auto_create_schools,
                                         attribute_map=mapping)
        except Exception as exc:  # noqa: BLE001 - the metadata parser raises several kinds; all are the operator's input
            raise click.ClickException(f"invalid metadata: {exc}") from exc
        click.echo(json.dumps(idp_summary(idp), indent=2))


@saml_group.command("list")
@with_appcontext
def list_idps() -> None:
    with current_app.extensions["pix_lti.db"].transaction() as session:
        for idp in session.scalars(select(SamlIdentityProvider).order_by(SamlIdentityProvider.id)):
            click.echo(json.dumps(idp_summary(idp)))


@saml_group.command("sp-metadata")
@with_appcontext
def sp_metadata() -> None:
    """Print the SP metadata (also served at the entityID URL, /saml/metadata)."""
    public_url = current_app.config["PIX_SETTINGS"].public_url
    from urllib.parse import urlsplit

    keys = sp.load_or_create_keys(current_app.instance_path, urlsplit(public_url).hostname or "pix_lti")
    click.echo(sp.sp_metadata(public_url, keys))
