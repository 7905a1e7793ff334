"""Who may see a centre page: the staff (ADMIN / MEMBER) of *that* organisation, like Orga (``orga.access``), plus
platform administrators. Anyone else gets 404 (nothing says the organisation exists); a MEMBER on an ADMIN-only action
gets 403. The candidate and invigilator sides have their own checks (``candidate_views``, ``invigilator_views``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select

from pix_lti.auth.access import current_user
from pix_lti.certif.models import CertificationCandidate, CertificationCentre, CertificationSession
from pix_lti.db import get_db
from pix_lti.identity.models import Membership, MembershipRole, Organisation, User
from pix_lti.orga.access import STAFF_ROLES

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CentreContext:
    user: User
    organisation: Organisation
    role: MembershipRole  # a platform administrator who is not a member acts as ADMIN
    centre: CertificationCentre | None  # None until the organisation is made a centre
    is_member: bool = True  # False for a platform administrator acting without a membership (no Orga pages then)

    @property
    def is_admin(self) -> bool:
        return self.role is MembershipRole.ADMIN


def centre_route(*, admin: bool = False, needs_centre: bool = True) -> Callable[[F], F]:
    """Decorate a view whose URL has ``org_id``; the view reads the checked context with ``centre()``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            db = get_db()
            organisation = db.get(Organisation, kwargs.get("org_id"))
            if organisation is None or organisation.archived_at is not None:
                abort(404)
            membership = db.scalar(select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id,
                Membership.role.in_(STAFF_ROLES), Membership.disabled_at.is_(None)))
            if membership is not None:
                role = membership.role
            elif user.is_platform_admin:
                role = MembershipRole.ADMIN
            else:
                abort(404)
            if admin and role is not MembershipRole.ADMIN:
                abort(403)
            centre_row = db.scalar(select(CertificationCentre).where(
                CertificationCentre.organisation_id == organisation.id))
            if needs_centre and centre_row is None:
                abort(404)
            g.certif_centre = CentreContext(user=user, organisation=organisation, role=role, centre=centre_row,
                                            is_member=membership is not None)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def centre() -> CentreContext:
    context: CentreContext | None = g.get("certif_centre")
    assert context is not None, "view not decorated with centre_route"
    return context


def session_or_404(session_id: int) -> CertificationSession:
    """A session of the checked centre: another centre's session is 404 like a missing one."""
    context = centre()
    found = get_db().get(CertificationSession, session_id)
    if found is None or context.centre is None or found.centre_id != context.centre.id:
        abort(404)
    return found


def candidate_or_404(certification_session: CertificationSession, candidate_id: int) -> CertificationCandidate:
    candidate = get_db().get(CertificationCandidate, candidate_id)
    if candidate is None or candidate.session_id != certification_session.id:
        abort(404)
    return candidate


def is_certification_centre(organisation_id: int) -> bool:
    """For the Orga navigation (a template global): does this organisation run a certification centre?"""
    return get_db().scalar(select(CertificationCentre.id).where(
        CertificationCentre.organisation_id == organisation_id)) is not None
