"""Fixtures of the OIDC tests: the loopback provider (one per run) and its registration in each test's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from pix_lti.auth.oidc.cli import save_provider
from pix_lti.auth.oidc.models import OidcProvider
from pix_lti.identity.models import Organisation, OrganisationType
from pix_lti.identity.services import ensure_organisation
from tests.auth.oidc.provider import CLIENT_ID, CLIENT_SECRET, FakeOidcProvider

SCHOOL_UAI = "0750001U"


@pytest.fixture(scope="session")
def _oidc_server() -> Iterator[FakeOidcProvider]:
    server = FakeOidcProvider()
    yield server
    server.stop()


@pytest.fixture
def oidc_server(_oidc_server: FakeOidcProvider, monkeypatch: pytest.MonkeyPatch) -> FakeOidcProvider:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback provider speaks plain HTTP
    _oidc_server.reset()
    return _oidc_server


@pytest.fixture
def ent(app: Flask, db_session: Session, oidc_server: FakeOidcProvider) -> OidcProvider:
    provider = save_provider(db_session, app.config["SECRET_KEY"], issuer=oidc_server.issuer, client_id=CLIENT_ID,
                             client_secret=CLIENT_SECRET, name="ENT (test)", scopes="openid profile ent")
    db_session.flush()
    return provider


@pytest.fixture
def school(db_session: Session) -> Organisation:
    organisation = ensure_organisation(db_session, name="Collège Jean-Moulin", type=OrganisationType.SCO,
                                       uai=SCHOOL_UAI)
    db_session.flush()
    return organisation
