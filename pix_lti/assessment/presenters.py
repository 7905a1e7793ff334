"""From stored state (assessments, answers, knowledge, content versions) to what the student pages show.

Read-only: nothing here writes. Texts stay in their source form (Markdown for instructions and proposals) and are
rendered and sanitised by the content filters in the templates; what a student typed is plain text (escaped).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pix_lti import engine
from pix_lti.assessment import catalogs, services
from pix_lti.assessment.models import Answer, Assessment, AssessmentType, SavedTutorial
from pix_lti.content.models import (
    Area,
    Challenge,
    ChallengeVersion,
    Competence,
    ContentPack,
    Framework,
    ItemStatus,
    Skill,
    Tutorial,
)
from pix_lti.content.caches import VersionContent
from pix_lti.content.templating import localized_text
from pix_lti.engine.types import PIX_PER_LEVEL

MAX_RESULT_TUTORIALS = 6


# ---------------------------------------------------------------------------------------------------------------------
# Profile


@dataclass(frozen=True)
class CompetenceRow:
    code: str
    name: str
    area_code: str
    color: str
    level: int
    pix: int
    pix_to_next_level: int | None
    status: str  # not_started / started / completed (services.CompetenceState.status)
    assessment_id: int | None
    improvable_at: datetime | None  # completed: when a retry opens
    can_retry: bool
    can_reset: bool


@dataclass(frozen=True)
class AreaGroup:
    code: str
    title: str
    color: str
    competences: list[CompetenceRow]


@dataclass(frozen=True)
class Profile:
    areas: list[AreaGroup]
    total_pix: int
    max_pix: int
    max_level: int

    @property
    def competences(self) -> list[CompetenceRow]:
        return [row for area in self.areas for row in area.competences]


DEFAULT_AREA_COLOR = "#2f3b9c"


def framework_areas(session: Session, pack_key: str) -> list[Area]:
    """The active domains of the pack's first framework (the one the engine catalog is built on), with competences."""
    framework = session.scalar(select(Framework).join(ContentPack, Framework.pack_id == ContentPack.id)
                               .where(ContentPack.key == pack_key).order_by(Framework.id).limit(1))
    if framework is None:
        return []
    return list(session.scalars(
        select(Area).where(Area.framework_id == framework.id, Area.status == ItemStatus.ACTIVE)
        .options(selectinload(Area.competences)).order_by(Area.position, Area.code)))


def build_profile(session: Session, user_id: int, pack_key: str, *, locale: str, max_level: int,
                  now: datetime) -> Profile:
    catalog = catalogs.full_catalog(session, pack_key)
    scores = services.profile_score(session, user_id, catalog, max_level)
    by_code = scores.by_competence()
    states = services.competence_states(session, user_id)  # all at once, not two queries per competence
    not_started = services.CompetenceState(None, "not_started", None, None)
    groups = []
    for area in framework_areas(session, pack_key):
        color = area.color or DEFAULT_AREA_COLOR
        rows = []
        for competence in area.competences:
            if competence.status is not ItemStatus.ACTIVE:
                continue
            score = by_code.get(competence.code)
            state = states.get(competence.code, not_started)
            has_progress = state.assessment is not None
            rows.append(CompetenceRow(
                code=competence.code, name=localized_text(competence.name, locale), area_code=area.code,
                color=color, level=score.level if score else 0, pix=score.pix if score else 0,
                pix_to_next_level=score.pix_to_next_level if score else None, status=state.status,
                assessment_id=state.assessment.id if state.assessment else None,
                improvable_at=state.improvable_at,
                can_retry=state.status == "completed" and state.improvable_at is not None
                and now >= state.improvable_at,
                can_reset=has_progress and state.resettable_at is not None and now >= state.resettable_at,
            ))
        groups.append(AreaGroup(code=area.code, title=localized_text(area.title, locale), color=color,
                                competences=rows))
    return Profile(areas=groups, total_pix=scores.total_pix, max_pix=scores.max_pix, max_level=max_level)


def competence_name(session: Session, pack_key: str, code: str, locale: str) -> str | None:
    name = session.scalar(select(Competence.name).join(ContentPack, Competence.pack_id == ContentPack.id)
                          .where(ContentPack.key == pack_key, Competence.code == code))
    return localized_text(name, locale) if name else None


# ---------------------------------------------------------------------------------------------------------------------
# Profile chart: 16 bars grouped by domain (geometry computed here so that the template stays declarative)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    code: str
    name: str
    level: int
    pix: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    top: float
    bottom: float  # y of the baseline
    left: float
    bars: list[Bar]
    grid: list[tuple[float, int]]  # (y, level) of each level line
    legend: list[tuple[str, str, str]]  # (area code, title, colour)


