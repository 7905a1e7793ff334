"""Time and retry rules of the assessment (issue 4 §4), as pure functions.

Nothing here reads the clock: the caller passes ``now``.  Every datetime must be timezone-aware
(a naive one raises ``ValueError``): the rules are about elapsed time, and a naive value from a
database or a server in another zone would silently shift them by hours.  Durations are measured
in absolute time (UTC), so "4 days" is always 96 hours, also across a daylight-saving change —
Python's arithmetic on aware datetimes in a named zone would otherwise count wall-clock days.

Rules (from the public Pix behaviour and the brochures in the project's seeds):

- Checkpoints: the student sees their results every ``CHECKPOINT_SIZE`` (5) answers, and at the
  end with whatever is left.
- Improving: a finished competence can be retried ``IMPROVE_AFTER_DAYS`` (4) days after it was
  completed; the knowledge elements that were *invalidated* before the improvement started are
  set aside, so the failed skills become testable again, while validated skills are kept.
- Reset: a competence can be reset (all its knowledge elements discarded, pix back to 0)
  ``RESET_AFTER_DAYS`` (7) days after the last activity on it.
- Campaign retry: a campaign that allows multiple sendings lets a participant who shared their
  results start again ``IMPROVE_AFTER_DAYS`` (4) days after sharing — unless their mastery rate
  is already 100%, since a retry could not improve anything (the Pix rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from operator import attrgetter
from typing import Final, TypeVar

CHECKPOINT_SIZE: Final = 5
IMPROVE_AFTER_DAYS: Final = 4
RESET_AFTER_DAYS: Final = 7
RETRY_AFTER_DAYS: Final = IMPROVE_AFTER_DAYS  # the campaign retry delay is the same 4 days in Pix

T = TypeVar("T")


def _utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got a naive datetime)")
    return moment.astimezone(timezone.utc)


def _delay(days: float, name: str = "days") -> timedelta:
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 <= days < math.inf:
        raise ValueError(f"{name} must be a non-negative number of days, got {days!r}")
    return timedelta(days=days)


# --- checkpoints ---------------------------------------------------------------------------------


def _checkpoint_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"checkpoint size must be a positive integer, got {size!r}")
    return size


def is_checkpoint(answer_count: int, *, size: int = CHECKPOINT_SIZE) -> bool:
    """True right after the 5th, 10th, 15th… answer: time to show the results of the last block."""
    size = _checkpoint_size(size)
    return answer_count > 0 and answer_count % size == 0


def answers_in_current_checkpoint(answer_count: int, *, size: int = CHECKPOINT_SIZE) -> int:
    """How many of the latest answers belong to the current block (1..size; 0 before any answer).

    After 5 answers the block is full (5); after 7 it holds the 6th and 7th (2).  At the end of an
    assessment, the last checkpoint shows ``answers[-answers_in_current_checkpoint(n):]``.
    """
    size = _checkpoint_size(size)
    if answer_count <= 0:
        return 0
    return (answer_count - 1) % size + 1


# --- improving a finished competence -------------------------------------------------------------


def improvable_at(completed_at: datetime, *, days: float = IMPROVE_AFTER_DAYS) -> datetime:
    """The moment (UTC) from which a competence completed at ``completed_at`` can be improved."""
    return _utc(completed_at, "completed_at") + _delay(days)


def can_improve(completed_at: datetime | None, now: datetime, *, days: float = IMPROVE_AFTER_DAYS) -> bool:
    """A competence can be improved once finished and at least ``days`` later (boundary included)."""
    now_utc = _utc(now, "now")
    if completed_at is None:
        return False  # not finished yet: the student simply continues
    return now_utc >= improvable_at(completed_at, days=days)


def is_testable_again(*, validated: bool, created_at: datetime, improving_since: datetime) -> bool:
    """Whether a knowledge element is set aside when improving, making its skill testable again.

    Only failures (``validated`` false — wrong, skipped, timed out or inferred from such an answer)
    recorded strictly before the improvement started are set aside; validated skills stay acquired,
    and failures during the improvement itself count normally.
    """
    if validated:
        return False
    return _utc(created_at, "created_at") < _utc(improving_since, "improving_since")


def kept_when_improving(
    elements: Iterable[T],
    improving_since: datetime,
    *,
    validated: Callable[[T], bool] = attrgetter("validated"),
    created_at: Callable[[T], datetime] = attrgetter("created_at"),
) -> list[T]:
    """The knowledge elements that still count during an improvement, in their original order.

    ``validated`` and ``created_at`` read each element (kept generic so that this module depends on
    no record type); the defaults read attributes of those names, as on stored knowledge rows.
    """
    return [
        element
        for element in elements
        if not is_testable_again(
            validated=validated(element), created_at=created_at(element), improving_since=improving_since
        )
    ]


# --- reset ---------------------------------------------------------------------------------------


def resettable_at(last_activity_at: datetime, *, days: float = RESET_AFTER_DAYS) -> datetime:
    """The moment (UTC) from which a competence last worked on at ``last_activity_at`` can be reset."""
    return _utc(last_activity_at, "last_activity_at") + _delay(days)


def can_reset(last_activity_at: datetime | None, now: datetime, *, days: float = RESET_AFTER_DAYS) -> bool:
    """Reset needs some progress to discard (``last_activity_at`` set) and ``days`` of inactivity."""
    now_utc = _utc(now, "now")
    if last_activity_at is None:
        return False
    return now_utc >= resettable_at(last_activity_at, days=days)


# --- campaign retry ------------------------------------------------------------------------------

RETRY_OK: Final = "ok"
RETRY_SINGLE_SENDING: Final = "single_sending"  # the campaign does not allow multiple sendings
RETRY_NOT_SHARED: Final = "not_shared"  # results not shared yet: the participant continues instead
RETRY_MASTERED: Final = "mastered"  # mastery already 100%: nothing to improve
RETRY_TOO_EARLY: Final = "too_early"  # wait until ``available_at``


@dataclass(frozen=True, slots=True)
class RetryEligibility:
    """Whether a campaign participant may start again, why not, and from when (UTC) if it is a wait."""

    allowed: bool
    reason: str
    available_at: datetime | None = None


def retry_available_at(shared_at: datetime, *, days: float = RETRY_AFTER_DAYS) -> datetime:
    """The moment (UTC) from which a participation shared at ``shared_at`` can be retried."""
    return _utc(shared_at, "shared_at") + _delay(days)


def campaign_retry_eligibility(
    *,
    multiple_sendings: bool,
    shared_at: datetime | None,
    mastery_rate: float | Fraction,
    now: datetime,
    days: float = RETRY_AFTER_DAYS,
) -> RetryEligibility:
    """Apply the campaign retry rules in order: multiple sendings, shared, not mastered, delay.

    ``mastery_rate`` is validated skills / target skills in [0, 1]; pass an exact ``Fraction`` (or
    the float of an exact division such as 35/35) — anything ≥ 1 counts as 100% mastered.
    """
    now_utc = _utc(now, "now")
    if not multiple_sendings:
        return RetryEligibility(False, RETRY_SINGLE_SENDING)
    if shared_at is None:
        return RetryEligibility(False, RETRY_NOT_SHARED)
    if mastery_rate >= 1:
        return RetryEligibility(False, RETRY_MASTERED)
    available = retry_available_at(shared_at, days=days)
    if now_utc < available:
        return RetryEligibility(False, RETRY_TOO_EARLY, available)
    return RetryEligibility(True, RETRY_OK, available)


def can_retry_campaign(
    *,
    multiple_sendings: bool,
    shared_at: datetime | None,
    mastery_rate: float | Fraction,
    now: datetime,
    days: float = RETRY_AFTER_DAYS,
) -> bool:
    """Boolean shortcut of ``campaign_retry_eligibility``."""
    return campaign_retry_eligibility(
        multiple_sendings=multiple_sendings, shared_at=shared_at, mastery_rate=mastery_rate, now=now, days=days
    ).allowed
