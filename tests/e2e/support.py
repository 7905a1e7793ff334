"""Browser-test support: find Chromium and axe-core, run the service under gunicorn in a subprocess, and check pages
(axe-core accessibility audit, horizontal overflow, screenshots). Fixtures live in ``conftest.py``; this module holds
the plain functions so that tests can import them too."""

from __future__ import annotations

import os
import re
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
from urllib.parse import urlsplit

from playwright.sync_api import CDPSession, Locator, Page, expect

from pix_lti.db import Database

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


# ---------------------------------------------------------------------------------------------------------------------
# Student journeys: accounts, the question being asked (read from the database), filling the form by mouse or keyboard
#
# The answer a test gives is built from the stored solution of the challenge version the server says is current, then
# entered through the page's own controls (no form posting behind the browser's back): the server's checking and the
# page's markup are both exercised.

STUDENT_PASSWORD = "e2e-eleve-mot-de-passe"
WRONG_TEXT = "zzz-réponse-fausse"  # never within T1–T3 tolerance of a real answer
QUESTION_PATH = re.compile(r"/evaluations/(\d+)/question$")


def create_student(database: Database, username: str, first_name: str = "Élève", last_name: str = "Test") -> None:
    """A local student of the demo school (so ``/`` leads to their profile), committed for the live server."""
    from pix_lti.demo import DEMO_UAI
    from pix_lti.identity import services as identity
    from pix_lti.identity.models import MembershipRole

    with database.transaction() as session:
        user = identity.create_local_user(session, username=username, password=STUDENT_PASSWORD,
                                          first_name=first_name, last_name=last_name)
        school = identity.find_organisation_by_uai(session, DEMO_UAI)
        assert school is not None, "the demo school is missing: was `demo load` run?"
        identity.ensure_membership(session, user, school, MembershipRole.STUDENT)


def sign_in(page: Page, username: str, password: str = STUDENT_PASSWORD) -> None:
    """Log in through the form with the mouse and wait for the page it leads to (a student's profile)."""
    page.goto("/connexion")
    page.get_by_label("Identifiant", exact=True).fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Se connecter").click()
    assert "/connexion" not in page.url, f"login refused for {username}"


def assessment_id_of(page: Page) -> int:
    match = QUESTION_PATH.search(urlsplit(page.url).path) or re.search(r"/evaluations/(\d+)", page.url)
    assert match, f"not on a test page: {page.url}"
    return int(match.group(1))


@dataclass(frozen=True)
class Question:
    """What the test needs to know about the challenge being asked, read from the server's database."""

    challenge_id: str
    type: str
    timer: int | None
    focused: bool
    proposals: list[str]  # QCU/QCM, in page order (values "1".."n")
    options: dict[str, list[str]]  # field name → its drop-down options (selects only)
    accepted: dict[str, list[str]]  # field name → accepted variants (text fields and selects)
    right: dict[str, Any]  # field name → value of a right answer (tests.assessment.answers.right_form)

    def wrong(self) -> dict[str, Any]:
        """A wrong answer the page's controls can express: another option, a superset of the right boxes, a wrong
        text or a wrong drop-down choice in every field (so that a QROCM is wrong, not partly right)."""
        if self.type == "QCU":
            return {"answer": next(str(i) for i in range(1, len(self.proposals) + 1) if str(i) != self.right["answer"])}
        if self.type == "QCM":
            chosen = list(self.right["answer"])
            extra = [str(i) for i in range(1, len(self.proposals) + 1) if str(i) not in chosen]
            return {"answer": chosen + extra[:1] if extra else chosen[:-1]}
        wrong: dict[str, Any] = {}
        for name in self.right:
            if name in self.options:
                wrong[name] = next(o for o in self.options[name] if o not in self.accepted[name])
            else:
                wrong[name] = WRONG_TEXT
        return wrong


def _question_from(version: Any, locale: str) -> Question:
    from tests.assessment.answers import right_form

    def variants(value: Any) -> list[str]:
        if isinstance(value, dict):
            value = value.get(locale) or next(iter(value.values()))
        return [str(v) for v in value]

    right = right_form(version, locale)
    accepted: dict[str, list[str]] = {}
    if version.type == "QROC":
        accepted["answer"] = variants(version.solution)
    elif version.type == "QROCM-ind":
        accepted = {f"answer-{key}": variants(value) for key, value in version.solution.items()}
    elif version.type == "QROCM-dep":  # any group may fill any field: every variant is "accepted" for a wrong choice
        every = [v for group in version.solution for v in variants(group)]
        accepted = {f"answer-{field['key']}": every for field in version.inputs}
    options: dict[str, list[str]] = {}
    for field in version.inputs or []:
        if field.get("options"):
            name = "answer" if version.type == "QROC" else f"answer-{field['key']}"
            options[name] = [str(o) for o in variants(field["options"])]
    return Question(challenge_id=version.challenge.source_id, type=version.type, timer=version.timer,
                    focused=bool(version.focused), proposals=list((version.proposals or {}).get(locale) or []),
                    options=options, accepted=accepted, right=right)


