"""Loading packs into the database: idempotence, versioning, archiving, derived values."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.content.packfactory import challenge, competence_file, write_pack
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.content.loader import load_pack_folder
from pix_lti.content.models import (
    Area,
    Challenge,
    ChallengeStatus,
    ChallengeVersion,
    Competence,
    ContentMedia,
    ContentRelease,
    ItemStatus,
    Skill,
    Tube,
    Tutorial,
)
from pix_lti.content.schema import PackError
from pix_lti.engine.irt import default_item_parameters

DEMO = Path(__file__).resolve().parents[2] / "content" / "crcn-demo"
MODELS = (Area, Competence, Tube, Skill, Tutorial, Challenge, ChallengeVersion, ContentMedia)


def counts(session: Session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in MODELS}


def version(session: Session, cid: str) -> ChallengeVersion:
    ch = session.scalars(select(Challenge).where(Challenge.source_id == cid)).one()
    return ch.current_version


def test_load_twice_creates_nothing_new(db_session: Session, tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    before = counts(db_session)  # other packs (the session-wide demo pack) may already be loaded
    first = load_pack_folder(db_session, root)
    assert not first.unchanged and first.new_versions == 5
    after_first = counts(db_session)
    added = {name: after_first[name] - before[name] for name in after_first}
    assert added["Challenge"] == 5 and added["Skill"] == 2 and added["ContentMedia"] == 2
    second = load_pack_folder(db_session, root)
    assert second.unchanged and second.release_id == first.release_id
    forced = load_pack_folder(db_session, root, force=True)  # a full re-sync also finds nothing to create
    assert not forced.unchanged and forced.new_versions == 0 and not forced.created and not forced.updated
    assert counts(db_session) == after_first


def test_changed_challenge_gets_a_new_version_and_keeps_the_old(db_session: Session, tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    load_pack_folder(db_session, root)
    v1 = version(db_session, "qcu-1")
    assert (v1.number, v1.solution) == (1, 2)

    comp = competence_file()
    challenge(comp, "qcu-1")["instruction"]["fr"] = "Choisir la bonne réponse"
    result = load_pack_folder(db_session, write_pack(root, comp))
    assert result.new_versions == 1
    db_session.expire_all()
    v2 = version(db_session, "qcu-1")
    assert v2.number == 2 and v2.instruction["fr"] == "Choisir la bonne réponse" and v2.id != v1.id
    old = db_session.get(ChallengeVersion, v1.id)
    assert old is not None and old.instruction["fr"] == "Choisir"  # answers to v1 still see what was asked
    assert db_session.scalar(select(func.count()).select_from(Challenge)) == 5

    # Reverting the content makes version 1 current again rather than creating a third copy.
    load_pack_folder(db_session, write_pack(root))
    db_session.expire_all()
    assert version(db_session, "qcu-1").number == 1
    assert db_session.scalar(select(func.count()).select_from(ChallengeVersion)) == 6


def test_changed_media_makes_a_new_version(db_session: Session, tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    load_pack_folder(db_session, root)
    before = version(db_session, "qcu-1").illustration
    (root / "media" / "pic.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', encoding="utf-8")
    result = load_pack_folder(db_session, root)
    assert result.new_versions == 1
    db_session.expire_all()
    after = version(db_session, "qcu-1").illustration
    assert after["sha256"] != before["sha256"] and after["mime"] == "image/svg+xml"
    assert db_session.scalar(select(func.count()).select_from(ContentMedia)) == 3  # old image kept for v1


def test_removed_items_are_archived_not_deleted(db_session: Session, tmp_path: Path) -> None:
    root = write_pack(tmp_path)
    load_pack_folder(db_session, root)
    comp = competence_file()
    skill2 = comp["tubes"][0]["skills"][1]
    skill2["challenges"] = [c for c in skill2["challenges"] if c["id"] != "qrocm-dep-1"]
    result = load_pack_folder(db_session, write_pack(root, comp))
    assert result.archived["challenges"] == 1
    ch = db_session.scalars(select(Challenge).where(Challenge.source_id == "qrocm-dep-1")).one()
    assert ch.status == ChallengeStatus.ARCHIVED and len(ch.versions) == 1

    comp["tubes"][0]["skills"][1]["status"] = "archived"
    load_pack_folder(db_session, write_pack(root, comp))
    skill = db_session.scalars(select(Skill).where(Skill.name == "@recherche2")).one()
    assert skill.status == ItemStatus.ARCHIVED and skill.pix == 0

    # Coming back restores the challenge under the same row.
    load_pack_folder(db_session, write_pack(root))
    db_session.expire_all()
    ch = db_session.scalars(select(Challenge).where(Challenge.source_id == "qrocm-dep-1")).one()
    assert ch.status == ChallengeStatus.VALIDATED


def test_irt_parameters_default_from_level_or_authored(db_session: Session, tmp_path: Path) -> None:
    comp = competence_file()
    challenge(comp, "qcm-1")["irt"] = {"discrimination": 2.5, "difficulty": -1.25}
    load_pack_folder(db_session, write_pack(tmp_path, comp))
    v = version(db_session, "qcu-1")  # level 1, no irt
    assert (v.irt_discrimination, v.irt_difficulty, v.irt_source) == (*default_item_parameters(1), "default")
    v = version(db_session, "qroc-1")  # level 2
    assert (v.irt_discrimination, v.irt_difficulty) == default_item_parameters(2)
    v = version(db_session, "qcm-1")
    assert (v.irt_discrimination, v.irt_difficulty, v.irt_source) == (2.5, -1.25, "authored")


def test_pix_shared_by_the_active_skills_of_a_level(db_session: Session, tmp_path: Path) -> None:
    comp = competence_file()
    comp["tubes"].append({
        "name": "@autre", "title": {"fr": "Autre", "en": "Other"},
        "skills": [{"level": 1, "tutorials": ["tuto-1"], "challenges": [
            {"id": "autre-1", "type": "QCU", "instruction": {"fr": "Q", "en": "Q"},
             "proposals": {"fr": ["a", "b"], "en": ["a", "b"]}, "solution": 1}]}],
    })
    load_pack_folder(db_session, write_pack(tmp_path, comp))
    pix = {s.name: s.pix for s in db_session.scalars(select(Skill))}
    assert pix == {"@recherche1": 4.0, "@autre1": 4.0, "@recherche2": 8.0}


def test_invalid_pack_is_refused_without_writing(db_session: Session, tmp_path: Path) -> None:
    comp = competence_file()
    challenge(comp, "qcu-1")["solution"] = 9
    with pytest.raises(PackError) as excinfo:
        load_pack_folder(db_session, write_pack(tmp_path, comp))
    assert any(i.entry == "qcu-1" for i in excinfo.value.issues)
    assert db_session.scalar(select(func.count()).select_from(ContentRelease)) == 0


def test_cli_load(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = write_pack(tmp_path)
    result = runner.invoke(args=["content", "load", str(root)])
    assert result.exit_code == 0, result.output
    assert "5 new challenge version(s)" in result.output
    result = runner.invoke(args=["content", "load", str(root)])
    assert result.exit_code == 0 and "unchanged" in result.output


def test_demo_pack_validates_and_loads_twice_without_duplicates(db_session: Session) -> None:
    from pix_lti.content.reader import read_pack

    pack, report = read_pack(DEMO)
    assert report.errors == [], "\n".join(map(str, report.errors))
    assert pack is not None and len(pack.competences) == 16
    load_pack_folder(db_session, DEMO)
    first = counts(db_session)
    assert first["Challenge"] == len(pack.challenges) and first["Competence"] == 16 and first["Area"] == 5
    assert load_pack_folder(db_session, DEMO).unchanged
    load_pack_folder(db_session, DEMO, force=True)
    assert counts(db_session) == first
