"""The answer-load benchmark (benchmarks/load_answers.py): its pure parts (form reading, answers, percentiles), and one
tiny real run through gunicorn on PostgreSQL proving that students get through the pages without errors and that the
run cleans up after itself. No timing is asserted: the figures depend on the machine."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import load_answers  # noqa: E402
import load_setup  # noqa: E402
from load_http import Browser, Recorder, categorise, merge, percentile, read_forms, summarise  # noqa: E402
from load_journey import Student  # noqa: E402

QUESTION_PAGE = """
<form method="post" action="/connexion"><input type="hidden" name="csrf_token" value="tok"></form>
<form method="post" action="/evaluations/7/question" id="challenge-form">
  <input type="hidden" name="csrf_token" value="tok">
  <input type="hidden" name="challenge_id" value="ch-1">
  <input type="hidden" name="focused_out" value="0">
  <input type="checkbox" name="answer" value="1"><input type="checkbox" name="answer" value="2">
  <input type="checkbox" name="answer" value="3">
  <input type="text" name="answer-x" inputmode="decimal">
  <select name="answer-y"><option value="">— Choisir —</option><option value="oui">oui</option></select>
  <button type="submit" name="skip" value="1">Je passe</button>
</form>"""


def _student(right_rate: float, skip_rate: float = 0.0, key: dict[str, list[tuple[str, str]]] | None = None) -> Student:
    return Student(0, "eleve.test0101", "pw", Browser(1, Recorder()), ["1.1"], key or {}, right_rate, skip_rate,
                   random.Random(1))


def test_forms_are_read_with_their_fields() -> None:
    forms = read_forms(QUESTION_PAGE)
    assert [f.action for f in forms] == ["/connexion", "/evaluations/7/question"]
    challenge = forms[1]
    assert challenge.hidden() == [("csrf_token", "tok"), ("challenge_id", "ch-1"), ("focused_out", "0")]
    assert challenge.selects == {"answer-y": ["", "oui"]}
    assert [b.get("name") for b in challenge.buttons] == ["skip"]


def test_right_answers_come_from_the_key_and_guesses_from_the_form() -> None:
    form = read_forms(QUESTION_PAGE)[1]
    right = _student(1.0, key={"ch-1": [("answer", "2"), ("answer", "3")]}).build_answer(form)
    assert right[-2:] == [("answer", "2"), ("answer", "3")] and ("challenge_id", "ch-1") in right
    guess = dict(_student(0.0).build_answer(form))
    assert guess["answer"] in {"1", "2", "3"} and guess["answer-x"].isdigit() and guess["answer-y"] == "oui"
    skipped = _student(0.0, skip_rate=1.0).build_answer(form)
    assert ("skip", "1") in skipped and not any(name.startswith("answer") for name, _ in skipped)


@pytest.mark.parametrize(("ctype", "solution", "inputs", "expected"), [
    ("QCU", 2, [], [("answer", "2")]),
    ("QCM", [1, 3], [], [("answer", "1"), ("answer", "3")]),
    ("QROC", {"fr": ["oui", "ouais"], "en": ["yes"]}, [], [("answer", "oui")]),
    ("QROCM-ind", {"a": ["1"], "b": {"fr": ["deux"], "en": ["two"]}}, [], [("answer-a", "1"), ("answer-b", "deux")]),
    ("QROCM-dep", [["x"], ["y"]], [{"key": "p"}, {"key": "q"}], [("answer-p", "x"), ("answer-q", "y")]),
])
def test_right_answer_fields_follow_the_form_names(ctype: str, solution: object, inputs: list[dict[str, str]],
                                                    expected: list[tuple[str, str]]) -> None:
    assert load_setup.right_answer(ctype, solution, inputs) == expected


def test_percentiles_categories_and_merged_periods() -> None:
    values = sorted(float(i) for i in range(1, 101))
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert categorise("POST", "/evaluations/3/question") == "answer POST"
    assert categorise("GET", "/evaluations/3/question") == "question GET"
    assert categorise("POST", "/evaluations/3/question/demarrer") == "timer start POST"
    first, second = Recorder(span=2.0), Recorder(span=3.0)
    first.add("bare INSERT POST", 200, 0.001, 0.0, "/bare")
    second.add("bare INSERT POST", 500, 0.004, 0.0, "/bare")
    merged = merge([first, second])
    summary = summarise(merged)["bare INSERT POST"]
    assert (summary.count, summary.per_second, summary.max_ms) == (2, 2 / 5.0, 4.0)
    assert merged.errors == {"bare INSERT POST -> HTTP 500": 1}


def _postgres_and_redis(base_url: str) -> str | None:
    import redis
    from sqlalchemy import text

    try:
        engine = load_setup.make_engine(base_url, connect_timeout=2)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        redis.Redis.from_url("redis://127.0.0.1:6379/14", socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.mark.postgres
@pytest.mark.slow
def test_a_tiny_run_goes_through_every_page_and_cleans_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # PostgreSQL only: it runs in the suite's PostgreSQL pass (TEST_DATABASE_URL), beside that database.
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        pytest.skip("the load benchmark needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://…")
    missing = _postgres_and_redis(base_url)
    if missing:
        pytest.skip(f"needs PostgreSQL and Redis (redis://127.0.0.1:6379/14): {missing}")
    out = tmp_path / "run.json"
    code = load_answers.main(["--students", "3", "--workers", "1", "--warmup", "0.2", "--duration", "1.5",
                              "--bare-duration", "0.6", "--think", "0.05", "--paced-duration", "0.8",
                              "--loop-duration", "1.5",
                              "--database-url", base_url, "--json", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    phases = {p["name"]: p for p in report["phases"]}
    assert set(phases) >= {"log in + first start", "bare INSERT", "students, saturation",
                           "students, paced (think 0.05 s)"}
    for phase in phases.values():
        assert phase["errors"] == {}, phase
    saturation = phases["students, saturation"]["summary"]
    assert saturation["answer POST"]["count"] > 0 and saturation["question GET"]["count"] > 0
    assert phases["bare INSERT"]["summary"]["bare INSERT POST"]["count"] > 0
    assert report["headline"]["ratio"] > 0
    # The answer loop: answers and the question pages they lead to, never a checkpoint page read.
    loop = phases[load_answers.LOOP_PHASE]["summary"]
    assert loop["answer POST"]["count"] > 0 and loop["question GET"]["count"] > 0
    assert "checkpoint GET" not in loop
    assert report["headline"]["loop_ratio"] > 0
    printed = capsys.readouterr().out
    assert "answer POST throughput / bare INSERT throughput" in printed and "answer loop (" in printed
    # Clean-up: the database is dropped and the run's Redis keys are gone.
    import redis
    from sqlalchemy import text

    engine = load_setup.make_engine(base_url)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": report["database"]}).first()
    engine.dispose()
    assert left is None
    client = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    assert client.keys(f"pixlti:rl:login-user:*{report['run_id']}") == []
    client.close()
