"""Answer-load benchmark (issue 5 §7): simulated students answering through gunicorn on PostgreSQL, against a bare
Flask route doing one INSERT served the same way, in the same run.

    .venv/bin/python benchmarks/load_answers.py [--students 50] [--duration 30] [--workers 4] \\
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--think 1.0] [--json out.json]

Loopback only, bounded in time (``--duration`` per phase, ``--max-requests`` per phase, a hard limit for the whole run)
and self-cleaning: it creates a database beside ``--database-url``, migrates it, loads the demo pack, creates the
student accounts, starts two gunicorns (pix_lti and ``bare_insert_app``) with ``config/gunicorn.conf.py``, runs the
phases, prints the figures, then stops the servers, deletes its Redis keys and drops the database.

Phases (each has an unmeasured warm-up): bare route (first half) → students at saturation (no think time: the server's
capacity for the whole journey) → answer loop (no think time; each student answers, GETs the question page the answer
redirects to and answers again; a checkpoint is closed unseen) → bare route (second half, so that both sides see the
same background load) → students paced (an exponential think time of mean ``--think`` s before each action: latency at
a load the server can carry). The target of the issue, "answer POST ≥ 50 % of the bare route's throughput, p99 < 50 ms
with 50 concurrent students on 2 cores", is read two ways: answer POSTs/s of the mixed journey (every page of a real
student counted against the answers: a lower bound) and of the answer loop (the answer POST and the one page a client
cannot do without: the next question; this is the closest reading of "the answer POST"), each against the bare route;
p99 from the paced phase: at saturation every closed-loop client always has a request queued, so latency there is
queueing (≈ clients ÷ throughput), not service time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import make_url  # noqa: E402

import load_setup as setup  # noqa: E402  (benchmarks/ is not a package: the script runs from a checkout)
from load_http import Browser, Recorder, merge, summarise  # noqa: E402
from load_journey import ANSWER_CHAIN, Phase, Student, bare_client  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STUDENT_PASSWORD = "charge-2026-mot-de-passe"
HARD_LIMIT_MARGIN = 180.0  # seconds beyond the planned phases after which the run is abandoned (clean-up still runs)
TARGET_RATIO = 0.5
# The answer POST itself, as near as a student can get to it: each client answers, then GETs the question page the
# answer redirects to (it must read the next challenge and its form); a checkpoint is closed unseen (one POST).
LOOP_PHASE = "students, answer loop (answer POST + next question GET)"
TARGET_P99_MS = 50.0


def source_address(index: int) -> str:
    """A distinct loopback address per simulated user (127.0.1.1, 127.0.1.2, …), never 127.0.0.1 (other runs)."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


# ---------------------------------------------------------------------------------------------------------------------
# Phases


@dataclass
class PhaseResult:
    name: str
    clients: int
    think_mean: float
    recorder: Recorder
    cpu: dict[str, float]
    worker_boots: int = 0


@dataclass
class RunResult:
    args: dict[str, Any]
    machine: dict[str, Any]
    setup_seconds: float
    database: str = ""  # the database created (and dropped) for the run
    run_id: str = ""  # in the student usernames (hence in their Redis rate-limit keys)
    phases: list[PhaseResult] = field(default_factory=list)
    student_totals: dict[str, int] = field(default_factory=dict)


