"""Collective analysis: mastery by competence and tube, mean level reached, topics to teach first, the skill × class
heatmap (SVG with the values written, and the table), from shared snapshots only."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.orga.analysis import NO_CLASS, SkillInfo, analyse, heatmap_svg
from tests.orga.world import World, build_world, log_in_as

SKILLS = [SkillInfo("@a1", "@a1", "@a", "1.1", 1), SkillInfo("@a2", "@a2", "@a", "1.1", 2),
          SkillInfo("@b1", "@b1", "@b", "2.1", 1)]


def test_analyse_by_competence_tube_and_class() -> None:
    result = analyse(SKILLS, [
        ("4A", {"skills": {"@a1": "validated", "@a2": "validated", "@b1": "invalidated"}}),
        ("4A", {"skills": {"@a1": "invalidated", "@a2": "validated"}}),  # @a2 without @a1: level reached 0
        ("4B", {"skills": {"@a1": "validated", "@b1": "validated"}}),
        (None, {"skills": {}}),
    ])
    assert result.participants == 4
    assert {code: m.percent for code, m in result.competences.items()} == {"1.1": 50, "2.1": 25}
    tubes = {t.tube: t for t in result.tubes}
    assert tubes["@a"].mastery.percent == 50 and tubes["@a"].mean_level == pytest.approx((2 + 0 + 1 + 0) / 4)
    assert tubes["@b"].mastery.percent == 25 and tubes["@b"].max_level == 1
    assert [t.tube for t in result.to_teach_first()] == ["@b", "@a"]
    assert result.classes == ["4A", "4B", NO_CLASS]
    assert result.heatmap["@a2"]["4A"].percent == 100 and result.heatmap["@a2"]["4B"].percent == 0
    svg = heatmap_svg(result, "Carte <test>")
    assert svg.startswith("<svg") and "Carte &lt;test&gt;" in svg and "100 %" in svg and ">4B<" in svg


def test_no_shared_results() -> None:
    result = analyse(SKILLS, [])
    assert result.participants == 0 and result.to_teach_first() == [t for t in result.tubes]  # all at 0 %


def test_analysis_page(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    world: World = build_world(db_session, demo_content)
    log_in_as(client, world.member_a)
    page = client.get(f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/analyse").get_data(as_text=True)
    assert "D'après 1 résultat reçu." in page  # the unsent and started participations are not counted
    weak = page.split("Sujets à travailler en priorité", 1)[1].split("</ol>", 1)[0]
    assert weak.index("@connectiquePorts") < weak.index("@donneesPersonnelles") and "@motDePasse" not in weak
    assert "maîtrise 25 %, niveau moyen atteint 1.0 sur 4" in weak
    assert "<svg" in page and "<caption>Part des élèves" in page


def test_analysis_page_when_every_topic_is_mastered(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    world: World = build_world(db_session, demo_content)
    world.shared.results = {**world.shared.results,
                            "skills": {sid: "validated" for sid in world.shared.results["skills"]}}
    world.campaign_a.target_profile.tubes = {"@motDePasse": 6}
    db_session.flush()
    log_in_as(client, world.member_a)
    page = client.get(f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/analyse")
    assert page.status_code == 200 and "maîtrisés à 70 % ou plus" in page.get_data(as_text=True)


def test_sending_progress() -> None:
    from pix_lti.orga.analysis import sending_progress

    progress = sending_progress([(1, 1, 0.4), (1, 3, 0.9), (1, 2, 0.5), (2, 1, 0.2), (2, 2, 0.6), (3, 1, 1.0)])
    assert (progress.learners, progress.first_percent, progress.last_percent) == (2, 30, 75)
    assert sending_progress([(3, 1, 1.0)]).learners == 0


def test_analysis_page_shows_progress_between_sendings(client: FlaskClient, db_session: Session,
                                                       demo_content: str) -> None:
    from datetime import timedelta

    from pix_lti.orga.models import CampaignParticipation, ParticipationStatus

    world: World = build_world(db_session, demo_content)
    world.campaign_a.multiple_sendings = True
    earlier = world.shared.shared_at - timedelta(days=10)
    db_session.add(CampaignParticipation(campaign_id=world.campaign_a.id, user_id=world.student_a.id,
                                         status=ParticipationStatus.SHARED, mastery_rate=0.3, is_improved=True,
                                         shared_at=earlier, created_at=earlier, results={"skills": {}}))
    db_session.flush()
    log_in_as(client, world.member_a)
    page = client.get(f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/analyse").get_data(as_text=True)
    assert "1 élève a envoyé plusieurs fois ses résultats ; maîtrise moyenne 30 % au premier envoi, 69 % au dernier" in page
    assert "D'après 1 résultat reçu." in page  # the improved sending is not counted twice in the analysis
