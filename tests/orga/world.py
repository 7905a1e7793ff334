"""Two organisations (A and B), each with a référent (ADMIN), a teacher (MEMBER), a student, and a campaign; A's
campaign has one shared participation (hand-given knowledge), one finished but not sent, one started."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.identity.models import MembershipRole, Organisation, User
from pix_lti.orga import campaigns
from pix_lti.orga.models import Campaign, CampaignParticipation, ParticipationStatus
from tests.factories import PASSWORD, make_member, make_organisation, make_user
from tests.helpers import login
from tests.participation.campaign_helpers import HAND_KNOWLEDGE, HAND_STAGES, HAND_TUBES, give_knowledge, make_campaign


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    admin_a: User
    member_a: User
    student_a: User
    admin_b: User
    member_b: User
    campaign_a: Campaign
    campaign_b: Campaign
    shared: CampaignParticipation
    to_share: CampaignParticipation
    started: CampaignParticipation


def build_world(session: Session, pack_key: str) -> World:
    org_a = make_organisation(session, name="Collège A")
    org_b = make_organisation(session, name="Collège B")
    admin_a = make_member(session, org_a, MembershipRole.ADMIN, first_name="Ada", last_name="Référente")
    member_a = make_member(session, org_a, MembershipRole.MEMBER, first_name="Marc", last_name="Prof")
    student_a = make_member(session, org_a, MembershipRole.STUDENT, first_name="Léa", last_name="Martin")
    admin_b = make_member(session, org_b, MembershipRole.ADMIN)
    member_b = make_member(session, org_b, MembershipRole.MEMBER)
    campaign_a = make_campaign(session, pack_key, tubes=HAND_TUBES, organisation=org_a, stages=HAND_STAGES,
                               title="Sécurité 4e", external_id_label="Numéro d'élève", owner=member_a)
    campaign_a.target_profile.organisation_id = org_a.id  # A's own profile (offered on A's creation form)
    campaign_b = make_campaign(session, pack_key, organisation=org_b, title="Campagne de B")

    give_knowledge(session, student_a, pack_key, HAND_KNOWLEDGE)
    shared = campaigns.start_participation(session, campaign_a, student_a, external_id="=1+2", max_level=6)
    _complete(session, shared)
    campaigns.share_participation(session, shared, max_level=6)

    hugo = make_user(session, first_name="Hugo", last_name="Bernard")
    to_share = campaigns.start_participation(session, campaign_a, hugo, external_id="E2", max_level=6)
    _complete(session, to_share)
    campaigns.refresh_participation(session, to_share)

    ines = make_user(session, first_name="Inès", last_name="Petit")
    started = campaigns.start_participation(session, campaign_a, ines, external_id="E3", max_level=6)
    session.flush()
    assert shared.status is ParticipationStatus.SHARED and to_share.status is ParticipationStatus.TO_SHARE
    return World(org_a, org_b, admin_a, member_a, student_a, admin_b, member_b, campaign_a, campaign_b, shared,
                 to_share, started)


def _complete(session: Session, participation: CampaignParticipation) -> None:
    from pix_lti.assessment.models import AssessmentStatus

    assessment = campaigns.campaign_assessment(session, participation)
    assert assessment is not None
    assessment.status = AssessmentStatus.COMPLETED
    session.flush()


def log_in_as(client: FlaskClient, user: User) -> None:
    response = login(client, user.username or "", PASSWORD)
    assert response.status_code == 303, response.status_code
