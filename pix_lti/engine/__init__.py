"""pix_lti.engine — the pure-Python/numpy assessment engine (issue 4).

It imports neither Flask nor SQLAlchemy nor anything else from pix_lti: plain frozen dataclasses go
in and out (``engine.types``), and every random choice comes from the ``numpy.random.Generator``
the caller passes, so a seeded generator makes everything reproducible.

Public API (what the assessment layer calls)
--------------------------------------------
1. Build a catalog ONCE per content version and cache it::

       from pix_lti import engine
       catalog = engine.Catalog.build(skills, challenges, version="2026.11")
       # skills: engine.Skill(id, name, tube, competence, level, status)
       # challenges: engine.Challenge(id, skill_id, timed, focused, discrimination, difficulty, status)
       # (discrimination/difficulty None → engine.default_item_parameters(level))

2. Check an answer: ``pix_lti.engine.checker`` (``check_answer``) gives "ok", "ko", "aband",
   "timedout", "focusedOut" or "partially".  Only "ok" counts as right anywhere in the engine.

3. Ask for the next challenge of a competence (stateless: pass the answers so far)::

       selector = engine.get_selector()  # "bayesian" (default), "bayesian_irt", "smart_random", "flash"
       state = engine.AssessmentState(
           competence="1.1",
           answers=(engine.Answer("c-123", "ok"), ...),   # this assessment's answers, in order
           knowledge=kept_elements,                        # earlier elements kept by the rules
       )
       sel = selector.next_challenge(catalog, state, rng)  # rng: numpy.random.Generator
       sel.challenge_id        # next challenge, or None when finished
       sel.stop_reason         # why it finished (engine.StopReason)
       sel.estimate, sel.confidence, sel.level_probabilities   # for dashboards / logs

   Selectors are immutable and configured once, e.g. ``get_selector("bayesian", confidence=0.99,
   max_length=20, max_level=6, tube_inference=True)``; one instance serves every request.
   ``flash`` (certification) takes ``competence=None`` and spans all competences (32 questions).
   Seed the generator per assessment (e.g. from the assessment id) to make a session replayable.

4. Update knowledge: ``selector.knowledge(catalog, state)`` returns the knowledge elements to
   store for the competence (prior ones included, one per skill).  For progress display after each
   answer, ``engine.infer_knowledge(catalog, current_elements, answer)`` gives the elements Pix
   tube inference creates for that answer.

5. Score::

       engine.score_competence(catalog, "1.1", elements, max_level=6)  # pix, level, pix to next level
       engine.score_profile(catalog, elements)                          # all competences, total /1024
       engine.theta_scores(catalog, theta)                              # flash: θ → pix and levels

6. Calibrate 2PL item parameters from stored answers: ``engine.calibrate(responses)``
   (``engine.calibration``).

Modules: ``types`` (data), ``catalog`` (indexing), ``inference`` (tube inference), ``scoring`` (pix),
``irt`` (2PL maths), ``selection`` (the three algorithms), ``calibration`` (2PL estimation);
``checker``/``checking`` (answer checking) and ``rules`` (checkpoints, retries) are separate.
"""

from __future__ import annotations

from pix_lti.engine.calibration import CalibrationResult, ItemEstimate, ResponseData, calibrate
from pix_lti.engine.catalog import Catalog, CompetenceSlice
from pix_lti.engine.inference import infer_knowledge, knowledge_from_answers
from pix_lti.engine.irt import default_item_parameters
from pix_lti.engine.scoring import pix_per_skill, score_competence, score_from_exact_pix, score_profile
from pix_lti.engine.selection import (
    DEFAULT_SELECTOR,
    BayesianIrtSelector,
    BayesianSelector,
    FlashSelector,
    Selector,
    SmartRandomSelector,
    get_selector,
    selector_names,
    theta_knowledge,
    theta_scores,
)
from pix_lti.engine.types import (
    DEFAULT_MAX_REACHABLE_LEVEL,
    Answer,
    AnswerResult,
    AssessmentState,
    Challenge,
    ChallengeStatus,
    CompetenceScore,
    KnowledgeElement,
    KnowledgeSource,
    KnowledgeStatus,
    LearnerHistory,
    ProfileScore,
    Selection,
    Skill,
    SkillStatus,
    StopReason,
)

__all__ = [
    "DEFAULT_MAX_REACHABLE_LEVEL",
    "DEFAULT_SELECTOR",
    "Answer",
    "AnswerResult",
    "AssessmentState",
    "BayesianIrtSelector",
    "BayesianSelector",
    "CalibrationResult",
    "Catalog",
    "Challenge",
    "ChallengeStatus",
    "CompetenceScore",
    "CompetenceSlice",
    "FlashSelector",
    "ItemEstimate",
    "KnowledgeElement",
    "KnowledgeSource",
    "KnowledgeStatus",
    "LearnerHistory",
    "ProfileScore",
    "ResponseData",
    "Selection",
    "Selector",
    "Skill",
    "SkillStatus",
    "SmartRandomSelector",
    "StopReason",
    "calibrate",
    "default_item_parameters",
    "get_selector",
    "infer_knowledge",
    "knowledge_from_answers",
    "pix_per_skill",
    "score_competence",
    "score_from_exact_pix",
    "score_profile",
    "selector_names",
    "theta_knowledge",
    "theta_scores",
]