def profile_chart(profile: Profile, levels: int = 8) -> Chart:
    """Bar heights are the competence pix on the référentiel's 8 levels × 8 pix scale."""
    bar_width, gap, group_gap, left, top, plot_height = 26.0, 8.0, 22.0, 34.0, 12.0, 160.0
    bottom = top + plot_height
    bars: list[Bar] = []
    x = left + gap
    for index, area in enumerate(profile.areas):
        if index:
            x += group_gap - gap
        for row in area.competences:
            height = plot_height * min(row.pix, levels * PIX_PER_LEVEL) / (levels * PIX_PER_LEVEL)
            bars.append(Bar(x=x, y=bottom - height, width=bar_width, height=height, color=row.color, code=row.code,
                            name=row.name, level=row.level, pix=row.pix))
            x += bar_width + gap
    grid = [(bottom - plot_height * level / levels, level) for level in range(0, levels + 1, 2)]
    legend = [(area.code, area.title, area.color) for area in profile.areas]
    return Chart(width=int(x + gap), height=int(bottom + 34), top=top, bottom=bottom, left=left, bars=bars,
                 grid=grid, legend=legend)


# ---------------------------------------------------------------------------------------------------------------------
# Checkpoint: each answer with its result and the expected answer


@dataclass(frozen=True)
class Shown:
    """One piece of an answer: an optional field label, the text, and whether the text is content Markdown (a
    proposal, rendered inline and sanitised) or something the student typed (plain text)."""

    label: str | None
    text: str
    markdown: bool


@dataclass(frozen=True)
class ReviewItem:
    number: int
    challenge_id: str
    instruction: str  # Markdown
    result: str
    correct: bool
    given: list[Shown]
    expected: list[Shown]


def display_locale(version: ChallengeVersion | VersionContent, locale: str) -> str:
    """The locale a version is shown in: the visitor's if the version has it, else its first (e.g. French only)."""
    return locale if locale in version.locales else (version.locales[0] if version.locales else locale)


def _first_variant(value: Any, locale: str) -> str:
    if isinstance(value, dict):
        value = localized_text(value, locale)
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else ""
    return str(value)


def _proposals(version: ChallengeVersion, locale: str) -> list[str]:
    return list(localized_text(version.proposals, locale) or [])


def _proposal(proposals: Sequence[str], index: Any) -> str | None:
    try:
        i = int(index)
    except (TypeError, ValueError):
        return None
    return proposals[i - 1] if 1 <= i <= len(proposals) else None


def _labels(version: ChallengeVersion, locale: str) -> list[tuple[str, str]]:
    return [(str(inp.get("key")), localized_text(inp.get("label"), locale)) for inp in version.inputs]


def expected_answer(version: ChallengeVersion, locale: str) -> list[Shown]:
    """QCU/QCM: the right proposals' texts; QROC/QROCM: the first accepted variant of each field."""
    solution = version.solution
    if version.type in ("QCU", "QCM"):
        proposals = _proposals(version, locale)
        indices = [solution] if version.type == "QCU" else sorted(int(i) for i in solution)
        return [Shown(None, text, True) for i in indices if (text := _proposal(proposals, i)) is not None]
    if version.type == "QROC":
        return [Shown(None, _first_variant(solution, locale), False)]
    labels = _labels(version, locale)
    if version.type == "QROCM-ind":
        return [Shown(label, _first_variant(solution.get(key, []), locale), False) for key, label in labels]
    # QROCM-dep: groups are interchangeable; show one variant of each group against the fields in order.
    return [Shown(label, _first_variant(group, locale), False)
            for (_key, label), group in zip(labels, solution, strict=False)]


def given_answer(version: ChallengeVersion, value: Any, locale: str) -> list[Shown]:
    if value is None:
        return []
    if version.type in ("QCU", "QCM"):
        proposals = _proposals(version, locale)
        chosen = [value] if isinstance(value, str) else list(value)
        return [Shown(None, text, True) for i in chosen if (text := _proposal(proposals, i)) is not None]
    if version.type == "QROC":
        return [Shown(None, str(value), False)] if str(value).strip() else []
    values = value if isinstance(value, dict) else {}
    return [Shown(label, str(values.get(key, "")), False) for key, label in _labels(version, locale)]


def review_items(session: Session, answers: Sequence[Answer], locale: str, first_number: int) -> list[ReviewItem]:
    versions = _versions(session, [a.challenge_version_id for a in answers])
    items = []
    for offset, answer in enumerate(answers):
        version = versions[answer.challenge_version_id]
        shown_in = display_locale(version, answer.locale or locale)
        items.append(ReviewItem(
            number=first_number + offset, challenge_id=answer.challenge_id,
            instruction=localized_text(version.instruction, shown_in), result=answer.result,
            correct=answer.result == "ok", given=given_answer(version, answer.value, shown_in),
            expected=expected_answer(version, shown_in)))
    return items


def _versions(session: Session, ids: Iterable[int]) -> dict[int, ChallengeVersion]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {v.id: v for v in session.scalars(select(ChallengeVersion).where(ChallengeVersion.id.in_(wanted)))}


# ---------------------------------------------------------------------------------------------------------------------
# Tutorials


@dataclass(frozen=True)
class TutorialView:
    id: int
    title: str
    source: str
    format: str
    duration_seconds: int | None
    link: str
    locale: str
    skill_id: str | None  # the skill it is recommended for (kept when saved)
    saved: bool = False


