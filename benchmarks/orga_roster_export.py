"""Orga at school scale: importing a SIECLE file of N students (first import, then a re-import with changes and
leavers) and exporting the results CSV of a campaign with N shared participations — both through the real pages
(Flask test client: upload, parsing, validation, database writes; streamed export read to the end).

    .venv/bin/python benchmarks/orga_roster_export.py                         # SQLite (temporary file), N = 10,000
    .venv/bin/python benchmarks/orga_roster_export.py --students 1000
    .venv/bin/python benchmarks/orga_roster_export.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The export's memory is checked by running it for N/10 and N participants under tracemalloc: bounded memory means the
two peaks are close (rows are read 500 at a time and encoded one by one). Targets (issue 8): import < 10 s, export
< 5 s for 10,000; the collective analysis page of N/10 (1,000) participants < 300 ms. Prints the figures and a Markdown row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, make_url, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from pix_lti.cli import run_migrations  # noqa: E402
from pix_lti.db import make_engine, utcnow  # noqa: E402

UAI = "0759999X"
PASSWORD = "bench-password-0123"
FIRST = ["Léa", "Hugo", "Inès", "Jules", "Chloé", "Adam", "Emma", "Noé", "Zoé", "Louis", "Maël", "Anaïs"]
LAST = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Garcia", "N'Diaye"]


def siecle_xml(n: int, rng: random.Random, *, changed: float = 0.0, left: float = 0.0) -> bytes:
    """A BEE_ELEVES file of ``n`` students in 4 levels × 8 classes (names and dates fixed by the rank, so that two
    files differ only where asked); ``changed`` of them switch class, ``left`` of them are absent (they left)."""
    students, structures = [], []
    for i in range(n):
        if rng.random() < left:
            continue
        division = f"{3 + i % 4}{'ABCDEFGH'[i // 4 % 8]}"
        if rng.random() < changed:
            division = f"{3 + i % 4}Z"
        birth = date(2010, 1, 1) + timedelta(days=i % 1400)
        students.append(
            f'<ELEVE ELEVE_ID="{i}"><ID_NATIONAL>{i:09d}AB</ID_NATIONAL><NOM_DE_FAMILLE>{LAST[i * 7 % len(LAST)].upper()}'
            f"</NOM_DE_FAMILLE><PRENOM>{FIRST[i % len(FIRST)]}</PRENOM><DATE_NAISS>{birth:%d/%m/%Y}</DATE_NAISS>"
            f"<CODE_SEXE>{1 + i % 2}</CODE_SEXE><CODE_PAYS>100</CODE_PAYS><CODE_MEF>1011000{i % 4}110</CODE_MEF>"
            f"</ELEVE>")
        structures.append(f'<STRUCTURES_ELEVE ELEVE_ID="{i}"><STRUCTURE><CODE_STRUCTURE>{division}</CODE_STRUCTURE>'
                          f"<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><BEE_ELEVES VERSION="3.1"><PARAMETRES><UAJ>{UAI}</UAJ>'
            f"</PARAMETRES><DONNEES><ELEVES>{''.join(students)}</ELEVES><STRUCTURES>{''.join(structures)}"
            f"</STRUCTURES></DONNEES></BEE_ELEVES>").encode()


def create_pg_database(base_url: str) -> str:
    url = make_url(base_url)
    name = f"orga_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url_text: str, base_url: str) -> None:
    admin = make_engine(base_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url_text).database}" WITH (FORCE)'))
    admin.dispose()


def setup(database_url: str) -> dict[str, int]:
    """The demo pack, a school with a référent, a target profile and a campaign."""
    from pix_lti.content.loader import load_pack_folder
    from pix_lti.identity import services
    from pix_lti.identity.models import MembershipRole, OrganisationType
    from pix_lti.orga import campaigns

    engine = make_engine(database_url)
    with Session(engine) as session:
        load_pack_folder(session, ROOT / "content" / "crcn-demo")
        org = services.ensure_organisation(session, name="Collège du banc d'essai", type=OrganisationType.SCO, uai=UAI)
        admin = services.create_local_user(session, username="referent.bench", password=PASSWORD,
                                           first_name="Ada", last_name="Référente")
        services.ensure_membership(session, admin, org, MembershipRole.ADMIN)
        profile = campaigns.create_target_profile(session, name="Sécurité", pack_key="crcn-demo",
                                                  tubes={"@motDePasse": 6, "@donneesPersonnelles": 4,
                                                         "@connectiquePorts": 4, "@lectureUrl": 3})
        campaign = campaigns.create_campaign(session, org, title="Banc d'essai", target_profile=profile,
                                             external_id_label="Numéro", stages=[(0, "Début", ""), (50, "Bien", "")])
        ids = {"org": org.id, "campaign": campaign.id}
        skills = [s.id for s in campaigns.target_skills(session, profile)]
        competences = sorted({s.competence for s in campaigns.target_skills(session, profile)})
        session.commit()
    engine.dispose()
    ids["skills"] = len(skills)
    setup.skills = skills  # type: ignore[attr-defined]
    setup.competences = competences  # type: ignore[attr-defined]
    return ids


def add_participants(database_url: str, campaign_id: int, n: int, rng: random.Random) -> None:
    """``n`` learners with shared participations whose snapshot looks like real ones (bulk inserts)."""
    from pix_lti.identity.models import User
    from pix_lti.orga.models import CampaignParticipation

    skills: list[str] = setup.skills  # type: ignore[attr-defined]
    competences: list[str] = setup.competences  # type: ignore[attr-defined]
    engine = make_engine(database_url)
    now = utcnow()
    with Session(engine) as session:
        start = session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0
        session.execute(insert(User), [{"first_name": rng.choice(FIRST), "last_name": rng.choice(LAST),
                                        "created_at": now} for _ in range(n)])
        user_ids = list(session.scalars(select(User.id).where(User.id > start).order_by(User.id)))
        rows = []
        for user_id in user_ids:
            statuses = {s: rng.choice(("validated", "invalidated")) for s in skills if rng.random() < 0.8}
            validated = sum(1 for v in statuses.values() if v == "validated")
            per = {c: {"validated": 2, "tested": 3, "total": 4, "mastery_rate": 0.5} for c in competences}
            rows.append({"campaign_id": campaign_id, "user_id": user_id, "external_id": f"=N{user_id}",
                         "status": "SHARED", "mastery_rate": validated / len(skills), "validated_skills": validated,
                         "tested_skills": len(statuses), "is_improved": False, "created_at": now, "shared_at": now,
                         "results": {"kind": "assessment", "mastery_rate": validated / len(skills),
                                     "validated": validated, "tested": len(statuses), "total": len(skills),
                                     "stage": {"threshold": 0, "title": "Début", "index": 1, "count": 2},
                                     "competences": per, "skills": statuses}})
        session.execute(insert(CampaignParticipation), rows)
        session.commit()
    engine.dispose()


def make_client(database_url: str, instance: str) -> Any:
    from pix_lti.app import create_app
    from tests.helpers import login

    app = create_app({"env": "testing", "secret_key": "bench-secret-key-0123456789-abcdefghijklmnop",
                      "database_url": database_url, "instance_dir": instance, "log_level": "WARNING"})
    client = app.test_client()
    assert login(client, "referent.bench", PASSWORD).status_code == 303
    return client


def timed_import(client: Any, org_id: int, data: bytes) -> tuple[float, float, str]:
    from tests.helpers import csrf_token_from

    token = csrf_token_from(client.get(f"/orga/{org_id}/eleves/import").get_data(as_text=True))
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.post(f"/orga/{org_id}/eleves/import", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(data), "eleves.xml")})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    message = client.get(response.headers["Location"]).get_data(as_text=True)
    summary = message.split("Import terminé : ", 1)[1].split("<", 1)[0] if "Import terminé" in message else "?"
    return wall, cpu, summary


def timed_export(client: Any, org_id: int, campaign_id: int, *, trace: bool) -> tuple[float, int, int, int]:
    """Wall seconds, bytes, rows, and the tracemalloc peak (bytes) when ``trace``."""
    if trace:
        tracemalloc.start()
    wall = time.perf_counter()
    response = client.get(f"/orga/{org_id}/campagnes/{campaign_id}/export.csv", buffered=False)
    size = rows = 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    response.close()
    wall = time.perf_counter() - wall
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return wall, size, rows - 1, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--pg-url", help="PostgreSQL server URL (a database is created and dropped)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="orga-bench-")
    database_url = create_pg_database(args.pg_url) if args.pg_url else f"sqlite:///{tmp}/bench.sqlite3"
    backend = "PostgreSQL" if args.pg_url else "SQLite"
    try:
        run_migrations(database_url)
        ids = setup(database_url)
        client = make_client(database_url, tmp)
        n = args.students
        first_file = siecle_xml(n, random.Random(args.seed))
        second_file = siecle_xml(n, random.Random(args.seed), changed=0.05, left=0.02)
        print(f"{backend}, {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}; SIECLE file {len(first_file) / 1e6:.1f} MB")
        import_1 = timed_import(client, ids["org"], first_file)
        print(f"first import of {n}: {import_1[0]:.2f} s wall, {import_1[1]:.2f} s CPU — {import_1[2]}")
        import_2 = timed_import(client, ids["org"], second_file)
        print(f"re-import (5 % changed class, 2 % left): {import_2[0]:.2f} s wall, {import_2[1]:.2f} s CPU — {import_2[2]}")

        small = max(1, n // 10)
        add_participants(database_url, ids["campaign"], small, rng)
        _, _, rows_small, peak_small = timed_export(client, ids["org"], ids["campaign"], trace=True)
        analysis_times = []
        for _ in range(5):  # best of 5: the page (load snapshots + classes, analyse, SVG, render)
            started = time.perf_counter()
            page = client.get(f"/orga/{ids['org']}/campagnes/{ids['campaign']}/analyse")
            analysis_times.append(time.perf_counter() - started)
            assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
        print(f"collective analysis page, {small} participants: best {min(analysis_times) * 1000:.0f} ms, "
              f"median {sorted(analysis_times)[2] * 1000:.0f} ms")
        add_participants(database_url, ids["campaign"], n - small, rng)
        wall, size, rows, _ = timed_export(client, ids["org"], ids["campaign"], trace=False)
        _, _, _, peak = timed_export(client, ids["org"], ids["campaign"], trace=True)
        print(f"export of {rows} participants ({ids['skills']} target skills): {wall:.2f} s wall, {size / 1e6:.1f} MB")
        print(f"export peak Python memory: {peak_small / 1e6:.1f} MB for {rows_small} rows, {peak / 1e6:.1f} MB for "
              f"{rows} rows")
        print(f"| {backend} | {n:,} | {import_1[0]:.1f} | {import_2[0]:.1f} | {wall:.1f} | "
              f"{peak_small / 1e6:.1f} / {peak / 1e6:.1f} | {min(analysis_times) * 1000:.0f} |")
    finally:
        if args.pg_url:
            drop_pg_database(database_url, args.pg_url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