class Runner:
    def __init__(self, args: argparse.Namespace, pix: setup.Server, bare: setup.Server, database_url: str):
        self.args = args
        self.pix = pix
        self.bare = bare
        self.database_url = database_url
        self.pg_pids: list[int] = []
        self.students: list[Student] = []

    def _boots(self, since: int) -> int:
        """Workers gunicorn started since byte ``since`` of the log (recycling after ``max_requests``)."""
        with self.pix.log_path.open("rb") as fh:
            fh.seek(since)
            return fh.read().count(b"Booting worker")

    async def phase(self, name: str, clients: list[Any], duration: float, think: float,
                    run: Any) -> PhaseResult:
        """Run ``run(client, phase)`` for every client for warm-up + ``duration`` s; measure after the warm-up."""
        recorder = Recorder()
        warmup = self.args.warmup
        phase = Phase(name, recorder, time.perf_counter() + warmup + duration, think_mean=think,
                      max_requests=self.args.max_requests, rng=random.Random(self.args.seed))
        for client in clients:
            browser = client.browser if isinstance(client, Student) else client
            browser.recorder = recorder
        tasks = [asyncio.create_task(run(client, phase)) for client in clients]
        await asyncio.sleep(warmup)
        self.pg_pids = await asyncio.to_thread(setup.postgres_backend_pids, self.database_url)
        log_offset = self.pix.log_path.stat().st_size
        before = setup.CpuSnapshot.take([self.pix, self.bare], self.pg_pids)
        recorder.start()
        await asyncio.gather(*tasks)
        # Backends of the phase's end too: a recycled gunicorn worker opens new connections.
        self.pg_pids = sorted(set(self.pg_pids) | set(setup.postgres_backend_pids(self.database_url)))
        after = setup.CpuSnapshot.take([self.pix, self.bare], self.pg_pids)
        recorder.recording = False
        return PhaseResult(name, len(clients), think, recorder, setup.cpu_shares(before, after),
                           self._boots(log_offset))

    async def drive(self, prepared: setup.Prepared, result: RunResult) -> None:
        args = self.args
        login_recorder = Recorder()
        students = []
        for i, username in enumerate(prepared.usernames):
            first = i % len(prepared.competences)
            order = prepared.competences[first:] + prepared.competences[:first]
            students.append(Student(i, username, STUDENT_PASSWORD,
                                    Browser(self.pix.port, login_recorder, source_address(i)), order,
                                    prepared.answer_key, args.right_rate, args.skip_rate,
                                    random.Random(f"{args.seed}-{i}")))
        self.students = students
        login_recorder.start()
        # Log in and open a first test for everyone (argon2 verification is costly by design: not part of the phases).
        await asyncio.gather(*(s.log_in() for s in students))
        await asyncio.gather(*(s.start_next_competence(Phase("setup", login_recorder, float("inf")))
                               for s in students))
        result.phases.append(PhaseResult("log in + first start", len(students), 0.0, login_recorder, {}))
        bare_browsers = [Browser(self.bare.port, Recorder(), source_address(len(students) + i))
                         for i in range(args.students)]
        half = args.bare_duration / 2

        async def student_run(s: Student, phase: Phase) -> None:
            await s.run(phase)

        async def bare_run(b: Browser, phase: Phase) -> None:
            await bare_client(b, phase, bare_browsers.index(b))

        bare_first = await self.phase("bare INSERT (1st half)", bare_browsers, half, 0.0, bare_run)
        saturated = await self.phase("students, saturation", students, args.duration, 0.0, student_run)
        looped = None
        if args.loop_duration > 0:
            for s in students:
                s.skip_reviews = True
            looped = await self.phase(LOOP_PHASE, students, args.loop_duration, 0.0, student_run)
            for s in students:
                s.skip_reviews = False
        bare_second = await self.phase("bare INSERT (2nd half)", bare_browsers, half, 0.0, bare_run)
        bare = PhaseResult("bare INSERT", len(bare_browsers), 0.0, merge([bare_first.recorder, bare_second.recorder]),
                           {k: (bare_first.cpu[k] + bare_second.cpu.get(k, 0.0)) / 2 for k in bare_first.cpu},
                           bare_first.worker_boots + bare_second.worker_boots)
        result.phases += [bare, saturated] + ([looped] if looped else [])
        if args.think > 0:
            result.phases.append(await self.phase(f"students, paced (think {args.think:g} s)", students,
                                                  args.paced_duration, args.think, student_run))
        for browser in [s.browser for s in students] + bare_browsers:
            await browser.close()
        result.student_totals = {"tests started": sum(s.started for s in students),
                                 "answers": sum(s.answers for s in students),
                                 "tests finished": sum(s.finished for s in students)}


# ---------------------------------------------------------------------------------------------------------------------
# Report


