"""Hand-computed cases for the checkpoint, improve, reset and campaign-retry rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from pix_lti.engine.rules import (
    RETRY_MASTERED,
    RETRY_NOT_SHARED,
    RETRY_OK,
    RETRY_SINGLE_SENDING,
    RETRY_TOO_EARLY,
    RetryEligibility,
    answers_in_current_checkpoint,
    can_improve,
    can_reset,
    can_retry_campaign,
    campaign_retry_eligibility,
    improvable_at,
    is_checkpoint,
    is_testable_again,
    kept_when_improving,
    resettable_at,
    retry_available_at,
)

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


# --- checkpoints ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "checkpoint", "in_block"),
    [(0, False, 0), (1, False, 1), (4, False, 4), (5, True, 5), (6, False, 1), (7, False, 2), (10, True, 5), (11, False, 1)],
)
def test_checkpoint_every_five_answers(count: int, checkpoint: bool, in_block: int) -> None:
    assert is_checkpoint(count) is checkpoint
    assert answers_in_current_checkpoint(count) == in_block


def test_checkpoint_size_is_configurable_and_validated() -> None:
    assert [n for n in range(1, 10) if is_checkpoint(n, size=3)] == [3, 6, 9]
    assert answers_in_current_checkpoint(8, size=3) == 2
    assert is_checkpoint(1, size=1)
    for bad in (0, -5, True, 2.5):
        with pytest.raises(ValueError):
            is_checkpoint(5, size=bad)  # type: ignore[arg-type]


def test_last_checkpoint_of_a_short_assessment_shows_the_remaining_answers() -> None:
    answers = ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]
    assert answers[-answers_in_current_checkpoint(len(answers)) :] == ["a6", "a7"]


# --- improve -------------------------------------------------------------------------------------


def test_improvable_exactly_four_days_after_completion() -> None:
    assert improvable_at(T0) == datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert not can_improve(T0, T0 + timedelta(days=4) - SECOND)
    assert can_improve(T0, T0 + timedelta(days=4))  # the boundary is included
    assert can_improve(T0, T0 + timedelta(days=40))
    assert not can_improve(T0, T0)


def test_improve_delay_is_configurable() -> None:
    assert can_improve(T0, T0 + timedelta(days=2), days=2)
    assert not can_improve(T0, T0 + timedelta(days=2), days=3)
    assert can_improve(T0, T0, days=0)
    assert improvable_at(T0, days=0.5) == T0 + timedelta(hours=12)


def test_unfinished_competence_cannot_be_improved() -> None:
    assert not can_improve(None, T0)


def test_improve_counts_absolute_time_across_a_dst_change() -> None:
    # Paris switches to summer time on Sunday 29 March 2026 at 02:00: 4 days = 96 h, not 4 wall days.
    completed = datetime(2026, 3, 27, 12, 0, tzinfo=PARIS)  # 11:00 UTC
    assert improvable_at(completed) == datetime(2026, 3, 31, 11, 0, tzinfo=UTC)  # 13:00 in Paris
    assert not can_improve(completed, datetime(2026, 3, 31, 12, 59, tzinfo=PARIS))
    assert can_improve(completed, datetime(2026, 3, 31, 13, 0, tzinfo=PARIS))


def test_mixed_time_zones_compare_as_instants() -> None:
    completed = datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC on the 3rd
    assert can_improve(completed, datetime(2026, 3, 7, 4, 30, tzinfo=UTC))
    assert not can_improve(completed, datetime(2026, 3, 7, 5, 29, tzinfo=timezone(timedelta(hours=1))))


def test_naive_or_wrong_inputs_are_refused() -> None:
    naive = datetime(2026, 3, 2, 10, 0)
    with pytest.raises(ValueError):
        improvable_at(naive)
    with pytest.raises(ValueError):
        can_improve(T0, naive)
    with pytest.raises(ValueError):
        can_improve(None, naive)  # even when the answer would be obvious: a naive "now" is a bug
    with pytest.raises(TypeError):
        improvable_at("2026-03-02")  # type: ignore[arg-type]
    for days in (-1, float("nan"), float("inf"), True, "4"):
        with pytest.raises(ValueError):
            improvable_at(T0, days=days)  # type: ignore[arg-type]


@dataclass(frozen=True)
class KE:
    skill: str
    validated: bool
    created_at: datetime


def test_only_failures_before_the_improvement_become_testable_again() -> None:
    start = T0 + timedelta(days=5)
    old_success = KE("@mdp1", True, T0)
    old_failure = KE("@mdp3", False, T0)
    failure_at_start = KE("@mdp4", False, start)
    new_failure = KE("@mdp5", False, start + timedelta(minutes=3))
    new_success = KE("@mdp2", True, start + timedelta(minutes=1))
    assert is_testable_again(validated=False, created_at=T0, improving_since=start)
    assert not is_testable_again(validated=True, created_at=T0, improving_since=start)
    assert not is_testable_again(validated=False, created_at=start, improving_since=start)  # not strictly before
    kept = kept_when_improving(
        [old_success, old_failure, failure_at_start, new_failure, new_success],
        start,
        validated=lambda ke: ke.validated,
        created_at=lambda ke: ke.created_at,
    )
    assert kept == [old_success, failure_at_start, new_failure, new_success]
    # The defaults read the attributes "validated" and "created_at".
    assert kept_when_improving([old_failure, new_failure], start) == [new_failure]


# --- reset ---------------------------------------------------------------------------------------


def test_reset_exactly_seven_days_after_the_last_activity() -> None:
    assert resettable_at(T0) == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert not can_reset(T0, T0 + timedelta(days=7) - SECOND)
    assert can_reset(T0, T0 + timedelta(days=7))
    assert not can_reset(None, T0 + timedelta(days=70))  # nothing to reset
    assert can_reset(T0, T0 + timedelta(days=3), days=3)


def test_reset_in_a_named_zone_across_the_autumn_dst_change() -> None:
    # Paris goes back to winter time on 25 October 2026 at 03:00: 7 days = 168 h.
    last = datetime(2026, 10, 20, 9, 0, tzinfo=PARIS)  # 07:00 UTC
    assert resettable_at(last) == datetime(2026, 10, 27, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    assert not can_reset(last, datetime(2026, 10, 27, 7, 59, tzinfo=PARIS))
    assert can_reset(last, datetime(2026, 10, 27, 8, 0, tzinfo=PARIS))


# --- campaign retry ------------------------------------------------------------------------------


def eligibility(**overrides: object) -> RetryEligibility:
    arguments: dict[str, object] = {
        "multiple_sendings": True,
        "shared_at": T0,
        "mastery_rate": Fraction(24, 35),
        "now": T0 + timedelta(days=4),
    }
    arguments.update(overrides)
    return campaign_retry_eligibility(**arguments)  # type: ignore[arg-type]


def test_retry_after_four_days_when_multiple_sendings_and_shared() -> None:
    assert retry_available_at(T0) == T0 + timedelta(days=4)
    assert eligibility() == RetryEligibility(True, RETRY_OK, T0 + timedelta(days=4))
    early = eligibility(now=T0 + timedelta(days=4) - SECOND)
    assert early == RetryEligibility(False, RETRY_TOO_EARLY, T0 + timedelta(days=4))
    assert eligibility(now=T0 + timedelta(days=1), days=1).allowed


def test_no_retry_without_multiple_sendings_or_before_sharing() -> None:
    assert eligibility(multiple_sendings=False) == RetryEligibility(False, RETRY_SINGLE_SENDING)
    assert eligibility(shared_at=None) == RetryEligibility(False, RETRY_NOT_SHARED)


def test_no_retry_at_full_mastery() -> None:
    assert eligibility(mastery_rate=1.0) == RetryEligibility(False, RETRY_MASTERED)
    assert eligibility(mastery_rate=Fraction(35, 35)).reason == RETRY_MASTERED
    assert eligibility(mastery_rate=Fraction(34, 35)).allowed
    assert eligibility(mastery_rate=0).allowed


def test_retry_rules_are_checked_in_order() -> None:
    # Single sending wins over everything; mastery is reported before the delay.
    assert eligibility(multiple_sendings=False, shared_at=None, mastery_rate=1).reason == RETRY_SINGLE_SENDING
    assert eligibility(mastery_rate=1, now=T0).reason == RETRY_MASTERED


def test_can_retry_campaign_is_the_boolean_view() -> None:
    base = {"multiple_sendings": True, "shared_at": T0, "mastery_rate": 0.5}
    assert can_retry_campaign(**base, now=T0 + timedelta(days=4))  # type: ignore[arg-type]
    assert not can_retry_campaign(**base, now=T0 + timedelta(days=3))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        can_retry_campaign(**base, now=datetime(2026, 3, 9))  # type: ignore[arg-type]
