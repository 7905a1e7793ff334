"""The student pages through the Flask test client on the demo pack: profile, a whole competence test with
checkpoints and result, rendering of every challenge type, resume, English. Helpers here are reused by the other
test_pages_* modules."""

from __future__ import annotations

import pytest

import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pix_lti.assessment import services
from pix_lti.assessment.models import Answer, Assessment, AssessmentStatus
from pix_lti.content.models import Challenge, ChallengeVersion, ContentPack
from pix_lti.identity.models import MembershipRole, User
from tests.assessment.answers import right_form, wrong_form
from tests.factories import PASSWORD, make_member, make_organisation, make_user
from tests.helpers import csrf_token_from, hidden_fields, login

# ---------------------------------------------------------------------------------------------------------------------
# Helpers


def html_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def log_in_student(client: FlaskClient, db_session: Session) -> User:
    user = make_user(db_session)
    db_session.flush()
    assert login(client, user.username or "", PASSWORD).status_code == 303
    return user


def start(client: FlaskClient, code: str) -> int:
    """Press the competence's button on the profile; returns the assessment id it leads to."""
    token = csrf_token_from(html_of(client.get("/profil")))
    response = client.post(f"/competences/{code}/evaluer", data={"csrf_token": token})
    assert response.status_code == 303, response.status_code
    match = re.fullmatch(r"/evaluations/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def assessment_of(db_session: Session, assessment_id: int) -> Assessment:
    db_session.expire_all()  # the requests changed rows through their own sessions
    assessment = db_session.get(Assessment, assessment_id)
    assert assessment is not None
    return assessment


def current_version(db_session: Session, assessment_id: int) -> ChallengeVersion:
    assessment = assessment_of(db_session, assessment_id)
    version = db_session.get(ChallengeVersion, assessment.current_challenge_version_id)
    assert version is not None
    return version


def answer_count(db_session: Session, assessment_id: int) -> int:
    return db_session.scalar(select(func.count()).select_from(Answer).where(Answer.assessment_id == assessment_id)) or 0


def open_question(client: FlaskClient, assessment_id: int) -> str:
    """The question page, passing the warning of a timed question as a student would."""
    html = html_of(client.get(f"/evaluations/{assessment_id}/question"))
    if "Cette question est chronométrée" in html and 'id="challenge-form"' not in html:
        response = client.post(f"/evaluations/{assessment_id}/question/demarrer",
                               data={"csrf_token": csrf_token_from(html)})
        assert response.status_code == 303
        html = html_of(client.get(f"/evaluations/{assessment_id}/question"))
    assert 'id="challenge-form"' in html
    return html


def post_answer(client: FlaskClient, assessment_id: int, html: str, data: dict[str, Any]) -> TestResponse:
    return client.post(f"/evaluations/{assessment_id}/question", data={**hidden_fields(html), **data})


def answer(client: FlaskClient, db_session: Session, assessment_id: int, *, right: bool) -> TestResponse:
    html = open_question(client, assessment_id)
    version = current_version(db_session, assessment_id)
    return post_answer(client, assessment_id, html, right_form(version) if right else wrong_form(version))


def demo_versions(db_session: Session, pack_key: str) -> list[ChallengeVersion]:
    return list(db_session.scalars(
        select(ChallengeVersion).join(Challenge, ChallengeVersion.challenge_id == Challenge.id)
        .join(ContentPack, Challenge.pack_id == ContentPack.id)
        .where(ContentPack.key == pack_key, ChallengeVersion.number == Challenge.current_version_number)
        .order_by(ChallengeVersion.id)))


def find_version(db_session: Session, pack_key: str, predicate: Callable[[ChallengeVersion], bool]) -> ChallengeVersion:
    version = next((v for v in demo_versions(db_session, pack_key) if predicate(v)), None)
    assert version is not None, "no such challenge in the demo bank"
    return version


def competence_of(version: ChallengeVersion) -> str:
    return version.challenge.skill.competence.code


def assessment_on(db_session: Session, user: User, version: ChallengeVersion, pack_key: str) -> Assessment:
    """A started test of the version's competence whose current challenge is forced to ``version``."""
    assessment = services.start_competence_evaluation(db_session, user, competence_of(version), pack_key=pack_key,
                                                      max_level=6)
    assessment.current_challenge_id = version.challenge.source_id
    assessment.current_challenge_version_id = version.id
    assessment.current_challenge_shown_at = None
    db_session.flush()
    return assessment


def path_of(response: TestResponse) -> str:
    return response.request.path


# ---------------------------------------------------------------------------------------------------------------------
# Profile


def test_profile_shows_16_competences_by_domain_with_a_chart_and_its_table(client: FlaskClient, db_session: Session,
                                                                          demo_content: str) -> None:
    log_in_student(client, db_session)
    response = client.get("/profil")
    assert response.status_code == 200
    html = html_of(response)
    assert html.count('class="card competence-card"') == 16
    assert len(re.findall(r'<h2 id="area-\d"', html)) == 5
    assert "Information et données" in html and "Traiter des données" in html
    assert html.count(">Commencer<") == 16
    assert "0 pix" in html and "sur 1024" in html
    # The chart: an SVG image named by its title and description, then the same data as a table.
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="profile-chart-title profile-chart-desc"', html)
    assert html.count('<th scope="row">') >= 16
    assert html.count('class="pc-bar"') == 16


def test_profile_in_english(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    log_in_student(client, db_session)
    client.get("/langue/en?next=/profil")
    html = html_of(client.get("/profil"))
    assert '<html lang="en">' in html
    assert "Processing data" in html and "Information and data literacy" in html
    assert ">Start<" in html and "Commencer" not in html
    assert "My digital skills profile" in html and "out of 1024" in html


def test_home_sends_students_to_their_profile(client: FlaskClient, db_session: Session) -> None:
    school = make_organisation(db_session)
    student = make_member(db_session, school, MembershipRole.STUDENT)
    teacher = make_member(db_session, school, MembershipRole.MEMBER)
    db_session.flush()
    login(client, student.username or "", PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/profil"
    client.post("/deconnexion", data={"csrf_token": csrf_token_from(html_of(client.get("/profil")))})
    login(client, teacher.username or "", PASSWORD)
    assert client.get("/").status_code == 200


def test_profile_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/profil")
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion?next=")


# ---------------------------------------------------------------------------------------------------------------------
# A whole competence test


RESULT = re.compile(r"Vous avez obtenu le niveau (\d+) pour cette compétence et avez gagné (\d+) pix")


def test_a_whole_competence_test_with_checkpoints_and_result(client: FlaskClient, db_session: Session,
                                                             demo_content: str) -> None:
    user = log_in_student(client, db_session)
    assessment_id = start(client, "1.1")
    reviewed: list[str] = []
    checkpoints = 0
    given = 0
    result_html = None
    for _step in range(120):
        response = client.get(f"/evaluations/{assessment_id}", follow_redirects=True)
        page = path_of(response)
        html = html_of(response)
        if page.endswith("/question"):
            assert f"Question {given + 1}" in html and 'data-focus-on-load' in html
            # Mostly right, every third wrong: the test sees both marks and goes up some levels.
            response = answer(client, db_session, assessment_id, right=given % 3 != 2)
            # Straight to the next step (the question or the checkpoint), without the router in between.
            assert response.status_code == 303 and response.headers["Location"] in (
                f"/evaluations/{assessment_id}/question", f"/evaluations/{assessment_id}/point-etape")
            given += 1
        elif page.endswith("/point-etape"):
            checkpoints += 1
            marks = re.findall(r'class="review-result">([^<]+)<', html)
            assert marks and all(m in ("Bonne réponse", "Mauvaise réponse") for m in marks)
            reviewed.extend(marks)
            if "Mauvaise réponse" in marks:
                assert "Réponse attendue" in html
                assert "Pour progresser" in html and ">Enregistrer<" in html
            assert html.count('class="review-item') == len(marks)
            response = client.post(page, data={"csrf_token": csrf_token_from(html)})
            assert response.status_code == 303
        elif page.endswith("/resultat"):
            result_html = html
            break
        else:
            raise AssertionError(page)
    assert result_html is not None, "the test never ended"
    assessment = assessment_of(db_session, assessment_id)
    assert assessment.status is AssessmentStatus.COMPLETED
    assert len(reviewed) == given == assessment.answer_count == answer_count(db_session, assessment_id)
    assert checkpoints == -(-given // 5)  # one per block of 5, the last one with the rest
    assert reviewed.count("Bonne réponse") > 0 and reviewed.count("Mauvaise réponse") > 0
    match = RESULT.search(result_html)
    assert match, result_html
    catalog = services.catalogs.full_catalog(db_session, demo_content)
    score = services.profile_score(db_session, user.id, catalog, 6).by_competence()["1.1"]
    assert (int(match.group(1)), int(match.group(2))) == (score.level, score.pix)  # first test: gained = all
    assert score.pix > 0
    profile = html_of(client.get("/profil"))
    assert f"{score.pix} pix" in profile and "Retenter le " in profile


def test_resume_continues_at_the_current_challenge(client: FlaskClient, db_session: Session,
                                                   demo_content: str) -> None:
    log_in_student(client, db_session)
    assessment_id = start(client, "2.1")
    answer(client, db_session, assessment_id, right=True)
    current = assessment_of(db_session, assessment_id).current_challenge_id
    profile = html_of(client.get("/profil"))
    assert ">Reprendre<" in profile
    assert start(client, "2.1") == assessment_id  # the same test, not a new one
    html = open_question(client, assessment_id)
    assert f'name="challenge_id" value="{current}"' in html and "Question 2" in html


# ---------------------------------------------------------------------------------------------------------------------
# Rendering of each challenge type


def _field_labels(html: str) -> list[tuple[str, str]]:
    """(input id, label text) pairs: every answer control has a label tied to it."""
    return re.findall(r'<label for="([^"]+)"[^>]*>(.*?)</label>', html, flags=re.S)


def test_each_challenge_type_renders_with_labels_and_fieldsets(client: FlaskClient, db_session: Session,
                                                               demo_content: str) -> None:
    user = log_in_student(client, db_session)
    cases: dict[str, Callable[[ChallengeVersion], bool]] = {
        "QCU": lambda v: v.type == "QCU" and not v.timer,
        "QCM": lambda v: v.type == "QCM" and not v.timer,
        "QROC": lambda v: v.type == "QROC" and v.format == "number" and not v.timer,
        "QROCM-ind": lambda v: v.type == "QROCM-ind" and any(i.get("options") for i in v.inputs) and not v.timer,
        "QROCM-dep": lambda v: v.type == "QROCM-dep" and not v.timer,
    }
    used: set[str] = set()  # one competence per case: each case gets a fresh test of its own
    for ctype, predicate in cases.items():
        version = find_version(db_session, demo_content, lambda v, p=predicate: p(v) and competence_of(v) not in used)
        used.add(competence_of(version))
        assessment = assessment_on(db_session, user, version, demo_content)
        html = open_question(client, assessment.id)
        assert f'name="challenge_id" value="{version.challenge.source_id}"' in html, ctype
        labels = dict(_field_labels(html))
        if ctype in ("QCU", "QCM"):
            kind = "radio" if ctype == "QCU" else "checkbox"
            legend = "Choisissez une seule réponse" if ctype == "QCU" else "Cochez toutes les bonnes réponses"
            assert re.search(r"<fieldset[^>]*>\s*<legend>" + legend, html), ctype
            inputs = re.findall(rf'<input type="{kind}" id="([^"]+)" name="answer"', html)
            assert len(inputs) == len(version.proposals["fr"]) and all(i in labels for i in inputs), ctype
        elif ctype == "QROC":
            field = re.search(r'<input type="text" id="([^"]+)" name="answer"[^>]*>', html, flags=re.S)
            assert field and field.group(1) in labels and 'inputmode="decimal"' in field.group(0)
        else:
            assert re.search(r"<fieldset[^>]*>\s*<legend>Complétez chaque champ", html), ctype
            names = re.findall(r'name="(answer-[a-z0-9_]+)"', html)
            assert len(names) == len(version.inputs), ctype
            if ctype == "QROCM-ind":
                select_tag = re.search(r'<select id="([^"]+)" name="answer-', html)
                assert select_tag and select_tag.group(1) in labels
        assert ">Je passe<" in html and "formnovalidate" in html


def test_illustration_has_alt_text_and_attachment_a_download_link(client: FlaskClient, db_session: Session,
                                                                  demo_content: str) -> None:
    user = log_in_student(client, db_session)
    illustrated = find_version(db_session, demo_content, lambda v: bool(v.illustration) and not v.timer)
    assessment = assessment_on(db_session, user, illustrated, demo_content)
    html = open_question(client, assessment.id)
    img = re.search(r'<img src="(/content/media/[0-9a-f]{64}/[^"]+)" alt="([^"]+)"', html)
    assert img and img.group(2) == illustrated.illustration["alt"]["fr"].replace("'", "&#39;").replace('"', "&#34;")
    assert client.get(img.group(1)).status_code == 200
    attached = find_version(db_session, demo_content, lambda v: bool(v.attachment) and not v.timer
                            and competence_of(v) != competence_of(illustrated))
    assessment = assessment_on(db_session, user, attached, demo_content)
    html = open_question(client, assessment.id)
    link = re.search(r'<a href="(/content/media/[^"]+download=1)" download=', html)
    assert link and client.get(link.group(1)).status_code == 200


def test_proposals_are_escaped_markdown_never_raw_html(client: FlaskClient, db_session: Session,
                                                       demo_content: str) -> None:
    user = log_in_student(client, db_session)
    version = find_version(db_session, demo_content, lambda v: v.type == "QCU" and not v.timer)
    assessment = assessment_on(db_session, user, version, demo_content)
    # Rolled back with the test: a bank whose texts look like HTML.
    version.proposals = {"fr": ["La balise <ol> crée une liste", "<script>alert(1)</script>", "**gras**"],
                         "en": ["The <ol> tag", "<script>alert(1)</script>", "**bold**"]}
    version.instruction = {"fr": "Choisissez <img src=x onerror=alert(1)> *bien*", "en": "Choose"}
    db_session.flush()
    html = open_question(client, assessment.id)
    assert "La balise &lt;ol&gt; crée une liste" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<strong>gras</strong>" in html and "<em>bien</em>" in html
    assert "<img src=x" not in html


def test_a_fresh_server_process_knows_every_table_an_assessment_refers_to(tmp_path: Any) -> None:
    """A gunicorn worker imports only what the app factory imports: flushing an Assessment there once failed because
    nothing had imported the campaign tables its foreign key points to."""
    import subprocess
    import sys

    code = ("from pix_lti.app import create_app\n"
            f"create_app({{'env': 'testing', 'secret_key': 'x' * 40, 'instance_dir': {str(tmp_path)!r}}})\n"
            "from pix_lti.db import Base\n"
            "from pix_lti.assessment.models import Assessment\n"
            "missing = [fk.column.table.name for fk in Assessment.__table__.foreign_keys]\n"
            "print(sorted(set(missing)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "campaign_participations" in result.stdout


@pytest.mark.parametrize("settings_overrides", [{"content_pack": "no-such-pack"}], indirect=True)
def test_profile_says_when_no_content_is_loaded(app: Any, client: FlaskClient, db_session: Session) -> None:
    log_in_student(client, db_session)
    response = client.get("/profil")
    assert response.status_code == 503
    assert "Les tests ne sont pas encore disponibles" in html_of(response)


def test_question_page_in_english(client: FlaskClient, db_session: Session, demo_content: str) -> None:
    user = log_in_student(client, db_session)
    version = find_version(db_session, demo_content, lambda v: v.type == "QCU" and not v.timer and not v.focused)
    assessment = assessment_on(db_session, user, version, demo_content)
    client.get(f"/langue/en?next=/evaluations/{assessment.id}")
    html = open_question(client, assessment.id)
    assert ">Skip<" in html and ">Submit<" in html and "Question 1 of 5 before the next checkpoint" in html
    assert 'id="challenge-instruction" lang="en"' in html  # the English text of the challenge
