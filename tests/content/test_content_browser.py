"""Admin content browser: access control, every page renders, challenge preview markup, media serving."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from pix_lti.content.engine_bridge import current_version, solution_spec
from pix_lti.content.loader import load_pack_data, load_pack_folder
from pix_lti.content.models import Challenge, ContentMedia
from pix_lti.content.pix_import import read_pix_release
from pix_lti.content.templating import answer_from_form
from pix_lti.engine.checker import check_answer
from tests.content.packfactory import challenge, competence_file, write_pack
from tests.factories import PASSWORD, make_user
from tests.helpers import login

FIXTURE = Path(__file__).parent / "fixtures" / "pix-release.json"


@pytest.fixture
def loaded(db_session: Session, tmp_path: Path) -> Path:
    comp = competence_file()
    challenge(comp, "qcu-1")["timer"] = 45
    challenge(comp, "qcu-1")["instruction"]["fr"] = "Choisir **bien** <script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    challenge(comp, "qcm-1")["focused"] = True
    root = write_pack(tmp_path, comp)
    load_pack_folder(db_session, root)
    pack, _ = read_pix_release(FIXTURE)
    assert pack is not None
    load_pack_data(db_session, pack, pack_key="pix")
    db_session.commit()  # visible to the request sessions (the test's outer transaction still rolls back)
    return root


@pytest.fixture
def admin(client: FlaskClient, db_session: Session) -> FlaskClient:
    make_user(db_session, username="content.admin", is_platform_admin=True)
    db_session.commit()
    assert login(client, "content.admin", PASSWORD).status_code == 303
    return client


PAGES = [
    "/admin/content/",
    "/admin/content/mini/",
    "/admin/content/mini/competences/1.1",
    "/admin/content/mini/tubes/@recherche",
    "/admin/content/mini/skills/@recherche2",
    "/admin/content/mini/challenges/qcu-1",
    "/admin/content/mini/challenges/qcu-1?locale=en",
    "/admin/content/mini/challenges/qcm-1",
    "/admin/content/mini/challenges/qroc-1",
    "/admin/content/mini/challenges/qrocm-ind-1?locale=en",
    "/admin/content/mini/challenges/qrocm-dep-1",
    "/admin/content/pix/",
    "/admin/content/pix/competences/4.1",
    "/admin/content/pix/challenges/recChMdp2a",
    "/admin/content/pix/challenges/recChTab2a",
    "/admin/content/pix/challenges/recChRech1b?locale=en",
]


def test_every_page_renders_for_an_admin(admin: FlaskClient, loaded: Path) -> None:
    for url in PAGES:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert "<h1>" in response.get_data(as_text=True), url


def test_other_people_are_refused(client: FlaskClient, db_session: Session, loaded: Path) -> None:
    response = client.get("/admin/content/mini/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]  # anonymous → login
    make_user(db_session, username="teacher.x")
    db_session.commit()
    login(client, "teacher.x", PASSWORD)
    for url in PAGES:
        assert client.get(url).status_code == 403, url


def test_unknown_entries_are_404(admin: FlaskClient, loaded: Path) -> None:
    for url in ("/admin/content/nope/", "/admin/content/mini/competences/9.9", "/admin/content/mini/tubes/@nope",
                "/admin/content/mini/challenges/nope", "/admin/content/mini/challenges/qcu-1?version=7",
                "/admin/content/mini/challenges/recChRech1b?locale=fr", "/admin/content/pix/challenges/recChRech1b?locale=fr"):
        assert admin.get(url).status_code == 404, url


def test_qcu_preview_markup(admin: FlaskClient, loaded: Path) -> None:
    html = admin.get("/admin/content/mini/challenges/qcu-1").get_data(as_text=True)
    assert re.search(r'<fieldset class="challenge-choices"[^>]*aria-describedby="preview-instruction">\s*<legend>', html)
    assert html.count('type="radio"') == 3 and 'name="answer" value="2"' in html
    assert '<label for="preview-choice-2" lang="fr">deux</label>' in html
    assert "<strong>bien</strong>" in html and "<table>" in html  # Markdown rendered
    assert "<script>alert" not in html and "&lt;script&gt;" in html  # and raw HTML neutralised
    assert "45 secondes" in html  # timer notice
    img = re.search(r'<img src="(/content/media/[0-9a-f]{64}/pic\.svg)" alt="Une image" lang="fr">', html)
    assert img, "illustration with its alt text"
    en = admin.get("/admin/content/mini/challenges/qcu-1?locale=en").get_data(as_text=True)
    assert 'alt="A picture" lang="en"' in en and '<label for="preview-choice-2" lang="en">two</label>' in en


def test_other_types_preview_markup(admin: FlaskClient, loaded: Path) -> None:
    qcm = admin.get("/admin/content/mini/challenges/qcm-1").get_data(as_text=True)
    assert qcm.count('type="checkbox"') == 3 and "Cochez toutes les bonnes réponses" in qcm
    assert "ne sera pas validée" in qcm  # focused notice
    qroc = admin.get("/admin/content/mini/challenges/qroc-1").get_data(as_text=True)
    assert '<label for="preview-answer" lang="fr">Nombre</label>' in qroc
    assert re.search(r'<input type="text" id="preview-answer" name="answer"[^>]*inputmode="decimal"', qroc)
    link = re.search(r'<a href="(/content/media/[0-9a-f]{64}/data\.csv\?download=1)" download="donnees.csv">', qroc)
    assert link, "attachment download link"
    qrocm = admin.get("/admin/content/mini/challenges/qrocm-ind-1").get_data(as_text=True)
    assert '<label for="preview-nom" lang="fr">Nom</label>' in qrocm and 'name="answer-nom"' in qrocm
    assert re.search(r'<select id="preview-ext" name="answer-ext">\s*<option value="">', qrocm)
    assert '<option value=".csv" lang="fr">.csv</option>' in qrocm


def test_counts_table_and_chart(admin: FlaskClient, loaded: Path) -> None:
    html = admin.get("/admin/content/mini/").get_data(as_text=True)
    assert 'role="img"' in html and "<title id=\"counts-chart-title\">" in html
    row1 = re.search(r"<tr><th scope=\"row\">1</th>(.*?)</tr>", html, re.S)
    assert row1 and re.findall(r'<td class="num">(?:<strong>)?(\d+)', row1.group(1)) == ["1", "1", "0", "0", "0", "2"]
    assert re.search(r"Niveau 2 : 3", html)  # the SVG description summarises the bars


def test_versions_are_browsable(admin: FlaskClient, db_session: Session, loaded: Path) -> None:
    comp = competence_file()
    challenge(comp, "qcu-1")["instruction"]["fr"] = "Nouvelle consigne"
    load_pack_folder(db_session, write_pack(loaded, comp))
    db_session.commit()
    assert "Nouvelle consigne" in admin.get("/admin/content/mini/challenges/qcu-1").get_data(as_text=True)
    old = admin.get("/admin/content/mini/challenges/qcu-1?version=1").get_data(as_text=True)
    assert "<strong>bien</strong>" in old and "Version 2" in old


def test_media_served_by_hash_with_safe_headers(client: FlaskClient, db_session: Session, loaded: Path) -> None:
    item = db_session.scalars(select(ContentMedia).where(ContentMedia.original_name == "pic.svg")).one()
    response = client.get(f"/content/media/{item.sha256}/pic.svg")
    assert response.status_code == 200 and response.data == (loaded / "media" / "pic.svg").read_bytes()
    assert response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "immutable" in response.headers["Cache-Control"]
    download = client.get(f"/content/media/{item.sha256}/pic.svg?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("path", [
    "/content/media/../../pack.yaml",
    "/content/media/..%2F..%2Fpack.yaml/pack.yaml",
    "/content/media/{sha}/..%2F..%2Fpack.yaml",
    "/content/media/{sha}/pack.yaml",
    "/content/media/{sha}/%2e%2e",
    "/content/media/{short}/pic.svg",
    "/content/media/{sha_upper}/pic.svg",
])
def test_media_traversal_and_guessing_refused(client: FlaskClient, db_session: Session, loaded: Path, path: str) -> None:
    sha = db_session.scalars(select(ContentMedia.sha256).where(ContentMedia.original_name == "pic.svg")).one()
    url = path.format(sha=sha, short=sha[:20], sha_upper=sha.upper())
    response = client.get(url)
    assert response.status_code == 404, url
    assert b"<svg" not in response.data and b"competence" not in response.data


def test_answer_from_form_matches_the_partial_names(db_session: Session, loaded: Path) -> None:
    cases = [
        ("qcu-1", MultiDict([("answer", "2")])),
        ("qcm-1", MultiDict([("answer", "3"), ("answer", "1")])),
        ("qroc-1", MultiDict([("answer", "3,50")])),
        ("qrocm-ind-1", MultiDict([("answer-nom", "Rapport"), ("answer-ext", ".csv")])),
        ("qrocm-dep-1", MultiDict([("answer-a", "vert"), ("answer-b", "Rouge")])),
    ]
    for cid, form in cases:
        version = current_version(db_session, "mini", cid)
        assert check_answer(solution_spec(version, "fr"), answer_from_form(version, form)).result == "ok", cid
    version = current_version(db_session, "mini", "qrocm-dep-1")
    wrong = answer_from_form(version, MultiDict([("answer-a", "vert")]))
    assert wrong == {"a": "vert", "b": ""}
    assert db_session.scalar(select(Challenge).where(Challenge.source_id == "qcu-1")) is not None
