"""Joining a campaign of a school with a roster: the pupil first finds themselves in it (first name, last name, birth
date). Found → linked, the participation starts and shows under the class in Orga; not found → the reason, retries
rate-limited; ambiguous or someone else's → "ask your teacher", nothing linked. Schools without a roster, pupils
already linked and staff keep the direct start."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pix_lti.identity.models import MembershipRole, Organisation, User
from pix_lti.orga import campaigns
from pix_lti.orga.models import Campaign, OrganisationLearner
from pix_lti.participation import reconcile_views
from pix_lti.web import ratelimit
from tests.factories import PASSWORD, make_member, make_organisation, make_user
from tests.helpers import csrf_token_from, hidden_fields, login
from tests.participation.campaign_helpers import make_campaign

BIRTH = date(2012, 12, 5)


def html_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def school(db_session: Session) -> Organisation:
    return make_organisation(db_session, name="Collège Jules Verne")


def add_learner(session: Session, school: Organisation, ine: str, first: str, last: str, birth: date = BIRTH,
                division: str = "4A", **kw: object) -> OrganisationLearner:
    learner = OrganisationLearner(organisation_id=school.id, national_id=ine, first_name=first, last_name=last,
                                  birth_date=birth, division=division, **kw)
    session.add(learner)
    session.flush()
    return learner


def pupil(client: FlaskClient, session: Session, **names: str) -> User:
    user = make_user(session, **names)
    session.flush()
    assert login(client, user.username or "", PASSWORD).status_code == 303
    return user


def identity(first: str = "Léa", last: str = "N'Diaye", birth: date = BIRTH) -> dict[str, str]:
    return {"first_name": first, "last_name": last, "birth_day": f"{birth.day:02d}",
            "birth_month": f"{birth.month:02d}", "birth_year": str(birth.year)}


def send_identity(client: FlaskClient, campaign: Campaign, data: dict[str, str]) -> TestResponse:
    url = f"/campagnes/{campaign.code}/inscription"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**hidden_fields(html_of(page)), **data})


def press_start(client: FlaskClient, campaign: Campaign) -> TestResponse:
    token = csrf_token_from(html_of(client.get(f"/campagnes/{campaign.code}")))
    return client.post(f"/campagnes/{campaign.code}/commencer", data={"csrf_token": token})


def learner_of(session: Session, learner: OrganisationLearner) -> OrganisationLearner:
    session.expire_all()
    fresh = session.get(OrganisationLearner, learner.id)
    assert fresh is not None
    return fresh


def test_school_without_roster_keeps_the_direct_start(client: FlaskClient, db_session: Session, school: Organisation,
                                                      demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, organisation=school)
    user = pupil(client, db_session)
    assert "/inscription" not in html_of(client.get(f"/campagnes/{campaign.code}"))
    started = press_start(client, campaign)
    assert started.status_code == 303 and "/evaluations/" in started.headers["Location"]
    assert campaigns.active_participation(db_session, campaign.id, user.id) is not None


def test_found_links_the_pupil_starts_and_shows_under_the_class(client: FlaskClient, db_session: Session,
                                                                school: Organisation, demo_content: str) -> None:
    learner = add_learner(db_session, school, "123456789AB", "Léa Marie", "N'Diaye")
    add_learner(db_session, school, "223456789AB", "Hugo", "Bernard", date(2012, 3, 21), division="4B")
    teacher = make_member(db_session, school, MembershipRole.MEMBER)
    campaign = make_campaign(db_session, demo_content, organisation=school)
    user = pupil(client, db_session, first_name="Lea", last_name="Ndiaye")
    landing = html_of(client.get(f"/campagnes/{campaign.code}"))
    assert f'href="/campagnes/{campaign.code}/inscription"' in landing  # "Je commence" asks who you are first
    # Pressing a start button anyway (an old page) or going to the external id page leads there too.
    assert press_start(client, campaign).headers["Location"].endswith(f"/campagnes/{campaign.code}/inscription")
    assert campaigns.active_participation(db_session, campaign.id, user.id) is None

    form = client.get(f"/campagnes/{campaign.code}/inscription")
    page = html_of(form)
    assert form.status_code == 200 and "<legend>Date de naissance</legend>" in page and "<fieldset" in page
    assert 'value="Lea"' in page and 'value="Ndiaye"' in page  # the account's names, to correct if needed
    for name in ("birth_day", "birth_month", "birth_year"):
        assert re.search(rf'<label for="{name}">', page) and re.search(
            rf'<input[^>]*aria-describedby="birth-date-hint"[^>]*name="{name}"', page)

    done = send_identity(client, campaign, identity("LÉA", "ndiaye"))  # tolerant: accents, case, apostrophe
    assert done.status_code == 303 and "/evaluations/" in done.headers["Location"]
    assert learner_of(db_session, learner).user_id == user.id
    assert campaigns.active_participation(db_session, campaign.id, user.id) is not None
    db_session.expire_all()
    assert any(m.organisation_id == school.id and m.role is MembershipRole.STUDENT
               for m in db_session.get(User, user.id).memberships)
    # The teacher sees the pupil under 4A (column and filter); not under 4B.
    client.post("/deconnexion", data={"csrf_token": csrf_token_from(landing)})
    assert login(client, teacher.username or "", PASSWORD).status_code == 303
    activity = f"/orga/{school.id}/campagnes/{campaign.id}/activite"
    rows = re.findall(r"<tr>.*?</tr>", html_of(client.get(f"{activity}?classe=4A")), re.S)
    assert any("Ndiaye" in row and "<td>4A</td>" in row for row in rows)
    assert "Ndiaye" not in html_of(client.get(f"{activity}?classe=4B"))


def test_found_then_the_external_id_then_the_test(client: FlaskClient, db_session: Session, school: Organisation,
                                                  demo_content: str) -> None:
    learner = add_learner(db_session, school, "123456789AB", "Léa", "N'Diaye")
    campaign = make_campaign(db_session, demo_content, organisation=school, external_id_label="Numéro d'élève")
    user = pupil(client, db_session)
    assert client.get(f"/campagnes/{campaign.code}/identifiant").headers["Location"].endswith("/inscription")
    done = send_identity(client, campaign, identity())
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/campagnes/{campaign.code}/identifiant")
    assert learner_of(db_session, learner).user_id == user.id
    page = client.get(f"/campagnes/{campaign.code}/identifiant")
    started = client.post(f"/campagnes/{campaign.code}/identifiant",
                          data={**hidden_fields(html_of(page)), "external_id": "E42"})
    assert started.status_code == 303 and "/evaluations/" in started.headers["Location"]


def test_not_found_says_why_and_retries_are_rate_limited(client: FlaskClient, db_session: Session,
                                                          school: Organisation, demo_content: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconcile_views, "ATTEMPTS_PER_USER",
                        ratelimit.Limit("campaign-reconcile-user-test", max_hits=3, window_seconds=900))
    learner = add_learner(db_session, school, "123456789AB", "Léa", "N'Diaye")
    campaign = make_campaign(db_session, demo_content, organisation=school)
    user = pupil(client, db_session)
    wrong = send_identity(client, campaign, identity(birth=date(2012, 5, 12)))  # day and month swapped
    page = html_of(wrong)
    assert wrong.status_code == 422 and 'role="alert"' in page
    assert "Aucun élève de Collège Jules Verne ne correspond à ces informations." in page
    assert 'value="Léa"' in page  # what was typed stays, to correct
    assert send_identity(client, campaign, identity(first="Léo")).status_code == 422
    found = send_identity(client, campaign, identity())  # the third try, right: allowed
    assert found.status_code == 303 and learner_of(db_session, learner).user_id == user.id

    other_campaign = make_campaign(db_session, demo_content, organisation=school)
    learner.user_id = None  # (start again unlinked, the counter carries on)
    db_session.flush()
    assert send_identity(client, other_campaign, identity()).status_code == 429  # fourth try in the window
    assert learner_of(db_session, learner).user_id is None


def test_form_errors_are_linked_to_their_fields(client: FlaskClient, db_session: Session, school: Organisation,
                                                demo_content: str) -> None:
    add_learner(db_session, school, "123456789AB", "Léa", "N'Diaye")
    campaign = make_campaign(db_session, demo_content, organisation=school)
    pupil(client, db_session)
    response = send_identity(client, campaign, {"first_name": "", "last_name": "N'Diaye", "birth_day": "31",
                                                "birth_month": "02", "birth_year": "2012"})
    page = html_of(response)
    assert response.status_code == 422
    assert 'id="first_name-error"' in page and re.search(r'<input[^>]*aria-describedby="first_name-hint first_name-error"'
                                                         r'[^>]*aria-invalid="true"[^>]*name="first_name"', page)
    assert '<p class="error-text" id="birth-date-error">Cette date de naissance n&#39;existe pas.</p>' in page
    assert re.search(r'<input[^>]*aria-describedby="birth-date-hint birth-date-error"[^>]*aria-invalid="true"'
                     r'[^>]*name="birth_day"', page)
    letters = send_identity(client, campaign, {**identity(), "birth_year": "12"})
    assert letters.status_code == 422 and "avec des chiffres" in html_of(letters)


def test_ambiguous_asks_the_teacher_and_links_nothing(client: FlaskClient, db_session: Session,
                                                      school: Organisation, demo_content: str) -> None:
    twins = [add_learner(db_session, school, f"{n}23456789AB", "Camille", "Durand") for n in (1, 2)]
    campaign = make_campaign(db_session, demo_content, organisation=school)
    user = pupil(client, db_session)
    response = send_identity(client, campaign, identity("Camille", "Durand"))
    page = html_of(response)
    assert response.status_code == 409 and "Demandez à votre enseignant" in page
    assert "Plusieurs élèves correspondent" in page
    assert all(learner_of(db_session, twin).user_id is None for twin in twins)
    assert campaigns.active_participation(db_session, campaign.id, user.id) is None


def test_someone_elses_learner_asks_the_teacher(client: FlaskClient, db_session: Session, school: Organisation,
                                                demo_content: str) -> None:
    owner = make_user(db_session)
    learner = add_learner(db_session, school, "123456789AB", "Léa", "N'Diaye", user_id=owner.id)
    add_learner(db_session, school, "223456789AB", "Hugo", "Bernard")
    campaign = make_campaign(db_session, demo_content, organisation=school)
    user = pupil(client, db_session)
    response = send_identity(client, campaign, identity())
    assert response.status_code == 409 and "déjà reliée à un autre compte" in html_of(response)
    assert learner_of(db_session, learner).user_id == owner.id
    assert campaigns.active_participation(db_session, campaign.id, user.id) is None


def test_linked_pupils_staff_and_running_participations_are_not_asked(client: FlaskClient, db_session: Session,
                                                                       school: Organisation,
                                                                       demo_content: str) -> None:
    campaign = make_campaign(db_session, demo_content, organisation=school)
    add_learner(db_session, school, "923456789AB", "Hugo", "Bernard")
    # A participation started before the roster was imported resumes without questions.
    early = make_user(db_session)
    campaigns.start_participation(db_session, campaign, early, max_level=6)
    # A pupil linked already (account sheet, GAR, LTI, earlier reconciliation) starts at once.
    linked = make_user(db_session)
    add_learner(db_session, school, "123456789AB", "Léa", "N'Diaye", user_id=linked.id)
    # Staff (here a teacher of another school) preview campaigns without being tied to a pupil's row.
    teacher = make_member(db_session, make_organisation(db_session), MembershipRole.MEMBER)
    for user in (early, linked, teacher):
        assert login(client, user.username or "", PASSWORD).status_code == 303
        assert "/inscription" not in html_of(client.get(f"/campagnes/{campaign.code}"))
        started = press_start(client, campaign)
        assert started.status_code == 303 and "/evaluations/" in started.headers["Location"], user.username
        assert client.get(f"/campagnes/{campaign.code}/inscription").headers["Location"].endswith(campaign.code)
        client.post("/deconnexion", data={"csrf_token": csrf_token_from(html_of(client.get("/campagnes")))})


def test_identity_form_needs_a_login_and_a_csrf_token(client: FlaskClient, db_session: Session,
                                                      school: Organisation, demo_content: str) -> None:
    learner = add_learner(db_session, school, "123456789AB", "Léa", "N'Diaye")
    campaign = make_campaign(db_session, demo_content, organisation=school)
    anonymous = client.get(f"/campagnes/{campaign.code}/inscription")
    assert anonymous.status_code in (302, 303) and "/connexion" in anonymous.headers["Location"]
    pupil(client, db_session)
    forged = client.post(f"/campagnes/{campaign.code}/inscription", data=identity())
    assert forged.status_code in (400, 422) and learner_of(db_session, learner).user_id is None
