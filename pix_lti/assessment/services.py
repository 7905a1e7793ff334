"""Taking a test: start or resume, the next challenge, recording an answer exactly once, knowledge and scores.

Services receive a session and only flush; the request's end commits. Every decision about what to ask comes from the
pure engine, fed with plain data built here from the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import bindparam, delete, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from pix_lti import engine, events
from pix_lti.assessment import catalogs
from pix_lti.assessment.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    AssessmentType,
    CompetenceReset,
    KnowledgeElement,
)
from pix_lti.content import caches, engine_bridge
from pix_lti.db import utcnow
from pix_lti.engine import rules
from pix_lti.engine.checker import check_answer
from pix_lti.identity.models import User

MAX_ANSWER_CHARS = 500  # per field; longer is refused (422), nothing stored
TIMER_GRACE_SECONDS = 5  # network and rendering delay allowed after a timer ends


class AssessmentError(Exception):
    """A request that cannot be honoured; ``status`` is the HTTP status the view answers with."""

    status = 409


class NotCurrentChallenge(AssessmentError):
    status = 409


class AssessmentFinished(AssessmentError):
    status = 409


class InvalidAnswer(AssessmentError):
    status = 422


class NotYetImprovable(AssessmentError):
    status = 409

    def __init__(self, available_at: datetime):
        super().__init__(available_at.isoformat())
        self.available_at = available_at


@dataclass(frozen=True)
class AnswerOutcome:
    answer: Answer
    duplicate: bool  # True when the same answer was already recorded (double click, network retry)


# ---------------------------------------------------------------------------------------------------------------------
# Knowledge of a learner


def _to_engine(ke: KnowledgeElement) -> engine.KnowledgeElement:
    return engine.KnowledgeElement(skill_id=ke.skill_id, status=ke.status, source=ke.source,
                                   challenge_id=ke.challenge_id)


def current_knowledge(session: Session, user_id: int, competence: str | None = None,
                      exclude_assessment_id: int | None = None) -> dict[str, KnowledgeElement]:
    """The learner's latest knowledge element per skill (a later assessment supersedes an earlier one), ignoring what
    a reset of the competence wiped out."""
    query = select(KnowledgeElement).where(KnowledgeElement.user_id == user_id)
    if competence is not None:
        query = query.where(KnowledgeElement.competence_code == competence)
    if exclude_assessment_id is not None:
        query = query.where(KnowledgeElement.assessment_id != exclude_assessment_id)
    resets = {code: at for code, at in session.execute(
        select(CompetenceReset.competence_code, CompetenceReset.reset_at).where(CompetenceReset.user_id == user_id))}
    latest: dict[str, KnowledgeElement] = {}
    for ke in session.scalars(query.order_by(KnowledgeElement.assessment_id, KnowledgeElement.id)):
        reset_at = resets.get(ke.competence_code)
        if reset_at is not None and ke.created_at <= reset_at:
            continue
        latest[ke.skill_id] = ke
    return latest


def profile_score(session: Session, user_id: int, catalog: engine.Catalog, max_level: int) -> engine.ProfileScore:
    elements = [_to_engine(ke) for ke in current_knowledge(session, user_id).values()]
    return engine.score_profile(catalog, elements, max_level=max_level)


# ---------------------------------------------------------------------------------------------------------------------
# Competence evaluations


def _latest_competence_assessment(session: Session, user_id: int, competence: str) -> Assessment | None:
    return session.scalar(
        select(Assessment).where(Assessment.user_id == user_id, Assessment.competence_code == competence,
                                 Assessment.type == AssessmentType.COMPETENCE_EVALUATION)
        .order_by(Assessment.id.desc()).limit(1))


@dataclass(frozen=True)
class CompetenceState:
    """Where a learner stands on one competence: what the profile page offers."""

    assessment: Assessment | None
    status: str  # "not_started", "started", "completed"
    improvable_at: datetime | None  # completed: when a retry opens
    resettable_at: datetime | None  # when a reset is allowed


def competence_state(session: Session, user_id: int, competence: str) -> CompetenceState:
    latest = _latest_competence_assessment(session, user_id, competence)
    if latest is None:
        return CompetenceState(None, "not_started", None, None)
    reset = session.scalar(select(CompetenceReset.reset_at).where(
        CompetenceReset.user_id == user_id, CompetenceReset.competence_code == competence))
    return _state_of(latest, reset)


def competence_states(session: Session, user_id: int) -> dict[str, CompetenceState]:
    """:func:`competence_state` of every competence the learner has a test of, in two queries (the profile page);
    a competence missing from the result is not started."""
    latest: dict[str, Assessment] = {}
    for assessment in session.scalars(
            select(Assessment).where(Assessment.user_id == user_id,
                                     Assessment.type == AssessmentType.COMPETENCE_EVALUATION)
            .order_by(Assessment.id)):
        if assessment.competence_code is not None:
            latest[assessment.competence_code] = assessment  # ordered by id: the last one wins
    resets = {code: at for code, at in session.execute(
        select(CompetenceReset.competence_code, CompetenceReset.reset_at).where(CompetenceReset.user_id == user_id))
    } if latest else {}
    return {code: _state_of(assessment, resets.get(code)) for code, assessment in latest.items()}


def _state_of(latest: Assessment, reset: datetime | None) -> CompetenceState:
    if reset is not None and reset >= latest.created_at:
        return CompetenceState(None, "not_started", None, None)
    last_activity = latest.completed_at or latest.updated_at
    resettable = rules.resettable_at(last_activity)
    if latest.status is AssessmentStatus.COMPLETED:
        return CompetenceState(latest, "completed", rules.improvable_at(latest.completed_at), resettable)
    return CompetenceState(latest, "started", None, resettable)


def start_competence_evaluation(session: Session, user: User, competence: str, *, pack_key: str,
                                max_level: int, now: datetime | None = None) -> Assessment:
    """Resume the started test of ``competence``, or start one (a retry of a finished one only after 4 days)."""
    now = now or utcnow()
    catalog = catalogs.full_catalog(session, pack_key)
    catalog.slice(competence)  # raises KeyError for an unknown competence
    state = competence_state(session, user.id, competence)
    improving_since = None
    if state.status == "started":
        assert state.assessment is not None
        return state.assessment
    if state.status == "completed":
        assert state.improvable_at is not None
        if now < state.improvable_at:
            raise NotYetImprovable(state.improvable_at)
        improving_since = now
    assessment = Assessment(user_id=user.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key=pack_key,
                            competence_code=competence, selector=engine.DEFAULT_SELECTOR,
                            seed=secrets.randbits(31), improving_since=improving_since, created_at=now, updated_at=now)
    session.add(assessment)
    session.flush()
    advance(session, assessment, catalog, max_level=max_level, now=now)
    return assessment


def reset_competence(session: Session, user: User, competence: str, now: datetime | None = None) -> None:
    """Wipe the learner's knowledge of ``competence`` (allowed 7 days after the last activity on it)."""
    now = now or utcnow()
    state = competence_state(session, user.id, competence)
    if state.resettable_at is None or now < state.resettable_at:
        raise NotYetImprovable(state.resettable_at or now)
    if state.assessment is not None and state.assessment.status is AssessmentStatus.STARTED:
        state.assessment.status = AssessmentStatus.ABORTED
        state.assessment.current_challenge_id = None
    existing = session.scalar(select(CompetenceReset).where(
        CompetenceReset.user_id == user.id, CompetenceReset.competence_code == competence))
    if existing is None:
        session.add(CompetenceReset(user_id=user.id, competence_code=competence, reset_at=now))
    else:
        existing.reset_at = now
    session.flush()


