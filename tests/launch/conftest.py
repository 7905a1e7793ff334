"""Fixtures of the LTI tests: the third-party platform on loopback (one per run), registered for a school."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.identity.models import Organisation
from pix_lti.launch import registrations
from pix_lti.launch.models import LtiRegistration
from tests.conftest import use_demo_database
from tests.factories import make_organisation
from tests.launch.platform import FakePlatform

# The picker and the competence pages list the référentiel: these tests get a database with the demo pack.
database_url, database = use_demo_database()


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
