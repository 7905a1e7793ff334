"""End-to-end fixtures: a live gunicorn server on its own migrated database with the demo loaded, Playwright driving the
system Chromium, axe-core audits, journey screenshots in ``test-artifacts/e2e/`` and, when a test fails, a screenshot of
each of its pages plus the server's log lines written during the test.

Data written here is committed (the server is another process, so the rest of the suite's per-test rollback cannot
apply): tests create what they need with unique names (``unique``) through ``live_db``.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from pix_lti.app import create_app
from pix_lti.cli import run_migrations
from pix_lti.db import Database
from tests.conftest import drop_postgres_database, new_database_url
from tests.e2e import support

E2E_DIR = Path(__file__).resolve().parent
_SERVER = pytest.StashKey[support.LiveServer]()
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_LOG_OFFSET = pytest.StashKey[int]()


def _missing(reason: str) -> NoReturn:
    if support.ci_requires_browser():
        pytest.fail(f"{reason} (CI is set: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, not only this folder's: mark only ours.
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                               call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    server = item.config.stash.get(_SERVER, None)
    if report.failed and server is not None:
        lines = server.log_text(item.stash.get(_LOG_OFFSET, 0))
        report.sections.append(("live server log during this test", lines[-20000:] or "(nothing logged)"))
    return report


@pytest.fixture(autouse=True)
def _mark_server_log(request: pytest.FixtureRequest) -> None:
    """Remember where the server log stood, to show only this test's lines if it fails (0 before the server starts)."""
    server = request.config.stash.get(_SERVER, None)
    request.node.stash[_LOG_OFFSET] = server.log_size() if server is not None else 0


# ---------------------------------------------------------------------------------------------------------------------
# Server and data


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL database beside ``TEST_DATABASE_URL`` (dropped at the end)."""
    url = new_database_url(tmp_path_factory, prefix="pix_lti_e2e")
    run_migrations(url)
    yield url
    if url.startswith("postgresql"):
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, live_database_url: str, tmp_path_factory: pytest.TempPathFactory,
                _translations: None) -> Iterator[support.LiveServer]:
    instance_dir = tmp_path_factory.mktemp("e2e-instance")

    def load_demo() -> None:
        # `pix-lti demo load`, the real click command, run in-process (same code, no second interpreter start-up).
        app = create_app({"env": "testing", "secret_key": support.E2E_SECRET, "database_url": live_database_url,
                          "instance_dir": str(instance_dir), "log_level": "WARNING"})
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        app.extensions["pix_lti.db"].engine.dispose()
        assert result.exit_code == 0, f"pix-lti demo load failed:\n{result.output}\n{result.exception!r}"

    server = support.start_live_server(live_database_url, instance_dir, instance_dir / "gunicorn.log",
                                       prepare=load_demo)
    request.config.stash[_SERVER] = server
    try:
        yield server
    finally:
        server.stop()
        del request.config.stash[_SERVER]


@pytest.fixture(scope="session")
def live_db(live_database_url: str) -> Iterator[Database]:
    """The live server's database; ``live_db.transaction()`` commits, so the server sees what a test creates."""
    database = Database.from_url(live_database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """``unique("zoe")`` → ``zoe-3f9a1c`` — e2e data is never rolled back, so names must not collide between tests."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------------------------------------------------------------
# Browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = support.find_chromium()
    if path is None:
        _missing("Chromium not found (apt-get install chromium, or set E2E_CHROMIUM to its path)")
    return path


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(chromium_path: str, playwright_driver: Playwright) -> Iterator[Browser]:
    shutil.rmtree(support.ARTIFACTS / "failures", ignore_errors=True)  # failure shots of earlier runs would mislead
    instance = playwright_driver.chromium.launch(executable_path=chromium_path, headless=True,
                                                 args=support.CHROMIUM_ARGS)
    yield instance
    instance.close()


@pytest.fixture
def new_page(request: pytest.FixtureRequest, browser: Browser,
             live_server: support.LiveServer) -> Iterator[support.NewPage]:
    """``new_page(locale="en-GB", viewport={"width": 375, "height": 740}, is_mobile=True)``: a page in a fresh context
    (own cookies) whose relative URLs go to the live server. On failure each page is screenshotted."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "fr-FR", **options: Any) -> Page:
        context = browser.new_context(base_url=live_server.url, locale=locale, **options)
        context.set_default_timeout(10_000)  # a hung page fails in seconds, not after Playwright's default 30 s
        contexts.append(context)
        return context.new_page()

    yield make

    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                try:
                    support.screenshot(page, f"failures/{name}-{index}-{number}")
                except Exception as exc:  # a crashed page must not hide the test's own failure
                    print(f"could not screenshot {page.url}: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: support.NewPage) -> Page:
    """A French-speaking desktop page (1280×720) on the live server."""
    return new_page()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not support.AXE_PATH.exists():
        _missing(f"axe-core not installed ({support.AXE_PATH} missing: run npm install)")
    return support.AXE_PATH.read_text("utf-8")


@pytest.fixture
def axe(axe_source: str) -> Callable[[Page], dict[str, Any]]:
    """``axe(page)``: audit the page as it is now (WCAG 2.0/2.1 A/AA) and fail on serious or critical violations."""
    return lambda page: support.assert_accessible(page, axe_source)
