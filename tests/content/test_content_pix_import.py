"""Import of a Pix learning-content release (fixture written in the Pix release shape)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.content.issues import Report
from pix_lti.content.loader import load_pack_data
from pix_lti.content.models import Area, Challenge, ChallengeStatus, Competence, ItemStatus, Skill, Tube, Tutorial
from pix_lti.content.pix_import import (
    convert_release,
    parse_pix_proposals,
    parse_placeholders,
    parse_qrocm_solution,
    read_pix_release,
)

FIXTURE = Path(__file__).parent / "fixtures" / "pix-release.json"


def test_fixture_reads_with_expected_counts_and_skips() -> None:
    pack, report = read_pix_release(FIXTURE)
    assert pack is not None and report.errors == []
    assert pack.counts() == {"areas": 2, "competences": 3, "tubes": 4, "skills": 9, "challenges": 11, "tutorials": 4}
    skipped = {w.entry for w in report.warnings if "skipped" in w.reason}
    assert skipped == {"recChBadSolution", "recChUnknownType", "recChOrphan"}
    assert pack.locales == ["fr", "en"] and pack.version == "4242"


def test_fields_are_converted() -> None:
    pack, _ = read_pix_release(FIXTURE)
    assert pack is not None
    by_id = {c.id: c for c in pack.challenges}
    assert by_id["recChRech2a"].solution == [1, 3] and by_id["recChRech2a"].focused and by_id["recChRech2a"].timer == 60
    assert by_id["recChRech1b"].locales == ["en"] and by_id["recChRech1b"].irt_discrimination is None
    assert (by_id["recChRech1a"].irt_discrimination, by_id["recChRech1a"].irt_difficulty) == (1.8, -1.9)
    qroc = by_id["recChRech3a"]
    assert qroc.solution == {"fr": ["site", "site:"]} and qroc.tolerances == ["T1"]  # t2/t3 Désactivé
    assert qroc.inputs[0].label == {"fr": "Mot-clé"} and qroc.inputs[0].placeholder == {"fr": "par exemple : intitle"}
    number = by_id["recChTab2a"]
    assert number.format == "number" and number.inputs[0].label == {"fr": "Moyenne de la colonne B"}
    assert number.attachment is not None and number.attachment.text == {"fr": "notes classe.ods"}
    assert number.illustration is not None and number.illustration.url and number.illustration.text["fr"].startswith("Capture")
    assert by_id["recChTab3a"].solution == {"fonction": {"fr": ["SOMME", "SUM"]}, "plage": {"fr": ["A1:A10"]}}
    assert len(by_id["recChMdp1a"].solution) == 3 and [i.key for i in by_id["recChMdp1a"].inputs] == ["car1", "car2"]
    select_input = by_id["recChMdp2a"].inputs[0]
    assert select_input.options == {"fr": ["plus", "moins"]}
    assert "… robuste" in by_id["recChMdp2a"].instruction["fr"]  # the sentence around the blank is kept
    statuses = {c.id: c.status for c in pack.challenges}
    assert statuses["recChRech2old"] == statuses["recChMdp2old"] == "archived"
    skills = {s.source_id: s for s in pack.skills}
    assert skills["recSkMdp2old"].status == "archived" and skills["recSkPhish3"].status == "archived"
    assert skills["recSkRech2"].tutorial_ids == ["recTutoRech"]  # the unknown learning-more tutorial is dropped
    assert {t.id: t.format for t in pack.tutorials}["recTutoVideo"] == "video"
    assert {t.id: t.locale for t in pack.tutorials}["recTutoVideo"] == "en"


def test_import_into_database(db_session: Session) -> None:
    pack, _ = read_pix_release(FIXTURE)
    assert pack is not None
    result = load_pack_data(db_session, pack, pack_key="pix")
    assert result.new_versions == 11

    def n(model: type) -> int:
        return db_session.scalar(select(func.count()).select_from(model)) or 0

    assert (n(Area), n(Competence), n(Tube), n(Skill), n(Challenge), n(Tutorial)) == (2, 3, 4, 9, 11, 4)
    archived_skills = db_session.scalars(select(Skill.source_id).where(Skill.status == ItemStatus.ARCHIVED)).all()
    assert sorted(archived_skills) == ["recSkMdp2old", "recSkPhish3"]
    assert db_session.scalar(select(func.count()).select_from(Challenge)
                             .where(Challenge.status == ChallengeStatus.VALIDATED)) == 8
    same_name = db_session.scalars(select(Skill).where(Skill.name == "@motdepasse2")).all()
    assert len(same_name) == 2  # Pix keeps an archived and an active skill with the same name apart
    pix_values = {s.source_id: s.pix for s in db_session.scalars(select(Skill))}
    assert pix_values["recSkRech2"] == 2.6666666666666665  # Pix's pixValue is kept as given
    ch = db_session.scalars(select(Challenge).where(Challenge.source_id == "recChRech1a")).one()
    assert ch.current_version.irt_source == "pix"
    assert load_pack_data(db_session, pack, pack_key="pix").unchanged


def test_cli_import_pix(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["content", "import-pix", str(FIXTURE), "--pack-key", "pix-test"])
    assert result.exit_code == 0, result.output
    assert "11 new challenge version(s)" in result.output
    assert "recChBadSolution" in result.output  # the skipped record is named


def test_pix_syntax_parsers() -> None:
    assert parse_pix_proposals("- un\n- deux\n  suite\n- trois") == ["un", "deux\nsuite", "trois"]
    assert parse_qrocm_solution("a:\n- no\n- 007\nb: oui") == {"a": ["no", "007"], "b": ["oui"]}
    inputs = parse_placeholders("Nom du fichier : ${nom#rapport}.${ext options=[\".odt\",\".pdf\"]}", ["fr"])
    assert [(i.key, i.label["fr"]) for i in inputs] == [("nom", "Nom du fichier"), ("ext", "ext")]
    assert inputs[1].options == {"fr": [".odt", ".pdf"]}


def test_missing_content_key_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"frameworks": []}', encoding="utf-8")
    pack, report = read_pix_release(bad)
    assert pack is None and report.errors[0].field == "content"
    pack = convert_release({"challenges": "nope"}, Report(), file="x.json", pack_key="p", version="1")
    assert pack.challenges == []


def test_unsafe_tutorial_links_are_dropped() -> None:
    content = {
        "tutorials": [{"id": "t1", "title": "x", "link": "javascript:alert(1)", "source": "s", "format": "page",
                       "duration": "00:01:00", "locale": "fr-fr"}],
    }
    report = Report()
    pack = convert_release(content, report, file="r.json", pack_key="p", version="1")
    assert pack.tutorials == [] and report.errors == []
    assert any(w.entry == "t1" and w.field == "link" for w in report.warnings)


def test_unsafe_challenge_urls_are_ignored() -> None:
    content = {
        "areas": [{"id": "a", "code": "1", "title_i18n": {"fr": "A"}}],
        "competences": [{"id": "c", "index": "1.1", "areaId": "a", "name_i18n": {"fr": "C"}}],
        "tubes": [{"id": "t", "name": "@t", "competenceId": "c"}],
        "skills": [{"id": "s", "name": "@t1", "level": 1, "status": "actif", "tubeId": "t"}],
        "challenges": [{"id": "x", "type": "QCU", "status": "validé", "skillId": "s", "locales": ["fr"],
                        "instruction": "Q", "proposals": "- a\n- b", "solution": "1",
                        "embedUrl": "javascript:alert(1)", "illustrationUrl": "data:image/svg+xml,<svg/>",
                        "attachments": ["javascript:alert(2)"]}],
    }
    report = Report()
    pack = convert_release(content, report, file="r.json", pack_key="p", version="1")
    ch = pack.challenges[0]
    assert ch.embed_url is None and ch.illustration is None and ch.attachment is None
    assert {w.field for w in report.warnings} >= {"embedUrl", "illustrationUrl", "attachments"}
