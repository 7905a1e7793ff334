"""The teacher's page after an LMS launch: the organisation's campaigns, the course roster (NRPS sync), and the
sync status of every grade sent back to the LMS, with "resend". (The full Orga pages come later.)"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.access import current_user, login_required
from pix_lti.db import get_db
from pix_lti.identity.models import Membership, MembershipRole, Organisation, User
from pix_lti.launch.adapters import release_db
from pix_lti.launch.grades import SCORE_KIND, link_reference
from pix_lti.launch.models import CourseGroup, CourseGroupMember, LtiResourceLink
from pix_lti.launch.roster import RosterError, sync_roster
from pix_lti.launch.views import SESSION_KEY, _path, bp
from pix_lti.orga.models import Campaign
from pix_lti.outbox.models import OutboxMessage
from pix_lti.outbox.services import messages_for, resend
from pix_lti.web.security import safe_next_url

TEACHING_ROLES = (MembershipRole.MEMBER, MembershipRole.ADMIN)


def teaching_organisation_ids(db: Session, user: User) -> set[int]:
    return set(db.scalars(select(Membership.organisation_id).where(
        Membership.user_id == user.id, Membership.role.in_(TEACHING_ROLES), Membership.disabled_at.is_(None))))


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _organisation(db: Session, user: User) -> Organisation:
    allowed = teaching_organisation_ids(db, user)
    wanted = (session.get(SESSION_KEY) or {}).get("organisation_id")
    org_id = wanted if wanted in allowed else min(allowed) if allowed else None
    if org_id is None:
        abort(403)
    organisation = db.get(Organisation, org_id)
    assert organisation is not None
    return organisation


@bp.get("/enseignant")
@login_required
def teacher() -> ResponseReturnValue:
    db = get_db()
    organisation = _organisation(db, _user())
    campaigns = db.scalars(select(Campaign).where(Campaign.organisation_id == organisation.id,
                                                  Campaign.archived_at.is_(None)).order_by(Campaign.title)).all()
    group_id = (session.get(SESSION_KEY) or {}).get("group_id")
    group = db.get(CourseGroup, group_id) if isinstance(group_id, int) else None
    if group is not None and group.organisation_id != organisation.id:
        group = None
    members: list[Any] = []
    if group is not None:
        members = db.execute(select(CourseGroupMember, User).join(User, User.id == CourseGroupMember.user_id)
                             .where(CourseGroupMember.group_id == group.id)
                             .order_by(CourseGroupMember.left_at.is_not(None), User.last_name, User.first_name)).all()
    links_query = select(LtiResourceLink).join(CourseGroup, CourseGroup.id == LtiResourceLink.course_group_id) \
        .where(CourseGroup.organisation_id == organisation.id)
    if group is not None:
        links_query = links_query.where(LtiResourceLink.course_group_id == group.id)
    links = {link.id: link for link in db.scalars(links_query.order_by(LtiResourceLink.id))}
    grades = [m for m in messages_for(db, [link_reference(i) for i in links]) if m.kind == SCORE_KIND]
    return render_template("launch/teacher.html", organisation=organisation, campaigns=campaigns, group=group,
                           members=members, links=links, grades=grades,
                           campaign_path=lambda code: _path("participation.landing", f"/campagnes/{code}", code=code))


@bp.post("/enseignant/notes/<int:message_id>/renvoyer")
@login_required
def resend_grade(message_id: int) -> ResponseReturnValue:
    db = get_db()
    message = db.get(OutboxMessage, message_id)
    link_id = message.payload.get("link_id") if message is not None and message.kind == SCORE_KIND else None
    link = db.get(LtiResourceLink, link_id) if isinstance(link_id, int) else None
    group = link.course_group if link is not None else None
    user = _user()
    allowed = user.is_platform_admin or (group is not None
                                         and group.organisation_id in teaching_organisation_ids(db, user))
    if message is None or not allowed:
        abort(404)
    resend(db, message)
    flash(_("La note sera renvoyée à la plateforme de cours dans quelques instants."), "success")
    return redirect(safe_next_url(request.form.get("next"), default=url_for("launch.teacher")), code=303)


@bp.post("/enseignant/cours/<int:group_id>/synchroniser")
@login_required
def sync_group(group_id: int) -> ResponseReturnValue:
    db = get_db()
    group = db.get(CourseGroup, group_id)
    if group is None or group.organisation_id not in teaching_organisation_ids(db, _user()):
        abort(404)
    try:
        report = sync_roster(db, group, release=release_db)
    except RosterError as exc:
        flash(_("La liste de la classe n'a pas pu être lue : %(reason)s", reason=str(exc)), "error")
    else:
        flash(_("Liste de la classe à jour : %(members)d membres, %(created)d nouveaux, %(left)d partis.",
                members=report.members, created=report.created, left=report.left), "success")
    return redirect(url_for("launch.teacher"), code=303)
