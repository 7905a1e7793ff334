"""Simulated students for the answer-load benchmark: log in, start a competence test, then answer question after
question through the real pages (question, checkpoint every 5 answers, result, profile, next competence), exactly as a
browser would, reading every form from the HTML it was given. Also the clients of the bare INSERT route.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from load_http import Browser, Form, FormData, HttpError, Recorder, Response, form_posting_to, read_forms

ANSWER_CHAIN = "answer → next page (POST + redirects)"  # what the student waits for after "Je valide"


class JourneyError(Exception):
    """The site answered something the journey cannot go on from (wrong page, missing form)."""


@dataclass
class Phase:
    """A measured period: every simulated user stops at ``deadline`` or when ``max_requests`` were recorded."""

    name: str
    recorder: Recorder
    deadline: float
    think_mean: float = 0.0  # seconds; 0 = saturation (each user sends its next request at once)
    max_requests: int = 1_000_000
    rng: random.Random = field(default_factory=random.Random)

    def running(self) -> bool:
        return time.perf_counter() < self.deadline and self.recorder.requests < self.max_requests

    async def think(self) -> bool:
        """A student reading and answering: exponential pauses, so arrivals look like many independent people.
        False when the phase ended meanwhile: the student must not act then (else every sleeping student would send
        a request at the deadline, a burst that no real class produces)."""
        if self.think_mean > 0:
            pause = self.rng.expovariate(1 / self.think_mean)
            await asyncio.sleep(min(pause, max(0.0, self.deadline - time.perf_counter())))
        return self.running()


@dataclass
class Student:
    index: int
    username: str
    password: str
    browser: Browser
    competences: list[str]  # in the order this student takes them (spread: student i starts with competence i % 16)
    answer_key: dict[str, FormData]
    right_rate: float
    skip_rate: float
    rng: random.Random
    page: Response | None = None
    csrf: str = ""
    # Answer-loop phase: a checkpoint reached after an answer is closed at once (POST "Continuer") instead of being
    # read (GET), so that nearly every request is an answer POST or the question page it leads to.
    skip_reviews: bool = False
    started: int = 0  # competence tests started
    answers: int = 0
    finished: int = 0
    _next: int = 0

    # -- pages ----------------------------------------------------------------------------------------------------

    def _remember_csrf(self, forms: list[Form]) -> None:
        for form in forms:
            for name, value in form.hidden():
                if name == "csrf_token" and value:
                    self.csrf = value
                    return

    async def log_in(self) -> None:
        page = await self.browser.request("GET", "/connexion")
        form = form_posting_to(read_forms(page.text), "/connexion")
        if page.status != 200 or form is None:
            raise JourneyError(f"{self.username}: no login form ({page.status})")
        data = [pair for pair in form.hidden() if pair[0] != "next"]
        data += [("username", self.username), ("password", self.password)]
        self.page = await self.browser.follow(await self.browser.request("POST", "/connexion", data))
        if self.page.status != 200 or not self.page.path.startswith("/profil"):
            raise JourneyError(f"{self.username}: login ended on {self.page.path} ({self.page.status})")
        self._remember_csrf(read_forms(self.page.text))

    async def start_next_competence(self, phase: Phase) -> None:
        """From the profile: start the next competence of this student's list (a finished one cannot be retaken for
        4 days: the site then stays on the profile and the student tries the next)."""
        for _ in range(len(self.competences)):
            code = self.competences[self._next % len(self.competences)]
            self._next += 1
            response = await self.browser.request("POST", f"/competences/{code}/evaluer", [("csrf_token", self.csrf)])
            page = await self.browser.follow(response)
            self.page = page
            if page.status < 400 and "/evaluations/" in page.path:
                self.started += 1
                return
        raise JourneyError(f"{self.username}: no competence left to start")

    def build_answer(self, form: Form) -> FormData:
        """Right (from the answer key) with probability ``right_rate``, else whatever a guessing student picks."""
        data = form.hidden()
        challenge_id = dict(data).get("challenge_id", "")
        if self.rng.random() < self.skip_rate:
            return data + [("skip", "1")]
        if challenge_id in self.answer_key and self.rng.random() < self.right_rate:
            return data + self.answer_key[challenge_id]
        radios = [i["value"] for i in form.inputs if i.get("type") == "radio" and i.get("name") == "answer"]
        boxes = [i["value"] for i in form.inputs if i.get("type") == "checkbox" and i.get("name") == "answer"]
        if radios:
            data.append(("answer", self.rng.choice(radios)))
        if boxes:
            data += [("answer", v) for v in sorted(self.rng.sample(boxes, self.rng.randint(1, len(boxes))))]
        for field_ in form.inputs:
            if field_.get("type") == "text" and field_.get("name"):
                guess = str(self.rng.randint(0, 200)) if field_.get("inputmode") == "decimal" else \
                    self.rng.choice(["je ne sais pas", "mot de passe", "https", "ctrl+c", "PDF", "42"])
                data.append((field_["name"], guess))
        for name, options in form.selects.items():
            choices = [o for o in options if o]
            if choices:
                data.append((name, self.rng.choice(choices)))
        return data

    async def step(self, phase: Phase) -> None:
        """Act on the page in front of the student, like a person would, and keep the page reached."""
        page = self.page
        if page is None or page.status >= 400:
            self.page = await self.browser.follow(await self.browser.request("GET", "/profil"))
            return
        path = page.path
        forms = read_forms(page.text)
        self._remember_csrf(forms)
        if path.endswith("/question"):
            timer = form_posting_to(forms, "/question/demarrer")
            if timer is not None:  # timed question: a warning first, the clock starts on this button
                if not await phase.think():
                    return
                self.page = await self.browser.follow(await self.browser.request("POST", timer.action, timer.hidden()))
                return
            form = form_posting_to(forms, "/question")
            if form is None:
                raise JourneyError(f"no answer form on {path}")
            if not await phase.think():
                return
            recorder = self.browser.recorder
            recording = recorder.recording
            start = time.perf_counter()
            response = await self.browser.request("POST", form.action, self.build_answer(form))
            if self.skip_reviews and (response.location or "").endswith("/point-etape"):
                response = await self.browser.request("POST", response.location or "", [("csrf_token", self.csrf)])
            self.page = await self.browser.follow(response)
            self.answers += 1
            if recording and self.page.status < 400:
                recorder.composite(ANSWER_CHAIN, time.perf_counter() - start)
        elif path.endswith("/point-etape"):
            form = form_posting_to(forms, "/point-etape")
            if form is None:
                raise JourneyError(f"no continue button on {path}")
            if not await phase.think():
                return
            self.page = await self.browser.follow(await self.browser.request("POST", form.action, form.hidden()))
        elif path.endswith("/resultat"):
            if not await phase.think():
                return
            self.finished += 1
            self.page = await self.browser.follow(await self.browser.request("GET", "/profil"))
        elif path.startswith("/profil"):
            if not await phase.think():
                return
            await self.start_next_competence(phase)
        else:
            self.page = await self.browser.follow(await self.browser.request("GET", "/profil"))

    async def run(self, phase: Phase) -> None:
        while phase.running():
            try:
                await self.step(phase)
            except (HttpError, JourneyError) as exc:
                if self.browser.recorder.recording and isinstance(exc, JourneyError):
                    self.browser.recorder.error("journey", str(exc))
                self.page = None  # start again from the profile, after a pause (no hot loop on a broken server)
                await asyncio.sleep(0.2)


async def bare_client(browser: Browser, phase: Phase, index: int) -> None:
    """One client of the reference route: POST, wait for the answer, POST again (no think time, like saturation)."""
    n = 0
    while phase.running():
        n += 1
        try:
            await browser.request("POST", "/bare", [("who", f"client{index}"), ("n", str(n))])
        except HttpError:
            await asyncio.sleep(0.2)
