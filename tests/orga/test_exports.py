"""The campaign results CSV: BOM + ``;`` for French spreadsheets, formula injection neutralised, the issue's columns,
values from the shared snapshots only, and a profiles-collection export with levels and pix."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pix_lti.orga import campaigns
from pix_lti.orga.csv_export import encode_rows, neutralise, percent_cell
from pix_lti.orga.models import CampaignType
from tests.factories import make_user
from tests.orga.world import World, build_world, log_in_as
from tests.participation.campaign_helpers import HAND_KNOWLEDGE, give_knowledge, make_campaign


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+33 6", "'+33 6"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("Léa", "Léa"), ("a=b", "a=b"), (None, ""), (True, "Oui"),
    (False, "Non"), (-3, "-3"), (12, "12"),
])
def test_neutralise(value: object, cell: str) -> None:
    assert neutralise(value) == cell


def test_encode_rows_bom_separator_and_quoting() -> None:
    chunks = list(encode_rows(["Nom", "Prénom"], [["Martin; Dupont", "Léa"], ['dit "Lulu"', "=cmd"]]))
    assert len(chunks) == 3  # header, then one chunk per row: nothing accumulates
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbfNom;Pr\xc3\xa9nom\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Nom", "Prénom"], ["Martin; Dupont", "Léa"], ['dit "Lulu"', "'=cmd"]]


def test_percent_cell_rounds_down() -> None:
    assert percent_cell(9 / 13) == "69 %" and percent_cell(1.0) == "100 %" and percent_cell(None) == ""
    assert percent_cell(0.29) == "29 %"  # 0.29 * 100 = 28.999…: not 28


@pytest.fixture
def world(db_session: Session, demo_content: str) -> World:
    return build_world(db_session, demo_content)


def reconcile(db_session: Session, world: World) -> None:
    """Martin is in the roster (class 4A) and linked to her account."""
    from datetime import date

    from pix_lti.orga.models import OrganisationLearner

    db_session.add(OrganisationLearner(organisation_id=world.org_a.id, user_id=world.student_a.id,
                                       national_id="123456789AB", first_name="Léa", last_name="Martin",
                                       birth_date=date(2012, 12, 5), division="4A"))
    db_session.flush()


def read_csv(client: FlaskClient, url: str) -> tuple[list[str], list[dict[str, str]], bytes]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]], data


def test_assessment_export(client: FlaskClient, db_session: Session, world: World) -> None:
    reconcile(db_session, world)
    log_in_as(client, world.member_a)
    header, rows, data = read_csv(client, f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/export.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert header[:9] == ["Organisation", "Campagne", "Code", "Profil cible", "Nom", "Prénom", "Classe", "Groupe",
                          "Numéro d'élève"]
    for column in ("Progression", "Date de début", "Date d'envoi", "Envoyé", "Palier", "% de maîtrise",
                   "% de maîtrise compétence 4.1", "Acquis testés compétence 4.2", "Acquis validés compétence 5.1",
                   "% de maîtrise domaine 4", "Acquis validés domaine 5"):
        assert column in header, column
    assert "% de maîtrise compétence 1.1" not in header  # only the profile's competences
    by_name = {r["Nom"]: r for r in rows}
    assert set(by_name) == {"Martin", "Bernard", "Petit"}
    martin = by_name["Martin"]
    assert martin["Classe"] == "4A" and by_name["Bernard"]["Classe"] == ""  # from the roster, once reconciled
    assert martin["Organisation"] == "Collège A" and martin["Code"] == world.campaign_a.code
    assert martin["Numéro d'élève"] == "'=1+2"  # typed by the learner: inert in a spreadsheet
    assert martin["Envoyé"] == "Oui" and martin["Progression"] == "100 %" and martin["Palier"] == "Presque"
    assert martin["% de maîtrise"] == "69 %" and martin["Date d'envoi"]
    assert martin["% de maîtrise compétence 4.1"] == "100 %" and martin["Acquis validés compétence 4.1"] == "6"
    assert martin["% de maîtrise compétence 5.1"] == "25 %" and martin["Acquis testés compétence 5.1"] == "2"
    # Domain 4 = 4.1 (6/6) + 4.2 (2/3): 8 of 9 validated, 9 tested.
    assert martin["% de maîtrise domaine 4"] == "88 %" and martin["Acquis validés domaine 4"] == "8"
    hugo = by_name["Bernard"]  # finished but not sent: nothing of the results leaks into the export
    assert hugo["Envoyé"] == "Non" and hugo["% de maîtrise"] == "" and hugo["Date d'envoi"] == ""
    assert hugo["Acquis validés compétence 4.1"] == ""


def test_profiles_collection_export(client: FlaskClient, db_session: Session, world: World, demo_content: str) -> None:
    collection = make_campaign(db_session, demo_content, organisation=world.org_a, type=CampaignType.PROFILES_COLLECTION,
                               title="Profils")
    learner = make_user(db_session, first_name="Nina", last_name="Roux")
    give_knowledge(db_session, learner, demo_content, HAND_KNOWLEDGE)
    participation = campaigns.start_participation(db_session, collection, learner, max_level=6)
    campaigns.share_participation(db_session, participation, max_level=6)
    db_session.flush()
    log_in_as(client, world.member_a)
    header, rows, _ = read_csv(client, f"/orga/{world.org_a.id}/campagnes/{collection.id}/export.csv")
    level_columns = [h for h in header if h.startswith("Niveau ")]
    assert len(level_columns) == 16 and "Pix total" in header and "Pix 4.1" in header
    (row,) = rows
    assert int(row["Pix total"]) == participation.results["total_pix"] > 0
    assert row["Niveau 4.1"] == str(participation.results["competences"]["4.1"]["level"])


def test_badges_in_the_export_and_the_participant_page(client: FlaskClient, db_session: Session, world: World) -> None:
    from pix_lti.orga.models import CampaignBadge

    # HAND_KNOWLEDGE: @motDePasse 6/6 validated, @connectiquePorts 1/4, whole profile 9/13 (69 %).
    world.campaign_a.badges.extend([
        CampaignBadge(title="Mots de passe", threshold=100, tubes=["@motDePasse"], message="Bravo !"),
        CampaignBadge(title="Connectique", threshold=50, tubes=["@connectiquePorts"]),
        CampaignBadge(title="Général", threshold=69, tubes=None)])
    db_session.flush()
    log_in_as(client, world.member_a)
    header, rows, _ = read_csv(client, f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/export.csv")
    assert header.index("Badge Mots de passe") == header.index("Palier") + 1
    martin = next(r for r in rows if r["Nom"] == "Martin")
    assert (martin["Badge Mots de passe"], martin["Badge Connectique"], martin["Badge Général"]) == ("Oui", "Non", "Oui")
    assert next(r for r in rows if r["Nom"] == "Bernard")["Badge Général"] == ""  # not sent
    page = client.get(f"/orga/{world.org_a.id}/campagnes/{world.campaign_a.id}/participants/{world.shared.id}")
    html = page.get_data(as_text=True)
    assert "Mots de passe — obtenu : Bravo !" in html and "Connectique — non obtenu" in html
