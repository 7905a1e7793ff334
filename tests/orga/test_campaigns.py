"""Campaign services on the demo bank: joining, the campaign test, mastery and stages, sharing, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType
from pix_lti.db import utcnow
from pix_lti.engine import rules
from pix_lti.orga import campaigns
from pix_lti.orga.models import CampaignParticipation, CampaignType, ParticipationStatus
from tests.factories import make_user
from tests.participation.campaign_helpers import (
    HAND_KNOWLEDGE,
    HAND_STAGES,
    HAND_TUBES,
    finish_test,
    give_knowledge,
    make_campaign,
)


def test_find_campaign_tolerates_case_and_spaces(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    typed = " ".join([campaign.code[:3].lower(), campaign.code[3:6], campaign.code[6:]])
    assert campaigns.find_campaign(db_session, typed) is campaign
    assert campaigns.find_campaign(db_session, "ZZZZZZ999") is None
    assert campaigns.find_campaign(db_session, "not a code") is None


def test_created_codes_are_unique_and_well_formed(db_session: Session, demo_content: str) -> None:
    created = {make_campaign(db_session, demo_content).code for _ in range(5)}
    assert len(created) == 5
    with pytest.raises(ValueError):
        make_campaign(db_session, demo_content, code="ABCDE1234")


def test_start_creates_a_participation_and_a_campaign_test_then_resumes(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    user = make_user(db_session)
    participation = campaigns.start_participation(db_session, campaign, user, max_level=6)
    assert participation.status is ParticipationStatus.STARTED and not participation.is_improved
    assessment = campaigns.campaign_assessment(db_session, participation)
    assert assessment is not None and assessment.type is AssessmentType.CAMPAIGN
    assert assessment.campaign_participation_id == participation.id and assessment.user_id == user.id
    assert assessment.status is AssessmentStatus.STARTED and assessment.current_challenge_id is not None
    # Only target skills are asked: the current challenge belongs to one of the profile's tubes.
    catalog = campaigns.catalogs.target_catalog(db_session, demo_content, campaign.target_profile.tubes)
    assert catalog.skill_of(assessment.current_challenge_id).tube in campaign.target_profile.tubes

    again = campaigns.start_participation(db_session, campaign, user, max_level=6)
    assert again.id == participation.id
    assert campaigns.campaign_assessment(db_session, again).id == assessment.id


def test_a_second_active_participation_is_refused_by_the_database(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    user = make_user(db_session)
    campaigns.start_participation(db_session, campaign, user, max_level=6)
    duplicate = CampaignParticipation(campaign_id=campaign.id, user_id=user.id)
    assert campaigns._insert_participation(db_session, duplicate) is None  # the unique partial index
    assert db_session.scalars(select(CampaignParticipation).where(
        CampaignParticipation.campaign_id == campaign.id)).all().__len__() == 1


@pytest.mark.parametrize(("typed", "stored"), [("  12345 ", "12345"), ("é" * 255, "é" * 255)])
def test_external_id_is_trimmed_and_kept(db_session: Session, demo_content: str, typed: str, stored: str) -> None:
    campaign = make_campaign(db_session, demo_content, external_id_label="Numéro d'élève")
    participation = campaigns.start_participation(db_session, campaign, make_user(db_session), external_id=typed,
                                                  max_level=6)
    assert participation.external_id == stored


@pytest.mark.parametrize("bad", [None, "", "   ", "x" * 256, "a\nb"])
def test_invalid_external_id_is_refused_and_nothing_is_created(db_session: Session, demo_content: str,
                                                               bad: str | None) -> None:
    campaign = make_campaign(db_session, demo_content, external_id_label="Numéro d'élève")
    user = make_user(db_session)
    with pytest.raises(campaigns.ExternalIdInvalid):
        campaigns.start_participation(db_session, campaign, user, external_id=bad, max_level=6)
    assert campaigns.active_participation(db_session, campaign.id, user.id) is None


def test_external_id_is_ignored_when_the_campaign_does_not_ask_it(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    participation = campaigns.start_participation(db_session, campaign, make_user(db_session), external_id="x" * 999,
                                                  max_level=6)
    assert participation.external_id is None


def test_archived_campaign_cannot_be_joined(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    campaign.archived_at = utcnow()
    with pytest.raises(campaigns.CampaignArchived):
        campaigns.start_participation(db_session, campaign, make_user(db_session), max_level=6)


def test_hand_checked_mastery_competences_and_stage(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, tubes=HAND_TUBES, stages=HAND_STAGES)
    user = make_user(db_session)
    give_knowledge(db_session, user, demo_content, HAND_KNOWLEDGE)
    participation = campaigns.start_participation(db_session, campaign, user, max_level=6)
    results = campaigns.compute_results(db_session, participation)
    assert (results.validated, results.tested, results.total) == (9, 11, 13)
    assert results.percent == 69  # 9/13 = 69.23 %
    by_code = {c.code: c for c in results.competences}
    assert [c.code for c in results.competences] == ["4.1", "4.2", "5.1"]
    assert (by_code["4.1"].validated, by_code["4.1"].tested, by_code["4.1"].total, by_code["4.1"].percent) == (6, 6, 6, 100)
    assert (by_code["4.2"].validated, by_code["4.2"].tested, by_code["4.2"].total, by_code["4.2"].percent) == (2, 3, 3, 66)
    assert (by_code["5.1"].validated, by_code["5.1"].tested, by_code["5.1"].total, by_code["5.1"].percent) == (1, 2, 4, 25)
    # 9/13 reaches the 69 % threshold (900 ≥ 897) but not 70 % (900 < 910): third of five stages.
    assert results.stage is not None and results.stage.title == "Presque"
    assert (results.stage_index, results.stage_count) == (3, 5)
    assert results.skills["@donneesPersonnelles4"] == "invalidated" and "@connectiquePorts3" not in results.skills


def test_reached_stage_boundaries() -> None:
    from pix_lti.orga.models import CampaignStage

    stages = [CampaignStage(threshold=t, title=str(t)) for t in (80, 0, 40)]
    assert campaigns.reached_stage(stages, 0, 10)[0].threshold == 0
    assert campaigns.reached_stage(stages, 4, 10) == (stages[2], 2)
    assert campaigns.reached_stage(stages, 39, 100)[0].threshold == 0
    assert campaigns.reached_stage(stages, 10, 10)[1] == 3
    assert campaigns.reached_stage([CampaignStage(threshold=50, title="x")], 4, 10) == (None, None)


def test_whole_campaign_test_all_right_masters_every_target_skill(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, stages=HAND_STAGES)
    user = make_user(db_session)
    participation = campaigns.start_participation(db_session, campaign, user, max_level=6)
    assessment = campaigns.campaign_assessment(db_session, participation)
    campaigns.refresh_participation(db_session, participation)
    assert participation.status is ParticipationStatus.STARTED  # test not finished: nothing to share yet
    with pytest.raises(campaigns.NotReadyToShare):
        campaigns.share_participation(db_session, participation, max_level=6)
    answers = finish_test(db_session, assessment, right=True)
    assert 1 <= answers <= 5  # 5 target skills; inference spares some questions
    campaigns.refresh_participation(db_session, participation)
    assert participation.status is ParticipationStatus.TO_SHARE
    assert (participation.validated_skills, participation.mastery_rate) == (5, 1.0)
    assert campaigns.compute_results(db_session, participation).stage.title == "Expert"


def test_whole_campaign_test_all_wrong_masters_nothing(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    user = make_user(db_session)
    participation = campaigns.start_participation(db_session, campaign, user, max_level=6)
    finish_test(db_session, campaigns.campaign_assessment(db_session, participation), right=False)
    campaigns.refresh_participation(db_session, participation)
    assert participation.status is ParticipationStatus.TO_SHARE
    assert participation.validated_skills == 0 and participation.mastery_rate == 0.0 and participation.tested_skills == 5


def test_known_skills_are_not_asked_again(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, tubes={"@motDePasse": 3})
    user = make_user(db_session)
    give_knowledge(db_session, user, demo_content, {f"@motDePasse{n}": "validated" for n in (1, 2, 3)})
    participation = campaigns.start_participation(db_session, campaign, user, max_level=6)
    assert campaigns.campaign_assessment(db_session, participation).status is AssessmentStatus.COMPLETED
    campaigns.refresh_participation(db_session, participation)
    assert participation.status is ParticipationStatus.TO_SHARE and participation.mastery_rate == 1.0


def _shared(db_session: Session, demo_content: str, *, multiple_sendings: bool, right: bool, shared_days_ago: int = 0,
            **kw: object) -> CampaignParticipation:
    campaign = make_campaign(db_session, demo_content, multiple_sendings=multiple_sendings, **kw)
    user = make_user(db_session)
    start = utcnow() - timedelta(days=shared_days_ago)
    participation = campaigns.start_participation(db_session, campaign, user, max_level=6, now=start)
    finish_test(db_session, campaigns.campaign_assessment(db_session, participation), right=right, now=start)
    return campaigns.share_participation(db_session, participation, max_level=6, now=start)


def test_share_stores_the_snapshot_once(db_session: Session, demo_content: str) -> None:
    participation = _shared(db_session, demo_content, multiple_sendings=False, right=False,
                            external_id_label=None, stages=HAND_STAGES)
    assert participation.status is ParticipationStatus.SHARED and participation.shared_at is not None
    snapshot = participation.results
    assert snapshot["kind"] == "assessment" and snapshot["total"] == 5 and snapshot["validated"] == 0
    assert set(snapshot["competences"]) == {"1.1", "4.1"}
    assert snapshot["competences"]["4.1"] == {"validated": 0, "tested": 3, "total": 3, "mastery_rate": 0.0}
    assert snapshot["stage"] == {"threshold": 0, "title": "Premiers pas", "index": 1, "count": 5}
    assert set(snapshot["skills"].values()) == {"invalidated"} and len(snapshot["skills"]) == 5
    first_shared_at = participation.shared_at
    again = campaigns.share_participation(db_session, participation, max_level=6, now=utcnow() + timedelta(days=1))
    assert again.shared_at == first_shared_at  # a double click changes nothing


def test_sharing_an_archived_campaign_is_refused(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    participation = campaigns.start_participation(db_session, campaign, make_user(db_session), max_level=6)
    finish_test(db_session, campaigns.campaign_assessment(db_session, participation), right=True)
    campaign.archived_at = utcnow()
    with pytest.raises(campaigns.CampaignArchived):
        campaigns.share_participation(db_session, participation, max_level=6)
    assert participation.status is not ParticipationStatus.SHARED


def test_retry_needs_multiple_sendings(db_session: Session, demo_content: str) -> None:
    participation = _shared(db_session, demo_content, multiple_sendings=False, right=False, shared_days_ago=10)
    eligibility = campaigns.retry_eligibility(participation)
    assert not eligibility.allowed and eligibility.reason == rules.RETRY_SINGLE_SENDING
    with pytest.raises(campaigns.RetryNotAllowed):
        campaigns.retry_participation(db_session, participation, max_level=6)


def test_retry_opens_four_days_after_sharing(db_session: Session, demo_content: str) -> None:
    participation = _shared(db_session, demo_content, multiple_sendings=True, right=False)
    shared_at = participation.shared_at
    too_early = campaigns.retry_eligibility(participation, shared_at + timedelta(days=3, hours=23))
    assert not too_early.allowed and too_early.reason == rules.RETRY_TOO_EARLY
    assert too_early.available_at == shared_at + timedelta(days=4)
    with pytest.raises(campaigns.RetryNotAllowed):
        campaigns.retry_participation(db_session, participation, max_level=6, now=shared_at + timedelta(days=1))

    fresh = campaigns.retry_participation(db_session, participation, max_level=6, now=shared_at + timedelta(days=4))
    assert fresh.id != participation.id and participation.is_improved and not fresh.is_improved
    assert fresh.status is ParticipationStatus.STARTED and fresh.external_id == participation.external_id
    assert campaigns.active_participation(db_session, fresh.campaign_id, fresh.user_id).id == fresh.id
    new_test = campaigns.campaign_assessment(db_session, fresh)
    # Failed skills are testable again: the new test asks a question instead of ending at once.
    assert new_test.improving_since is not None and new_test.status is AssessmentStatus.STARTED
    # A second click on the old page joins the new participation.
    assert campaigns.retry_participation(db_session, participation, max_level=6).id == fresh.id
    assert participation.results is not None  # the older sending keeps its shared snapshot


def test_no_retry_at_full_mastery(db_session: Session, demo_content: str) -> None:
    participation = _shared(db_session, demo_content, multiple_sendings=True, right=True, shared_days_ago=10)
    assert participation.mastery_rate == 1.0
    eligibility = campaigns.retry_eligibility(participation)
    assert not eligibility.allowed and eligibility.reason == rules.RETRY_MASTERED


def test_profiles_collection_has_no_test_and_shares_the_profile(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, type=CampaignType.PROFILES_COLLECTION)
    user = make_user(db_session)
    give_knowledge(db_session, user, demo_content, {f"@motDePasse{n}": "validated" for n in range(1, 5)})
    participation = campaigns.start_participation(db_session, campaign, user, max_level=6)
    assert participation.status is ParticipationStatus.TO_SHARE
    assert db_session.scalar(select(Assessment).where(Assessment.campaign_participation_id == participation.id)) is None
    campaigns.share_participation(db_session, participation, max_level=6)
    snapshot = participation.results
    assert snapshot["kind"] == "profile" and len(snapshot["competences"]) == 16
    # 4.1 has 3 active level-1 skills (8/3 pix each) and 4 at levels 2–4 (2 pix each): 8/3 + 2 + 2 + 2 = 8.67 → 8 pix,
    # level 1 — and the snapshot is exactly what the scoring service says.
    assert snapshot["competences"]["4.1"] == {"level": 1, "pix": 8}
    score = campaigns.assessment_services.profile_score(
        db_session, user.id, campaigns.catalogs.full_catalog(db_session, demo_content), 6).by_competence()
    assert score["4.1"].pix == 8 and snapshot["competences"]["1.1"] == {"level": 0, "pix": 0}
    assert snapshot["total_pix"] == snapshot["competences"]["4.1"]["pix"]


def test_an_unfinished_test_of_a_closed_campaign_does_not_resume(db_session: Session, demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content)
    user = make_user(db_session)
    campaigns.start_participation(db_session, campaign, user, max_level=6)
    campaign.archived_at = utcnow()
    with pytest.raises(campaigns.CampaignArchived):
        campaigns.start_participation(db_session, campaign, user, max_level=6)
    # A finished one still shows its results (the end page uses the same participation).
    other = make_user(db_session)
    campaign.archived_at = None
    finished = campaigns.start_participation(db_session, campaign, other, max_level=6)
    finish_test(db_session, campaigns.campaign_assessment(db_session, finished), right=True)
    campaigns.refresh_participation(db_session, finished)
    campaign.archived_at = utcnow()
    assert campaigns.start_participation(db_session, campaign, other, max_level=6).id == finished.id