# ---------------------------------------------------------------------------------------------------------------------
# Selection


def _engine_answers(assessment: Assessment, catalog: engine.Catalog, competence: str | None,
                    history: Sequence[engine.Answer] | None = None) -> tuple[engine.Answer, ...]:
    """The assessment's answers (``history`` when the caller read them already) to ``competence``'s challenges."""
    if history is None:
        history = [engine.Answer(answer.challenge_id, answer.result) for answer in assessment.answers]
    return tuple(a for a in history if competence is None or catalog.competence_of(a.challenge_id) == competence)


_ANSWER_HISTORY = (select(Answer.__table__.c.challenge_id, Answer.__table__.c.result)
                   .where(Answer.__table__.c.assessment_id == bindparam("assessment_id")).order_by(Answer.__table__.c.id))


def answer_history(session: Session, assessment: Assessment) -> list[engine.Answer]:
    """What the engine needs of the assessment's answers, in order: the loaded collection if there is one, otherwise
    two columns read with Core (no ``Answer`` objects, no JSON decoding of values on the answer path)."""
    if "answers" not in inspect(assessment).unloaded:
        return [engine.Answer(answer.challenge_id, answer.result) for answer in assessment.answers]
    rows = session.execute(_ANSWER_HISTORY, {"assessment_id": assessment.id})
    return [engine.Answer(challenge_id, result) for challenge_id, result in rows]


