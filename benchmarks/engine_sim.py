"""Simulation benchmark of the selection engines (issue 4 §7).

    .venv/bin/python benchmarks/engine_sim.py            # full run, writes docs/benchmarks.md
    .venv/bin/python benchmarks/engine_sim.py --quick    # smoke run (few learners, no docs)

One seeded run with common random numbers: the bank, the learners and, for every learner, one
uniform number per challenge are drawn once; a challenge is answered right iff its uniform is
below the answer model's probability, whichever engine asked it.  Each engine's own random choices
come from a generator seeded by (seed, model, learner, competence), identical for every engine.

Answer models:
- ``slip_guess``: a true level L per competence (0..7, correlated across competences); a skill of
  level ≤ L is answered right with probability 0.90 (slip 0.10), any other with 0.20 (guess);
- ``misspecified``: the same learners with slip 0.15 / guess 0.25, engines keep their defaults;
- ``irt_2pl``: abilities θ_c ~ N(0, 1) per competence with correlation 0.6, P(right) from each
  challenge's 2PL parameters; the learner "masters" a skill when θ_c ≥ its difficulty.
The true level/pix of a competence is the Pix score (max reachable level 6) of the skills the
learner masters.  ``smart_random`` and the ``bayesian*`` engines assess each competence
separately, in order, each assessment receiving the learner's answers in the competences already
taken as ``AssessmentState.history`` (only ``bayesian_noise`` uses it: the learner's slip/guess); ``flash`` runs one 32-question test across all competences and maps θ to pix and
levels; its θ RMSE is against the mean of the learner's 16 θ_c (only defined under ``irt_2pl``).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import math
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic_bank import make_bank  # noqa: E402
from pix_lti.engine import (  # noqa: E402
    Answer,
    AnswerResult,
    AssessmentState,
    BayesianSelector,
    Catalog,
    LearnerHistory,
    get_selector,
    score_competence,
    score_from_exact_pix,
    theta_scores,
)
from pix_lti.engine.inference import slice_knowledge  # noqa: E402
from pix_lti.engine.selection.base import Selector  # noqa: E402

MAX_LEVEL = 6  # the product default (levels 7–8 not reachable)
LEVEL_SHARES = np.array([0.07, 0.13, 0.18, 0.19, 0.17, 0.12, 0.08, 0.06])  # true level 0..7
RHO = 0.6  # correlation of a learner's competences (latent scale)
MODELS = {"slip_guess": (0.10, 0.20), "misspecified": (0.15, 0.25), "irt_2pl": None}
# Benchmark name → (registered selector, options).  ``bayesian_strict`` is the default engine with
# the strict tube-inference rule (a skill Pix inference already decided is never asked).
ENGINES: dict[str, tuple[str, dict[str, object]]] = {
    "smart_random": ("smart_random", {}),
    "bayesian": ("bayesian", {}),
    "bayesian_strict": ("bayesian", {"inferred": "never"}),
    # The default engine learning the learner's answer noise from their earlier competences.
    "bayesian_noise": ("bayesian", {"noise_strength": 100.0}),
    "bayesian_irt": ("bayesian_irt", {}),
    "flash": ("flash", {}),
}
FLASH_CHECKPOINTS = (8, 16, 24, 32)
LATENCY_LEARNERS = 40  # the selection calls of the first 40 learners per model are re-timed
LATENCY_REPEATS = 5
OK, KO = AnswerResult.OK, AnswerResult.KO


@dataclass
class Learners:
    """True state of the simulated learners under one answer model."""

    depth: np.ndarray  # (n, 16) true level per competence (discrete models), else −1
    theta: np.ndarray  # (n, 16) θ per competence (2PL model), else nan
    right: np.ndarray  # (n, challenges) bool: the answer each challenge would get (CRN)
    true_level: np.ndarray  # (n, 16) Pix level of the mastered skills
    true_pix: np.ndarray  # (n, 16)


@dataclass
class EngineRun:
    questions: list[int] = field(default_factory=list)  # per competence session
    level: list[int] = field(default_factory=list)
    pix: list[int] = field(default_factory=list)
    exposure: np.ndarray | None = None  # (challenges,) count of sessions/tests showing it
    latency_ns: list[int] = field(default_factory=list)  # re-timed CPU time of sampled calls
    wall_ns: list[int] = field(default_factory=list)  # wall-clock time of every selection call
    samples: list[tuple[AssessmentState, np.random.Generator]] = field(default_factory=list)
    stop_reasons: dict[str, int] = field(default_factory=dict)
    theta_err: dict[int, list[float]] = field(default_factory=dict)  # flash: k → θ̂_k − θ
    sessions: int = 0  # exposure denominator (learners taking the items)


def mastered_scores(catalog: Catalog, mastered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pix and level per competence of a learner mastering ``mastered`` (bool over catalog skills)."""
    levels = np.zeros(len(catalog.competences), dtype=np.int64)
    pix = np.zeros(len(catalog.competences), dtype=np.int64)
    for j, code in enumerate(catalog.competences):
        sl = catalog.slice(code)
        exact = sum((v for v, m in zip(sl.pix_value, mastered[sl.skill_global]) if m), 0)
        s = score_from_exact_pix(code, Fraction(exact), MAX_LEVEL)
        levels[j], pix[j] = s.level, s.pix
    return levels, pix