def current_question(database: Database, assessment_id: int, locale: str = "fr") -> Question:
    from pix_lti.assessment.models import Assessment
    from pix_lti.content.models import ChallengeVersion

    with database.transaction() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None and assessment.current_challenge_version_id is not None, assessment_id
        version = session.get(ChallengeVersion, assessment.current_challenge_version_id)
        assert version is not None
        return _question_from(version, locale)


def find_challenge(database: Database, predicate: Callable[[Any], bool], *, pack_key: str = "crcn-demo",
                   competence: str | None = None,
                   avoid_competences: set[str] | frozenset[str] = frozenset()) -> tuple[str, str]:
    """(competence code, challenge source id) of the first validated current version of the pack matching
    ``predicate`` (given the ORM ``ChallengeVersion``), in ``competence`` if given, not in ``avoid_competences``."""
    from sqlalchemy import select

    from pix_lti.content.models import Challenge, ChallengeStatus, ChallengeVersion, Competence, ContentPack, Skill

    # One joined query (ids and codes as columns): walking the relationships lazily costs a second per call.
    query = (select(ChallengeVersion, Challenge.source_id, Competence.code)
             .join(Challenge, ChallengeVersion.challenge_id == Challenge.id)
             .join(Skill, Challenge.skill_id == Skill.id).join(Competence, Skill.competence_id == Competence.id)
             .join(ContentPack, Challenge.pack_id == ContentPack.id)
             .where(ContentPack.key == pack_key, ChallengeVersion.number == Challenge.current_version_number,
                    Challenge.status == ChallengeStatus.VALIDATED, ChallengeVersion.auto_reply.is_(False))
             .order_by(ChallengeVersion.id))
    if competence is not None:
        query = query.where(Competence.code == competence)
    with database.transaction() as session:
        for version, source_id, code in session.execute(query):
            if code not in avoid_competences and predicate(version):
                return code, source_id
    raise AssertionError("no such challenge in the demo bank")


def force_current_challenge(database: Database, assessment_id: int, challenge_source_id: str,
                            pack_key: str = "crcn-demo") -> None:
    """Make ``challenge_source_id`` the challenge the server asks next (not yet shown), as if the engine had picked it:
    the way to reach a given challenge type without playing the adaptive test until it turns up."""
    from sqlalchemy import select

    from pix_lti.assessment.models import Assessment
    from pix_lti.content.models import Challenge, ChallengeVersion, ContentPack

    with database.transaction() as session:
        version = session.scalar(
            select(ChallengeVersion).join(Challenge, ChallengeVersion.challenge_id == Challenge.id)
            .join(ContentPack, Challenge.pack_id == ContentPack.id)
            .where(ContentPack.key == pack_key, Challenge.source_id == challenge_source_id,
                   ChallengeVersion.number == Challenge.current_version_number))
        assessment = session.get(Assessment, assessment_id)
        assert version is not None and assessment is not None
        assessment.current_challenge_id = challenge_source_id
        assessment.current_challenge_version_id = version.id
        assessment.current_challenge_shown_at = None


def answer_results(database: Database, assessment_id: int) -> list[str]:
    """The stored results (ok, ko, aband, timedout, …) of the assessment's answers, in order."""
    from sqlalchemy import select

    from pix_lti.assessment.models import Answer

    with database.transaction() as session:
        return list(session.scalars(select(Answer.result).where(Answer.assessment_id == assessment_id)
                                    .order_by(Answer.id)))


def _field(page: Page, name: str) -> Locator:
    return page.locator("#challenge-form").locator(f'[name="{name}"]')


def _choice(page: Page, value: str) -> Locator:
    return page.locator("#challenge-form").locator(f'input[name="answer"][value="{value}"]')


def fill_with_mouse(page: Page, question: Question, values: dict[str, Any]) -> None:
    """Click the options, type in the text fields, pick in the drop-downs — what a person with a mouse does."""
    if question.type in ("QCU", "QCM"):
        chosen = [values["answer"]] if isinstance(values["answer"], str) else list(values["answer"])
        for value in chosen:
            _choice(page, value).check()  # a real click on the control (Playwright checks the state changed)
        return
    for name, value in values.items():
        field = _field(page, name)
        if name in question.options:
            field.select_option(value=value)
        else:
            field.click()
            field.press_sequentially(value)
        expect(field).to_have_value(value)


