"""Members of an organisation and invitation links. Référents (ADMIN) invite by link, change roles and remove
members; everyone on staff sees the list. The organisation always keeps at least one active référent.

Services receive a session and flush; views are below them in this module (small enough to stay together)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pix_lti.auth.access import current_user, login_required
from pix_lti.db import get_db, utcnow
from pix_lti.identity import services as identity_services
from pix_lti.identity.models import Membership, MembershipRole, Organisation, User
from pix_lti.orga.access import STAFF_ROLES, orga, orga_route
from pix_lti.orga.models import OrganisationInvitation

INVITATION_LIFETIME = timedelta(days=7)


class LastAdmin(ValueError):
    """The change would leave the organisation without an active référent."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(session: Session, organisation: Organisation, role: MembershipRole, by: User,
                      now: datetime) -> str:
    """A new link token (returned once; only its hash is stored)."""
    if role not in STAFF_ROLES:
        raise ValueError(f"invitations are for staff roles, not {role}")
    token = secrets.token_urlsafe(24)
    session.add(OrganisationInvitation(organisation_id=organisation.id, token_hash=token_hash(token), role=role,
                                       created_by_id=by.id, created_at=now, expires_at=now + INVITATION_LIFETIME))
    session.flush()
    return token


def find_invitation(session: Session, token: str, now: datetime) -> OrganisationInvitation | None:
    invitation = session.scalar(select(OrganisationInvitation).where(
        OrganisationInvitation.token_hash == token_hash(token)))
    if invitation is None or invitation.revoked_at is not None or invitation.expires_at <= now:
        return None
    if invitation.organisation.archived_at is not None:
        return None
    return invitation


def accept_invitation(session: Session, invitation: OrganisationInvitation, user: User) -> Membership:
    """Join with the link's role; an existing higher role is kept, a removed member comes back."""
    membership = identity_services.ensure_membership(session, user, invitation.organisation, invitation.role)
    invitation.uses += 1
    session.flush()
    return membership


def _active_admins(session: Session, organisation_id: int) -> int:
    return session.scalar(select(func.count(Membership.id)).where(
        Membership.organisation_id == organisation_id, Membership.role == MembershipRole.ADMIN,
        Membership.disabled_at.is_(None))) or 0


def change_role(session: Session, membership: Membership, role: MembershipRole) -> None:
    if role not in STAFF_ROLES:
        raise ValueError(str(role))
    if membership.role is MembershipRole.ADMIN and role is not MembershipRole.ADMIN \
            and _active_admins(session, membership.organisation_id) <= 1:
        raise LastAdmin(str(membership.id))
    membership.role = role
    session.flush()


def remove_member(session: Session, membership: Membership, now: datetime) -> None:
    """Disable (never delete) the membership: campaigns the person owns and results stay with the organisation."""
    if membership.role is MembershipRole.ADMIN and membership.disabled_at is None \
            and _active_admins(session, membership.organisation_id) <= 1:
        raise LastAdmin(str(membership.id))
    membership.disabled_at = now
    session.flush()


# ---------------------------------------------------------------------------------------------------------------------
# Views


def _staff(org_id: int) -> list[Membership]:
    return list(get_db().scalars(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == org_id, Membership.role.in_(STAFF_ROLES), Membership.disabled_at.is_(None))
        .order_by(func.lower(User.last_name), func.lower(User.first_name))))


def _render_members(org_id: int, new_link: str | None = None, status: int = 200) -> ResponseReturnValue:
    invitations = []
    if orga().is_admin:
        invitations = list(get_db().scalars(select(OrganisationInvitation).where(
            OrganisationInvitation.organisation_id == org_id, OrganisationInvitation.revoked_at.is_(None),
            OrganisationInvitation.expires_at > utcnow()).order_by(OrganisationInvitation.created_at.desc())))
    return render_template("orga/members.html", members=_staff(org_id), invitations=invitations,
                           new_link=new_link), status


def _membership_or_404(org_id: int, membership_id: int) -> Membership:
    membership = get_db().get(Membership, membership_id)
    if membership is None or membership.organisation_id != org_id or membership.role not in STAFF_ROLES:
        abort(404)
    return membership


@orga_route()
def members_page(org_id: int) -> ResponseReturnValue:
    return _render_members(org_id)


@orga_route(admin=True)
def invite(org_id: int) -> ResponseReturnValue:
    role = MembershipRole.ADMIN if request.form.get("role") == "ADMIN" else MembershipRole.MEMBER
    token = create_invitation(get_db(), orga().organisation, role, orga().user, utcnow())
    return _render_members(org_id, new_link=url_for("orga.invitation", token=token, _external=True))


@orga_route(admin=True)
def revoke(org_id: int, invitation_id: int) -> ResponseReturnValue:
    invitation = get_db().get(OrganisationInvitation, invitation_id)
    if invitation is None or invitation.organisation_id != org_id:
        abort(404)
    invitation.revoked_at = utcnow()
    get_db().flush()
    flash(_("Lien d'invitation désactivé."), "success")
    return redirect(url_for("orga.members", org_id=org_id), code=303)


@orga_route(admin=True)
def set_role(org_id: int, membership_id: int) -> ResponseReturnValue:
    membership = _membership_or_404(org_id, membership_id)
    role = MembershipRole.ADMIN if request.form.get("role") == "ADMIN" else MembershipRole.MEMBER
    try:
        change_role(get_db(), membership, role)
    except LastAdmin:
        flash(_("L'organisation doit garder au moins un référent."), "error")
    return redirect(url_for("orga.members", org_id=org_id), code=303)


@orga_route(admin=True)
def remove(org_id: int, membership_id: int) -> ResponseReturnValue:
    membership = _membership_or_404(org_id, membership_id)
    try:
        remove_member(get_db(), membership, utcnow())
    except LastAdmin:
        flash(_("L'organisation doit garder au moins un référent."), "error")
    else:
        flash(_("%(name)s ne fait plus partie de l'organisation.", name=membership.user.display_name), "success")
    return redirect(url_for("orga.members", org_id=org_id), code=303)


@login_required
def invitation(token: str) -> ResponseReturnValue:
    """The page a link opens: who invites to what, and "Rejoindre" (POST)."""
    db = get_db()
    found = find_invitation(db, token, utcnow())
    if found is None:
        return render_template("orga/invitation.html", invitation=None), 404
    if request.method == "POST":
        user = current_user()
        assert user is not None
        accept_invitation(db, found, user)
        flash(_("Vous avez rejoint %(name)s.", name=found.organisation.name), "success")
        return redirect(url_for("orga.organisation", org_id=found.organisation_id), code=303)
    return render_template("orga/invitation.html", invitation=found)