def make_learners(catalog: Catalog, model: str, n: int, seed: int) -> Learners:
    rng = np.random.default_rng([seed, 1])  # same learners and uniforms for every model
    n_comp = len(catalog.competences)
    g = rng.standard_normal((n, 1))
    z = np.sqrt(RHO) * g + np.sqrt(1 - RHO) * rng.standard_normal((n, n_comp))
    uniforms = rng.random((n, len(catalog.challenges)))
    phi = 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))  # normal CDF → level quantiles
    depth = np.searchsorted(np.cumsum(LEVEL_SHARES)[:-1], phi, side="right")
    theta = np.full((n, n_comp), np.nan)
    ch_comp, ch_level = catalog.ch_competence, catalog.ch_level
    if MODELS[model] is None:
        theta = z
        p = 0.5 * (1 + np.tanh(0.5 * catalog.ch_a * (theta[:, ch_comp] - catalog.ch_b)))
        depth = np.full((n, n_comp), -1)
        mastered = theta[:, catalog.sk_competence] >= catalog.sk_difficulty[None, :]
    else:
        slip, guess = MODELS[model]
        p = np.where(ch_level[None, :] <= depth[:, ch_comp], 1 - slip, guess)
        mastered = catalog.sk_level[None, :] <= depth[:, catalog.sk_competence]
    true_level = np.zeros((n, n_comp), dtype=np.int64)
    true_pix = np.zeros((n, n_comp), dtype=np.int64)
    for i in range(n):
        true_level[i], true_pix[i] = mastered_scores(catalog, mastered[i] & catalog.sk_active)
    return Learners(depth, theta, uniforms < p, true_level, true_pix)


def run_competence_engine(
    selector: Selector, catalog: Catalog, learners: Learners, model_idx: int, seed: int, out: EngineRun
) -> None:
    wall = time.perf_counter_ns
    out.exposure = np.zeros(len(catalog.challenges), dtype=np.int64)
    n = learners.right.shape[0]
    out.sessions = n
    for i in range(n):
        right = learners.right[i]
        earlier: list[Answer] = []  # the learner's answers in the competences already taken
        for j, comp in enumerate(catalog.competences):
            rng = np.random.default_rng([seed, model_idx, i, j])
            history = LearnerHistory(tuple(earlier))
            answers: list[Answer] = []
            while True:
                state = AssessmentState(comp, tuple(answers), history=history)
                if i < LATENCY_LEARNERS:
                    out.samples.append((state, copy.deepcopy(rng)))
                w0 = wall()
                sel = selector.next_challenge(catalog, state, rng)
                out.wall_ns.append(wall() - w0)
                if sel.challenge_id is None:
                    break
                ci = catalog.challenge_index[sel.challenge_id]
                out.exposure[ci] += 1
                answers.append(Answer(sel.challenge_id, OK if right[ci] else KO))
            reason = str(sel.stop_reason)
            out.stop_reasons[reason] = out.stop_reasons.get(reason, 0) + 1
            kes = selector.knowledge(catalog, AssessmentState(comp, tuple(answers), history=history))
            earlier.extend(answers)
            score = score_competence(catalog, comp, kes, MAX_LEVEL)
            out.questions.append(len(answers))
            out.level.append(score.level)
            out.pix.append(score.pix)