def kept_knowledge(session: Session, assessment: Assessment, competence: str,
                   skills: Iterable[str] | None = None) -> tuple[engine.KnowledgeElement, ...]:
    """Knowledge from earlier assessments the engine starts from. When improving a finished competence, older failures
    become testable again: only validated elements are kept. (Earlier assessments do not change while this one runs,
    so the read is memoised for the transaction.)"""
    memo: dict[tuple[int, str], dict[str, engine.KnowledgeElement]] = engine_bridge.transaction_memo(session, "kept")
    key = (assessment.id, competence)
    if key not in memo:
        memo[key] = _earlier_knowledge(session, assessment.user_id, competence, assessment.id)
    previous = memo[key]
    allowed = set(skills) if skills is not None else None
    kept = []
    for ke in previous.values():
        if allowed is not None and ke.skill_id not in allowed:
            continue
        if assessment.improving_since is not None and ke.status != "validated":
            continue
        kept.append(ke)
    return tuple(kept)


def _earlier_knowledge_statement() -> Any:
    ke = KnowledgeElement.__table__.c
    reset = CompetenceReset.__table__.c
    return (select(ke.skill_id, ke.status, ke.source, ke.challenge_id)
            .select_from(KnowledgeElement.__table__.outerjoin(
                CompetenceReset.__table__, (reset.user_id == ke.user_id) & (reset.competence_code == ke.competence_code)))
            .where(ke.user_id == bindparam("user_id"), ke.competence_code == bindparam("competence"),
                   ke.assessment_id != bindparam("exclude_assessment_id"),
                   (reset.reset_at.is_(None)) | (ke.created_at > reset.reset_at))
            .order_by(ke.assessment_id, ke.id))


# The answer path's statements are built once (module level): building a statement and its cache key costs more CPU
# than running it; SQLAlchemy memoises both on the statement object.
_EARLIER_KNOWLEDGE = _earlier_knowledge_statement()


def _earlier_knowledge(session: Session, user_id: int, competence: str,
                       exclude_assessment_id: int) -> dict[str, engine.KnowledgeElement]:
    """:func:`current_knowledge` for the answer path: one statement (the reset joined in), plain rows, no ORM objects."""
    rows = session.execute(_EARLIER_KNOWLEDGE, {"user_id": user_id, "competence": competence,
                                                "exclude_assessment_id": exclude_assessment_id})
    return {skill_id: engine.KnowledgeElement(skill_id=skill_id, status=status, source=source, challenge_id=challenge)
            for skill_id, status, source, challenge in rows}


def _rng(assessment: Assessment) -> np.random.Generator:
    # One stream per (assessment, step): replaying an assessment makes the same choices.
    return np.random.default_rng([assessment.seed, assessment.answer_count])


def test_catalog(session: Session, assessment: Assessment) -> engine.Catalog:
    """The catalog the engine selects from for this assessment (the target profile's skills for a campaign)."""
    if assessment.type is AssessmentType.CAMPAIGN and assessment.campaign_participation_id is not None:
        from pix_lti.orga.models import CampaignParticipation

        participation = session.get(CampaignParticipation, assessment.campaign_participation_id)
        profile = participation.campaign.target_profile if participation else None
        if profile is not None:
            return catalogs.target_catalog(session, assessment.pack_key, profile.tubes)
    return catalogs.full_catalog(session, assessment.pack_key)


def _competences_to_assess(assessment: Assessment, catalog: engine.Catalog) -> Sequence[str]:
    if assessment.type is AssessmentType.COMPETENCE_EVALUATION:
        assert assessment.competence_code is not None
        return [assessment.competence_code]
    return catalog.competences


