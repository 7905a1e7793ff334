"""The LTI flows on a database used the way production uses it — every session on its own connection, not the tests'
single rolled-back connection — so that a transaction left open across a shared-store call is caught (on SQLite each
transaction holds the write lock: such a nesting waits for itself and fails after the busy timeout)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from pix_lti.app import create_app
from pix_lti.cli import run_migrations
from pix_lti.db import Database, utcnow
from pix_lti.identity.models import OrganisationType
from pix_lti.identity.services import ensure_organisation
from pix_lti.launch import registrations
from pix_lti.launch.grades import queue_campaign_grade
from pix_lti.orga.models import Campaign, CampaignParticipation, CampaignType, ParticipationStatus
from pix_lti.outbox.models import OutboxMessage, OutboxStatus
from pix_lti.outbox.services import run_once
from tests.conftest import TEST_SECRET, drop_postgres_database, new_database_url
from tests.launch.helpers import lti_user
from tests.launch.platform import INSTRUCTOR, FakePlatform, LaunchSpec, run_launch


@pytest.fixture
def real_app(tmp_path_factory: pytest.TempPathFactory, tmp_path: object,
             lti_platform: FakePlatform) -> Iterator[tuple[Flask, Database]]:
    url = new_database_url(tmp_path_factory, prefix="pix_lti_lti_real")
    run_migrations(url)
    database = Database.from_url(url)
    with database.transaction() as session:
        school = ensure_organisation(session, name="Collège réel", type=OrganisationType.SCO, uai="0751234J")
        registrations.register(session, issuer=lti_platform.issuer, client_id=lti_platform.client_id,
                               auth_login_url=f"{lti_platform.base}/auth", auth_token_url=f"{lti_platform.base}/token",
                               key_set_url=f"{lti_platform.base}/jwks", deployment_ids=[lti_platform.deployment_id],
                               organisation=school)
        session.add(Campaign(organisation_id=school.id, type=CampaignType.PROFILES_COLLECTION, code="REELS1234",
                             title="Réel"))
    app = create_app({"env": "testing", "secret_key": TEST_SECRET, "database_url": url, "instance_dir": str(tmp_path),
                      "log_level": "WARNING"}, database=database)
    lti_platform.reset()
    try:
        yield app, database
    finally:
        database.engine.dispose()
        if url.startswith("postgresql"):
            drop_postgres_database(url)


def test_launch_deep_linking_grades_and_roster_on_separate_connections(real_app: tuple[Flask, Database],
                                                                       lti_platform: FakePlatform) -> None:
    app, database = real_app
    platform = lti_platform
    client = app.test_client()
    platform.tool_jwks = client.get("/lti/jwks.json").get_json()
    run = run_launch(client, platform, LaunchSpec(user_id="real-1", custom={"campaign_code": "REELS1234"},
                                                  lineitem_url=True))
    assert run.response.status_code == 303, run.response.get_data(as_text=True)[:1000]
    with database.transaction() as session:
        user = lti_user(session, platform.issuer, "real-1")
        campaign = session.scalar(select(Campaign))
        participation = CampaignParticipation(campaign_id=campaign.id, user_id=user.id, mastery_rate=0.5,
                                              status=ParticipationStatus.SHARED, shared_at=utcnow())
        session.add(participation)
        session.flush()
        queue_campaign_grade(session, participation)
    with app.app_context():
        assert len(run_once(database).sent) == 1
    assert len(platform.scores) == 1
    with database.transaction() as session:
        assert session.scalar(select(OutboxMessage)).status is OutboxStatus.SENT

    teacher = app.test_client()
    dl = run_launch(teacher, platform, LaunchSpec(user_id="real-prof", roles=[INSTRUCTOR], deep_linking=True))
    assert dl.response.status_code == 303
    assert teacher.get(dl.response.headers["Location"]).status_code == 200
    platform.members = [{"user_id": "real-2", "roles": ["Learner"], "given_name": "Zoé", "family_name": "Roux"}]
    course = run_launch(teacher, platform, LaunchSpec(user_id="real-prof", roles=[INSTRUCTOR], nrps=True))
    assert course.response.status_code == 303
    from tests.helpers import csrf_token_from

    page = teacher.get("/lti/enseignant").get_data(as_text=True)
    import re

    group_id = re.search(r"/lti/enseignant/cours/(\d+)/synchroniser", page).group(1)
    synced = teacher.post(f"/lti/enseignant/cours/{group_id}/synchroniser", data={"csrf_token": csrf_token_from(page)})
    assert synced.status_code == 303
    assert "1 membres, 1 nouveaux" in teacher.get("/lti/enseignant").get_data(as_text=True)
