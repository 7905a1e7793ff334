"""Test data for campaigns: target profiles, campaigns, knowledge given by hand, answering a campaign test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from pix_lti.assessment import catalogs
from pix_lti.assessment import services as assessment_services
from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType, KnowledgeElement
from pix_lti.content.models import ChallengeVersion
from pix_lti.db import utcnow
from pix_lti.identity.models import Organisation, User
from pix_lti.orga import campaigns
from pix_lti.orga.models import Campaign, CampaignType
from tests.assessment.answers import right_form, wrong_form
from tests.factories import make_organisation

# The hand-checked case: 13 active target skills over three competences.
#   @motDePasse (4.1) levels 1–6 → 6 skills; @donneesPersonnelles (4.2) levels 1, 3, 4 (≤ 4) → 3; @connectiquePorts
#   (5.1) levels 1–4 → 4.
HAND_TUBES = {"@motDePasse": 6, "@donneesPersonnelles": 4, "@connectiquePorts": 4}
HAND_KNOWLEDGE = {
    **{f"@motDePasse{n}": "validated" for n in range(1, 7)},
    "@donneesPersonnelles1": "validated", "@donneesPersonnelles3": "validated", "@donneesPersonnelles4": "invalidated",
    "@connectiquePorts1": "validated", "@connectiquePorts2": "invalidated",
}
# validated 9 / 13 = 69.23 % → "69 %"; tested 11. Per competence: 4.1 6/6, 4.2 2/3 (66 %), 5.1 1/4 (25 %).
HAND_STAGES = [(0, "Premiers pas", "Vous débutez."), (50, "En route", "Vous progressez bien."),
               (69, "Presque", "Encore un effort."), (70, "Confirmé", "Bravo."), (90, "Expert", "Excellent.")]

SMALL_TUBES = {"@motDePasse": 3, "@lectureUrl": 2}  # a short real test: 3 + 2 skills over two competences


def make_campaign(session: Session, pack_key: str, *, tubes: Mapping[str, int] | None = None,
                  organisation: Organisation | None = None, stages: Iterable[tuple[int, str, str]] = (),
                  **kw: object) -> Campaign:
    organisation = organisation or make_organisation(session)
    type_ = kw.pop("type", CampaignType.ASSESSMENT)
    profile = None
    if type_ is CampaignType.ASSESSMENT:
        profile = campaigns.create_target_profile(session, name="Profil de test", pack_key=pack_key,
                                                  tubes=dict(tubes or SMALL_TUBES))
    return campaigns.create_campaign(session, organisation, title=str(kw.pop("title", "Campagne de test")),
                                     type=type_, target_profile=profile, stages=stages, **kw)  # type: ignore[arg-type]


def give_knowledge(session: Session, user: User, pack_key: str, statuses: Mapping[str, str],
                   now: datetime | None = None) -> Assessment:
    """Knowledge as if earned in a finished competence test: one element per skill, with its pix when validated."""
    now = now or utcnow()
    catalog = catalogs.full_catalog(session, pack_key)
    assessment = Assessment(user_id=user.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key=pack_key,
                            status=AssessmentStatus.COMPLETED, selector="smart_random", seed=1, created_at=now,
                            updated_at=now, completed_at=now)
    session.add(assessment)
    session.flush()
    for skill_id, status in statuses.items():
        skill = catalog.skills[catalog.skill_index[skill_id]]
        whole = catalog.slice(skill.competence)
        pix = float(whole.pix_value[whole.local_index[skill_id]]) if status == "validated" else 0.0
        session.add(KnowledgeElement(user_id=user.id, assessment_id=assessment.id, competence_code=skill.competence,
                                     skill_id=skill_id, status=status, source="direct", earned_pix=pix,
                                     created_at=now))
    session.flush()
    return assessment


def answer_current(session: Session, assessment: Assessment, *, right: bool, now: datetime | None = None) -> str:
    version = session.get(ChallengeVersion, assessment.current_challenge_version_id)
    assert version is not None
    form = right_form(version) if right else wrong_form(version)
    outcome = assessment_services.submit_answer(
        session, assessment, challenge_id=assessment.current_challenge_id or "", form=MultiDict(form), skipped=False,
        focused_out=False, locale="fr", max_level=6, now=now)
    return outcome.answer.result


def finish_test(session: Session, assessment: Assessment, *, right: bool, now: datetime | None = None) -> int:
    """Answer until the test ends; returns the number of answers."""
    count = 0
    while assessment.status is AssessmentStatus.STARTED:
        answer_current(session, assessment, right=right, now=now)
        count += 1
        assert count < 200, "the campaign test does not end"
    return count