def advance(session: Session, assessment: Assessment, catalog: engine.Catalog, *, max_level: int,
            now: datetime, history: Sequence[engine.Answer] | None = None) -> None:
    """Choose the next challenge (or finish), store the knowledge the engine now has, update the assessment."""
    selector = engine.get_selector(assessment.selector)
    chosen: str | None = None
    stop_reason: str | None = None
    with session.no_autoflush:  # the reads below must not write the assessment's pending changes (one UPDATE, below)
        for competence in _competences_to_assess(assessment, catalog):
            state = engine.AssessmentState(
                competence=competence,
                answers=_engine_answers(assessment, catalog, competence, history),
                knowledge=kept_knowledge(session, assessment, competence,
                                         skills=catalog.slice(competence).skill_ids),
            )
            selection = selector.next_challenge(catalog, state, _rng(assessment))
            if selection.challenge_id is not None:
                chosen = selection.challenge_id
                assessment.competence_code = competence if assessment.type is AssessmentType.CAMPAIGN else \
                    assessment.competence_code
                break
            stop_reason = str(selection.stop_reason) if selection.stop_reason else None
    if chosen is None:
        # The end of a test (rare) stays on the ORM flush: the completion handlers work on the objects.
        mark_completed(assessment, now, stop_reason)
        events.assessment_completed.send(session, assessment=assessment, catalog=catalog, max_level=max_level)
        assessment.updated_at = now
        session.flush()
        return
    with session.no_autoflush:
        version_id = engine_bridge.current_version_id(session, assessment.pack_key, chosen)
    assessment.current_challenge_id = chosen
    assessment.current_challenge_version_id = version_id
    assessment.current_challenge_shown_at = None
    assessment.updated_at = now
    write_progress(session, assessment)


_PROGRESS_KEYS = ("answer_count", "competence_code", "current_challenge_id", "current_challenge_version_id",
                  "current_challenge_shown_at", "updated_at")
# Built once (memoised cache key). Bind names differ from the column names, which UPDATE … SET reserves.
_UPDATE_PROGRESS = update(Assessment.__table__).where(Assessment.__table__.c.id == bindparam("row_id")).values(
    {key: bindparam(f"new_{key}") for key in _PROGRESS_KEYS})


def write_progress(session: Session, assessment: Assessment) -> None:
    """Write the test's progress after an answer (count, current challenge, clock) in one Core UPDATE, then mark those
    attributes as saved on the object so the unit of work does not write them again. Cheaper than the ORM flush (no
    history walk, no per-flush statement building); any other pending change of the object is left to the flush."""
    state = instance_state(assessment)
    if not state.persistent:  # not in the database yet (a caller that did not flush it): the unit of work inserts it
        session.flush()
        return
    values = {key: getattr(assessment, key) for key in _PROGRESS_KEYS}
    with session.no_autoflush:  # else the unit of work would write the same changes first
        session.execute(_UPDATE_PROGRESS, {"row_id": assessment.id, **{f"new_{k}": v for k, v in values.items()}})
    for key, value in values.items():
        set_committed_value(assessment, key, value)
    if not state.committed_state:
        # Nothing else pending on it: take it off the session's dirty list too (saves an empty flush pass at commit).
        state._commit_all(state.dict, state.session.identity_map if state.session else None)  # noqa: SLF001


_DELETE_KNOWLEDGE = delete(KnowledgeElement.__table__).where(
    KnowledgeElement.__table__.c.assessment_id == bindparam("assessment_id"),
    KnowledgeElement.__table__.c.competence_code == bindparam("competence"))
_INSERT_KNOWLEDGE = insert(KnowledgeElement.__table__)


def store_knowledge(session: Session, assessment: Assessment, catalog: engine.Catalog, competence: str,
                    now: datetime, history: Sequence[engine.Answer] | None = None) -> None:
    """Replace this assessment's knowledge of ``competence`` with the engine's current view of it."""
    selector = engine.get_selector(assessment.selector)
    tested = catalog.slice(competence)
    state = engine.AssessmentState(competence=competence,
                                   answers=_engine_answers(assessment, catalog, competence, history),
                                   knowledge=kept_knowledge(session, assessment, competence, skills=tested.skill_ids))
    elements = selector.knowledge(catalog, state)
    # Core statements: no ORM bookkeeping (nothing here is loaded as objects)
    session.execute(_DELETE_KNOWLEDGE, {"assessment_id": assessment.id, "competence": competence})
    # Pix are counted on the whole référentiel, whatever subset the test ran on.
    whole = catalogs.full_catalog(session, assessment.pack_key).slice(competence)
    rows = []
    for ke in elements:
        if ke.skill_id not in tested.local_index:
            continue
        local = whole.local_index.get(ke.skill_id)
        pix = float(whole.pix_value[local]) if ke.validated and local is not None else 0.0
        rows.append({"user_id": assessment.user_id, "assessment_id": assessment.id, "competence_code": competence,
                     "skill_id": ke.skill_id, "status": str(ke.status), "source": str(ke.source),
                     "challenge_id": ke.challenge_id, "earned_pix": pix, "created_at": now})
    if rows:
        # Core executemany of one cached statement (psycopg pipelines the rows in one round trip). Neither the ORM bulk
        # form (rows grouped by their non-null keys: several batches) nor a VALUES list (compiled anew each time).
        session.execute(_INSERT_KNOWLEDGE, rows)


