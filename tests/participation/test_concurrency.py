"""Double clicks on "Je commence" and "J'envoie mes résultats": real concurrent transactions (two threads, two
connections, committed data) end with one active participation and one sending, on SQLite and on PostgreSQL (where
the partial unique index and the row lock do the work)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from pix_lti.db import Database
from pix_lti.identity.models import Organisation, User
from pix_lti.orga import campaigns
from pix_lti.orga.models import Campaign, CampaignParticipation, ParticipationStatus, TargetProfile
from tests.factories import make_user
from tests.participation.campaign_helpers import finish_test, make_campaign


def _twice_at_once(factory: sessionmaker[Session], action: Callable[[Session], int]) -> list[object]:
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run() -> None:
        with factory() as session:
            try:
                barrier.wait(timeout=10)
                outcomes.append(action(session))
                session.commit()
            except Exception as exc:  # reported by the caller with the other thread's outcome
                session.rollback()
                outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_simultaneous_starts_and_shares_make_one_participation_and_one_sending(database: Database,
                                                                              demo_content: str) -> None:
    factory = sessionmaker(bind=database.engine, expire_on_commit=False)
    with factory() as session:
        campaign = make_campaign(session, demo_content)
        user = make_user(session)
        ids = (campaign.id, user.id, campaign.organisation_id, campaign.target_profile_id)
        session.commit()
    campaign_id, user_id, organisation_id, profile_id = ids

    def start(session: Session) -> int:
        campaign = session.get(Campaign, campaign_id)
        user = session.get(User, user_id)
        assert campaign is not None and user is not None
        return campaigns.start_participation(session, campaign, user, max_level=6).id

    try:
        outcomes = _twice_at_once(factory, start)
        assert all(isinstance(o, int) for o in outcomes) and len(set(outcomes)) == 1, outcomes
        with factory() as session:
            count = session.scalar(select(func.count()).select_from(CampaignParticipation)
                                   .where(CampaignParticipation.campaign_id == campaign_id))
            assert count == 1
            participation = session.get(CampaignParticipation, outcomes[0])
            finish_test(session, campaigns.campaign_assessment(session, participation), right=True)
            session.commit()

        def share(session: Session) -> int:
            participation = session.get(CampaignParticipation, outcomes[0])
            assert participation is not None
            shared = campaigns.share_participation(session, participation, max_level=6)
            return int(shared.shared_at.timestamp() * 1_000_000)

        shared_at = _twice_at_once(factory, share)
        assert all(isinstance(o, int) for o in shared_at) and len(set(shared_at)) == 1, shared_at
        with factory() as session:
            assert session.get(CampaignParticipation, outcomes[0]).status is ParticipationStatus.SHARED
    finally:
        with factory() as session:
            session.execute(delete(Campaign).where(Campaign.id == campaign_id))
            session.execute(delete(TargetProfile).where(TargetProfile.id == profile_id))
            session.execute(delete(Organisation).where(Organisation.id == organisation_id))
            session.execute(delete(User).where(User.id == user_id))
            session.commit()
