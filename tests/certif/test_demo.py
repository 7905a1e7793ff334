"""``pix-lti demo load`` makes the demo school a certification centre with a session for tomorrow, the demo student
enrolled and certifiable, and prints what is needed to walk the flow (session number, access code, invigilator
password); the printed values work."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from pix_lti.certif.models import CertificationCandidate, CertificationSession, SessionStatus
from pix_lti.demo import DEMO_PASSWORD
from tests.certif.world import html_of, post_from
from tests.helpers import login

LINE = re.compile(r"session n° (\d+) on (\d\d/\d\d/\d{4}) at 09:00 \(access code ([A-Z2-9]{6}), "
                  r"invigilator password (\w+)\)")


def test_demo_load_prepares_a_certification_session_one_can_walk(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    match = LINE.search(first.output)
    assert match, first.output
    number, day, code, password = match.groups()
    tomorrow = datetime.now(ZoneInfo(app.config["PIX_SETTINGS"].timezone)).date() + timedelta(days=1)
    assert day == tomorrow.strftime("%d/%m/%Y")
    assert "/certif/rejoindre" in first.output and "/certif/surveillant" in first.output
    # Idempotent: the same session, the student enrolled once.
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and LINE.search(second.output).groups() == (number, day, code, password)  # type: ignore[union-attr]
    with app.extensions["pix_lti.db"].transaction() as session:
        cs = session.get(CertificationSession, int(number))
        assert cs is not None and cs.status is SessionStatus.CREATED and cs.access_code == code
        [candidate] = session.scalars(select(CertificationCandidate).where(CertificationCandidate.session_id == cs.id))
        assert (candidate.first_name, candidate.last_name, candidate.birth_date) == ("Léa", "Martin", date(2012, 12, 5))

    # Walk it: the student joins with the printed values, the invigilator logs in and authorises, the test starts.
    student = app.test_client()
    assert login(student, "lea.martin0512", DEMO_PASSWORD).status_code == 303
    joined = post_from(student, "/certif/rejoindre", "/certif/rejoindre",
                       {"session_number": number, "access_code": code, "first_name": "Léa", "last_name": "Martin",
                        "birth_date": "2012-12-05"})
    assert joined.status_code == 303, html_of(joined)
    invigilator = app.test_client()
    assert post_from(invigilator, "/certif/surveillant", "/certif/surveillant",
                     {"session_number": number, "password": password.lower()}).status_code == 303
    base = f"/certif/surveillant/sessions/{number}"
    assert post_from(invigilator, base, f"{base}/candidats/{candidate.id}/authorise").status_code == 303
    page = f"/certif/candidat/{candidate.id}"
    started = post_from(student, page, f"{page}/commencer")
    assert started.status_code == 303 and "/question" in started.headers["Location"]
