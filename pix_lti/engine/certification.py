"""Certification (issue 9): the v2 challenge plan and the v3 / v2 scoring rules. Pure: plain data in, plain data out.

What the Pix brochures in the project's seeds say, and what this module follows:
- "Pour pouvoir se présenter à la certification, il faut avoir atteint le niveau 1 dans au moins 5 compétences",
  "Seules les compétences dont le niveau 1 est validé sont testées", "3 questions par compétence" and "Questions
  adaptées aux niveaux atteints pendant les entraînements" (seeds/004); "Les épreuves proposées sont donc du niveau
  maximum atteint dans chaque compétence" (seeds/001); "Le test de certification passé le jour J est généré à partir
  de son profil Pix [...] Il a pour but de vérifier que le niveau atteint par l'élève sur chaque compétence correspond
  à son niveau réel" (seeds/002); "Validité 3 ans" (seeds/004).
- The brochures do not spell out the reproducibility bands; the rules below are those of issue 9 §6 (the Pix v2 rules
  as published: below 50 % rejected, from 80 % validated, in between a level may be lowered by one).

**v2 plan** (``plan_v2``).  For every competence whose profile level is ≥ 1: the candidate's *validated* skills of that
competence (up to the highest reachable level), highest level first, each giving one challenge the candidate never
answered; three per competence.  When fewer than three skills have a fresh challenge, the highest skills give a
second (then third) fresh challenge; when the competence has fewer than three fresh challenges in all, it is planned
with what exists (one or two), and a competence with none is left out of the plan — the scoring rules below then
decide from fewer challenges (and an untested competence cannot be certified).

**v2 scoring** (``score_v2``).  Neutralised challenges are removed first.  A planned challenge left unanswered (the
test was ended early) counts as a wrong answer.  Reproducibility rate = right answers / non-neutralised planned
challenges.
- rate < 50 %: rejected (``low_reproducibility``), no competence certified, 0 pix;
- otherwise, per competence, with k right out of its n non-neutralised challenges:
  all right (3/3, 2/2, 1/1) → certified at its profile level;
  one wrong out of three (2/3) → the profile level when rate ≥ 80 %, the level lowered by one when 50 % ≤ rate < 80 %;
  half right (1/2) → the level lowered by one (at any passing rate);
  fewer right, or nothing left to judge (n = 0) → not certified (level −1).
  A level lowered to 0 is "not certified".
- pix of a certified competence = its profile pix capped at ``8 × certified level + 7`` (so the pix never say more
  than the level: floor(pix / 8) is the certified level); not certified → 0.  Pix score = the sum.
- no competence certified (0 pix) → rejected (``no_competence_certified``); nothing left to judge at all → rejected
  (``too_few_answers``).

**v3 scoring** (``score_v3``).  Neutralised answers are removed; θ is the flash engine's EAP estimate from the rest
(``FlashSelector.estimate_from``: 2PL, N(0, 1) prior); the pix and levels are ``theta_scores(catalog, θ)`` — the one
θ → pix mapping of the flash engine (a skill is validated when θ ≥ its difficulty, the median b of its challenges,
and the validated skills are scored with the ordinary Pix rules).  A competence whose level is 0 at that θ is "not
certified" (−1) and gives no pix.  A test ended before its end (aborted or ended by the invigilator) with fewer than
``MIN_V3_ANSWERS`` (20) non-neutralised answers is rejected (``too_few_answers``); any test with no answer left is too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from pix_lti.engine.catalog import Catalog
from pix_lti.engine.scoring import score_profile
from pix_lti.engine.selection.flash import FlashSelector, theta_scores
from pix_lti.engine.types import (
    DEFAULT_MAX_REACHABLE_LEVEL,
    PIX_PER_LEVEL,
    Answer,
    CompetenceScore,
    KnowledgeElement,
    KnowledgeStatus,
)

CHALLENGES_PER_COMPETENCE = 3
MIN_CERTIFIABLE_COMPETENCES = 5  # "niveau 1 dans au moins 5 compétences"
MIN_V3_ANSWERS = 20
REJECT_BELOW = 0.5  # reproducibility below 50 % → rejected
FULL_FROM = 0.8  # from 80 % the levels are kept
NOT_CERTIFIED = -1

# Machine codes of the reasons (stored in CertificationResult.reasons; the service layer adds "fraud").
TOO_FEW_ANSWERS = "too_few_answers"
LOW_REPRODUCIBILITY = "low_reproducibility"
NO_COMPETENCE_CERTIFIED = "no_competence_certified"


@dataclass(frozen=True, slots=True)
class PlannedChallenge:
    challenge_id: str
    competence: str
    skill_id: str
    level: int

    def as_dict(self) -> dict[str, str | int]:
        """The JSON shape stored in ``CertificationCourse.planned_challenges``."""
        return {"challenge_id": self.challenge_id, "competence_code": self.competence, "skill": self.skill_id,
                "level": self.level}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PlannedChallenge:
        return cls(challenge_id=str(data["challenge_id"]), competence=str(data["competence_code"]),
                   skill_id=str(data.get("skill", "")), level=int(data.get("level", 0)))  # type: ignore[call-overload]


@dataclass(frozen=True)
class CertificationScore:
    """What a test earns. ``competence_levels``: competence → certified level, −1 when not certified (every competence
    of the catalog for v3, the planned or profiled ones for v2). ``reasons`` explain a rejection (machine codes)."""

    rejected: bool
    pix_score: int
    competence_levels: Mapping[str, int]
    competence_pix: Mapping[str, int]
    reasons: tuple[str, ...] = ()
    reproducibility_rate: float | None = None  # v2 only
    theta: float | None = None  # v3 only
    counted_answers: int = 0  # answers used (neutralised ones removed)
    neutralised_challenge_ids: tuple[str, ...] = field(default=())


def _validated_skills(knowledge: Iterable[KnowledgeElement]) -> set[str]:
    status: dict[str, bool] = {}
    for ke in knowledge:  # the last element of a skill wins, as in scoring
        status[ke.skill_id] = ke.status is KnowledgeStatus.VALIDATED
    return {sid for sid, ok in status.items() if ok}


def certifiable_competences(catalog: Catalog, knowledge: Iterable[KnowledgeElement],
                            max_level: int = DEFAULT_MAX_REACHABLE_LEVEL) -> dict[str, CompetenceScore]:
    """Competences at level ≥ 1 in the profile (those a certification tests), with their profile score."""
    return {s.competence: s for s in score_profile(catalog, knowledge, max_level).competences if s.level >= 1}


def is_certifiable(catalog: Catalog, knowledge: Iterable[KnowledgeElement],
                   max_level: int = DEFAULT_MAX_REACHABLE_LEVEL) -> bool:
    return len(certifiable_competences(catalog, knowledge, max_level)) >= MIN_CERTIFIABLE_COMPETENCES


def plan_v2(catalog: Catalog, knowledge: Iterable[KnowledgeElement], answered_challenge_ids: Collection[str],
            rng: np.random.Generator, *, per_competence: int = CHALLENGES_PER_COMPETENCE,
            max_level: int = DEFAULT_MAX_REACHABLE_LEVEL) -> tuple[PlannedChallenge, ...]:
    """The v2 test: ``per_competence`` fresh challenges per certifiable competence (see the module docstring)."""
    kes = tuple(knowledge)
    validated = _validated_skills(kes)
    answered = set(answered_challenge_ids)
    plan: list[PlannedChallenge] = []
    for code in certifiable_competences(catalog, kes, max_level):
        sl = catalog.slice(code)
        # (level, skill) of validated reachable skills with their fresh challenges, highest level first; ties between
        # skills of one level are broken at random so that two candidates with one profile do not get one test.
        pools: list[tuple[int, str, list[str]]] = []
        for local in rng.permutation(sl.n_skills).tolist():
            sid = sl.skill_ids[local]
            level = int(sl.level[local])
            if sid not in validated or level > max_level:
                continue
            fresh = [catalog.challenges[ci].id for ci in sl.skill_challenges[local].tolist()
                     if catalog.challenges[ci].id not in answered]
            if fresh:
                pools.append((level, sid, [fresh[i] for i in rng.permutation(len(fresh)).tolist()]))
        pools.sort(key=lambda p: -p[0])  # stable: the random order stays within a level
        chosen: list[PlannedChallenge] = []
        depth = 0
        while len(chosen) < per_competence and any(len(p[2]) > depth for p in pools):
            # Round ``depth``: one more challenge from each skill (one per skill first, then a second from the
            # highest skills), highest levels first.
            for level, sid, fresh in pools:
                if len(chosen) == per_competence:
                    break
                if len(fresh) > depth:
                    chosen.append(PlannedChallenge(fresh[depth], code, sid, level))
            depth += 1
        plan.extend(chosen)
    return tuple(plan)


def _competence_level_v2(profile_level: int, right: int, total: int, rate: float) -> int:
    """Certified level of one competence (see the module docstring's table)."""
    if total == 0 or profile_level < 1:
        return NOT_CERTIFIED
    if right == total:
        level = profile_level
    elif total >= 3 and right == total - 1:
        level = profile_level if rate >= FULL_FROM else profile_level - 1
    elif total == 2 and right == 1:
        level = profile_level - 1
    else:
        return NOT_CERTIFIED
    return level if level >= 1 else NOT_CERTIFIED


def capped_pix(profile_pix: int, certified_level: int) -> int:
    """Pix kept for a competence certified at ``certified_level``: never more than that level's range allows."""
    if certified_level < 1:
        return 0
    return max(0, min(profile_pix, certified_level * PIX_PER_LEVEL + PIX_PER_LEVEL - 1))


def score_v2(profile: Mapping[str, CompetenceScore], plan: Sequence[PlannedChallenge], answers: Iterable[Answer],
             neutralised_challenge_ids: Collection[str] = ()) -> CertificationScore:
    """Score a v2 test from the profile it was generated from, its plan and the answers (see the module docstring).
    ``profile``: competence → profile score at the start of the test (``certifiable_competences``)."""
    neutralised = set(neutralised_challenge_ids)
    results = {a.challenge_id: a.result.is_success for a in answers}  # a challenge answered twice: the last counts
    per_comp: dict[str, list[int]] = {code: [0, 0] for code, s in profile.items() if s.level >= 1}
    used_neutralised: list[str] = []
    for planned in plan:
        if planned.challenge_id in neutralised:
            used_neutralised.append(planned.challenge_id)
            continue
        counts = per_comp.setdefault(planned.competence, [0, 0])
        counts[1] += 1
        counts[0] += 1 if results.get(planned.challenge_id, False) else 0
    right = sum(c[0] for c in per_comp.values())
    total = sum(c[1] for c in per_comp.values())
    if total == 0:
        return CertificationScore(True, 0, {code: NOT_CERTIFIED for code in per_comp}, {code: 0 for code in per_comp},
                                  (TOO_FEW_ANSWERS,), None, counted_answers=0,
                                  neutralised_challenge_ids=tuple(used_neutralised))
    rate = right / total
    if rate < REJECT_BELOW:
        return CertificationScore(True, 0, {code: NOT_CERTIFIED for code in per_comp}, {code: 0 for code in per_comp},
                                  (LOW_REPRODUCIBILITY,), rate, counted_answers=total,
                                  neutralised_challenge_ids=tuple(used_neutralised))
    levels: dict[str, int] = {}
    pix: dict[str, int] = {}
    for code, (k, n) in per_comp.items():
        score = profile.get(code)
        profile_level = score.level if score is not None else 0
        levels[code] = _competence_level_v2(profile_level, k, n, rate)
        pix[code] = capped_pix(score.pix if score is not None else 0, levels[code])
    total_pix = sum(pix.values())
    reasons = () if total_pix > 0 else (NO_COMPETENCE_CERTIFIED,)
    return CertificationScore(bool(reasons), total_pix, levels, pix, reasons, rate, counted_answers=total,
                              neutralised_challenge_ids=tuple(used_neutralised))


def score_v3(catalog: Catalog, answers: Sequence[Answer], neutralised_challenge_ids: Collection[str] = (), *,
             ended_early: bool = False, max_level: int = DEFAULT_MAX_REACHABLE_LEVEL,
             selector: FlashSelector | None = None) -> CertificationScore:
    """Score a v3 (flash) test (see the module docstring). ``ended_early``: aborted or ended by the invigilator."""
    selector = selector or FlashSelector()
    neutralised = set(neutralised_challenge_ids)
    idx: list[int] = []
    right: list[bool] = []
    removed: list[str] = []
    for a in answers:
        if a.challenge_id in neutralised:
            removed.append(a.challenge_id)
            continue
        ci = catalog.challenge_index.get(a.challenge_id)
        if ci is None:  # a challenge of another content version: it cannot be placed on the θ scale
            continue
        idx.append(ci)
        right.append(a.result.is_success)
    all_comps = catalog.competences
    if not idx or (ended_early and len(idx) < MIN_V3_ANSWERS):
        return CertificationScore(True, 0, {c: NOT_CERTIFIED for c in all_comps}, {c: 0 for c in all_comps},
                                  (TOO_FEW_ANSWERS,), counted_answers=len(idx), neutralised_challenge_ids=tuple(removed))
    estimate = selector.estimate_from(catalog, idx, right)
    scores = theta_scores(catalog, estimate.theta, max_level)
    levels = {s.competence: (s.level if s.level >= 1 else NOT_CERTIFIED) for s in scores.competences}
    pix = {s.competence: (s.pix if s.level >= 1 else 0) for s in scores.competences}
    total_pix = sum(pix.values())
    reasons = () if total_pix > 0 else (NO_COMPETENCE_CERTIFIED,)
    return CertificationScore(bool(reasons), total_pix, levels, pix, reasons, theta=estimate.theta,
                              counted_answers=len(idx), neutralised_challenge_ids=tuple(removed))
