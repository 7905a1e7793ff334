"""Test data for the results side of certification: a centre, a session, candidates and their finished tests written
straight into the tables (the candidate/invigilator side has its own tests), on the demo pack."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.orm import Session

from pix_lti.assessment.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    AssessmentType,
    KnowledgeElement,
)
from pix_lti.certif import codes
from pix_lti.certif.models import (
    CandidateStatus,
    CertificationCandidate,
    CertificationCentre,
    CertificationCourse,
    CertificationIncident,
    CertificationMode,
    CertificationSession,
    IncidentCategory,
    SessionStatus,
)
from pix_lti.content import engine_bridge
from pix_lti.db import utcnow
from pix_lti.identity.models import MembershipRole, Organisation, User
from pix_lti.orga.models import OrganisationLearner
from tests.factories import make_member, make_organisation, make_user

_n = itertools.count(1)


@dataclass
class CertifWorld:
    school: Organisation
    centre: CertificationCentre
    referent: User  # ADMIN of the school (the centre's staff)
    teacher: User  # MEMBER of the school
    jury: User  # platform administrator
    other_school: Organisation
    other_referent: User
    sessions: list[CertificationSession] = field(default_factory=list)


def make_world(db: Session) -> CertifWorld:
    school = make_organisation(db, name="Collège Marie-Curie")
    other = make_organisation(db, name="Lycée Voltaire")
    centre = CertificationCentre(organisation_id=school.id)
    db.add(centre)
    db.flush()
    return CertifWorld(
        school=school, centre=centre, referent=make_member(db, school, MembershipRole.ADMIN),
        teacher=make_member(db, school, MembershipRole.MEMBER), jury=make_user(db, is_platform_admin=True),
        other_school=other, other_referent=make_member(db, other, MembershipRole.ADMIN))


def make_session(db: Session, world: CertifWorld, *, status: SessionStatus = SessionStatus.FINALISED,
                 starts_at: datetime | None = None) -> CertificationSession:
    n = next(_n)
    s = CertificationSession(centre_id=world.centre.id, starts_at=starts_at or datetime(2026, 3, 12, 8, 30, tzinfo=timezone.utc),
                             room="Salle 12", address="1 rue de l'École", examiner="M. Dupont",
                             access_code=codes.new_access_code(),
                             invigilator_password_hash="x", status=status,
                             finalised_at=utcnow() if status is not SessionStatus.CREATED else None)
    db.add(s)
    db.flush()
    world.sessions.append(s)
    return s


def add_candidate(db: Session, world: CertifWorld, cert_session: CertificationSession, *, user: User | None = None,
                  first_name: str = "Léa", last_name: str = "Martin", roster: bool = True) -> CertificationCandidate:
    user = user or make_user(db, first_name=first_name, last_name=last_name)
    learner = None
    if roster:
        learner = OrganisationLearner(organisation_id=world.school.id, national_id=f"{next(_n):09d}AB",
                                      first_name=first_name, last_name=last_name, birth_date=date(2011, 5, 4),
                                      division="3A", user_id=user.id)
        db.add(learner)
        db.flush()
    candidate = CertificationCandidate(session_id=cert_session.id, user_id=user.id, first_name=first_name,
                                       last_name=last_name, birth_date=date(2011, 5, 4), external_id=f"EXT-{user.id}",
                                       organisation_learner_id=learner.id if learner else None,
                                       status=CandidateStatus.NOT_STARTED)
    db.add(candidate)
    db.flush()
    return candidate


def take_test(db: Session, candidate: CertificationCandidate, pack_key: str, results: Sequence[tuple[str, str]], *,
              mode: CertificationMode = CertificationMode.V3, plan: list[dict[str, str]] | None = None,
              end_reason: str | None = "finished", started_at: datetime | None = None) -> CertificationCourse:
    """A test with these (challenge id, result) answers, ended with ``end_reason``."""
    assert candidate.user_id is not None
    started = started_at or utcnow() - timedelta(hours=1)
    assessment = Assessment(user_id=candidate.user_id, type=AssessmentType.CERTIFICATION, pack_key=pack_key,
                            selector="flash", seed=1, created_at=started, updated_at=started,
                            status=AssessmentStatus.COMPLETED if end_reason == "finished" else AssessmentStatus.ABORTED,
                            answer_count=len(results))
    db.add(assessment)
    db.flush()
    for challenge_id, result in results:
        db.add(Answer(assessment_id=assessment.id, challenge_id=challenge_id, result=result, value="x", locale="fr",
                      challenge_version_id=engine_bridge.current_version(db, pack_key, challenge_id).id))
    course = CertificationCourse(candidate_id=candidate.id, user_id=candidate.user_id, assessment_id=assessment.id,
                                 mode=mode, planned_challenges=plan, started_at=started,
                                 ended_at=None if end_reason is None else started + timedelta(minutes=40),
                                 end_reason=end_reason)
    db.add(course)
    candidate.status = (CandidateStatus.FINISHED if end_reason == "finished"
                        else CandidateStatus.ENDED_BY_INVIGILATOR if end_reason == "ended_by_invigilator"
                        else CandidateStatus.IN_PROGRESS)
    db.flush()
    db.refresh(candidate)
    return course


def incident(db: Session, candidate: CertificationCandidate, category: IncidentCategory,
             challenge_id: str | None = None, *, neutralise: bool = False) -> CertificationIncident:
    row = CertificationIncident(candidate_id=candidate.id, category=category, challenge_id=challenge_id,
                                neutralise=neutralise, description="test")
    db.add(row)
    db.flush()
    db.refresh(candidate)
    return row


def validate_skills(db: Session, user: User, pack_key: str, skill_ids: Sequence[str], catalog: object,
                    at: datetime) -> Assessment:
    """Knowledge elements (validated) for a v2 profile, from a training assessment of ``at``."""
    training = Assessment(user_id=user.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key=pack_key,
                          competence_code="1.1", selector="bayesian", seed=2, created_at=at, updated_at=at,
                          status=AssessmentStatus.COMPLETED)
    db.add(training)
    db.flush()
    for sid in skill_ids:
        db.add(KnowledgeElement(user_id=user.id, assessment_id=training.id,
                                competence_code=catalog.skills[catalog.skill_index[sid]].competence,  # type: ignore[attr-defined]
                                skill_id=sid, status="validated", source="direct", created_at=at))
    db.flush()
    return training