def _view(tutorial: Tutorial, skill_id: str | None, saved: set[int]) -> TutorialView:
    return TutorialView(id=tutorial.id, title=tutorial.title, source=tutorial.source, format=tutorial.format,
                        duration_seconds=tutorial.duration_seconds, link=tutorial.link, locale=tutorial.locale,
                        skill_id=skill_id, saved=tutorial.id in saved)


def saved_tutorial_ids(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(SavedTutorial.tutorial_id).where(SavedTutorial.user_id == user_id)))


def _tutorials_of_skills(session: Session, skills: Sequence[Skill], locale: str, user_id: int,
                         limit: int | None = None) -> list[TutorialView]:
    """Active tutorials of ``skills`` (in order, no duplicates), in the visitor's language when a skill has some."""
    saved = saved_tutorial_ids(session, user_id)
    picked: dict[int, TutorialView] = {}
    for skill in skills:
        active = [t for t in skill.tutorials if t.status is ItemStatus.ACTIVE]
        in_locale = [t for t in active if t.locale.split("-")[0] == locale] or active
        for tutorial in in_locale:
            picked.setdefault(tutorial.id, _view(tutorial, skill.source_id, saved))
    items = list(picked.values())
    return items[:limit] if limit is not None else items


def tutorials_for_failed_answers(session: Session, pack_key: str, answers: Sequence[Answer], locale: str,
                                 user_id: int) -> list[TutorialView]:
    """Tutorials of the skills whose challenge was not answered right, in the order of the answers."""
    failed = [a.challenge_id for a in answers if a.result != "ok"]
    if not failed:
        return []
    rows = session.execute(
        select(Challenge.source_id, Skill).join(Skill, Challenge.skill_id == Skill.id)
        .join(ContentPack, Challenge.pack_id == ContentPack.id)
        .where(ContentPack.key == pack_key, Challenge.source_id.in_(failed))
        .options(selectinload(Skill.tutorials))).all()
    skill_of = {source_id: skill for source_id, skill in rows}
    skills = list({id(s): s for c in failed if (s := skill_of.get(c)) is not None}.values())
    return _tutorials_of_skills(session, skills, locale, user_id)


def tutorials_to_go_further(session: Session, assessment: Assessment, locale: str) -> list[TutorialView]:
    """After a competence: tutorials of the skills this test found not yet acquired, easiest levels first."""
    knowledge = services.current_knowledge(session, assessment.user_id, assessment.competence_code)
    missing = [ke.skill_id for ke in knowledge.values() if ke.status != "validated"]
    if not missing:
        return []
    skills = list(session.scalars(
        select(Skill).join(ContentPack, Skill.pack_id == ContentPack.id)
        .where(ContentPack.key == assessment.pack_key, Skill.source_id.in_(missing))
        .options(selectinload(Skill.tutorials)).order_by(Skill.level, Skill.name)))
    return _tutorials_of_skills(session, skills, locale, assessment.user_id, limit=MAX_RESULT_TUTORIALS)


def saved_tutorials(session: Session, user_id: int) -> list[TutorialView]:
    rows = session.execute(select(SavedTutorial, Tutorial).join(Tutorial, SavedTutorial.tutorial_id == Tutorial.id)
                           .where(SavedTutorial.user_id == user_id)
                           .order_by(SavedTutorial.created_at.desc(), SavedTutorial.id.desc())).all()
    return [TutorialView(id=t.id, title=t.title, source=t.source, format=t.format,
                         duration_seconds=t.duration_seconds, link=t.link, locale=t.locale, skill_id=s.skill_id,
                         saved=True) for s, t in rows]


# ---------------------------------------------------------------------------------------------------------------------
# Competence result


@dataclass(frozen=True)
class CompetenceResult:
    code: str
    name: str
    level: int
    pix: int
    gained: int
    improvable_at: datetime | None


def competence_result(session: Session, assessment: Assessment, locale: str, max_level: int) -> CompetenceResult:
    """Pix of the competence now, and gained = now − what the learner had before this assessment."""
    assert assessment.type is AssessmentType.COMPETENCE_EVALUATION and assessment.competence_code
    code = assessment.competence_code
    catalog = catalogs.full_catalog(session, assessment.pack_key)
    now_kes = services.current_knowledge(session, assessment.user_id, code)
    before_kes = services.current_knowledge(session, assessment.user_id, code, exclude_assessment_id=assessment.id)
    now_score = engine.score_competence(catalog, code, [services._to_engine(k) for k in now_kes.values()],
                                        max_level)
    before_score = engine.score_competence(catalog, code, [services._to_engine(k) for k in before_kes.values()],
                                           max_level)
    return CompetenceResult(code=code, name=competence_name(session, assessment.pack_key, code, locale) or code,
                            level=now_score.level, pix=now_score.pix,
                            gained=max(0, now_score.pix - before_score.pix),
                            improvable_at=services.improvable_at(assessment))