def focused(locator: Locator) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 120) -> int:
    """Press Tab (or Shift+Tab) until ``target`` has the focus; returns the number of presses (fails past ``limit``)."""
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if focused(target):
            return presses
    raise AssertionError(f"{key} × {limit} never reached {target} on {page.url}")


def fill_with_keyboard(page: Page, question: Question, values: dict[str, Any]) -> None:
    """The same answer with the keyboard alone: Tab into the radio group and move with the arrow keys (which check
    the option), Space on checkboxes, typing in text fields, arrow keys on a focused drop-down."""
    if question.type == "QCU":
        first = _choice(page, "1")
        tab_to(page, first)  # a radio group is one Tab stop: nothing checked yet, so its first option
        wanted = int(values["answer"])
        if wanted == 1:
            page.keyboard.press("Space")
        for _ in range(wanted - 1):
            page.keyboard.press("ArrowDown")
        expect(_choice(page, values["answer"])).to_be_checked()
        return
    if question.type == "QCM":
        for value in sorted(values["answer"], key=int):  # in page order, Tab passing the other boxes
            box = _choice(page, value)
            tab_to(page, box)
            page.keyboard.press("Space")
            expect(box).to_be_checked()
        return
    for name, value in values.items():  # fields are in the page's order (the stored inputs' order)
        field = _field(page, name)
        tab_to(page, field)
        if name in question.options:
            for _ in range(question.options[name].index(value) + 1):  # option 0 is "— Choisir —"
                page.keyboard.press("ArrowDown")
        else:
            page.keyboard.type(value)
        expect(field).to_have_value(value)


# ---------------------------------------------------------------------------------------------------------------------
# Steps of a test (competence or campaign), shared by the journeys

MARKS = {"right": "Bonne réponse", "wrong": "Mauvaise réponse", "skip": "Question passée"}
TIMER_BUTTON = "Afficher la question et démarrer le temps"


def pass_timer_warning(page: Page, name: str, *, keyboard: bool = False) -> None:
    """On a timed question's warning page, start the clock (the question then shows with its countdown)."""
    button = page.get_by_role("button", name=TIMER_BUTTON)
    if button.count() == 0:
        return
    expect(page.locator(".timer-warning")).to_contain_text("Cette question est chronométrée")
    screenshot(page, f"{name}-timer-warning")
    with page.expect_navigation():
        if keyboard:
            tab_to(page, button)
            page.keyboard.press("Enter")
        else:
            button.click()
    expect(page.locator("[data-countdown-display]")).to_be_visible()


def answer_with_mouse(page: Page, database: Database, assessment_id: int, outcome: str,
                      name: str | None) -> Question:
    """Answer the question on screen right or wrong (or press "Je passe"), screenshot it as ``name`` (unless None),
    submit and wait for the next page. The question must be the one the server holds as current (hidden id checked)."""
    question = current_question(database, assessment_id)
    expect(page.locator('#challenge-form input[name="challenge_id"]')).to_have_value(question.challenge_id)
    if outcome != "skip":
        fill_with_mouse(page, question, question.right if outcome == "right" else question.wrong())
    if name is not None:
        screenshot(page, name)
    with page.expect_navigation():
        page.get_by_role("button", name="Je passe" if outcome == "skip" else "Je valide", exact=True).click()
    return question


def check_checkpoint(page: Page, planned: list[str], first_number: int) -> None:
    """Each answer of the block marked as given, the expected answer under each wrong one, tutorials if any failed."""
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # focus moved to the page's heading
    items = page.locator(".review-item")
    expect(items).to_have_count(len(planned))
    right = planned.count("right")
    expect(page.locator("main")).to_contain_text(f"Bonnes réponses : {right} sur {len(planned)}.")
    for offset, outcome in enumerate(planned):
        item = items.nth(offset)
        expect(item.get_by_role("heading", level=2)).to_have_text(
            re.compile(rf"Question {first_number + offset} :\s*{MARKS[outcome]}"))
        expect(item.get_by_text("Réponse attendue", exact=True)).to_have_count(0 if outcome == "right" else 1)
    tutorials = page.get_by_role("region", name="Pour progresser")
    expect(tutorials).to_have_count(0 if right == len(planned) else 1)
    if right < len(planned):
        expect(tutorials.locator(".tutorial").first).to_be_visible()