# ---------------------------------------------------------------------------------------------------------------------
# Answering


OWN_ASSESSMENT = select(Assessment).where(Assessment.id == bindparam("assessment_id"),
                                          Assessment.user_id == bindparam("user_id"))
_LOCK_OWN_ASSESSMENT = OWN_ASSESSMENT.with_for_update()


def mark_completed(assessment: Assessment, now: datetime, stop_reason: str | None) -> None:
    """The test is over: no current challenge any more (competence, campaign and certification tests alike)."""
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = now
    assessment.current_challenge_id = None
    assessment.current_challenge_version_id = None
    assessment.current_challenge_shown_at = None
    assessment.stop_reason = stop_reason


def lock_assessment(session: Session, assessment_id: int, user_id: int) -> Assessment | None:
    """The learner's own assessment, locked for the rest of the transaction (concurrent submits queue up)."""
    return session.scalar(_LOCK_OWN_ASSESSMENT, {"assessment_id": assessment_id, "user_id": user_id})


def mark_shown(assessment: Assessment, now: datetime) -> None:
    """The current challenge's clock starts the first time it is shown (resuming does not restart it)."""
    if assessment.current_challenge_shown_at is None:
        assessment.current_challenge_shown_at = now


def parse_answer(version: caches.VersionLike, form: Mapping[str, Any]) -> Any:
    """The answer value from the submitted form, validated against the challenge's shape (422 when malformed)."""
    def text(name: str) -> str:
        value = form.get(name, "")
        if not isinstance(value, str) or len(value) > MAX_ANSWER_CHARS:
            raise InvalidAnswer(name)
        return value

    if version.type == "QCU":
        return text("answer")
    if version.type == "QCM":
        values = form.getlist("answer") if hasattr(form, "getlist") else form.get("answer", [])
        if len(values) > 20 or any(len(v) > 4 for v in values):
            raise InvalidAnswer("answer")
        return sorted(set(values), key=lambda v: (len(v), v))
    if version.type == "QROC":
        return text("answer")
    keys = [field["key"] for field in version.inputs]
    return {key: text(f"answer-{key}") for key in keys}