def run_flash(
    selector: Selector, catalog: Catalog, learners: Learners, model_idx: int, seed: int, out: EngineRun
) -> None:
    wall = time.perf_counter_ns
    out.exposure = np.zeros(len(catalog.challenges), dtype=np.int64)
    n = learners.right.shape[0]
    out.sessions = n
    out.theta_err = {k: [] for k in FLASH_CHECKPOINTS}
    n_comp = len(catalog.competences)
    for i in range(n):
        right = learners.right[i]
        rng = np.random.default_rng([seed, model_idx, i, n_comp])
        answers: list[Answer] = []
        while True:
            state = AssessmentState(None, tuple(answers))
            if i < LATENCY_LEARNERS:
                out.samples.append((state, copy.deepcopy(rng)))
            w0 = wall()
            sel = selector.next_challenge(catalog, state, rng)
            out.wall_ns.append(wall() - w0)
            if len(answers) in out.theta_err and not np.isnan(learners.theta[i, 0]):
                out.theta_err[len(answers)].append(float(sel.estimate) - float(learners.theta[i].mean()))
            if sel.challenge_id is None:
                break
            ci = catalog.challenge_index[sel.challenge_id]
            out.exposure[ci] += 1
            answers.append(Answer(sel.challenge_id, OK if right[ci] else KO))
        reason = str(sel.stop_reason)
        out.stop_reasons[reason] = out.stop_reasons.get(reason, 0) + 1
        scores = theta_scores(catalog, float(sel.estimate), MAX_LEVEL).competences
        for s in scores:
            out.questions.append(len(answers) / n_comp)
            out.level.append(s.level)
            out.pix.append(s.pix)


def measure_latency(selector: Selector, catalog: Catalog, run: EngineRun, repeats: int = LATENCY_REPEATS) -> None:
    """Re-time the sampled calls: CPU (thread) time, best of ``repeats`` runs of each call on a
    copy of the generator it had.  The best of a few repeats removes what the other processes on
    a shared machine add (preemption, cold caches), not the cost of the call itself."""
    cpu = time.thread_time_ns
    for state, rng in run.samples:
        best = None
        for _ in range(repeats):
            r = copy.deepcopy(rng)
            t0 = cpu()
            selector.next_challenge(catalog, state, r)
            t = cpu() - t0
            best = t if best is None else min(best, t)
        run.latency_ns.append(int(best or 0))
    run.samples.clear()


def information_ceiling(catalog: Catalog, learners: Learners, model: str | None = None) -> float:
    """Exact-level accuracy of the bayesian posterior after ONE challenge of EVERY active skill of
    the competence (no stopping rule, no tube-inference exclusion).

    ``model=None``: the engine's default model and prior (uniform over reported levels).  With a
    discrete ``model``: the oracle — the learners' true slip/guess and the true level shares as
    prior, i.e. the Bayes-optimal decision given every observation one challenge per skill allows;
    no engine can expect more on these learners.  Both show how much of the gap to a target is
    the bank's, not the algorithm's.
    """
    oracle = model is not None and MODELS[model] is not None
    sel = BayesianSelector(*MODELS[model]) if oracle else BayesianSelector()  # type: ignore[misc]
    hits = 0
    n = learners.right.shape[0]
    for j, comp in enumerate(catalog.competences):
        sl = catalog.slice(comp)
        first = [int(ch[0]) for ch in sl.skill_challenges if len(ch)]
        ids = [catalog.challenges[ci].id for ci in first]
        for i in range(n):
            answers = tuple(Answer(cid, OK if learners.right[i, ci] else KO) for cid, ci in zip(ids, first))
            post = sel.posterior(slice_knowledge(catalog, sl, answers))
            if not oracle:
                hits += post.best_level == learners.true_level[i, j]
                continue
            # Swap the engine's prior for the true one: depth d < D has share d, depth D the rest.
            shares = LEVEL_SHARES[: post.depth.size].copy()
            shares[-1] += LEVEL_SHARES[post.depth.size :].sum()
            depth = post.depth / np.exp(post.model.log_prior) * shares
            level = post.model.levels[int(np.argmax(depth @ post.model.to_level))]
            hits += level == learners.true_level[i, j]
    return hits / (n * len(catalog.competences))


