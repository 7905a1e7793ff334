"""Set-up and tear-down for the answer-load benchmark (``benchmarks/load_answers.py``): a fresh PostgreSQL database with
the demo pack and student accounts, gunicorn servers on free loopback ports, Redis clean-up, and CPU accounting.

Everything created here is removed by the caller's ``finally`` blocks: the database (``DROP … WITH (FORCE)``), the
gunicorn process groups (SIGTERM, then SIGKILL to the group this module started) and the Redis keys of the run.
"""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pix_lti.db import make_engine  # noqa: E402  (after the path fix: the script runs from a checkout)

GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
DEMO_PACK = ROOT / "content" / "crcn-demo"
BARE_TABLE = "bench_bare_inserts"
LOAD_SECRET = "load-benchmark-secret-key-not-for-any-real-server-0123456789"

FormData = list[tuple[str, str]]


# ---------------------------------------------------------------------------------------------------------------------
# Database


def create_database(base_url: str) -> str:
    """An empty database beside ``base_url`` (same server and credentials), with a name that says what made it."""
    url = make_url(base_url)
    name = f"pix_lti_load_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url_text: str) -> None:
    url = make_url(url_text)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _variants(value: Any, locale: str) -> list[str]:
    if isinstance(value, dict):
        value = value.get(locale) or next(iter(value.values()))
    return [str(v) for v in value]


def right_answer(ctype: str, solution: Any, inputs: list[dict[str, Any]], locale: str = "fr") -> FormData:
    """The form fields a student who knows the answer posts (field names of ``content/_challenge_form.html``)."""
    if ctype == "QCU":
        return [("answer", str(solution))]
    if ctype == "QCM":
        return [("answer", str(i)) for i in solution]
    if ctype == "QROC":
        return [("answer", _variants(solution, locale)[0])]
    if ctype == "QROCM-ind":
        return [(f"answer-{key}", _variants(value, locale)[0]) for key, value in solution.items()]
    keys = [field["key"] for field in inputs]  # QROCM-dep: one group per input, in order
    return [(f"answer-{key}", _variants(group, locale)[0]) for key, group in zip(keys, solution, strict=False)]


@dataclass(frozen=True)
class Prepared:
    competences: list[str]  # codes ("1.1" … "5.2") of the competences that have challenges
    answer_key: dict[str, FormData]  # challenge id -> right answer fields (the client answers right at will)
    usernames: list[str]
    seconds: float


