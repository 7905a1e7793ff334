"""Who may take a certification: a level of at least 1 in at least 5 competences of the student's profile (the Pix
rule: "avoir atteint le niveau 1 dans au moins 5 compétences"). Read from the same profile score as the profile page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pix_lti.assessment import catalogs, services

MIN_CERTIFIABLE_COMPETENCES = 5


@dataclass(frozen=True)
class Eligibility:
    competences_at_level_1: int  # competences at level ≥ 1
    required: int = MIN_CERTIFIABLE_COMPETENCES

    @property
    def certifiable(self) -> bool:
        return self.competences_at_level_1 >= self.required

    @property
    def missing(self) -> int:
        return max(0, self.required - self.competences_at_level_1)


def eligibility(session: Session, user_id: int, pack_key: str, max_level: int) -> Eligibility:
    score = services.profile_score(session, user_id, catalogs.full_catalog(session, pack_key), max_level)
    return Eligibility(sum(1 for competence in score.competences if competence.level >= 1))
