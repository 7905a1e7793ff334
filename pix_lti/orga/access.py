"""Who may see an Orga page: every route carries the organisation id and goes through ``orga_route``, which checks an
active ADMIN or MEMBER membership of *that* organisation (students and other organisations' staff get 404, so that
nothing tells them the organisation or campaign exists) and, for référent-only pages, the ADMIN role (403)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.access import current_user
from pix_lti.db import get_db
from pix_lti.identity.models import Membership, MembershipRole, Organisation, User
from pix_lti.orga.models import Campaign, CampaignParticipation

F = TypeVar("F", bound=Callable[..., Any])
STAFF_ROLES = (MembershipRole.ADMIN, MembershipRole.MEMBER)


@dataclass(frozen=True)
class OrgaContext:
    user: User
    organisation: Organisation
    role: MembershipRole

    @property
    def is_admin(self) -> bool:
        return self.role is MembershipRole.ADMIN


def staff_memberships(db: Session, user: User) -> list[Membership]:
    """The active memberships giving ``user`` access to Orga pages, by organisation name."""
    return list(db.scalars(
        select(Membership).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Membership.role.in_(STAFF_ROLES), Membership.disabled_at.is_(None),
               Organisation.archived_at.is_(None))
        .order_by(Organisation.name, Organisation.id)))


def orga_route(*, admin: bool = False) -> Callable[[F], F]:
    """Decorate a view whose URL has ``org_id``: anonymous → login, not staff of that organisation → 404, MEMBER on an
    ADMIN page → 403. The view reads the checked context with ``orga()``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            db = get_db()
            org_id = kwargs.get("org_id")
            membership = db.scalar(
                select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == org_id,
                                         Membership.role.in_(STAFF_ROLES), Membership.disabled_at.is_(None)))
            if membership is None or membership.organisation.archived_at is not None:
                abort(404)
            if admin and membership.role is not MembershipRole.ADMIN:
                abort(403)
            g.orga_context = OrgaContext(user=user, organisation=membership.organisation, role=membership.role)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def orga() -> OrgaContext:
    context: OrgaContext | None = g.get("orga_context")
    assert context is not None, "view not decorated with orga_route"
    return context


def campaign_or_404(campaign_id: int) -> Campaign:
    """A campaign of the checked organisation: another organisation's id is 404 like a missing one."""
    campaign = get_db().get(Campaign, campaign_id)
    if campaign is None or campaign.organisation_id != orga().organisation.id:
        abort(404)
    return campaign


def participation_or_404(campaign: Campaign, participation_id: int) -> CampaignParticipation:
    participation = get_db().get(CampaignParticipation, participation_id)
    if participation is None or participation.campaign_id != campaign.id:
        abort(404)
    return participation
