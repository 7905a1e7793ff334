"""LTI launches per second through gunicorn on PostgreSQL, beside bare RS256 verification in the same run.

One launch = the full OIDC round trip a browser makes, with a new learner each time (provisioning):
GET tool /lti/login → 302 → GET platform /auth (the real third-party platform of the tests, on loopback in its own
process, signing the id_token) → auto-post form → POST tool /lti/launch (state, cookie, nonce, JWKS from the shared
cache, signature, claims, account, membership, course group, resource link, session) → 303.

    .venv/bin/python benchmarks/lti_launch.py                      # 2 workers, 4 clients, 400 launches
    .venv/bin/python benchmarks/lti_launch.py --workers 4 --clients 8 --launches 1000 --redis-url redis://127.0.0.1:6379/0

Needs PostgreSQL (``--pg-url``, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres): a database is
created for the run, migrated, and dropped at the end. Prints a Markdown row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from sqlalchemy import make_url, text

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from pix_lti.cli import run_migrations  # noqa: E402
from pix_lti.db import Database, make_engine  # noqa: E402
from tests.launch.platform import FakePlatform, LaunchSpec, new_rsa_key, pem  # noqa: E402

_INPUT = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
_ACTION = re.compile(r'<form method="POST" action="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_database(base_url: str) -> str:
    url = make_url(base_url)
    name = f"pix_lti_bench_{secrets.token_hex(4)}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url_text: str) -> None:
    url = make_url(url_text)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def register_platform(database_url: str, platform: FakePlatform | PlatformInfo) -> None:
    from pix_lti.identity.models import OrganisationType
    from pix_lti.identity.services import ensure_organisation
    from pix_lti.launch import registrations

    database = Database.from_url(database_url)
    with database.transaction() as session:
        school = ensure_organisation(session, name="Collège du banc d'essai", type=OrganisationType.SCO,
                                     uai="0759998V")
        registrations.register(session, issuer=platform.issuer, client_id=platform.client_id,
                               auth_login_url=f"{platform.base}/auth", auth_token_url=f"{platform.base}/token",
                               key_set_url=f"{platform.base}/jwks", deployment_ids=[platform.deployment_id],
                               organisation=school)
    database.engine.dispose()


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"), "--bind",
            f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "/dev/null", "pix_lti.wsgi:app"]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: {process.stderr.read().decode()[-2000:] if process.stderr else ''}")
        time.sleep(0.3)
    raise SystemExit("gunicorn did not become healthy in 60 s")


@dataclass(frozen=True)
class PlatformInfo:
    base: str
    issuer: str
    client_id: str
    deployment_id: str


def _learner(login_hint: str) -> LaunchSpec:
    return LaunchSpec(user_id=login_hint, given_name="Élève", family_name=login_hint)


def _serve_platform(tool: str, out: Any, stop: Any) -> None:
    platform = FakePlatform(tool_url=tool, quiet=True, default_spec=_learner)
    platform.fast_signing = True
    out.put(PlatformInfo(platform.base, platform.issuer, platform.client_id, platform.deployment_id))
    stop.wait()
    platform.stop()


def start_platform(tool: str) -> tuple[PlatformInfo, Callable[[], None]]:
    """The platform in a process of its own, so that its signing does not compete with the clients for one GIL."""
    context = multiprocessing.get_context("fork")
    out, stop = context.Queue(), context.Event()
    process = context.Process(target=_serve_platform, args=(tool, out, stop), daemon=True)
    process.start()
    info = out.get(timeout=60)

    def shutdown() -> None:
        stop.set()
        process.join(timeout=10)

    return info, shutdown


def one_launch(tool: str, platform: PlatformInfo, user: str) -> tuple[float, float, float, float]:
    """A browser's launch: (total, tool login, platform authorisation, tool launch) wall times in seconds; raises if
    the tool refuses it."""
    browser = requests.Session()
    t0 = time.perf_counter()
    login = browser.get(f"{tool}/lti/login", params={
        "iss": platform.issuer, "target_link_uri": f"{tool}/lti/launch", "login_hint": user,
        "lti_message_hint": "benchmark", "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id}, allow_redirects=False, timeout=30)
    if login.status_code != 302:
        raise RuntimeError(f"login: {login.status_code} {login.text[:300]}")
    t1 = time.perf_counter()
    page = browser.get(login.headers["Location"], timeout=30).text
    fields = {name: unescape(value) for name, value in _INPUT.findall(page)}
    action = urlsplit(unescape(_ACTION.search(page).group(1)))  # type: ignore[union-attr]
    t2 = time.perf_counter()
    launch = browser.post(f"{tool}{action.path}", data=fields, allow_redirects=False, timeout=30)
    if launch.status_code != 303:
        raise RuntimeError(f"launch: {launch.status_code} {launch.text[:500]}")
    t3 = time.perf_counter()
    return t3 - t0, t1 - t0, t2 - t1, t3 - t2


def tool_cpu_per_launch(database_url: str, tool: str, platform: PlatformInfo, redis_url: str = "",
                        launches: int = 50) -> float:
    """CPU milliseconds the tool spends on one launch (login + launch, this process, sequential, Flask test client on
    the same PostgreSQL database): a figure that does not depend on how busy the machine is."""
    from pix_lti.app import create_app

    app = create_app({"env": "testing", "database_url": database_url, "public_url": tool, "log_level": "WARNING",
                      "secret_key": secrets.token_urlsafe(40), "redis_url": redis_url})
    spent = 0.0
    for i in range(launches + 5):
        client = app.test_client()
        started = time.process_time()
        login = client.get("/lti/login", query_string={
            "iss": platform.issuer, "target_link_uri": f"{tool}/lti/launch", "login_hint": f"cpu-{i}",
            "lti_message_hint": "benchmark", "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id})
        middle = time.process_time()
        page = requests.get(login.headers["Location"], timeout=30).text
        fields = {name: unescape(value) for name, value in _INPUT.findall(page)}
        resumed = time.process_time()
        launch = client.post("/lti/launch", data=fields)
        assert launch.status_code == 303, launch.status_code
        if i >= 5:  # warm-up excluded
            spent += (middle - started) + (time.process_time() - resumed)
    return spent / launches * 1000


def bare_rs256(seconds: float = 3.0) -> float:
    """Verifications per second of an id_token-sized RS256 JWT (2048-bit key) with PyJWT, one thread."""
    key = new_rsa_key()
    claims = {"iss": "https://lms.example.org", "aud": "client", "sub": "x", "iat": int(time.time()),
              "exp": int(time.time()) + 300, "nonce": "n" * 64, "https://purl.imsglobal.org/spec/lti/claim/roles":
              ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]}
    token = jwt.encode(claims, pem(key, True), algorithm="RS256", headers={"kid": key.thumbprint()})
    public = pem(key, False)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        jwt.decode(token, public, algorithms=["RS256"], audience="client")
        count += 1
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis-url", default="", help="sessions/state/nonces in Redis instead of the database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4, help="concurrent browsers")
    parser.add_argument("--launches", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    port = free_port()
    tool = f"http://127.0.0.1:{port}"
    database_url = create_database(args.pg_url)
    platform, stop_platform = start_platform(tool)
    gunicorn = None
    try:
        run_migrations(database_url)
        register_platform(database_url, platform)
        env = {**os.environ, "PIX_LTI_ENV": "development", "PIX_LTI_DATABASE_URL": database_url,
               "PIX_LTI_PUBLIC_URL": tool, "PIX_LTI_SECRET_KEY": secrets.token_urlsafe(40),
               "PIX_LTI_LOG_LEVEL": "WARNING", "PIX_LTI_REDIS_URL": args.redis_url,
               "PIX_LTI_DATABASE_POOL_SIZE": str(max(2, args.clients // args.workers + 1))}
        env.pop("PIX_LTI_CONFIG", None)
        gunicorn = start_gunicorn(env, port, args.workers)
        for i in range(args.warmup):
            one_launch(tool, platform, f"warmup-{i}")
        counter = iter(range(args.launches))
        lock = threading.Lock()

        def next_user() -> str | None:
            with lock:
                n = next(counter, None)
            return None if n is None else f"learner-{n}"

        def client() -> list[tuple[float, float, float, float]]:
            times = []
            while (user := next_user()) is not None:
                times.append(one_launch(tool, platform, user))
            return times

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = [t for times in pool.map(lambda _: client(), range(args.clients)) for t in times]
        elapsed = time.perf_counter() - started
        rate = len(latencies) / elapsed
        totals = sorted(t[0] for t in latencies)
        p50 = statistics.median(totals) * 1000
        p95 = totals[int(0.95 * (len(totals) - 1))] * 1000
        login_ms, auth_ms, launch_ms = (statistics.median(t[i] for t in latencies) * 1000 for i in (1, 2, 3))
        rs256 = bare_rs256()
        cpu_ms = tool_cpu_per_launch(database_url, tool, platform, args.redis_url)
        load = os.getloadavg()[0]
        store = "Redis" if args.redis_url else "PostgreSQL"
        print(f"{len(latencies)} launches in {elapsed:.1f} s: {rate:.1f} launches/s, p50 {p50:.0f} ms, "
              f"p95 {p95:.0f} ms ({args.workers} workers, {args.clients} clients, store: {store}, "
              f"load average {load:.1f})")
        print(f"median per step: tool login {login_ms:.0f} ms, platform authorisation {auth_ms:.0f} ms, "
              f"tool launch {launch_ms:.0f} ms")
        print(f"bare RS256 verification: {rs256:.0f}/s (one thread); tool CPU per launch: {cpu_ms:.1f} ms "
              f"(≈ {1000 / cpu_ms:.0f} launches/s per core)")
        print(f"| {args.workers} | {args.clients} | {store} | {len(latencies)} | {rate:.1f} | {p50:.0f} | {p95:.0f} | "
              f"{login_ms:.0f} / {auth_ms:.0f} / {launch_ms:.0f} | {cpu_ms:.1f} | {rs256:.0f} | {load:.1f} |")
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
        stop_platform()
        drop_database(database_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
