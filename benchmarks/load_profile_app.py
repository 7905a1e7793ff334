"""pix_lti instrumented for the answer-load benchmark: per request category, the wall time, the SQL statements (count,
time, the statements themselves) and the Redis calls, plus a cProfile of the categories named in ``BENCH_PROFILE``.
Serve it instead of ``pix_lti.wsgi:app`` to find hot spots under the real load:

    BENCH_PROFILE_DIR=/tmp/prof .venv/bin/python benchmarks/load_answers.py --app load_profile_app:app …
    .venv/bin/python benchmarks/load_profile_app.py /tmp/prof          # the report

Each gunicorn worker writes ``<dir>/<pid>.json`` (and ``<pid>-<category>.pstats``) every 200 requests and at exit.
The instrumentation costs time itself (cProfile roughly doubles CPU time): use it to see *where* time goes, never for
the throughput figures.
"""

from __future__ import annotations

import atexit
import cProfile
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_http import categorise  # noqa: E402

PROFILE_DIR = Path(os.environ.get("BENCH_PROFILE_DIR", "/tmp/pix-load-profile"))
PROFILED = {c.strip() for c in os.environ.get("BENCH_PROFILE", "answer POST,question GET").split(",") if c.strip()}
# CPU time by default: on a shared 2-core machine wall-clock profiles mostly show who else was scheduled.
PROFILE_CLOCK = time.process_time if os.environ.get("BENCH_PROFILE_CLOCK", "cpu") == "cpu" else time.perf_counter
_NUMBERS = re.compile(r"\b\d+\b")


class Stats:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.wall: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        self.sql_count: Counter[str] = Counter()
        self.sql_time: Counter[str] = Counter()
        self.redis_count: Counter[str] = Counter()
        self.statements: dict[str, Counter[str]] = defaultdict(Counter)
        self.profiles: dict[str, cProfile.Profile] = {}
        self.current: str | None = None

    def dump(self) -> None:
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        data = {"requests": self.requests, "wall": self.wall, "cpu": self.cpu, "sql_count": self.sql_count,
                "sql_time": self.sql_time,
                "redis_count": self.redis_count, "statements": {k: dict(v) for k, v in self.statements.items()}}
        (PROFILE_DIR / f"{pid}.json").write_text(json.dumps(data))
        for category, profile in self.profiles.items():
            profile.dump_stats(str(PROFILE_DIR / f"{pid}-{category.replace(' ', '_')}.pstats"))


STATS = Stats()
atexit.register(STATS.dump)


def _instrument(flask_app: Any) -> None:
    from sqlalchemy import event

    engine = flask_app.extensions["pix_lti.db"].engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        category = STATS.current
        if category is None:
            return
        STATS.sql_count[category] += 1
        STATS.sql_time[category] += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        STATS.statements[category][_NUMBERS.sub("N", " ".join(statement.split()))[:160]] += 1

    store = flask_app.extensions["pix_lti.kv"]
    for name in ("get_json", "set_json", "delete", "add", "incr"):
        original = getattr(store, name)

        def counted(*args: Any, __original: Any = original, __name: str = name, **kw: Any) -> Any:
            if STATS.current is not None:
                STATS.redis_count[STATS.current] += 1
            return __original(*args, **kw)

        setattr(store, name, counted)


def _make_app() -> Any:
    from pix_lti.wsgi import app as flask_app

    _instrument(flask_app)
    inner = flask_app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        category = categorise(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"))
        STATS.current = category
        profile = None
        if category in PROFILED:
            profile = STATS.profiles.setdefault(category, cProfile.Profile(PROFILE_CLOCK))
            profile.enable()
        start = time.perf_counter()
        cpu_start = time.process_time()
        try:
            iterable = inner(environ, start_response)
            try:
                body = b"".join(iterable)
            finally:
                if hasattr(iterable, "close"):
                    iterable.close()
        finally:
            if profile is not None:
                profile.disable()
            STATS.wall[category] += time.perf_counter() - start
            STATS.cpu[category] += time.process_time() - cpu_start
            STATS.requests[category] += 1
            STATS.current = None
            if sum(STATS.requests.values()) % 200 == 0:
                STATS.dump()
        return [body]

    flask_app.wsgi_app = wsgi  # type: ignore[method-assign]
    return flask_app


# ---------------------------------------------------------------------------------------------------------------------
# Report (run as a script on the folder the workers wrote)


def report(folder: Path, top: int = 25) -> str:
    import pstats

    totals: dict[str, Counter[str]] = defaultdict(Counter)
    statements: dict[str, Counter[str]] = defaultdict(Counter)
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text())
        for key in ("requests", "wall", "cpu", "sql_count", "sql_time", "redis_count"):
            totals[key].update(data.get(key, {}))
        for category, counts in data["statements"].items():
            statements[category].update(counts)
    lines = [f"{'request':<28} {'n':>6} {'wall ms':>8} {'CPU ms':>7} {'SQL/req':>8} {'SQL ms':>7} {'Redis/req':>9}"]
    for category, n in totals["requests"].most_common():
        lines.append(f"{category:<28} {n:>6} {1000 * totals['wall'][category] / n:>8.1f} "
                     f"{1000 * totals['cpu'][category] / n:>7.1f} "
                     f"{totals['sql_count'][category] / n:>8.1f} {1000 * totals['sql_time'][category] / n:>7.1f} "
                     f"{totals['redis_count'][category] / n:>9.1f}")
    for category in sorted(PROFILED):
        n = totals["requests"].get(category)
        if not n:
            continue
        lines.append(f"\n-- SQL statements per {category} (average count per request)")
        for statement, count in statements[category].most_common(30):
            lines.append(f"{count / n:6.2f}  {statement}")
        files = [str(p) for p in folder.glob(f"*-{category.replace(' ', '_')}.pstats")]
        if files:
            clock = os.environ.get("BENCH_PROFILE_CLOCK", "cpu")
            lines.append(f"\n-- cProfile of {category} (cumulative, all workers, {clock} time)")
            stats = pstats.Stats(files[0])
            for extra in files[1:]:
                stats.add(extra)
            stream = _Capture()
            stats.stream = stream  # type: ignore[attr-defined]
            stats.sort_stats("cumulative").print_stats(top)
            lines.append(stream.text())
    return "\n".join(lines)


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


if __name__ == "__main__":
    print(report(Path(sys.argv[1] if len(sys.argv) > 1 else PROFILE_DIR)))
else:
    app = _make_app()
