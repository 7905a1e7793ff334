"""Fixed-window rate limits on the shared store (Redis or database), so every worker counts the same attempts."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from werkzeug.exceptions import TooManyRequests


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int


class RateLimited(TooManyRequests):
    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


def hit(limit: Limit, identity: str) -> int:
    """Count one attempt; return the count in the current window."""
    store = current_app.extensions["pix_lti.kv"]
    return store.incr(f"rl:{limit.name}:{identity}", limit.window_seconds)


def hit_and_check(limit: Limit, identity: str) -> None:
    if hit(limit, identity) > limit.max_hits:
        raise RateLimited(limit.window_seconds)
