"""Fixtures of the LTI tests: the third-party platform on loopback (one per run), registered for a school."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.identity.models import Organisation
from pix_lti.launch import registrations
from pix_lti.launch.models import LtiRegistration
from tests.conftest import use_demo_database
from tests.factories import make_organisation
from tests.launch.platform import FakePlatform, new_rsa_key

# The picker and the competence pages list the référentiel: these tests get a database with the demo pack.
database_url, database = use_demo_database()


@pytest.fixture(scope="session")
def _tool_key_pool() -> list[Any]:
    return [new_rsa_key() for _ in range(4)]


@pytest.fixture(autouse=True)
def _reuse_tool_keys(monkeypatch: pytest.MonkeyPatch, _tool_key_pool: list[Any]) -> None:
    """Each test's database starts without tool keys; reuse a few pre-generated ones instead of generating RSA keys
    in every test (distinct keys still come one after the other, for rotation tests)."""
    from jwcrypto.jwk import JWK

    from pix_lti.launch import keys

    pool = itertools.cycle(_tool_key_pool)

    class PooledJWK:
        from_pem = staticmethod(JWK.from_pem)

        @staticmethod
        def generate(**_: Any) -> Any:
            return next(pool)

    monkeypatch.setattr(keys, "JWK", PooledJWK)


@pytest.fixture(scope="session")
def lti_platform() -> Iterator[FakePlatform]:
    platform = FakePlatform()
    yield platform
    platform.stop()


@pytest.fixture
def platform(lti_platform: FakePlatform, client: FlaskClient) -> FakePlatform:
    """The platform, emptied, knowing this test's tool keys (as if it had fetched our JWKS URL)."""
    lti_platform.reset()
    lti_platform.tool_jwks = client.get("/lti/jwks.json").get_json()
    return lti_platform


@pytest.fixture
def school(db_session: Session) -> Organisation:
    return make_organisation(db_session, name="Collège Jean-Moulin")


@pytest.fixture
def registration(db_session: Session, platform: FakePlatform, school: Organisation) -> LtiRegistration:
    return registrations.register(
        db_session, issuer=platform.issuer, client_id=platform.client_id, auth_login_url=f"{platform.base}/auth",
        auth_token_url=f"{platform.base}/token", key_set_url=f"{platform.base}/jwks",
        deployment_ids=[platform.deployment_id], organisation=school, name="Moodle de test")