def submit_answer(
    session: Session,
    assessment: Assessment,
    *,
    challenge_id: str,
    form: Mapping[str, Any],
    skipped: bool,
    focused_out: bool,
    locale: str,
    max_level: int,
    now: datetime | None = None,
) -> AnswerOutcome:
    """Record the answer to the current challenge once, check it, update knowledge and pick what comes next."""
    now = now or utcnow()
    certification = assessment.type is AssessmentType.CERTIFICATION
    # The assessment's answers (read after its row lock, so they include a concurrent submit's committed answer) are
    # needed by the engine anyway: no separate query for the duplicate check. A certification's course works on the
    # loaded collection; other tests need two columns only.
    history = None if certification else answer_history(session, assessment)
    if any(a.challenge_id == challenge_id for a in (history if history is not None else assessment.answers)):
        existing = session.scalar(select(Answer).where(Answer.assessment_id == assessment.id,
                                                       Answer.challenge_id == challenge_id))
        assert existing is not None
        return AnswerOutcome(existing, duplicate=True)  # already answered: same result, stored once
    if assessment.status is not AssessmentStatus.STARTED:
        raise AssessmentFinished(str(assessment.id))
    if challenge_id != assessment.current_challenge_id or assessment.current_challenge_version_id is None:
        raise NotCurrentChallenge(challenge_id)
    version = caches.version_content(session, assessment.current_challenge_version_id)  # immutable: cached
    value = None if skipped else parse_answer(version, form)
    shown_at = assessment.current_challenge_shown_at or now
    elapsed = max(0.0, (now - shown_at).total_seconds())
    timed_out = version.timer is not None and not skipped and elapsed > version.timer + TIMER_GRACE_SECONDS
    spec = engine_bridge.solution_spec(version, locale)
    checked = check_answer(spec, value, skipped=skipped, timed_out=timed_out,
                           focused_out=focused_out and version.focused)
    answer = _insert_once(session, dict(
        assessment_id=assessment.id, challenge_id=challenge_id, challenge_version_id=version.id, value=value,
        result=checked.result, result_details=dict(checked.fields) or None, locale=locale,
        time_spent_ms=int(elapsed * 1000), created_at=now))
    if answer is None:
        # A concurrent submit won the race (a caller without the row lock, or SQLite): return what it stored.
        existing = session.scalar(select(Answer).where(Answer.assessment_id == assessment.id,
                                                       Answer.challenge_id == challenge_id))
        assert existing is not None
        return AnswerOutcome(existing, duplicate=True)
    if "answers" not in inspect(assessment).unloaded and answer not in assessment.answers:
        assessment.answers.append(answer)  # keep a loaded collection whole (appending would load an unloaded one)
    assessment.answer_count += 1
    if certification:
        # A certification picks its own challenges and writes no knowledge: the profile is not changed by it.
        from pix_lti.certif import course as certif_course

        certif_course.advance(session, assessment, now=now)
        return AnswerOutcome(answer, duplicate=False)
    assert history is not None
    history.append(engine.Answer(challenge_id, answer.result))
    with session.no_autoflush:  # the assessment's changes go out in one UPDATE, at the end of advance()
        catalog = test_catalog(session, assessment)
        store_knowledge(session, assessment, catalog, catalog.competence_of(challenge_id), now, history)
    advance(session, assessment, catalog, max_level=max_level, now=now, history=history)
    return AnswerOutcome(answer, duplicate=False)


def _insert_answer_statement(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_or_nothing
    else:
        from sqlalchemy.dialects.sqlite import insert as insert_or_nothing
    table = Answer.__table__
    return (insert_or_nothing(table).on_conflict_do_nothing(index_elements=["assessment_id", "challenge_id"])
            .returning(table.c.id))


_INSERT_ANSWER = {dialect: _insert_answer_statement(dialect) for dialect in ("postgresql", "sqlite")}


def _insert_once(session: Session, values: dict[str, Any]) -> Answer | None:
    """INSERT the answer unless one to the same challenge exists (then None): ``ON CONFLICT DO NOTHING … RETURNING``
    in one statement, no savepoint, on PostgreSQL and SQLite; a savepoint elsewhere."""
    statement = _INSERT_ANSWER.get(session.get_bind().dialect.name)
    if statement is None:
        answer = Answer(**values)
        try:
            with session.begin_nested():
                session.add(answer)
                session.flush()
        except IntegrityError:
            return None
        return answer
    # A Core INSERT built once, returning the id only; the row is then known exactly as written, so the Answer joins
    # the session as persistent without a load (cheaper than an ORM INSERT … RETURNING the whole entity).
    answer_id = session.execute(statement, values).scalar()
    if answer_id is None:
        return None
    answer = Answer(id=answer_id, **values)
    make_transient_to_detached(answer)
    session.add(answer)
    return answer


# ---------------------------------------------------------------------------------------------------------------------
# Checkpoints and results


def answers_to_review(assessment: Assessment) -> list[Answer]:
    """The answers of the checkpoint due now (the last block of 5, or the rest when the test ended)."""
    return list(assessment.answers[assessment.checkpoint_seen:])


def checkpoint_due(assessment: Assessment) -> bool:
    if assessment.type is AssessmentType.CERTIFICATION:
        return False  # no checkpoints in a certification: right and wrong are never shown
    pending = assessment.answer_count - assessment.checkpoint_seen
    if pending <= 0:
        return False
    return pending >= rules.CHECKPOINT_SIZE or assessment.status is AssessmentStatus.COMPLETED


def close_checkpoint(assessment: Assessment) -> None:
    assessment.checkpoint_seen = assessment.answer_count


def improvable_at(assessment: Assessment) -> datetime | None:
    return rules.improvable_at(assessment.completed_at) if assessment.completed_at else None


def elapsed_since(start: datetime | None, now: datetime) -> timedelta:
    return now - start if start else timedelta(0)
