"""Browser-test support: find Chromium and axe-core, run the service under gunicorn in a subprocess, and check pages
(axe-core accessibility audit, horizontal overflow, screenshots). Fixtures live in ``conftest.py``; this module holds
the plain functions so that tests can import them too."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any

from playwright.sync_api import CDPSession, Page

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
GUNICORN_CONF = PROJECT_ROOT / "config" / "gunicorn.conf.py"
NewPage = Callable[..., Page]  # the ``new_page`` fixture: new_page(locale="en-GB", viewport=..., is_mobile=...) -> Page
E2E_SECRET = "e2e-secret-key-for-the-browser-tests-only-0123456789"

# `playwright install` cannot download browsers here (loopback only): drive the distribution's Chromium. Playwright's
# launch() already gives each browser a fresh temporary profile (user-data dir), removed when the browser closes.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]

# WCAG 2.0 and 2.1, levels A and AA; only serious and critical violations fail a test (the issues' acceptance bar).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def ci_requires_browser() -> bool:
    """In CI a missing browser is a failure, on a developer's machine a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_chromium() -> str | None:
    """``E2E_CHROMIUM`` (not ``PIX_LTI_*``: the settings refuse unknown keys of that prefix), else chromium on PATH."""
    explicit = os.environ.get("E2E_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page journey screenshot as ``test-artifacts/e2e/<name>.png`` (always, pass or fail)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# ---------------------------------------------------------------------------------------------------------------------
# Live server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """gunicorn serving ``pix_lti.wsgi:app`` on 127.0.0.1, its output going to ``log_path``."""

    url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_text(self, start: int = 0) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as fh:
            fh.seek(start)
            return fh.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), then SIGKILL to the group started here if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group holds only this gunicorn and its workers
                self.process.wait(timeout=5)


def server_environment(database_url: str, instance_dir: Path, public_url: str) -> dict[str, str]:
    # Drop inherited PIX_LTI_*/GUNICORN_* so that a developer's Redis URL or config file cannot leak into the run.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIX_LTI_", "GUNICORN_"))}
    env.update(
        PIX_LTI_ENV="testing",
        PIX_LTI_SECRET_KEY=E2E_SECRET,
        PIX_LTI_DATABASE_URL=database_url,
        PIX_LTI_INSTANCE_DIR=str(instance_dir),
        PIX_LTI_PUBLIC_URL=public_url,
        PIX_LTI_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_live_server(database_url: str, instance_dir: Path, log_path: Path, *, workers: int = 2,
                      prepare: Callable[[], None] | None = None, attempts: int = 3,
                      timeout: float = 60.0) -> LiveServer:
    """Start gunicorn on a free port and wait until ``/healthz`` answers 200; retry on a port lost to a race.

    ``prepare`` (e.g. loading the demo) runs while the workers boot, since both take seconds: the app factory reads no
    data, and no request reaches the server before ``prepare`` has returned."""
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--workers", str(workers),
                 "--bind", f"127.0.0.1:{port}", "pix_lti.wsgi:app"],
                cwd=PROJECT_ROOT, env=server_environment(database_url, instance_dir, url),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: teardown reaches the workers without touching anyone else
            )
        server = LiveServer(url=url, database_url=database_url, log_path=log_path, process=process)
        try:
            if prepare is not None:
                prepare()
                prepare = None  # done once, even if the port has to be changed
            error = wait_until_healthy(server, timeout)
        except BaseException:
            server.stop()
            raise
        if error is None:
            return server
        server.stop()
        last_error = error
        if "Address already in use" not in server.log_text():
            break
    log_text = log_path.read_text("utf-8", "replace") if log_path.exists() else ""
    raise RuntimeError(f"the live server did not start: {last_error}\n--- server log ({log_path}) ---\n{log_text}")


def wait_until_healthy(server: LiveServer, timeout: float) -> str | None:
    """None once ``/healthz`` answers 200; otherwise why not (process exited, or timed out)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            return f"gunicorn exited with code {code}"
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return None
                last = f"/healthz answered {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"/healthz answered {exc.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = f"/healthz unreachable ({exc})"
        time.sleep(0.1)  # start-up polling only: gunicorn has no readiness signal a parent process can wait on
    return f"timed out after {timeout:.0f} s ({last})"


# ---------------------------------------------------------------------------------------------------------------------
# axe-core


def inject_axe(page: Page, source: str) -> None:
    """Evaluate axe-core in the page's main world through CDP: ``Runtime.evaluate`` is not subject to the page's CSP
    (``script-src 'self'``), so the page is audited exactly as served, without ``bypass_csp``."""
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    cdp: CDPSession = page.context.new_cdp_session(page)
    try:
        result = cdp.send("Runtime.evaluate", {"expression": source, "returnByValue": False})
    finally:
        cdp.detach()
    if "exceptionDetails" in result:
        raise RuntimeError(f"axe-core failed to load: {result['exceptionDetails'].get('text')}")


def run_axe(page: Page, source: str, tags: list[str] | None = None) -> dict[str, Any]:
    inject_axe(page, source)
    results: dict[str, Any] = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return {url: r.url, violations: r.violations, passes: r.passes.map(p => p.id),
                    incomplete: r.incomplete.map(i => ({id: i.id, impact: i.impact}))};
        }""",
        tags or AXE_TAGS,
    )
    return results


def format_violations(violations: list[dict[str, Any]], url: str) -> str:
    lines = [f"axe-core: {len(violations)} violation(s) on {url}"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation.get('impact')}] {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
            if summary:
                lines.append(f"       {summary[:400]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more element(s)")
    return "\n".join(lines)


def assert_accessible(page: Page, source: str) -> dict[str, Any]:
    """Run axe-core (WCAG 2.0/2.1 A/AA) and fail on any serious or critical violation, listing rule, element and fix.
    Lesser violations are printed (pytest shows them with the test's output) and returned to the caller."""
    results = run_axe(page, source)
    # An audit that ran no rule proves nothing (wrong page, axe not loaded): insist that some rules passed.
    assert results["passes"], f"axe-core checked nothing on {results['url']}"
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    minor = [v for v in results["violations"] if v.get("impact") not in BLOCKING_IMPACTS]
    if minor:
        print(format_violations(minor, results["url"]))
    assert not blocking, format_violations(blocking, results["url"])
    return results


# ---------------------------------------------------------------------------------------------------------------------
# Layout


def horizontal_overflow(page: Page) -> dict[str, Any]:
    """The document's scroll width against the viewport, and the elements sticking out on the right (for messages)."""
    return page.evaluate(
        """() => {
            const width = window.innerWidth;
            const offenders = [];
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.width > 0 && box.right > width + 0.5) {
                    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                        + (el.classList.length ? '.' + [...el.classList].join('.') : '');
                    offenders.push(name + ' right=' + Math.round(box.right));
                }
            }
            return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: width,
                    offenders: offenders.slice(0, 10)};
        }"""
    )


def assert_no_horizontal_overflow(page: Page) -> None:
    layout = horizontal_overflow(page)
    assert layout["scrollWidth"] <= layout["innerWidth"], (
        f"{page.url} scrolls horizontally: scrollWidth {layout['scrollWidth']} > innerWidth {layout['innerWidth']}; "
        f"elements past the right edge: {layout['offenders']}"
    )