def machine_info() -> dict[str, Any]:
    return {"nproc": os.cpu_count(), "affinity": sorted(os.sched_getaffinity(0)),
            "load_average": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "platform": platform.platform(), "cpu": _cpu_model(),
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds")}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def headline(result: RunResult) -> dict[str, float]:
    phases = {p.name: p for p in result.phases}
    bare = summarise(phases["bare INSERT"].recorder).get("bare INSERT POST")
    sat = summarise(phases["students, saturation"].recorder)
    paced_phase = next((p for p in result.phases if p.name.startswith("students, paced")), None)
    paced = summarise(paced_phase.recorder) if paced_phase else {}
    out: dict[str, float] = {}
    if bare:
        out.update(bare_rps=bare.per_second, bare_p50=bare.p50_ms, bare_p95=bare.p95_ms, bare_p99=bare.p99_ms)
    for prefix, table in (("sat", sat), ("paced", paced)):
        for key, category in (("answer", "answer POST"), ("question", "question GET")):
            if category in table:
                s = table[category]
                out.update({f"{prefix}_{key}_rps": s.per_second, f"{prefix}_{key}_p50": s.p50_ms,
                            f"{prefix}_{key}_p95": s.p95_ms, f"{prefix}_{key}_p99": s.p99_ms})
    if bare and "answer POST" in sat:
        out["ratio"] = sat["answer POST"].per_second / bare.per_second
        # The same ratio from CPU cost instead of throughput (robust to other jobs on the machine): server CPU
        # (gunicorn + our PostgreSQL backends) per bare request, against the student phase's server CPU per answer
        # (every page of the journey included: a student cannot answer without the pages around the answer).
        bare_phase, sat_phase = phases["bare INSERT"], phases["students, saturation"]
        bare_cpu = _server_cores(bare_phase, "bare") * bare_phase.recorder.elapsed / bare.count
        answer_cpu = _server_cores(sat_phase, "pix_lti") * sat_phase.recorder.elapsed / sat["answer POST"].count
        out.update(bare_cpu_ms=1000 * bare_cpu, answer_cpu_ms=1000 * answer_cpu, cpu_ratio=bare_cpu / answer_cpu)
        loop_phase = phases.get(LOOP_PHASE)
        loop = summarise(loop_phase.recorder) if loop_phase else {}
        if "answer POST" in loop:
            s = loop["answer POST"]
            loop_cpu = _server_cores(loop_phase, "pix_lti") * loop_phase.recorder.elapsed / s.count
            out.update(loop_answer_rps=s.per_second, loop_answer_p50=s.p50_ms, loop_answer_p99=s.p99_ms,
                       loop_ratio=s.per_second / bare.per_second, loop_cpu_ms=1000 * loop_cpu,
                       loop_cpu_ratio=bare_cpu / loop_cpu)
    return out


def _server_cores(phase: PhaseResult, server: str) -> float:
    return phase.cpu.get(f"gunicorn {server}", 0.0) + phase.cpu.get("postgres (our backends)", 0.0)


def format_report(result: RunResult) -> str:
    lines = []
    m = result.machine
    lines.append(f"machine: nproc {m['nproc']} ({m['cpu']}), Python {m['python']}, {m['date']}")
    lines.append(f"load average: before {m['load_average']}, after {m.get('load_average_after')}")
    a = result.args
    pinned = a["client_cpu"] if a["client_cpu"] is not None else "none"
    lines.append(f"run: {a['students']} students, {a['workers']} gunicorn sync workers, "
                 f"saturation {a['duration']:g} s, "
                 f"paced {a['paced_duration']:g} s (think {a['think']:g} s), bare {a['bare_duration']:g} s, "
                 f"warm-up {a['warmup']:g} s; set-up {result.setup_seconds:.1f} s; client pinned to CPU {pinned}")
    for phase in result.phases:
        rec = phase.recorder
        think = f", think {phase.think_mean:g} s" if phase.think_mean else ""
        lines.append("")
        lines.append(f"== {phase.name}: {phase.clients} clients{think}, {rec.elapsed:.1f} s measured, {rec.requests} "
                     f"requests ({rec.requests / rec.elapsed:.1f}/s), worker restarts {phase.worker_boots}")
        lines.append(f"   {'request':<40} {'count':>7} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
                     f"{'max ms':>8}")
        for s in summarise(rec).values():
            lines.append(f"   {s.category:<40} {s.count:>7} {s.per_second:>8.1f} {s.p50_ms:>8.1f} {s.p95_ms:>8.1f} "
                         f"{s.p99_ms:>8.1f} {s.max_ms:>8.1f}")
        if phase.cpu:
            lines.append("   CPU (cores): " + ", ".join(f"{k} {v:.2f}" for k, v in phase.cpu.items()))
        total_errors = sum(rec.errors.values())
        lines.append(f"   errors: {total_errors}" + (" — " + "; ".join(f"{k}: {n}" for k, n in rec.errors.items())
                                                     if total_errors else ""))
        for sample in rec.error_samples[:5]:
            lines.append(f"     e.g. {sample}")
    h = headline(result)
    lines.append("")
    lines.append("students: " + ", ".join(f"{k} {v}" for k, v in result.student_totals.items()))
    if "ratio" in h:
        verdict = "met" if h["ratio"] >= TARGET_RATIO else "NOT met"
        lines.append(f"answer POST throughput / bare INSERT throughput = {h['sat_answer_rps']:.1f} / "
                     f"{h['bare_rps']:.1f} = {h['ratio']:.1%} (target ≥ {TARGET_RATIO:.0%}: {verdict})")
        lines.append(f"server CPU (gunicorn + PostgreSQL backends): {h['bare_cpu_ms']:.2f} ms per bare request, "
                     f"{h['answer_cpu_ms']:.1f} ms per answer with its pages → CPU ratio {h['cpu_ratio']:.1%}")
    if "loop_ratio" in h:
        verdict = "met" if h["loop_ratio"] >= TARGET_RATIO else "NOT met"
        lines.append(f"answer loop (each answer POST + the question GET it leads to, checkpoints closed unseen): "
                     f"{h['loop_answer_rps']:.1f} answers/s / {h['bare_rps']:.1f} = {h['loop_ratio']:.1%} "
                     f"(target ≥ {TARGET_RATIO:.0%}: {verdict}); server CPU {h['loop_cpu_ms']:.1f} ms per answer "
                     f"+ next question → CPU ratio {h['loop_cpu_ratio']:.1%}")
    if "paced_answer_p99" in h:
        verdict = "met" if h["paced_answer_p99"] < TARGET_P99_MS else "NOT met"
        lines.append(f"answer POST p99: paced {h['paced_answer_p99']:.1f} ms, "
                     f"at saturation {h['sat_answer_p99']:.1f} ms "
                     f"(target < {TARGET_P99_MS:g} ms with {a['students']} students, judged paced: {verdict})")
    return "\n".join(lines)


def to_json(result: RunResult) -> dict[str, Any]:
    phases = []
    for p in result.phases:
        phases.append({"name": p.name, "clients": p.clients, "think_mean": p.think_mean, "cpu": p.cpu,
                       "worker_boots": p.worker_boots, "elapsed": p.recorder.elapsed, "requests": p.recorder.requests,
                       "errors": dict(p.recorder.errors),
                       "summary": {k: asdict(v) for k, v in summarise(p.recorder).items()}})
    return {"args": result.args, "machine": result.machine, "setup_seconds": result.setup_seconds,
            "database": result.database, "run_id": result.run_id,
            "student_totals": result.student_totals, "headline": headline(result), "phases": phases}


# ---------------------------------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=50, help="concurrent simulated students (and bare-route clients)")
    p.add_argument("--duration", type=float, default=30.0, help="measured seconds of the saturation phase")
    p.add_argument("--loop-duration", type=float, default=20.0,
                   help="measured seconds of the answer-loop phase (answer POST + next question GET; 0: none)")
    p.add_argument("--bare-duration", type=float, default=15.0, help="measured seconds of the bare route (two halves)")
    p.add_argument("--warmup", type=float, default=4.0, help="unmeasured seconds at the start of each phase")
    p.add_argument("--think", type=float, default=10.0,
                   help="mean think time of the paced phase, s (a quick student; 0: no paced phase)")
    p.add_argument("--paced-duration", type=float, default=60.0,
                   help="measured seconds of the paced phase (longer: fewer requests, and p99 needs samples)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn sync workers for each server")
    p.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                   help="PostgreSQL server to use: a new database is created beside this one, then dropped")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                   help="sessions and rate limits (the run's keys are removed after)")
    p.add_argument("--max-requests", type=int, default=200_000, help="stop a phase after this many measured requests")
    p.add_argument("--right-rate", type=float, default=0.6, help="probability that a student answers right")
    p.add_argument("--skip-rate", type=float, default=0.03, help="probability that a student clicks « Je passe »")
    p.add_argument("--client-cpu", type=int, default=None, help="pin the client to this CPU (os.sched_setaffinity)")
    p.add_argument("--gunicorn-arg", action="append", default=[], help="extra gunicorn argument (repeatable), e.g. "
                   "--gunicorn-arg=--max-requests=0")
    p.add_argument("--app", default="pix_lti.wsgi:app", help="WSGI app of the answer side (e.g. load_profile_app:app)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--json", type=Path, help="also write the figures as JSON here")
    p.add_argument("--keep-logs", type=Path, help="copy the gunicorn logs to this folder")
    p.add_argument("--trace", type=Path, help="write every request (start, seconds, status, path, request id) here")
    p.add_argument("--keep-database", action="store_true",
                   help="do not drop the database (to inspect it; drop it yourself after)")
    args = p.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        p.error("--database-url must be a PostgreSQL URL (postgresql+psycopg://…)")
    if not 1 <= args.students <= 2000:
        p.error("--students must be between 1 and 2000")
    return args


