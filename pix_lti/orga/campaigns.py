"""Campaign services: creating campaigns and target profiles, joining by code, the campaign test, mastery and stages,
sharing results with the organisation and retrying (multiple sendings).

Services receive a session and only flush; the request's end commits. The learner's knowledge comes from
``assessment.services.current_knowledge`` (every assessment counts, so skills already shown in a competence test are
not asked again and count towards the campaign), and the retry rules from the pure ``engine.rules``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pix_lti import engine, events
from pix_lti.assessment import catalogs
from pix_lti.assessment import services as assessment_services
from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType
from pix_lti.content.models import ContentPack, ContentRelease
from pix_lti.db import utcnow
from pix_lti.engine import rules
from pix_lti.identity.models import Organisation, User
from pix_lti.orga import codes
from pix_lti.orga.models import (
    Campaign,
    CampaignParticipation,
    CampaignStage,
    CampaignType,
    ParticipationStatus,
    TargetProfile,
)

EXTERNAL_ID_MAX = 255


class CampaignError(Exception):
    """A request about a campaign that cannot be honoured; ``status`` is the HTTP status a view answers with."""

    status = 409


class CampaignArchived(CampaignError):
    status = 410


class ExternalIdInvalid(CampaignError):
    status = 422


class NotReadyToShare(CampaignError):
    status = 409


class RetryNotAllowed(CampaignError):
    status = 409

    def __init__(self, eligibility: rules.RetryEligibility):
        super().__init__(eligibility.reason)
        self.eligibility = eligibility


# ---------------------------------------------------------------------------------------------------------------------
# Target profiles and campaigns (the Orga pages build on these)


def create_target_profile(session: Session, *, name: str, pack_key: str, tubes: dict[str, int], description: str = "",
                          organisation: Organisation | None = None, is_public: bool = False) -> TargetProfile:
    """A target profile: ``tubes`` maps a tube name (``@motDePasse``) to the highest level it includes (1..8)."""
    if not tubes:
        raise ValueError("a target profile needs at least one tube")
    for tube, level in tubes.items():
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 8:
            raise ValueError(f"tube {tube}: level {level!r} outside 1..8")
    profile = TargetProfile(name=name, pack_key=pack_key, tubes=dict(tubes), description=description,
                            organisation_id=organisation.id if organisation else None, is_public=is_public)
    session.add(profile)
    session.flush()
    return profile


def code_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Campaign.id).where(Campaign.code == code)) is not None


def create_campaign(
    session: Session,
    organisation: Organisation,
    *,
    title: str,
    type: CampaignType = CampaignType.ASSESSMENT,
    target_profile: TargetProfile | None = None,
    landing_text: str = "",
    external_id_label: str | None = None,
    multiple_sendings: bool = False,
    owner: User | None = None,
    stages: Iterable[tuple[int, str, str]] = (),
    code: str | None = None,
) -> Campaign:
    """A campaign with a fresh unique code (or ``code``, e.g. the demo's fixed one); ``stages`` are
    (threshold %, title, message)."""
    if type is CampaignType.ASSESSMENT and target_profile is None:
        raise ValueError("an assessment campaign needs a target profile")
    if code is None:
        code = codes.generate_code(lambda c: code_exists(session, c))
    elif not codes.is_valid_code(code):
        raise ValueError(f"malformed campaign code {code!r}")
    campaign = Campaign(organisation_id=organisation.id, type=type, code=code, title=title,
                        target_profile_id=target_profile.id if target_profile else None, landing_text=landing_text,
                        external_id_label=external_id_label or None, multiple_sendings=multiple_sendings,
                        owner_id=owner.id if owner else None)
    for threshold, stage_title, message in stages:
        if not 0 <= threshold <= 100:
            raise ValueError(f"stage threshold {threshold} outside 0..100")
        campaign.stages.append(CampaignStage(threshold=threshold, title=stage_title, message=message))
    session.add(campaign)
    session.flush()
    return campaign


def find_campaign(session: Session, typed_code: str | None) -> Campaign | None:
    """The campaign whose code was typed (any case, spaces or dashes ignored); None for unknown or malformed codes."""
    code = codes.normalise_code(typed_code)
    if not codes.is_valid_code(code):
        return None
    return session.scalar(select(Campaign).where(Campaign.code == code))


def default_pack_key(session: Session) -> str:
    """The content pack a campaign without target profile (profiles collection) reads the référentiel from: the most
    recently loaded one."""
    key = session.scalar(select(ContentPack.key).join(ContentRelease).order_by(ContentRelease.id.desc()).limit(1))
    if key is None:
        raise LookupError("no content pack is loaded")
    return key


def campaign_pack_key(session: Session, campaign: Campaign) -> str:
    if campaign.target_profile is not None:
        return campaign.target_profile.pack_key
    return default_pack_key(session)


def target_skills(session: Session, profile: TargetProfile) -> list[engine.Skill]:
    """The active skills of the target profile (its tubes up to their level), in référentiel order."""
    return [s for s in catalogs.target_catalog(session, profile.pack_key, profile.tubes).skills if s.active]


# ---------------------------------------------------------------------------------------------------------------------
# Participations


def active_participation(session: Session, campaign_id: int, user_id: int) -> CampaignParticipation | None:
    """The learner's current participation (older ones were superseded by a retry and are flagged improved)."""
    return session.scalar(select(CampaignParticipation).where(
        CampaignParticipation.campaign_id == campaign_id, CampaignParticipation.user_id == user_id,
        CampaignParticipation.is_improved.is_(False)))


def campaign_assessment(session: Session, participation: CampaignParticipation) -> Assessment | None:
    return session.scalar(select(Assessment).where(Assessment.campaign_participation_id == participation.id)
                          .order_by(Assessment.id.desc()).limit(1))


def clean_external_id(raw: str | None) -> str:
    """The external id as stored: trimmed, 1..255 characters, no control characters."""
    value = (raw or "").strip()
    if not 1 <= len(value) <= EXTERNAL_ID_MAX or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ExternalIdInvalid(value[:50])
    return value


def _start_assessment(session: Session, participation: CampaignParticipation, *, max_level: int, now: datetime,
                      improving_since: datetime | None = None) -> Assessment:
    profile = participation.campaign.target_profile
    assert profile is not None
    assessment = Assessment(user_id=participation.user_id, type=AssessmentType.CAMPAIGN, pack_key=profile.pack_key,
                            campaign_participation_id=participation.id, selector=engine.DEFAULT_SELECTOR,
                            seed=secrets.randbits(31), improving_since=improving_since, created_at=now,
                            updated_at=now)
    session.add(assessment)
    session.flush()
    catalog = catalogs.target_catalog(session, profile.pack_key, profile.tubes)
    assessment_services.advance(session, assessment, catalog, max_level=max_level, now=now)
    return assessment


def _insert_participation(session: Session, participation: CampaignParticipation) -> CampaignParticipation | None:
    """Insert, or None when a concurrent request already created the active participation (unique partial index)."""
    try:
        with session.begin_nested():
            session.add(participation)
            session.flush()
    except IntegrityError:
        return None
    return participation


def start_participation(session: Session, campaign: Campaign, user: User, *, external_id: str | None = None,
                        max_level: int, now: datetime | None = None) -> CampaignParticipation:
    """Join ``campaign``: resume the active participation, or create it (STARTED with a campaign assessment on the
    target skills; a profiles collection has no test and is ready to share at once)."""
    now = now or utcnow()
    existing = active_participation(session, campaign.id, user.id)
    if campaign.archived_at is not None and (existing is None or existing.status is ParticipationStatus.STARTED):
        # A closed campaign takes no one new, and an unfinished test could not be sent: it does not resume either.
        raise CampaignArchived(campaign.code)
    if existing is not None:
        _ensure_assessment(session, existing, max_level=max_level, now=now)
        return existing
    cleaned = clean_external_id(external_id) if campaign.external_id_label else None
    is_test = campaign.type is CampaignType.ASSESSMENT
    participation = CampaignParticipation(
        campaign_id=campaign.id, user_id=user.id, external_id=cleaned, created_at=now,
        status=ParticipationStatus.STARTED if is_test else ParticipationStatus.TO_SHARE)
    inserted = _insert_participation(session, participation)
    if inserted is None:  # lost a race with a double click: join the winner's participation
        winner = active_participation(session, campaign.id, user.id)
        assert winner is not None
        return winner
    if is_test:
        _start_assessment(session, inserted, max_level=max_level, now=now)
    return inserted


def _ensure_assessment(session: Session, participation: CampaignParticipation, *, max_level: int,
                       now: datetime) -> None:
    # A participation always has its test; this only repairs one whose assessment was removed by hand.
    if (participation.campaign.type is CampaignType.ASSESSMENT and participation.status is ParticipationStatus.STARTED
            and campaign_assessment(session, participation) is None):
        _start_assessment(session, participation, max_level=max_level, now=now)


# ---------------------------------------------------------------------------------------------------------------------
# Results: mastery, stages, per competence


def percent(rate: Fraction) -> int:
    """Whole percent, rounded down: 99.6 % must not read as 100 % (and it matches stage thresholds exactly)."""
    return int(rate * 100 // 1)


@dataclass(frozen=True)
class CompetenceMastery:
    code: str
    validated: int
    tested: int
    total: int

    @property
    def rate(self) -> Fraction:
        return Fraction(self.validated, self.total) if self.total else Fraction(0)

    @property
    def percent(self) -> int:
        return percent(self.rate)


@dataclass(frozen=True)
class ParticipationResults:
    validated: int  # target skills the learner masters
    tested: int  # target skills with any knowledge (validated or not)
    total: int  # active target skills
    competences: tuple[CompetenceMastery, ...]
    skills: dict[str, str]  # target skill id → "validated" / "invalidated" (tested ones only)
    stage: CampaignStage | None
    stage_index: int | None  # 1-based rank of the stage reached among the campaign's stages
    stage_count: int

    @property
    def rate(self) -> Fraction:
        return Fraction(self.validated, self.total) if self.total else Fraction(0)

    @property
    def percent(self) -> int:
        return percent(self.rate)

    def snapshot(self) -> dict[str, Any]:
        """What is stored in ``results`` when sharing: plain JSON for the Orga pages and exports."""
        return {
            "kind": "assessment",
            "mastery_rate": float(self.rate), "validated": self.validated, "tested": self.tested, "total": self.total,
            "stage": None if self.stage is None else {"threshold": self.stage.threshold, "title": self.stage.title,
                                                     "index": self.stage_index, "count": self.stage_count},
            "competences": {c.code: {"validated": c.validated, "tested": c.tested, "total": c.total,
                                     "mastery_rate": float(c.rate)} for c in self.competences},
            "skills": dict(self.skills),
        }


def reached_stage(stages: Sequence[CampaignStage], validated: int, total: int) -> tuple[CampaignStage | None, int | None]:
    """The highest stage whose threshold the mastery reaches (compared exactly: validated/total ≥ threshold/100)."""
    best: tuple[CampaignStage | None, int | None] = (None, None)
    for index, stage in enumerate(sorted(stages, key=lambda s: s.threshold), start=1):
        if validated * 100 >= stage.threshold * total:
            best = (stage, index)
    return best


def compute_results(session: Session, participation: CampaignParticipation) -> ParticipationResults:
    """The learner's mastery of the campaign's target skills now (validated target skills / active target skills)."""
    campaign = participation.campaign
    profile = campaign.target_profile
    if profile is None:
        raise ValueError("a profiles collection has no target skills")
    skills = target_skills(session, profile)
    knowledge = assessment_services.current_knowledge(session, participation.user_id)
    by_competence: dict[str, list[int]] = {}
    statuses: dict[str, str] = {}
    for skill in skills:
        counts = by_competence.setdefault(skill.competence, [0, 0, 0])
        counts[2] += 1
        ke = knowledge.get(skill.id)
        if ke is not None:
            counts[1] += 1
            statuses[skill.id] = ke.status
            if ke.status == "validated":
                counts[0] += 1
    competences = tuple(CompetenceMastery(code, v, t, n) for code, (v, t, n) in by_competence.items())
    validated = sum(c.validated for c in competences)
    total = len(skills)
    stage, index = reached_stage(campaign.stages, validated, total)
    return ParticipationResults(validated=validated, tested=sum(c.tested for c in competences), total=total,
                                competences=competences, skills=statuses, stage=stage, stage_index=index,
                                stage_count=len(campaign.stages))


def profile_snapshot(session: Session, user_id: int, pack_key: str, max_level: int) -> dict[str, Any]:
    """The learner's 16-competence profile (level and pix each, total), as stored when a profiles collection is
    shared."""
    catalog = catalogs.full_catalog(session, pack_key)
    score = assessment_services.profile_score(session, user_id, catalog, max_level)
    return {
        "kind": "profile", "pack_key": pack_key, "total_pix": score.total_pix, "max_pix": score.max_pix,
        "competences": {c.competence: {"level": c.level, "pix": c.pix} for c in score.competences},
    }


def refresh_participation(session: Session, participation: CampaignParticipation) -> None:
    """A started participation whose campaign test is completed becomes TO_SHARE, with its mastery recorded."""
    if participation.status is not ParticipationStatus.STARTED:
        return
    if participation.campaign.type is not CampaignType.ASSESSMENT:
        participation.status = ParticipationStatus.TO_SHARE
        session.flush()
        return
    assessment = campaign_assessment(session, participation)
    if assessment is None or assessment.status is not AssessmentStatus.COMPLETED:
        return
    _record_mastery(participation, compute_results(session, participation))
    participation.status = ParticipationStatus.TO_SHARE
    session.flush()


def _record_mastery(participation: CampaignParticipation, results: ParticipationResults) -> None:
    participation.mastery_rate = float(results.rate)
    participation.validated_skills = results.validated
    participation.tested_skills = results.tested


def _lock(session: Session, participation: CampaignParticipation) -> CampaignParticipation:
    # Serialises a double-clicked "J'envoie mes résultats" or "Repasser" on PostgreSQL (no-op on SQLite).
    locked = session.scalar(select(CampaignParticipation).where(CampaignParticipation.id == participation.id)
                            .with_for_update().execution_options(populate_existing=True))
    assert locked is not None
    return locked


def share_participation(session: Session, participation: CampaignParticipation, *, max_level: int,
                        now: datetime | None = None, profile_pack_key: str | None = None) -> CampaignParticipation:
    """Send the results to the organisation: SHARED, ``shared_at`` and a snapshot in ``results``. Sharing twice is a
    no-op (double click); an unfinished test or a closed campaign is refused. A profiles collection snapshots the
    profile on ``profile_pack_key`` (default: ``campaign_pack_key``)."""
    now = now or utcnow()
    participation = _lock(session, participation)
    if participation.status is ParticipationStatus.SHARED:
        return participation
    campaign = participation.campaign
    if campaign.archived_at is not None:
        raise CampaignArchived(campaign.code)
    refresh_participation(session, participation)
    if participation.status is not ParticipationStatus.TO_SHARE:
        raise NotReadyToShare(str(participation.id))
    if campaign.type is CampaignType.ASSESSMENT:
        results = compute_results(session, participation)  # knowledge as of now: what the organisation receives
        _record_mastery(participation, results)
        participation.results = results.snapshot()
    else:
        pack_key = profile_pack_key or campaign_pack_key(session, campaign)
        participation.results = profile_snapshot(session, participation.user_id, pack_key, max_level)
    participation.status = ParticipationStatus.SHARED
    participation.shared_at = now
    session.flush()
    events.participation_shared.send(session, participation=participation)
    return participation


def retry_eligibility(participation: CampaignParticipation, now: datetime | None = None) -> rules.RetryEligibility:
    """Whether "Repasser mon parcours" is open: multiple sendings, shared, not 100 % mastered, 4 days after sharing.
    A profiles collection has no mastery: only the sending rules and the delay apply."""
    return rules.campaign_retry_eligibility(
        multiple_sendings=participation.campaign.multiple_sendings, shared_at=participation.shared_at,
        mastery_rate=participation.mastery_rate or 0.0, now=now or utcnow())


def retry_participation(session: Session, participation: CampaignParticipation, *, max_level: int,
                        now: datetime | None = None) -> CampaignParticipation:
    """Start the campaign again: the shared participation is kept (flagged improved) and a new one starts. Failed
    skills become testable again (the new test is an improvement: only validated knowledge is kept)."""
    now = now or utcnow()
    participation = _lock(session, participation)
    campaign = participation.campaign
    if participation.is_improved:  # a second click after a retry already started: join it
        current = active_participation(session, campaign.id, participation.user_id)
        if current is not None:
            return current
    if campaign.archived_at is not None:
        raise CampaignArchived(campaign.code)
    eligibility = retry_eligibility(participation, now)
    if not eligibility.allowed:
        raise RetryNotAllowed(eligibility)
    participation.is_improved = True
    session.flush()
    is_test = campaign.type is CampaignType.ASSESSMENT
    fresh = CampaignParticipation(campaign_id=campaign.id, user_id=participation.user_id,
                                  external_id=participation.external_id, created_at=now,
                                  status=ParticipationStatus.STARTED if is_test else ParticipationStatus.TO_SHARE)
    inserted = _insert_participation(session, fresh)
    if inserted is None:
        winner = active_participation(session, campaign.id, participation.user_id)
        assert winner is not None
        return winner
    if is_test:
        _start_assessment(session, inserted, max_level=max_level, now=now, improving_since=now)
    return inserted
