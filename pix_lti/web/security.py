"""Security headers (CSP with ``frame-ancestors`` limited to registered platforms), and safe redirect targets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

FrameAncestorSource = Callable[[], Iterable[str]]
_EXTENSION = "pix_lti.frame_ancestor_sources"


def add_frame_ancestor_source(app: Flask, source: FrameAncestorSource) -> None:
    """Features (e.g. LTI registrations) add the origins allowed to show the service in an iframe."""
    app.extensions.setdefault(_EXTENSION, []).append(source)


def frame_ancestors(app: Flask) -> list[str]:
    origins: list[str] = ["'self'", *app.config["PIX_SETTINGS"].frame_ancestors]
    for source in app.extensions.get(_EXTENSION, []):
        origins.extend(source())
    return list(dict.fromkeys(origins))  # de-duplicate, keep order


def content_security_policy(app: Flask) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "style-src 'self'",
            "script-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors " + " ".join(frame_ancestors(app)),
        ]
    )


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(current_app))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin-allow-popups")
        # No X-Frame-Options: it cannot list several LMS origins, and CSP frame-ancestors supersedes it.
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def safe_next_url(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are honoured as redirect targets (no open redirect)."""
    if not target or not isinstance(target, str):
        return default
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 0x20 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