def server_envs(args: argparse.Namespace, database_url: str, instance: Path,
                port_hint: int) -> tuple[dict[str, str], dict[str, str]]:
    pix = setup.base_environment()
    pix.update(
        # Production mode (as deployed: no template auto-reload, strict settings); the https public URL only marks
        # cookies Secure, which this client ignores; requests arrive over plain loopback HTTP.
        PIX_LTI_ENV="production", PIX_LTI_SECRET_KEY=setup.LOAD_SECRET, PIX_LTI_DATABASE_URL=database_url,
        PIX_LTI_REDIS_URL=args.redis_url, PIX_LTI_PUBLIC_URL=f"https://127.0.0.1:{port_hint}",
        PIX_LTI_INSTANCE_DIR=str(instance), PIX_LTI_LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
        PYTHONPATH=str(Path(__file__).resolve().parent),  # for --app load_profile_app:app
    )
    pix.update({k: v for k, v in os.environ.items() if k.startswith("BENCH_PROFILE")})  # the profiler's options
    bare = setup.base_environment()
    bare.update(BENCH_DATABASE_URL=database_url, BENCH_TABLE=setup.BARE_TABLE, PYTHONUNBUFFERED="1")
    return pix, bare


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.client_cpu is not None:
        os.sched_setaffinity(0, {args.client_cpu})
    if args.trace:
        Browser.trace = []
    machine = machine_info()
    run_id = f"{random.Random().randrange(16**6):06x}"
    workdir = Path(tempfile.mkdtemp(prefix="pix-load-"))
    database_url = setup.create_database(args.database_url)
    servers: list[setup.Server] = []
    runner: Runner | None = None
    prepared: setup.Prepared | None = None
    try:
        started = time.perf_counter()
        pix_env, bare_env = server_envs(args, database_url, workdir / "instance", setup.free_port())
        # Both servers boot (seconds of imports) while the database is prepared: the app factory reads no data.
        pix = setup.start_gunicorn("pix_lti", args.app, pix_env, args.workers, workdir / "pix.log", args.gunicorn_arg)
        servers.append(pix)
        bare = setup.start_gunicorn("bare", "bare_insert_app:app", bare_env, args.workers, workdir / "bare.log",
                                    args.gunicorn_arg, pythonpath=str(Path(__file__).resolve().parent))
        servers.append(bare)
        prepared = setup.prepare_database(database_url, args.students, STUDENT_PASSWORD, run_id)
        for server in servers:
            setup.wait_healthy(server)
        paths = {k: str(v) if v else None for k, v in vars(args).items() if isinstance(v, Path) or v is None}
        result = RunResult(vars(args) | paths,
                           machine, time.perf_counter() - started, database=make_url(database_url).database or "",
                           run_id=run_id)
        print(f"set-up done in {result.setup_seconds:.1f} s: {len(prepared.usernames)} students, "
              f"{len(prepared.competences)} competences, {len(prepared.answer_key)} challenges; running…", flush=True)
        runner = Runner(args, pix, bare, database_url)
        planned = (5 * args.warmup + args.bare_duration + args.duration + args.loop_duration
                   + (args.paced_duration if args.think > 0 else 0))
        asyncio.run(asyncio.wait_for(runner.drive(prepared, result), planned + HARD_LIMIT_MARGIN))
        result.machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print(format_report(result))
        if args.json:
            args.json.write_text(json.dumps(to_json(result), indent=1, ensure_ascii=False))
        return 0
    finally:
        if args.trace and Browser.trace is not None:
            args.trace.parent.mkdir(parents=True, exist_ok=True)
            args.trace.write_text("".join("\t".join(f"{v:.6f}" if isinstance(v, float) else str(v) for v in row) + "\n"
                                          for row in Browser.trace))
        for server in servers:
            server.stop()
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for server in servers:
                if server.log_path.exists():
                    (args.keep_logs / server.log_path.name).write_bytes(server.log_path.read_bytes())
        if prepared is not None:
            sids: set[str] = set().union(*(s.browser.session_ids for s in runner.students)) if runner else set()
            addresses = [source_address(i) for i in range(2 * args.students)]
            try:
                setup.redis_cleanup(args.redis_url, sids, prepared.usernames, addresses)
            except Exception as exc:  # noqa: BLE001 - never let Redis keep the database from being dropped
                print(f"warning: Redis clean-up failed: {exc!r}", file=sys.stderr)
        if args.keep_database:
            print(f"database kept: {make_url(database_url).render_as_string(hide_password=True)}")
        else:
            setup.drop_database(database_url)
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        workdir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
