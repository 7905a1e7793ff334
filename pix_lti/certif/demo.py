"""``pix-lti demo load``, certification part: the demo school becomes a certification centre with a session for
tomorrow 09:00 (local time) and the demo student Léa Martin enrolled — and made certifiable (levels 1–2 validated in 5
competences), so that someone trying the service can walk the whole flow: join as the student, authorise as the
invigilator, take the test, finalise, publish as the jury (admin.demo), verify. Idempotent: an open demo session dated
today or later is reused; the invigilator password is reset to the fixed demo one at every load (only its hash is
stored, so it is printed from the constant)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.assessment import catalogs
from pix_lti.assessment.models import Assessment, AssessmentStatus, AssessmentType, KnowledgeElement
from pix_lti.auth.passwords import hash_password
from pix_lti.certif import centres
from pix_lti.certif.eligibility import MIN_CERTIFIABLE_COMPETENCES, eligibility
from pix_lti.certif.models import CertificationCentre, CertificationSession, SessionStatus
from pix_lti.content.engine_bridge import ContentNotLoaded
from pix_lti.db import utcnow
from pix_lti.demo import DEMO_UAI, DemoSummary
from pix_lti.identity.models import Organisation, User

DEMO_PACK = "crcn-demo"
DEMO_CANDIDATE = ("lea.martin0512", "Léa", "Martin", date(2012, 12, 5))  # username, names, birth date
DEMO_INVIGILATOR_PASSWORD = "SURVDEMO26"  # typed upper-case or not (the portal upper-cases it)
DEMO_SESSION_DESCRIPTION = "Session de démonstration"
DEMO_PROFILE_LEVEL = 2  # the demo candidate's validated skills go up to this level


def _settings_timezone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["PIX_SETTINGS"].timezone))


def _make_certifiable(session: Session, user: User, max_level: int) -> bool:
    """Validated skills up to level 2 in the first 5 competences, unless the student is certifiable already.
    Returns True when knowledge was added."""
    if eligibility(session, user.id, DEMO_PACK, max_level).certifiable:
        return False
    catalog = catalogs.full_catalog(session, DEMO_PACK)
    then = utcnow() - timedelta(days=7)
    for code in catalog.competences[:MIN_CERTIFIABLE_COMPETENCES]:
        training = Assessment(user_id=user.id, type=AssessmentType.COMPETENCE_EVALUATION, pack_key=DEMO_PACK,
                              competence_code=code, selector="bayesian", seed=1, status=AssessmentStatus.COMPLETED,
                              created_at=then, updated_at=then, completed_at=then)
        session.add(training)
        session.flush()
        for skill in catalog.skills:
            if skill.competence == code and skill.active and skill.level <= DEMO_PROFILE_LEVEL:
                session.add(KnowledgeElement(user_id=user.id, assessment_id=training.id, competence_code=code,
                                             skill_id=skill.id, status="validated", source="direct", created_at=then))
    session.flush()
    return True


def _open_session(session: Session, centre_id: int, creator: User | None, tz: ZoneInfo) -> CertificationSession:
    """The demo session still open and dated today or later, or a new one tomorrow at 09:00."""
    today_start = datetime.combine(datetime.now(tz).date(), time(0, 0), tzinfo=tz)
    existing = session.scalar(
        select(CertificationSession).where(
            CertificationSession.centre_id == centre_id, CertificationSession.status == SessionStatus.CREATED,
            CertificationSession.description == DEMO_SESSION_DESCRIPTION,
            CertificationSession.starts_at >= today_start.astimezone(ZoneInfo("UTC")))
        .order_by(CertificationSession.starts_at).limit(1))
    if existing is not None:
        return existing
    tomorrow = datetime.now(tz).date() + timedelta(days=1)
    draft = centres.SessionDraft.from_form(
        {"day": tomorrow.isoformat(), "hour": "09:00", "room": "Salle informatique B12",
         "address": "12 rue des Écoles, Paris", "examiner": "Paul Professeur",
         "description": DEMO_SESSION_DESCRIPTION}, str(tz))
    centre = session.get(CertificationCentre, centre_id)
    assert centre is not None and not draft.errors
    creator = creator or session.scalar(select(User).where(User.is_platform_admin.is_(True)).limit(1))
    assert creator is not None
    created, _password = centres.create_session(session, centre, creator, draft)
    return created


def load_demo_certification(session: Session, summary: DemoSummary) -> None:
    school = session.scalar(select(Organisation).where(Organisation.uai == DEMO_UAI))
    student = session.scalar(select(User).where(User.username == DEMO_CANDIDATE[0]))
    if school is None or student is None:
        summary.lines.append("Demo certification: skipped (no demo school or student)")
        return
    settings = current_app.config["PIX_SETTINGS"]
    try:
        made_certifiable = _make_certifiable(session, student, int(settings.max_reachable_level))
    except ContentNotLoaded:
        summary.lines.append("Demo certification: skipped (no demo content pack)")
        return
    tz = _settings_timezone()
    centre = centres.make_centre(session, school)
    referent = session.scalar(select(User).where(User.username == "referent.demo"))
    cs = _open_session(session, centre.id, referent, tz)
    cs.invigilator_password_hash = hash_password(DEMO_INVIGILATOR_PASSWORD)  # known, printed below
    _, first, last, birth = DEMO_CANDIDATE
    try:
        centres.enrol_by_hand(session, cs, centres.CandidateDraft.from_form(
            {"first_name": first, "last_name": last, "birth_date": birth.isoformat()}))
    except centres.CertifError:
        pass  # enrolled at an earlier load
    session.flush()
    local = cs.starts_at.astimezone(tz)
    summary.lines.append(
        f"Demo certification: the demo school is a centre; session n° {cs.id} on {local:%d/%m/%Y at %H:%M} "
        f"(access code {cs.access_code}, invigilator password {DEMO_INVIGILATOR_PASSWORD}); candidate {first} {last} "
        f"({DEMO_CANDIDATE[0]}, born {birth:%d/%m/%Y}) enrolled"
        + (", made certifiable (levels 1–2 in 5 competences)" if made_certifiable else ""))
    summary.urls.append(("/certif/rejoindre", f"join certification session {cs.id} (as {DEMO_CANDIDATE[0]})"))
    summary.urls.append(("/certif/surveillant", f"invigilator portal (session {cs.id} + invigilator password)"))
    summary.urls.append((f"/certif/centres/{school.id}", "certification centre (as referent.demo or prof.demo)"))
    summary.urls.append(("/certif/jury", "certification jury (as admin.demo)"))
    summary.urls.append(("/verification", "verify a certificate by its code"))