def summarise(run: EngineRun, learners: Learners, n_comp: int) -> dict[str, object]:
    q = np.array(run.questions, dtype=float)
    est = np.array(run.level)
    true = learners.true_level.reshape(-1)
    pix_err = np.array(run.pix) - learners.true_pix.reshape(-1)
    total_err = pix_err.reshape(-1, n_comp).sum(axis=1)
    lat = np.array(run.latency_ns) / 1e6
    wall = np.array(run.wall_ns) / 1e6
    by_level = {}
    for lv in range(MAX_LEVEL + 1):
        m = true == lv
        if m.any():
            by_level[lv] = (float((est[m] == lv).mean()), int(m.sum()))
    out: dict[str, object] = {
        "q_mean": float(q.mean()),
        "q_p90": float(np.percentile(q, 90)),
        "exact": float((est == true).mean()),
        "within1": float((np.abs(est - true) <= 1).mean()),
        "by_level": by_level,
        "pix_rmse": float(np.sqrt(np.mean(pix_err**2))),
        "total_rmse": float(np.sqrt(np.mean(total_err**2))),
        "max_exposure": float(run.exposure.max() / run.sessions) if run.exposure is not None else 0.0,
        "lat_p50": float(np.percentile(lat, 50)),
        "lat_p99": float(np.percentile(lat, 99)),
        "wall_p99": float(np.percentile(wall, 99)),
        "stops": dict(sorted(run.stop_reasons.items())),
    }
    if run.theta_err and any(run.theta_err.values()):
        out["theta_rmse"] = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in run.theta_err.items()}
    return out


READING = """\
How to read it.  *q/competence*: questions in one competence assessment (flash: 32 questions over
16 competences = 2).  *exact* / *±1*: share of learner × competence sessions whose reported level
(the Pix score of the knowledge elements the engine returns) equals the true level / is within one.
*pix RMSE*: per competence, and for the 16-competence total.  *max exposure*: the highest share of
learners shown any single challenge.  *select p50/p99*: CPU time (thread time) of one
`next_challenge` call, warm, single process — the calls of the first 40 learners of each model, each
re-run 5 times on a copy of its generator, best of 5; *wall p99*: wall-clock time of every call
as it ran, including the preemption by other processes on the shared machine.
*Information ceiling*: exact accuracy of the bayesian posterior had the learner answered one challenge of EVERY active skill of the competence: with one challenge per skill, no
engine assuming this answer model can expect more on this bank (levels with only 2–4 skills in a
competence cannot outvote a slip or a guess).  ``bayesian`` assumes the slip/guess step model and
``bayesian_irt`` the 2PL model: each is best under its own model, so calibrating real answers
(``pix_lti.engine.calibration``) should decide which one the product uses.  ``bayesian`` may ask a
skill that Pix inference validated or invalidated from another answer in its tube, after the
untested skills of equally informative levels (``inferred="last"``); ``bayesian_strict`` never does
(``inferred="never"``, the strict reading of the tube-inference rule).  Each learner takes the 16
competences in order, one assessment each; every engine receives the learner's answers in the
competences already taken (``AssessmentState.history``) and only ``bayesian_noise`` uses them: it
learns the learner's slip/guess (Beta prior around the defaults, 100 pseudo-answers, updated by the
posterior-predictive likelihood of each earlier competence) and marginalises it in the current one."""


