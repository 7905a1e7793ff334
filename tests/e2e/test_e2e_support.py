"""The browser-test tools check what they claim: the axe audit and the overflow check fail on pages that deserve it, and
the live server is the real service (gunicorn, its CSP, its database) rather than a stand-in."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.support import LiveServer, assert_no_horizontal_overflow

pytestmark = pytest.mark.e2e

BAD_PAGE = """<!doctype html><html><head><title>bad</title></head><body><main>
<img src="/static/none.png"><p style="color:#aaa;background:#fff">pale text</p></main></body></html>"""


def test_axe_check_fails_on_serious_violations(page: Page, axe: Callable[[Page], dict[str, Any]]) -> None:
    page.set_content(BAD_PAGE)
    with pytest.raises(AssertionError) as failure:
        axe(page)
    message = str(failure.value)
    # Each blocking rule is named with its impact and the offending element, so the report says what to fix.
    assert "image-alt [critical]" in message and "html-has-lang [serious]" in message
    assert "color-contrast [serious]" in message and "at img" in message


def test_axe_runs_under_the_services_content_security_policy(page: Page, axe: Callable[[Page], dict[str, Any]],
                                                            live_server: LiveServer) -> None:
    response = page.goto("/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    # The CSP is enforced in this page (an inline script is refused), and axe still audits it.
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
                           document.body.append(s); }""")
    assert page.evaluate("() => window.__inline") is None
    results = axe(page)
    assert "color-contrast" in results["passes"] and results["url"].startswith(live_server.url)


def test_overflow_check_catches_a_wide_element(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 700})
    page.set_content('<!doctype html><html lang="fr"><body><div id="wide" style="width:600px">x</div></body></html>')
    with pytest.raises(AssertionError, match=r"scrollWidth 6\d\d > innerWidth 375.*div#wide"):
        assert_no_horizontal_overflow(page)


def test_live_server_is_gunicorn_on_its_own_database(live_server: LiveServer) -> None:
    with urllib.request.urlopen(live_server.url + "/healthz", timeout=5) as response:
        assert json.load(response)["checks"]["database"] == "ok"
    assert live_server.process.poll() is None
    assert "Booting worker" in live_server.log_text()  # gunicorn's own start-up line: a real server, not a stub
    assert "pix_lti_e2e_" in live_server.database_url or live_server.database_url.startswith("sqlite:///")
