"""Campaign badges: a badge is acquired when the learner's mastery of its skills (the whole target profile, or the
profile's skills in the badge's tubes) reaches its threshold — compared exactly (validated × 100 ≥ threshold × total),
like stages. Computed from the shared snapshot's per-skill statuses, so results pages and exports agree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pix_lti import engine
from pix_lti.orga.models import CampaignBadge

MAX_BADGES = 3


@dataclass(frozen=True)
class BadgeFormError:
    code: str  # "incomplete" or "unknown_tubes"
    detail: str = ""


def badge_skill_ids(badge: CampaignBadge, target: Sequence[engine.Skill]) -> list[str]:
    tubes = set(badge.tubes) if badge.tubes else None
    return [s.id for s in target if tubes is None or s.tube in tubes]


def acquired(badge: CampaignBadge, target: Sequence[engine.Skill], statuses: Mapping[str, str]) -> bool:
    skill_ids = badge_skill_ids(badge, target)
    if not skill_ids:
        return False
    validated = sum(1 for sid in skill_ids if statuses.get(sid) == "validated")
    return validated * 100 >= badge.threshold * len(skill_ids)


def parse_badges(rows: Iterable[tuple[str, str, str, str]], profile_tubes: set[str]
                 ) -> tuple[list[tuple[str, int, list[str] | None, str]], BadgeFormError | None]:
    """(title, threshold, tubes text, message) rows of the creation form → badges, or the first error (the view
    words it). Empty rows are skipped; tubes are comma- or space-separated names of the profile's tubes."""
    badges: list[tuple[str, int, list[str] | None, str]] = []
    for title, threshold, tubes_text, message in rows:
        if not (title or threshold or tubes_text or message):
            continue
        if not title or not threshold.isdigit() or not 0 <= int(threshold) <= 100:
            return [], BadgeFormError("incomplete")
        tubes = [t for t in tubes_text.replace(",", " ").split() if t]
        unknown = [t for t in tubes if t not in profile_tubes]
        if unknown:
            return [], BadgeFormError("unknown_tubes", ", ".join(unknown))
        badges.append((title[:255], int(threshold), tubes or None, message))
    return badges, None
