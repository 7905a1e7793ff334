"""Plain data that goes in and out of the engine: skills, challenges, answers, knowledge, scores.

Everything here is a frozen dataclass or a string enum so that the app layer can build the values
from the database (or YAML) and store what comes back without the engine knowing either.
Enum values are the strings stored in the database and used by the public Pix API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 8  # the référentiel defines levels 1..8 (8 pix each, 64 pix per competence)
PIX_PER_LEVEL = 8
DEFAULT_MAX_REACHABLE_LEVEL = 6  # levels 7 and 8 are not open to learners yet


class AnswerResult(StrEnum):
    """Outcome of one answer (same spelling as the checker's constants).

    For knowledge inference and every selection algorithm only ``OK`` counts as a right answer:
    a skip (``ABAND``), a timeout, leaving a focused challenge and a partially right QROCM all
    count as wrong, because none of them shows the skill was mastered.
    """

    OK = "ok"
    KO = "ko"
    ABAND = "aband"  # skipped ("je passe")
    TIMEDOUT = "timedout"
    FOCUSED_OUT = "focusedOut"
    PARTIALLY = "partially"

    @property
    def is_success(self) -> bool:
        return self is AnswerResult.OK


class SkillStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class ChallengeStatus(StrEnum):
    VALIDATED = "validated"
    ARCHIVED = "archived"


class KnowledgeStatus(StrEnum):
    VALIDATED = "validated"
    INVALIDATED = "invalidated"


class KnowledgeSource(StrEnum):
    """Why the engine believes what a knowledge element says.

    ``DIRECT``: the skill's own challenge was answered and the status is that answer's outcome.
    ``INFERRED``: Pix tube inference from a direct answer on another skill of the same tube.
    ``ESTIMATED``: set from an adaptive level estimate (bayesian / flash engines); this includes a
    skill whose own answer disagreed with the estimate (a slip or a lucky guess).
    """

    DIRECT = "direct"
    INFERRED = "inferred"
    ESTIMATED = "estimated"


class StopReason(StrEnum):
    NO_CANDIDATE = "no_candidate"  # nothing playable and untested is left (smart random's only stop)
    CONFIDENT = "confident"  # the posterior level probability reached the threshold
    NO_INFORMATIVE = "no_informative_item"  # what is left cannot change the estimate enough
    MAX_LENGTH = "max_length"


@dataclass(frozen=True, slots=True)
class Skill:
    """One skill of the référentiel, e.g. ``@motdepasse3`` = level 3 of tube ``@motdepasse``."""

    id: str
    name: str
    tube: str
    competence: str  # "1.1" .. "5.2"
    level: int
    status: SkillStatus = SkillStatus.ACTIVE

    def __post_init__(self) -> None:
        if not MIN_SKILL_LEVEL <= self.level <= MAX_SKILL_LEVEL:
            raise ValueError(f"skill {self.id}: level {self.level} outside 1..8")
        object.__setattr__(self, "status", SkillStatus(self.status))

    @property
    def active(self) -> bool:
        return self.status is SkillStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Challenge:
    """One question. ``discrimination``/``difficulty`` are the 2PL parameters (a, b); ``None`` means
    "not calibrated": the catalog then uses ``irt.default_item_parameters(skill level)``."""

    id: str
    skill_id: str
    timed: bool = False
    focused: bool = False
    discrimination: float | None = None
    difficulty: float | None = None
    status: ChallengeStatus = ChallengeStatus.VALIDATED

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", ChallengeStatus(self.status))
        if self.discrimination is not None and not self.discrimination > 0:
            raise ValueError(f"challenge {self.id}: discrimination must be > 0")


@dataclass(frozen=True, slots=True)
class Answer:
    challenge_id: str
    result: AnswerResult

    def __post_init__(self) -> None:
        # Accept the stored string ("ok", "focusedOut", ...) as well as the enum.
        object.__setattr__(self, "result", AnswerResult(self.result))


@dataclass(frozen=True, slots=True)
class KnowledgeElement:
    """What the engine states about one skill of one learner."""

    skill_id: str
    status: KnowledgeStatus
    source: KnowledgeSource
    challenge_id: str | None = None  # the answer behind a DIRECT or INFERRED element

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", KnowledgeStatus(self.status))
        object.__setattr__(self, "source", KnowledgeSource(self.source))

    @property
    def validated(self) -> bool:
        return self.status is KnowledgeStatus.VALIDATED


@dataclass(frozen=True, eq=False)
class LearnerHistory:
    """The learner's earlier direct answers on OTHER competences (oldest first), for engines that
    learn properties of the learner rather than of one competence (the bayesian engine learns the
    learner's answer noise from them).  Answers on the assessed competence are ignored: they come in
    through ``AssessmentState.answers``/``knowledge``.  Compared and hashed by identity, so an
    engine can cache what it derives from one history for the calls that share it."""

    answers: tuple[Answer, ...] = ()


@dataclass(frozen=True, slots=True)
class AssessmentState:
    """Input of a selection call.

    ``competence``: the competence being assessed (``None`` for a multi-competence test: flash).
    ``answers``: this assessment's answers, in order (only those of ``competence`` are used when set).
    ``knowledge``: knowledge elements kept from earlier assessments (after the 4/7-day rules);
    their skills are not asked again, and their DIRECT elements count as evidence.
    ``history``: the learner's earlier answers on other competences (``None``: unknown); engines
    that do not use it ignore it.
    """

    competence: str | None
    answers: tuple[Answer, ...] = ()
    knowledge: tuple[KnowledgeElement, ...] = ()
    history: LearnerHistory | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """Output of a selection call: the next challenge, or ``None`` with the reason to stop.

    ``estimate`` is the engine's current ability estimate on its own scale (expected level for the
    bayesian engine, θ for flash, the predicted level for smart random), ``confidence`` the
    posterior probability of the most likely level (bayesian only) or θ's posterior SD (flash).
    """

    challenge_id: str | None
    stop_reason: StopReason | None = None
    estimate: float | None = None
    confidence: float | None = None
    level_probabilities: tuple[float, ...] = field(default=())  # bayesian: P(level = 0..max)

    @property
    def finished(self) -> bool:
        return self.challenge_id is None


@dataclass(frozen=True, slots=True)
class CompetenceScore:
    competence: str
    exact_pix: Fraction  # exact sum, for audits; never displayed
    pix: int  # floor(exact_pix), capped at max_level * 8
    level: int  # floor(pix / 8), capped at max_level
    pix_to_next_level: int | None  # None once the maximum reachable level is reached


@dataclass(frozen=True, slots=True)
class ProfileScore:
    competences: tuple[CompetenceScore, ...]
    total_pix: int
    max_pix: int = 1024  # 16 competences x 8 levels x 8 pix

    def by_competence(self) -> dict[str, CompetenceScore]:
        return {c.competence: c for c in self.competences}
