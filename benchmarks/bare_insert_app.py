"""The reference of the answer-load benchmark: a bare Flask route doing one INSERT, served by the same gunicorn settings
on the same database as pix_lti (``benchmarks/load_answers.py`` starts it). It shows what the stack itself (gunicorn
sync workers, Flask routing, a pooled psycopg connection with pre-ping, one committed INSERT) costs on this machine, so
the answer route can be judged as a ratio rather than in absolute numbers that depend on the hardware.

    BENCH_DATABASE_URL=postgresql+psycopg://… \
        gunicorn -c config/gunicorn.conf.py --pythonpath benchmarks bare_insert_app:app
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask, Response, request
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pix_lti.db import make_engine  # noqa: E402  (same engine options as the app: pool size, pre-ping, timeouts)

TABLE = os.environ.get("BENCH_TABLE", "bench_bare_inserts")
if not TABLE.replace("_", "").isalnum():
    raise SystemExit(f"BENCH_TABLE must be a plain identifier, not {TABLE!r}")

engine = make_engine(os.environ["BENCH_DATABASE_URL"], pool_size=int(os.environ.get("BENCH_POOL_SIZE", "5")))
INSERT = text(f"INSERT INTO {TABLE} (who, n) VALUES (:who, :n)")

app = Flask(__name__)


@app.post("/bare")
def bare() -> Response:
    # Read the posted form like the answer route does, then one INSERT in its own committed transaction.
    who = request.form.get("who", "")[:100]
    n = int(request.form.get("n", "0") or 0)
    with engine.begin() as conn:
        conn.execute(INSERT, {"who": who, "n": n})
    return Response("ok", status=200, mimetype="text/plain")


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")
