"""Write the synthetic bank of ``benchmarks/synthetic_bank.py`` as a content pack folder, and time loading it.

The bank's shape (16 competences, ~700 skills, ~3,000 challenges, 10–25 tubes per competence,
levels 1..7 with about a quarter missing inside tubes, 2PL parameters) comes from the engine's
generator; this script only dresses it as YAML in the format of ``docs/content-format.md``, cycling
through the five challenge types, so the very loader used for real packs can be measured on it.

    .venv/bin/python benchmarks/content_gen.py /tmp/synthetic-pack              # write the pack
    .venv/bin/python benchmarks/content_gen.py /tmp/synthetic-pack --measure    # + validate/load timings (SQLite)
    .venv/bin/python benchmarks/content_gen.py /tmp/p --measure --database-url postgresql+psycopg://…/db
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a script: make pix_lti and synthetic_bank importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_bank import SyntheticBank, make_bank  # noqa: E402

from pix_lti.engine.types import ChallengeStatus, SkillStatus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REFERENTIEL = ROOT / "content" / "crcn-demo" / "pack.yaml"
TYPES = ("QCU", "QCM", "QROC", "QROCM-ind", "QROCM-dep")


def _challenge(cid: str, index: int, timed: bool, focused: bool, a: float | None, b: float | None,
               archived: bool) -> dict[str, Any]:
    ctype = TYPES[index % len(TYPES)]
    n = index % 7 + 1
    data: dict[str, Any] = {"id": cid, "type": ctype,
                            "instruction": {"fr": f"Question synthétique {cid} : **{ctype}**.",
                                            "en": f"Synthetic question {cid}: **{ctype}**."}}
    if ctype in ("QCU", "QCM"):
        data["proposals"] = {"fr": [f"Proposition {i}" for i in range(1, 5)],
                             "en": [f"Option {i}" for i in range(1, 5)]}
        data["solution"] = n % 4 + 1 if ctype == "QCU" else sorted({n % 4 + 1, (n + 2) % 4 + 1})
    elif ctype == "QROC":
        data["input"] = {"label": {"fr": "Réponse", "en": "Answer"}, "numeric": True}
        data["format"] = "number"
        data["solution"] = [f"{n * 12},5"]
    elif ctype == "QROCM-ind":
        data["inputs"] = [{"key": "mot", "label": {"fr": "Mot", "en": "Word"}},
                          {"key": "ext", "label": {"fr": "Extension", "en": "Extension"},
                           "options": {"fr": [".odt", ".ods", ".odp"], "en": [".odt", ".ods", ".odp"]}}]
        data["solution"] = {"mot": {"fr": ["fichier", "document"], "en": ["file", "document"]}, "ext": [".ods"]}
    else:
        data["inputs"] = [{"key": "a", "label": {"fr": "Premier", "en": "First"}},
                          {"key": "b", "label": {"fr": "Second", "en": "Second"}}]
        data["solution"] = [["rouge"], ["vert"], ["bleu"]]
        data["tolerances"] = ["T1", "T2", "T3"]
    if timed:
        data["timer"] = 60
    if focused:
        data["focused"] = True
    if a is not None and b is not None:
        data["irt"] = {"discrimination": a, "difficulty": b}
    if archived:
        data["status"] = "archived"
    return data


def write_pack(bank: SyntheticBank, out: Path) -> dict[str, int]:
    """Write ``bank`` as a pack in ``out`` (replaced); return what was written."""
    if out.exists():
        shutil.rmtree(out)
    (out / "competences").mkdir(parents=True)
    referentiel = yaml.safe_load(REFERENTIEL.read_text(encoding="utf-8"))
    referentiel.update(id=f"synthetic-{bank.seed}", version=f"synthetic-{bank.seed}")
    (out / "pack.yaml").write_text(yaml.safe_dump(referentiel, allow_unicode=True, sort_keys=False), encoding="utf-8")

    challenges_of: dict[str, list[Any]] = defaultdict(list)
    for c in bank.challenges:
        challenges_of[c.skill_id].append(c)
    tubes: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for s in bank.skills:
        tubes[s.competence][s.tube].append(s)
    index = 0
    for comp, comp_tubes in tubes.items():
        tutorial = f"tuto-syn-{comp}"
        doc: dict[str, Any] = {
            "competence": comp,
            "tutorials": [{"id": tutorial, "locale": "fr", "title": f"Tutoriel {comp}", "source": "Synthétique",
                           "format": "page", "duration": "00:05:00", "link": f"https://example.org/tuto/{comp}"}],
            "tubes": [],
        }
        for tube, skills in comp_tubes.items():
            entry: dict[str, Any] = {"name": tube, "title": {"fr": f"Sujet {tube}", "en": f"Topic {tube}"},
                                     "skills": []}
            for s in sorted(skills, key=lambda s: s.level):
                challenges = []
                for c in challenges_of[s.id]:
                    challenges.append(_challenge(c.id, index, c.timed, c.focused, c.discrimination, c.difficulty,
                                                 c.status is ChallengeStatus.ARCHIVED))
                    index += 1
                entry["skills"].append({"level": s.level, "tutorials": [tutorial], "challenges": challenges,
                                        **({"status": "archived"} if s.status is SkillStatus.ARCHIVED else {})})
            doc["tubes"].append(entry)
        (out / "competences" / f"{comp}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return {"competences": len(tubes), "tubes": sum(len(t) for t in tubes.values()),
            "skills": len(bank.skills), "challenges": len(bank.challenges)}


def measure(pack_dir: Path, database_url: str | None) -> None:
    from sqlalchemy.orm import Session

    from pix_lti.cli import run_migrations
    from pix_lti.content.loader import load_pack_folder
    from pix_lti.content.reader import read_pack
    from pix_lti.db import make_engine

    started = time.perf_counter()
    pack, report = read_pack(pack_dir)
    print(f"validate: {time.perf_counter() - started:.2f} s, {len(report.errors)} error(s)")
    if report.errors or pack is None:
        for issue in report.errors[:20]:
            print(f"  {issue}")
        raise SystemExit(1)
    tmp = None
    if database_url is None:
        tmp = tempfile.mkdtemp(prefix="content-gen-")
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
    run_migrations(database_url)
    engine = make_engine(database_url)
    try:
        for label, force in (("first load", False), ("second load (unchanged)", False), ("forced re-sync", True)):
            started = time.perf_counter()
            with Session(engine) as session:
                result = load_pack_folder(session, pack_dir, force=force)
                session.commit()
            print(f"{label}: {time.perf_counter() - started:.2f} s — {result.describe()}")
        from pix_lti.content.engine_bridge import clear_catalog_cache, get_catalog

        clear_catalog_cache()
        with Session(engine) as session:
            started = time.perf_counter()
            catalog = get_catalog(session, pack.id)
            built = time.perf_counter() - started
            started = time.perf_counter()
            get_catalog(session, pack.id)
            cached = time.perf_counter() - started
        print(f"engine catalog from the database: {built:.2f} s ({len(catalog.skills)} skills, "
              f"{len(catalog.challenges)} challenges); cached lookup: {cached * 1000:.1f} ms")
    finally:
        engine.dispose()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the pack into (replaced)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--measure", action="store_true", help="validate and load the pack, printing timings")
    parser.add_argument("--database-url", help="database to load into (default: a fresh temporary SQLite file); "
                                                "it is migrated first")
    args = parser.parse_args()
    written = write_pack(make_bank(args.seed), args.out)
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in written.items()))
    if args.measure:
        measure(args.out, args.database_url)


if __name__ == "__main__":
    main()
