"""Helpers for driving pages like a browser does (CSRF tokens come from the rendered form)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"|<input[^>]*\bvalue="([^"]+)"[^>]*\bname="csrf_token"')


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """The page's hidden inputs (CSRF token, state a form carries), as a browser would submit them."""
    fields = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = html_unescape(attrs.get("value", ""))
    return fields


def html_unescape(value: str) -> str:
    import html

    return html.unescape(value)


def submit_form(client: FlaskClient, page_url: str, data: dict[str, Any], action_url: str | None = None,
                **kwargs: Any) -> TestResponse:
    """GET ``page_url``, then POST its hidden fields (CSRF token…) plus ``data`` to ``action_url`` (default: same URL)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    return client.post(action_url or page_url, data={**hidden_fields(html), "csrf_token": csrf_token_from(html), **data},
                       **kwargs)


def login(client: FlaskClient, username: str, password: str) -> TestResponse:
    return submit_form(client, "/connexion", {"username": username, "password": password})
