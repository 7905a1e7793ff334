"""Accounts without email for a class: usernames prenom.nomJJMM with collisions, temporary passwords to change at
first login, shown once (sheet or CSV), regenerated only for those who never logged in; a teacher's reset; staff
accounts are never touched."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import verify_password
from pix_lti.identity.models import MembershipRole
from pix_lti.orga import accounts
from pix_lti.orga.models import OrganisationLearner
from tests.factories import make_user
from tests.helpers import csrf_token_from, login, submit_form
from tests.orga.world import World, build_world, log_in_as


@pytest.fixture
def world(db_session: Session, demo_content: str) -> World:
    return build_world(db_session, demo_content)


def add_learner(session: Session, world: World, ine: str, first: str, last: str, birth: date,
                division: str = "4A", **kw: object) -> OrganisationLearner:
    learner = OrganisationLearner(organisation_id=world.org_a.id, national_id=ine, first_name=first, last_name=last,
                                  birth_date=birth, division=division, **kw)
    session.add(learner)
    session.flush()
    return learner


def test_generate_class_accounts(db_session: Session, world: World) -> None:
    make_user(db_session, username="lea.martin0512")  # a namesake elsewhere: collision → digits
    lea = add_learner(db_session, world, "123456789AB", "Léa Marie", "Martin", date(2012, 12, 5))
    ines = add_learner(db_session, world, "223456789AB", "Inès", "N'Diaye", date(2012, 9, 17))
    add_learner(db_session, world, "323456789AB", "Other", "Class", date(2012, 1, 1), division="4B")
    rows = accounts.generate_class_accounts(db_session, world.org_a, "4A")
    assert [r.note for r in rows] == ["new", "new"]
    by_name = {r.last_name: r for r in rows}
    assert re.fullmatch(r"lea\.martin0512\d{2}", by_name["Martin"].username or "")
    assert by_name["N'Diaye"].username == "ines.ndiaye1709"
    for row, learner in ((by_name["Martin"], lea), (by_name["N'Diaye"], ines)):
        assert re.fullmatch(r"[a-z2-9]{3}-[a-z2-9]{3}-[a-z2-9]{3}", row.password or "")
        assert learner.user is not None and learner.user.must_change_password
        assert verify_password(learner.user.password_hash, row.password or "")
        assert any(m.organisation_id == world.org_a.id and m.role is MembershipRole.STUDENT
                   for m in learner.user.memberships)
    # Again: those who never logged in get new passwords; usernames stay; nobody gets a second account.
    lea.user.must_change_password = False  # Léa activated her account
    again = {r.last_name: r for r in accounts.generate_class_accounts(db_session, world.org_a, "4A")}
    assert again["Martin"].note == "active" and again["Martin"].password is None
    assert again["N'Diaye"].note == "reset" and again["N'Diaye"].password != by_name["N'Diaye"].password
    assert again["N'Diaye"].username == by_name["N'Diaye"].username


def test_staff_accounts_are_never_touched(db_session: Session, world: World) -> None:
    linked = add_learner(db_session, world, "123456789AB", "Marc", "Prof", date(1980, 1, 1), user_id=world.member_a.id)
    before = world.member_a.password_hash
    (row,) = accounts.generate_class_accounts(db_session, world.org_a, "4A")
    assert row.note == "external" and row.password is None and world.member_a.password_hash == before
    with pytest.raises(accounts.NotAStudentAccount):
        accounts.reset_password(db_session, world.org_a, linked)


def test_sheet_csv_and_first_login(app, client: FlaskClient, db_session: Session, world: World) -> None:
    add_learner(db_session, world, "123456789AB", "Hugo", "Bernard", date(2012, 3, 21))
    log_in_as(client, world.member_a)
    response = submit_form(client, f"/orga/{world.org_a.id}/eleves/comptes", {"classe": "4A", "format": "csv"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["Identifiant"] == "hugo.bernard2103" and rows[0]["État"] == "Nouveau compte"
    password = rows[0]["Mot de passe provisoire"]
    # The pupil logs in with the sheet and is sent to change the password first.
    pupil = app.test_client()
    assert login(pupil, "hugo.bernard2103", password).status_code == 303
    forced = pupil.get("/profil")
    assert forced.status_code in (302, 303) and "/compte/mot-de-passe" in forced.headers["Location"]


def test_printable_sheet_and_teacher_reset(client: FlaskClient, db_session: Session, world: World) -> None:
    learner = add_learner(db_session, world, "123456789AB", "Hugo", "Bernard", date(2012, 3, 21))
    log_in_as(client, world.member_a)
    sheet = submit_form(client, f"/orga/{world.org_a.id}/eleves/comptes", {"classe": "4A", "format": "print"})
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "hugo.bernard2103" in html and "Mot de passe provisoire" in html
    db_session.expire_all()
    old_hash = learner.user.password_hash
    page = client.get(f"/orga/{world.org_a.id}/eleves").get_data(as_text=True)
    reset_url = f"/orga/{world.org_a.id}/eleves/{learner.id}/mot-de-passe"
    assert reset_url in page
    reset = client.post(reset_url, data={"csrf_token": csrf_token_from(page)})
    assert reset.status_code == 200
    new_password = re.search(r"[a-z2-9]{3}-[a-z2-9]{3}-[a-z2-9]{3}", reset.get_data(as_text=True)).group(0)
    db_session.expire_all()
    assert learner.user.password_hash != old_hash and verify_password(learner.user.password_hash, new_password)
    assert learner.user.must_change_password


def test_reset_refused_across_organisations_and_for_staff(client: FlaskClient, db_session: Session,
                                                          world: World) -> None:
    staff_row = add_learner(db_session, world, "123456789AB", "Marc", "Prof", date(1980, 1, 1),
                            user_id=world.member_a.id)
    log_in_as(client, world.admin_b)
    token = csrf_token_from(client.get(f"/orga/{world.org_b.id}").get_data(as_text=True))
    assert client.post(f"/orga/{world.org_b.id}/eleves/{staff_row.id}/mot-de-passe",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/orga/{world.org_a.id}/eleves/{staff_row.id}/mot-de-passe",
                       data={"csrf_token": token}).status_code == 404
    client.post("/deconnexion", data={"csrf_token": token})
    log_in_as(client, world.admin_a)
    token = csrf_token_from(client.get(f"/orga/{world.org_a.id}").get_data(as_text=True))
    assert client.post(f"/orga/{world.org_a.id}/eleves/{staff_row.id}/mot-de-passe",
                       data={"csrf_token": token}).status_code == 403


# ---------------------------------------------------------------------------------------------------------------------
# The printable PDF sheet

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _pdf_pages_text(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [pdf[index].get_textpage().get_text_range() for index in range(len(pdf))]
    finally:
        pdf.close()


def test_pdf_sheet_has_a_card_per_pupil_whose_passwords_log_in(app, client: FlaskClient, db_session: Session,
                                                               world: World) -> None:
    pupils = [("Hugo", "Bernard", date(2012, 3, 21)), ("Léa", "N'Diaye-Lefèvre", date(2012, 12, 5)),
              ("Maximilien-Alexandre", "De La Tour d'Auvergne-Lauraguais", date(2012, 6, 1))]
    pupils += [(f"Élève{n}", f"Classe{n}", date(2012, 1, n + 1)) for n in range(7)]  # ten cards: two pages
    for n, (first, last, birth) in enumerate(pupils):
        add_learner(db_session, world, f"{n:09d}AB", first, last, birth)
    add_learner(db_session, world, "999999999AB", "Autre", "Classe", date(2012, 1, 1), division="4B")
    log_in_as(client, world.member_a)
    response = submit_form(client, f"/orga/{world.org_a.id}/eleves/comptes", {"classe": "4A", "format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"] == 'inline; filename="comptes-4A.pdf"'
    pages = _pdf_pages_text(response.data)
    assert len(pages) == 2 and "Page 1 / 2" in pages[0] and "Page 2 / 2" in pages[1]
    first = pages[0]
    assert "Collège A" in first and "classe 4A" in first and "BERNARD Hugo" in first
    assert "hugo.bernard2103" in first and "Changez votre mot de passe à la première connexion." in first
    assert "http://localhost/connexion" in first and "Autre" not in "".join(pages)
    # Every password printed logs its pupil in (and sends them to change it first).
    db_session.expire_all()
    learners = {l.user.username: l for l in accounts.class_learners(db_session, world.org_a, "4A")}
    text = "\n".join(pages)
    # A long username wraps onto more lines (never cut): join what lies between the two labels.
    found = [("".join(username.split()), password) for username, password in re.findall(
        r"Identifiant :(.*?)Mot de passe provisoire :\s*([a-z2-9]{3}-[a-z2-9]{3}-[a-z2-9]{3})", text, re.S)]
    assert len(found) == len(pupils), text
    for username, password in found:
        assert username in learners and verify_password(learners[username].user.password_hash, password)
    pupil = app.test_client()
    username, password = found[0]
    assert login(pupil, username, password).status_code == 303
    assert "/compte/mot-de-passe" in pupil.get("/profil").headers["Location"]
    # The artefact: page 1 as a picture.
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = pypdfium2.PdfDocument(response.data)
    try:
        pdf[0].render(scale=1.5).to_pil().save(ARTIFACTS / "orga-account-sheet-page1.png")
    finally:
        pdf.close()


def test_pdf_sheet_in_english_and_for_accounts_already_active(client: FlaskClient, db_session: Session,
                                                             world: World) -> None:
    learner = add_learner(db_session, world, "123456789AB", "Hugo", "Bernard", date(2012, 3, 21))
    accounts.generate_class_accounts(db_session, world.org_a, "4A")
    learner.user.must_change_password = False  # Hugo changed his password: no new one on the sheet
    db_session.flush()
    log_in_as(client, world.member_a)
    response = submit_form(client, f"/orga/{world.org_a.id}/eleves/comptes", {"classe": "4A", "format": "pdf"},
                           headers={"Accept-Language": "en"})
    (page,) = _pdf_pages_text(response.data)
    assert "Login accounts — class 4A" in page and "Account already activated" in page
    assert "hugo.bernard2103" in page and "Temporary password" not in page


def test_pdf_sheet_is_refused_to_another_organisation_and_without_csrf(client: FlaskClient, db_session: Session,
                                                                       world: World) -> None:
    add_learner(db_session, world, "123456789AB", "Hugo", "Bernard", date(2012, 3, 21))
    log_in_as(client, world.admin_b)
    token = csrf_token_from(client.get(f"/orga/{world.org_b.id}").get_data(as_text=True))
    refused = client.post(f"/orga/{world.org_a.id}/eleves/comptes",
                          data={"csrf_token": token, "classe": "4A", "format": "pdf"})
    assert refused.status_code in (403, 404) and b"%PDF" not in refused.data
    client.post("/deconnexion", data={"csrf_token": token})
    log_in_as(client, world.member_a)
    no_token = client.post(f"/orga/{world.org_a.id}/eleves/comptes", data={"classe": "4A", "format": "pdf"})
    assert no_token.status_code == 400 and b"%PDF" not in no_token.data
    db_session.expire_all()
    assert all(l.user_id is None for l in accounts.class_learners(db_session, world.org_a, "4A"))  # nothing created