def format_report(results: dict[str, dict[str, dict[str, object]]], header: str) -> str:
    lines = [header, "", READING, ""]
    lines.append(
        "| model | engine | q/competence mean | p90 | exact | ±1 | pix RMSE /comp | pix RMSE total "
        "| max exposure | select p50 ms | p99 ms | wall p99 ms |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model, per_engine in results.items():
        for engine, r in per_engine.items():
            lines.append(
                f"| {model} | {engine} | {r['q_mean']:.2f} | {r['q_p90']:.0f} | {r['exact']:.1%} | "
                f"{r['within1']:.1%} | {r['pix_rmse']:.2f} | {r['total_rmse']:.1f} | "
                f"{r['max_exposure']:.3f} | {r['lat_p50']:.3f} | {r['lat_p99']:.3f} | {r['wall_p99']:.3f} |"
            )
    lines += ["", "Exact-level accuracy by true level (share, sessions):", ""]
    lines.append("| model | engine | " + " | ".join(f"L{lv}" for lv in range(MAX_LEVEL + 1)) + " |")
    lines.append("|---|---|" + "---|" * (MAX_LEVEL + 1))
    for model, per_engine in results.items():
        for engine, r in per_engine.items():
            cells = []
            by_level = r["by_level"]
            assert isinstance(by_level, dict)
            for lv in range(MAX_LEVEL + 1):
                acc, count = by_level.get(lv, (float("nan"), 0))
                cells.append(f"{acc:.0%} ({count})" if count else "–")
            lines.append(f"| {model} | {engine} | " + " | ".join(cells) + " |")
    lines += ["", "flash θ RMSE (vs the mean of the learner's θ_c, irt_2pl model) after k items:", ""]
    for model, per_engine in results.items():
        theta = per_engine.get("flash", {}).get("theta_rmse")
        if isinstance(theta, dict):
            lines.append(f"- {model}: " + ", ".join(f"k={k}: {v:.3f}" for k, v in theta.items()))
    lines += ["", "Stop reasons:", ""]
    for model, per_engine in results.items():
        for engine, r in per_engine.items():
            lines.append(f"- {model} / {engine}: {r['stops']}")
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def targets(results: dict[str, dict[str, dict[str, object]]]) -> list[str]:
    """The issue's targets, each with the measured figures and whether it is met."""
    sg, mis, irt = results.get("slip_guess", {}), results.get("misspecified", {}), results.get("irt_2pl", {})
    out = []
    for name in ("bayesian", "bayesian_strict", "bayesian_noise"):
        if name in sg and "smart_random" in sg:
            b, s = sg[name], sg["smart_random"]
            exact, q, sr_q = float(b["exact"]), float(b["q_mean"]), float(s["q_mean"])  # type: ignore[arg-type]
            fewer = 1 - q / sr_q
            ok = exact >= 0.95 and q <= 11 and fewer >= 0.40 and exact > float(s["exact"])  # type: ignore[arg-type]
            out.append(
                f"{name} slip/guess: exact {exact:.1%} (≥95%), {q:.2f} q (≤11), {fewer:.0%} fewer questions "
                f"than smart_random (≥40%) with exact {exact:.1%} vs {float(s['exact']):.1%} → {_verdict(ok)}"  # type: ignore[arg-type]
            )
        if name in mis:
            b = mis[name]
            exact, q = float(b["exact"]), float(b["q_mean"])  # type: ignore[arg-type]
            out.append(
                f"{name} misspecified: exact {exact:.1%} (≥90%), {q:.2f} q (≤16) → "
                f"{_verdict(exact >= 0.90 and q <= 16)}"
            )
    if "flash" in irt:
        f = irt["flash"]
        theta = f.get("theta_rmse", {})
        assert isinstance(theta, dict)
        rmse, expo = float(theta.get(24, float("nan"))), float(f["max_exposure"])  # type: ignore[arg-type]
        out.append(
            f"flash: θ RMSE at 24 = {rmse:.3f} (≤0.30), max exposure {expo:.3f} (≤0.25) → "
            f"{_verdict(rmse <= 0.30 and expo <= 0.25)}"
        )
    p99 = max(float(r["lat_p99"]) for per in results.values() for r in per.values())  # type: ignore[arg-type]
    out.append(f"selection p99 CPU time (worst engine/model): {p99:.3f} ms (≤0.5) → {_verdict(p99 <= 0.5)}")
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, Python {platform.python_version()}, numpy {np.__version__}, {platform.system()}"


def write_docs(text: str, path: Path) -> None:
    """Replace (or add) the ``## Engine (issue 4)`` section, keeping other sections as they are."""
    section = "## Engine (issue 4)\n\n" + text.strip() + "\n"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Engine \(issue 4\)\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _: section + "\n", old) if pattern.search(old) else old.rstrip() + "\n\n" + section
    path.write_text(new)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 20 learners, no docs")
    ap.add_argument("--learners", type=int, default=None, help="learners per model (default 400)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    ap.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args(argv)
    n = args.learners or (20 if args.quick else 400)

    started = time.time()
    bank = make_bank(args.seed)
    catalog = bank.catalog()
    stats = bank.stats()
    selectors = {name: get_selector(ENGINES[name][0], **ENGINES[name][1]) for name in args.engines}
    # Warm-up (imports, caches, branch predictors) on a few learners, not measured.
    warm = make_learners(catalog, "slip_guess", 3, args.seed + 1)
    for name, sel in selectors.items():
        runner = run_flash if name == "flash" else run_competence_engine
        runner(sel, catalog, warm, 99, args.seed, EngineRun())

    results: dict[str, dict[str, dict[str, object]]] = {}
    ceilings: dict[str, float] = {}
    oracles: dict[str, float] = {}
    for mi, model in enumerate(args.models):
        learners = make_learners(catalog, model, n, args.seed)
        ceilings[model] = information_ceiling(catalog, learners)
        if MODELS[model] is not None:
            oracles[model] = information_ceiling(catalog, learners, model)
        # Long-lived objects (catalog, learners, results) out of the GC's way, as a server would
        # do after start-up: latency then measures selection, not collections of benchmark data.
        gc.collect()
        gc.freeze()
        results[model] = {}
        for name, sel in selectors.items():
            run = EngineRun()
            runner = run_flash if name == "flash" else run_competence_engine
            runner(sel, catalog, learners, mi, args.seed, run)
            measure_latency(sel, catalog, run)
            results[model][name] = summarise(run, learners, len(catalog.competences))
            print(f"  {model}/{name} done ({time.time() - started:.0f} s)", file=sys.stderr)

    header = (
        f"`.venv/bin/python benchmarks/engine_sim.py{' --quick' if args.quick else ''}` — seed {args.seed}, "
        f"{n} learners per model × {len(catalog.competences)} competences, "
        f"{dt.date.today().isoformat()}, {machine()}; wall time {time.time() - started:.0f} s.\n\n"
        f"Bank: {stats['active_skills']} active skills, {stats['playable_challenges']} playable challenges, "
        f"{stats['tubes']} tubes ({stats['tubes_per_competence_min']}–{stats['tubes_per_competence_max']} per "
        f"competence), {stats['missing_level_share']:.0%} of levels missing inside tubes.  Engines at their "
        f"defaults; levels capped at {MAX_LEVEL}; true level shares 0..7 = {LEVEL_SHARES.tolist()}, "
        f"competence correlation {RHO}."
    )
    report = format_report(results, header)
    report += (
        "\n\nInformation ceiling (bayesian posterior after one challenge of every skill, no stopping, "
        "no tube-inference exclusion): "
        + ", ".join(f"{m} {c:.1%}" for m, c in ceilings.items())
        + ".  Oracle (the same, with the learners' true slip/guess and true level shares as prior): "
        + ", ".join(f"{m} {c:.1%}" for m, c in oracles.items())
    )
    report += "\n\nTargets:\n\n" + "\n".join(f"- {t}" for t in targets(results))
    print(report)
    if not (args.quick or args.no_docs):
        write_docs(report, args.docs)
        print(f"\nwritten to {args.docs}", file=sys.stderr)
    gc.unfreeze()  # main() may run inside another process (tests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
