"""Course rosters (LTI NRPS): a teacher pulls the course's members into the organisation. Learners are created
without email through the provisioning service; people the LMS no longer lists (or lists as inactive) are marked as
having left the course group — never deleted, their results stay."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.identity.models import ExternalIdentity, IdentityKind
from pix_lti.identity.services import provision_person
from pix_lti.launch.adapters import DbToolConfig, service_connector
from pix_lti.launch import keys
from pix_lti.launch.models import CourseGroup, CourseGroupMember, LtiRegistration, RegistrationStatus
from pix_lti.launch.provisioning import map_roles, split_names

log = logging.getLogger(__name__)

MAX_PAGES = 200  # a runaway "next" chain stops here (and then nobody is marked as having left)


class RosterError(Exception):
    """The roster could not be read; the message is for the teacher (and school IT)."""


@dataclass
class RosterReport:
    members: int = 0
    created: int = 0
    left: int = 0
    pages: int = 0
    complete: bool = True


def _fetch(registration: LtiRegistration, signing: keys.SigningKey, url: str, max_pages: int,
           report: RosterReport) -> list[dict[str, Any]]:
    """Every page of the roster (no database access here: nothing is held open during the LMS's answers)."""
    connector = service_connector(DbToolConfig([registration], lambda: signing).registration(registration),
                                  current_app.extensions["pix_lti.kv"])
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": url})
    members: list[dict[str, Any]] = []
    next_url: str | None = url
    try:
        while next_url:
            if report.pages >= max_pages:
                report.complete = False
                break
            page, next_url = service.get_members_page(next_url)
            report.pages += 1
            members.extend(m for m in page if isinstance(m, dict) and isinstance(m.get("user_id"), str))
    except LtiServiceException as exc:
        code = exc.response.status_code if exc.response is not None else "?"
        raise RosterError(f"the LMS refused the roster request (HTTP {code})") from None
    except requests.RequestException as exc:
        raise RosterError(f"the LMS could not be reached ({type(exc).__name__})") from None
    except LtiException as exc:
        raise RosterError(str(exc)) from None
    return members


def sync_roster(session: Session, group: CourseGroup, *, max_pages: int = MAX_PAGES,
                release: Callable[[], None] = lambda: None) -> RosterReport:
    """Read the roster and apply it. ``release`` ends the caller's transaction before the network calls (a request
    passes ``release_db``); the changes are then made in ``session``'s next transaction."""
    registration = group.registration
    if registration.status is not RegistrationStatus.ACTIVE:
        raise RosterError(f"the platform registration is {registration.status.value}")
    if not group.nrps_url:
        raise RosterError("the LMS did not offer its roster service (NRPS) for this course")
    signing = keys.signing_key(session, current_app.config["SECRET_KEY"])
    organisation = group.organisation
    release()
    report = RosterReport()
    members = _fetch(registration, signing, group.nrps_url, max_pages, report)

    present: set[int] = set()
    for member in members:
        if member.get("status", "Active") != "Active":
            continue  # Inactive/Deleted: treated as absent, so marked as having left below
        known = session.scalar(select(ExternalIdentity.id).where(
            ExternalIdentity.kind == IdentityKind.LTI, ExternalIdentity.issuer == registration.issuer,
            ExternalIdentity.subject == member["user_id"]))
        given, family = split_names(member)
        user = provision_person(session, kind=IdentityKind.LTI, issuer=registration.issuer, subject=member["user_id"],
                                given_name=given, family_name=family, organisation=organisation,
                                role=map_roles(member.get("roles") or []), groups=[group])
        report.members += 1
        report.created += known is None
        present.add(user.id)

    if report.complete:
        now = utcnow()
        for member in session.scalars(select(CourseGroupMember).where(CourseGroupMember.group_id == group.id,
                                                                      CourseGroupMember.left_at.is_(None))):
            if member.user_id not in present:
                member.left_at = now
                report.left += 1
        group.roster_synced_at = now
    session.flush()
    log.info("roster of course group %s: %s members, %s new, %s left, %s pages", group.id, report.members,
             report.created, report.left, report.pages)
    return report
