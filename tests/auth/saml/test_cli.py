"""``pix-lti saml …`` and ``pix-lti oidc …``: declare providers from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.oidc.models import OidcProvider
from pix_lti.auth.saml.models import SamlIdentityProvider
from tests.auth.saml.idp import FakeIdp


def test_add_idp_from_a_file_then_update_it(runner: FlaskCliRunner, db_session: Session, fake_idp: FakeIdp,
                                            tmp_path: Path) -> None:
    metadata = tmp_path / "gar.xml"
    metadata.write_text(fake_idp.metadata_xml())
    result = runner.invoke(args=["saml", "add-idp", str(metadata), "--name", "GAR", "--attribute", "subject=uid"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["entity_id"] == fake_idp.entity_id and summary["certificates"] == 1
    result = runner.invoke(args=["saml", "add-idp", str(metadata), "--auto-create-schools", "--idp-initiated"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    idps = db_session.scalars(select(SamlIdentityProvider)).all()
    assert len(idps) == 1 and idps[0].auto_create_schools and idps[0].allow_idp_initiated
    assert idps[0].attribute("subject") == "IDO"  # the second call did not repeat the override
    listed = runner.invoke(args=["saml", "list"])
    assert fake_idp.entity_id in listed.output


def test_add_idp_refuses_bad_input(runner: FlaskCliRunner, tmp_path: Path, fake_idp: FakeIdp) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<nope/>")
    assert runner.invoke(args=["saml", "add-idp", str(bad)]).exit_code != 0
    good = tmp_path / "gar.xml"
    good.write_text(fake_idp.metadata_xml())
    result = runner.invoke(args=["saml", "add-idp", str(good), "--attribute", "email=P_MEL"])
    assert result.exit_code != 0 and "unknown attribute keys" in result.output
    assert runner.invoke(args=["saml", "add-idp", str(tmp_path / "missing.xml")]).exit_code != 0


def test_sp_metadata_command(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["saml", "sp-metadata"])
    assert result.exit_code == 0 and 'entityID="http://127.0.0.1:5000/saml/metadata"' in result.output


def test_oidc_add_provider_keeps_the_secret_out_of_the_output(runner: FlaskCliRunner, db_session: Session) -> None:
    result = runner.invoke(args=["oidc", "add-provider", "--issuer", "https://ent.example/oidc", "--client-id", "pix",
                                 "--claim", "uai=ENTPersonStructRattachUAI"],
                           env={"PIX_LTI_OIDC_CLIENT_SECRET": "top-secret-value"})
    assert result.exit_code == 0, result.output
    assert "top-secret-value" not in result.output
    db_session.expire_all()
    provider = db_session.scalar(select(OidcProvider))
    assert provider is not None and provider.attribute("uai") == "ENTPersonStructRattachUAI"
    assert provider.discovery_url == "https://ent.example/oidc/.well-known/openid-configuration"
    assert runner.invoke(args=["oidc", "add-provider", "--issuer", "https://x", "--client-id", "c",
                               "--scopes", "profile"]).exit_code != 0
