"""Server CPU per request of the student journey, in one process (no gunicorn, no network): a quick, load-independent
companion of ``load_answers.py`` for finding and checking hot spots.

    .venv/bin/python benchmarks/load_cpu.py [--students 10] [--answers 400] [--profile /tmp/answer.pstats] \\
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

It creates a database beside ``--database-url`` (demo pack, student accounts: ``load_setup.prepare_database``), builds
the app as the benchmark's gunicorn does (production settings, Redis sessions), then drives the students through the
real pages with Flask's test client (round robin, answers right at ``--right-rate``) until ``--answers`` answers were
posted. For each request category it prints the CPU time of the app (``time.process_time`` around the WSGI call: the
client's HTML parsing is not counted), the SQL statements and the Redis calls per request. The first pass over every
student is a warm-up (caches, imports) and is not counted. PostgreSQL's own CPU is not included (see the gunicorn
benchmark for that). The database and the run's Redis keys are removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_setup as setup  # noqa: E402
from load_http import Browser, Recorder, categorise, form_posting_to, read_forms  # noqa: E402
from load_journey import Student  # noqa: E402

PASSWORD = "charge-2026-mot-de-passe"


class Meter:
    """CPU, SQL statements and Redis calls per request category (only while ``counting``)."""

    def __init__(self) -> None:
        self.counting = False
        self.current: str | None = None
        self.requests: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        self.sql: Counter[str] = Counter()
        self.redis: Counter[str] = Counter()
        self.statements: dict[str, Counter[str]] = {}
        self.profile: cProfile.Profile | None = None
        self.profiled: set[str] = set()

    def install(self, app: Any) -> None:
        from sqlalchemy import event

        engine = app.extensions["pix_lti.db"].engine

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if self.counting and self.current is not None:
                self.sql[self.current] += 1
                self.statements.setdefault(self.current, Counter())[" ".join(statement.split())[-260:]] += 1

        store = app.extensions["pix_lti.kv"]
        for name in ("get_json", "set_json", "delete", "add", "incr"):
            original = getattr(store, name)

            def counted(*a: Any, __original: Any = original, **kw: Any) -> Any:
                if self.counting and self.current is not None:
                    self.redis[self.current] += 1
                return __original(*a, **kw)

            setattr(store, name, counted)
        inner = app.wsgi_app

        def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
            category = categorise(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"))
            self.current = category
            profile = self.profile if self.counting and category in self.profiled else None
            cpu = time.process_time()
            if profile is not None:
                profile.enable()
            try:
                iterable = inner(environ, start_response)
                body = b"".join(iterable)
                if hasattr(iterable, "close"):
                    iterable.close()
            finally:
                if profile is not None:
                    profile.disable()
                if self.counting:
                    self.cpu[category] += time.process_time() - cpu
                    self.requests[category] += 1
                self.current = None
            return [body]

        app.wsgi_app = wsgi

    def report(self, statements: bool = False) -> str:
        lines = [f"   {'request':<22} {'count':>6} {'CPU ms':>7} {'SQL/req':>8} {'Redis/req':>9}"]
        for category, n in sorted(self.requests.items(), key=lambda kv: -kv[1]):
            lines.append(f"   {category:<22} {n:>6} {1000 * self.cpu[category] / n:>7.2f} {self.sql[category] / n:>8.1f} "
                         f"{self.redis[category] / n:>9.1f}")
        answers = self.requests.get("answer POST", 0)
        if answers:
            total = sum(self.cpu.values())
            lines.append(f"   all pages per answer: {1000 * total / answers:.2f} ms CPU, "
                         f"{sum(self.sql.values()) / answers:.1f} SQL statements")
        if statements:
            for category in ("answer POST", "question GET", "checkpoint GET", "result GET", "profile GET"):
                n = self.requests.get(category)
                if n:
                    lines.append(f"\n-- SQL per {category}")
                    for text, count in self.statements.get(category, Counter()).most_common(25):
                        lines.append(f"{count / n:6.2f}  {text}")
        return "\n".join(lines)


class Driver:
    """Students walking the pages with the test client (the same decisions as ``load_journey.Student.step``)."""

    def __init__(self, app: Any, prepared: setup.Prepared, right_rate: float, seed: int) -> None:
        self.app = app
        self.clients = []
        self.pages: list[Any] = []
        self.brains: list[Student] = []
        self.answers = 0
        for i, username in enumerate(prepared.usernames):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"127.0.1.{1 + i}"
            first = i % len(prepared.competences)
            order = prepared.competences[first:] + prepared.competences[:first]
            self.clients.append(client)
            self.brains.append(Student(i, username, PASSWORD, Browser(1, Recorder()), order, prepared.answer_key,
                                       right_rate, 0.03, random.Random(f"{seed}-{i}")))
            self.pages.append(None)

    def _go(self, i: int, method: str, path: str, data: Any = None) -> Any:
        if data is not None:
            data = MultiDict(data)  # repeated fields (QCM boxes) keep every value
        response = self.clients[i].open(path, method=method, data=data, base_url="https://127.0.0.1",
                                        follow_redirects=True, headers={"Accept-Language": "fr"})
        self.pages[i] = response
        return response

    def log_in(self, i: int) -> None:
        page = self._go(i, "GET", "/connexion")
        form = form_posting_to(read_forms(page.get_data(as_text=True)), "/connexion")
        assert form is not None
        data = [p for p in form.hidden() if p[0] != "next"]
        data += [("username", self.brains[i].username), ("password", PASSWORD)]
        page = self._go(i, "POST", "/connexion", data)
        assert page.request.path.startswith("/profil"), page.request.path

    def step(self, i: int) -> None:
        page = self.pages[i]
        brain = self.brains[i]
        forms = read_forms(page.get_data(as_text=True)) if page is not None else []
        path = page.request.path if page is not None else ""
        brain._remember_csrf(forms)
        if page is None or page.status_code >= 400:
            self._go(i, "GET", "/profil")
        elif path.endswith("/question"):
            timer = form_posting_to(forms, "/question/demarrer")
            if timer is not None:
                self._go(i, "POST", timer.action, timer.hidden())
                return
            form = form_posting_to(forms, "/question")
            assert form is not None, path
            self._go(i, "POST", form.action, brain.build_answer(form))
            self.answers += 1
        elif path.endswith("/point-etape"):
            form = form_posting_to(forms, "/point-etape")
            assert form is not None
            self._go(i, "POST", form.action, form.hidden())
        elif path.startswith("/profil"):
            for _ in range(len(brain.competences)):
                code = brain.competences[brain._next % len(brain.competences)]
                brain._next += 1
                page = self._go(i, "POST", f"/competences/{code}/evaluer", [("csrf_token", brain.csrf)])
                if page.status_code < 400 and "/evaluations/" in page.request.path:
                    return
        else:  # result page, or anything else: back to the profile
            self._go(i, "GET", "/profil")


def bare_cpu_ms(database_url: str, requests: int) -> float:
    """App CPU per request of the bare INSERT route (the load benchmark's reference), measured the same way."""
    os.environ.update(BENCH_DATABASE_URL=database_url, BENCH_TABLE=setup.BARE_TABLE)
    import bare_insert_app

    app = bare_insert_app.app
    inner = app.wsgi_app
    spent = [0.0]

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:  # the app's CPU only, as for the journey
        cpu = time.process_time()
        iterable = inner(environ, start_response)
        body = b"".join(iterable)
        spent[0] += time.process_time() - cpu
        return [body]

    app.wsgi_app = wsgi
    client = app.test_client()
    for n in range(50):  # warm-up: connections, compiled statements
        client.post("/bare", data={"who": "warm-up", "n": str(n)})
    spent[0] = 0.0
    for n in range(requests):
        client.post("/bare", data={"who": "load-cpu", "n": str(n)})
    bare_insert_app.engine.dispose()
    return 1000 * spent[0] / requests


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=10)
    p.add_argument("--answers", type=int, default=400, help="counted answers (after a warm-up of 3 per student)")
    p.add_argument("--right-rate", type=float, default=0.6)
    p.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    p.add_argument("--profile", type=Path, help="write a cProfile (CPU clock) of the categories --profiled here")
    p.add_argument("--profiled", default="answer POST,question GET", help="categories to profile (comma-separated)")
    p.add_argument("--statements", action="store_true", help="list the SQL statements per request")
    p.add_argument("--bare-requests", type=int, default=1000,
                   help="requests to the bare INSERT route after the journey, for the CPU ratio (0: none)")
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args(argv)
    run_id = f"{random.Random().randrange(16**6):06x}"
    database_url = setup.create_database(args.database_url)
    driver: Driver | None = None
    prepared = None
    try:
        prepared = setup.prepare_database(database_url, args.students, PASSWORD, run_id)
        os.environ.update(PIX_LTI_ENV="production", PIX_LTI_SECRET_KEY=setup.LOAD_SECRET,
                          PIX_LTI_DATABASE_URL=database_url, PIX_LTI_REDIS_URL=args.redis_url,
                          PIX_LTI_PUBLIC_URL="https://127.0.0.1:5000", PIX_LTI_LOG_LEVEL="WARNING")
        from pix_lti.app import create_app

        app = create_app()
        meter = Meter()
        meter.install(app)
        driver = Driver(app, prepared, args.right_rate, args.seed)
        for i in range(args.students):
            driver.log_in(i)
        for _ in range(3 * 3):  # warm-up: every student answers a few questions
            for i in range(args.students):
                driver.step(i)
        meter.counting = True
        if args.profile:
            meter.profile = cProfile.Profile(time.process_time)
            meter.profiled = {c.strip() for c in args.profiled.split(",")}
        counted_from = driver.answers
        started = time.perf_counter()
        while driver.answers - counted_from < args.answers:
            for i in range(args.students):
                driver.step(i)
        meter.counting = False
        print(f"{args.students} students, {driver.answers - counted_from} answers in "
              f"{time.perf_counter() - started:.1f} s; load average {[round(x, 2) for x in os.getloadavg()]}")
        print(meter.report(args.statements))
        bare_ms = bare_cpu_ms(database_url, args.bare_requests) if args.bare_requests else None
        answers = meter.requests.get("answer POST", 0)
        if bare_ms and answers:
            answer_ms = 1000 * meter.cpu["answer POST"] / answers
            print(f"   bare INSERT route (benchmarks/bare_insert_app.py, same process and database): {bare_ms:.2f} ms "
                  f"CPU per request → answer POST alone {bare_ms / answer_ms:.1%} of the bare route, "
                  f"answer POST + question GET {bare_ms / (answer_ms + 1000 * meter.cpu['question GET'] / max(1, meter.requests['question GET'])):.1%}")
        if args.profile and meter.profile is not None:
            meter.profile.dump_stats(str(args.profile))
            print(f"cProfile written to {args.profile}")
        return 0
    finally:
        if prepared is not None:
            sids = set()
            if driver is not None:
                for client in driver.clients:
                    for cookie in client._cookies.values() if hasattr(client, "_cookies") else []:
                        if cookie.key == "pix_lti_session":
                            sids.add(cookie.value)
            try:
                setup.redis_cleanup(args.redis_url, sids, prepared.usernames,
                                    [f"127.0.1.{1 + i}" for i in range(args.students)])
            except Exception as exc:  # noqa: BLE001 - the database must be dropped anyway
                print(f"warning: Redis clean-up failed: {exc!r}", file=sys.stderr)
        try:
            from pix_lti.app import create_app  # noqa: F401  (engines of the app hold connections: drop with FORCE)
        finally:
            setup.drop_database(database_url)


if __name__ == "__main__":
    sys.exit(main())