def prepare_database(url: str, students: int, password: str, run_id: str) -> Prepared:
    """Migrate, load the demo pack, create the student accounts (committed) and the bare route's table."""
    from pix_lti.cli import run_migrations
    from pix_lti.content.loader import load_pack_folder
    from pix_lti.content.models import Challenge, ChallengeVersion, Competence, ContentPack, Skill
    from pix_lti.identity.models import MembershipRole, OrganisationType
    from pix_lti.identity.services import create_local_user, ensure_membership, ensure_organisation

    started = time.perf_counter()
    run_migrations(url)
    engine = make_engine(url)
    try:
        session: Session = sessionmaker(bind=engine)()
        with session:
            result = load_pack_folder(session, DEMO_PACK)
            session.commit()
            # Student usernames follow the prenom.nomJJMM shape; the run id keeps two runs' rate-limit keys apart.
            usernames = [f"eleve{i:03d}.charge{run_id}" for i in range(students)]
            # Students of a school, as in real use: their home (/) is then their profile.
            school = ensure_organisation(session, name="Collège de la mesure de charge", type=OrganisationType.SCO)
            for name in usernames:
                user = create_local_user(session, username=name, password=password, first_name="Élève",
                                         last_name="Charge")
                ensure_membership(session, user, school, MembershipRole.STUDENT)
            session.commit()
            rows = session.execute(
                select(Challenge.source_id, ChallengeVersion.type, ChallengeVersion.solution, ChallengeVersion.inputs,
                       Competence.code)
                .join(ChallengeVersion, ChallengeVersion.challenge_id == Challenge.id)
                .join(Skill, Challenge.skill_id == Skill.id).join(Competence, Skill.competence_id == Competence.id)
                .join(ContentPack, Challenge.pack_id == ContentPack.id)
                .where(ContentPack.key == result.pack_key,
                       ChallengeVersion.number == Challenge.current_version_number)).all()
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, "
                              "created_at timestamptz NOT NULL DEFAULT now(), who text NOT NULL, n integer NOT NULL)"))
    finally:
        engine.dispose()
    key = {source_id: right_answer(ctype, solution, inputs or []) for source_id, ctype, solution, inputs, _ in rows}
    competences = sorted({code for *_, code in rows}, key=lambda c: tuple(int(p) for p in c.split(".")))
    return Prepared(competences, key, usernames, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------------------------------
# Redis


def redis_cleanup(redis_url: str, session_ids: set[str], usernames: list[str], addresses: list[str]) -> int:
    """Delete exactly the keys this run created (sessions, login rate limits): the Redis database may be shared."""
    import redis

    keys = [f"pixlti:session:{hashlib.sha256(sid.encode()).hexdigest()}" for sid in session_ids]
    keys += [f"pixlti:rl:login-user:{name}" for name in usernames]
    keys += [f"pixlti:rl:login-ip:{address}" for address in addresses]
    client = redis.Redis.from_url(redis_url)
    try:
        deleted = 0
        for i in range(0, len(keys), 500):
            deleted += int(client.delete(*keys[i:i + 500]) or 0)
        return deleted
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------------------------------
# gunicorn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), then SIGKILL to the group started here if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def start_gunicorn(name: str, app: str, env: dict[str, str], workers: int, log_path: Path,
                   extra_args: list[str] | None = None, pythonpath: str | None = None) -> Server:
    """gunicorn with the project's config file on a free loopback port; the caller waits with :func:`wait_healthy`."""
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", *(extra_args or [])]
    if pythonpath:
        args += ["--pythonpath", pythonpath]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(args + [app], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return Server(name, f"http://127.0.0.1:{port}", process, log_path)


def wait_healthy(server: Server, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name}: gunicorn exited ({server.process.returncode})\n"
                               f"{server.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"/healthz answered {exc.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = f"unreachable ({exc})"
        time.sleep(0.1)  # start-up polling only: gunicorn gives a parent process no readiness signal
    raise RuntimeError(f"{server.name}: not healthy after {timeout:.0f} s ({last})\n{server.log_text()[-3000:]}")


def base_environment() -> dict[str, str]:
    """The caller's environment without PIX_LTI_*/GUNICORN_* (a developer's config must not leak into the run)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PIX_LTI_", "GUNICORN_", "BENCH_"))}


# ---------------------------------------------------------------------------------------------------------------------
# CPU accounting (Linux /proc): who used the 2 cores during a phase


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, with_children: bool = False) -> float:
    """CPU seconds of ``pid`` (user + system), plus its reaped children's (recycled gunicorn workers) if asked."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + ((cutime + cstime) if with_children else 0)) / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def server_cpu(server: Server) -> float:
    """The master, its live workers, and (through the master's cutime) the workers recycled since start."""
    pid = server.process.pid
    return _proc_cpu(pid, with_children=True) + sum(_proc_cpu(child) for child in _children(pid))


def postgres_backend_pids(url: str) -> list[int]:
    """Server pids of the connections to our database (only meaningful when PostgreSQL runs on this host)."""
    engine = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            return [int(p) for p in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                                 {"d": make_url(url).database}).scalars()]
    finally:
        engine.dispose()


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as fh:
        values = [int(x) for x in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuSnapshot:
    at: float
    machine_busy: float
    machine_total: float
    client: float
    servers: dict[str, float]
    postgres: dict[int, float]  # backend pid -> CPU seconds

    @classmethod
    def take(cls, servers: list[Server], pg_pids: list[int]) -> CpuSnapshot:
        busy, total = machine_busy()
        return cls(time.perf_counter(), busy, total, client_cpu(), {s.name: server_cpu(s) for s in servers},
                   {p: _proc_cpu(p) for p in pg_pids})


def cpu_shares(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU used between two snapshots, in cores (1.0 = one core fully busy). "other" is everything else on the
    machine: other helpers' jobs, PostgreSQL's own background processes, Redis."""
    wall = max(after.at - before.at, 1e-9)
    shares = {"machine": (after.machine_busy - before.machine_busy) / wall,
              "client": (after.client - before.client) / wall}
    for name in after.servers:
        shares[f"gunicorn {name}"] = (after.servers[name] - before.servers.get(name, 0.0)) / wall
    # Backends that appeared during the phase count in full; those that ended during it are lost (undercount).
    pg = sum(max(0.0, cpu - before.postgres.get(pid, 0.0)) for pid, cpu in after.postgres.items())
    shares["postgres (our backends)"] = pg / wall
    shares["other"] = shares["machine"] - sum(v for k, v in shares.items() if k != "machine")
    return shares
