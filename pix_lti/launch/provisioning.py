"""From a validated launch to people and places: the person (through ``identity.services.provision_person``, no
email), their role in the organisation, the course as a group, the resource link and the activity it opens."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import utcnow
from pix_lti.identity.models import IdentityKind, MembershipRole, User
from pix_lti.identity.services import provision_person
from pix_lti.launch.claims import (
    AGS,
    CONTEXT,
    CUSTOM,
    CUSTOM_CAMPAIGN,
    CUSTOM_COMPETENCE,
    CUSTOM_CONTEXT_HISTORY,
    CUSTOM_LINK_HISTORY,
    DEPLOYMENT_ID,
    NRPS,
    RESOURCE_LINK,
    ROLE_PREFIX,
    ROLES,
)
from pix_lti.launch.errors import ADVICE_ADMIN, LaunchError
from pix_lti.launch.models import ActivityKind, CourseGroup, LtiLinkLearner, LtiRegistration, LtiResourceLink

TEACHER_ROLE_NAMES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Mentor"})
_LTI11_VOCABULARIES = {"role": "membership", "instrole": "institution", "sysrole": "system"}
_CAMPAIGN_CODE = re.compile(r"^[A-Z0-9]{3,9}$")
_COMPETENCE_CODE = re.compile(r"^[1-9]\.[1-9]$")


def parse_role(role: str) -> tuple[str, str | None]:
    """(name, vocabulary) of one role: full LIS v2 URIs ("…/membership#Instructor", sub-roles
    "…/membership/Instructor#TeachingAssistant", "…/institution/person#Administrator"), LTI 1.1 URNs, or the short
    context role names LTI 1.3 still accepts ("Instructor", vocabulary None)."""
    role = role.strip()
    if role.startswith(ROLE_PREFIX):
        rest = role[len(ROLE_PREFIX):]
        vocabulary = re.split(r"[/#]", rest, maxsplit=1)[0]
        return (rest.rsplit("#", 1)[1] if "#" in rest else ""), vocabulary
    if role.startswith("urn:lti:"):
        kind, _, path = role[len("urn:lti:"):].partition(":")
        return path.rsplit("/", 1)[-1], _LTI11_VOCABULARIES.get(kind)
    return role, None


def map_roles(roles: Iterable[str]) -> MembershipRole:
    """Learner → student; Instructor, TeachingAssistant, ContentDeveloper, Mentor (course roles) → teacher;
    Administrator (any vocabulary) → organisation admin; unknown or no role → student (least privilege).
    Several roles: the highest wins."""
    rank = {MembershipRole.STUDENT: 0, MembershipRole.MEMBER: 1, MembershipRole.ADMIN: 2}
    best = MembershipRole.STUDENT
    for raw in roles:
        if not isinstance(raw, str):
            continue
        name, vocabulary = parse_role(raw)
        found = None
        if name == "Administrator":
            found = MembershipRole.ADMIN
        elif name in TEACHER_ROLE_NAMES and vocabulary in (None, "membership"):
            found = MembershipRole.MEMBER  # institution-level "Instructor" says nothing about this course
        if found is not None and rank[found] > rank[best]:
            best = found
    return best


def split_names(claims: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Given and family names when sent; a lone ``name`` is split at its last space. Nothing sent: (None, None)."""
    given = claims.get("given_name") if isinstance(claims.get("given_name"), str) else None
    family = claims.get("family_name") if isinstance(claims.get("family_name"), str) else None
    full = claims.get("name") if isinstance(claims.get("name"), str) else None
    if not (given or family) and full and full.strip():
        first, _, last = full.strip().rpartition(" ")
        return (first, last) if first else (last, None)
    return given, family


def _history(custom: Mapping[str, Any], key: str) -> list[str]:
    value = custom.get(key)
    if not isinstance(value, str) or value.startswith("$"):  # "$…": the platform did not substitute it
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def activity_from_custom(custom: Mapping[str, Any]) -> tuple[ActivityKind, str] | None:
    """The activity chosen at deep linking, from the custom parameters (None when they name none)."""
    campaign = custom.get(CUSTOM_CAMPAIGN)
    if isinstance(campaign, str) and _CAMPAIGN_CODE.match(campaign.strip().upper()):
        return ActivityKind.CAMPAIGN, campaign.strip().upper()
    competence = custom.get(CUSTOM_COMPETENCE)
    if isinstance(competence, str) and _COMPETENCE_CODE.match(competence.strip()):
        return ActivityKind.COMPETENCE, competence.strip()
    return None


def ensure_course_group(session: Session, registration: LtiRegistration, context: Mapping[str, Any],
                        history: list[str], nrps_url: str | None) -> CourseGroup:
    context_id = str(context["id"])[:255]
    group = session.scalar(select(CourseGroup).where(CourseGroup.registration_id == registration.id,
                                                     CourseGroup.context_id == context_id))
    if group is None:
        assert registration.organisation_id is not None
        group = CourseGroup(registration_id=registration.id, organisation_id=registration.organisation_id,
                            context_id=context_id, history=[])
        if history:  # a course copied in the LMS: remember which of ours it comes from
            group.copied_from_id = session.scalar(
                select(CourseGroup.id).where(CourseGroup.registration_id == registration.id,
                                             CourseGroup.context_id.in_(history)).order_by(CourseGroup.id).limit(1))
        session.add(group)
    for attribute in ("title", "label"):
        value = context.get(attribute)
        if isinstance(value, str) and value.strip():
            setattr(group, attribute, value.strip()[:255])
    if history:
        group.history = list(dict.fromkeys([*(group.history or []), *history]))
    if nrps_url:
        group.nrps_url = nrps_url[:1024]
    session.flush()
    return group


def ensure_resource_link(session: Session, registration: LtiRegistration, claims: Mapping[str, Any],
                         group: CourseGroup | None, custom: Mapping[str, Any]) -> LtiResourceLink:
    link_claim = claims[RESOURCE_LINK]
    link_id = str(link_claim["id"])[:255]
    link = session.scalar(select(LtiResourceLink).where(LtiResourceLink.registration_id == registration.id,
                                                        LtiResourceLink.resource_link_id == link_id))
    history = _history(custom, CUSTOM_LINK_HISTORY)
    if link is None:
        link = LtiResourceLink(registration_id=registration.id, resource_link_id=link_id, history=[], ags_scopes=[])
        if history:  # a copied link keeps opening the same activity even if its custom parameters were lost
            origin = session.scalar(select(LtiResourceLink).where(
                LtiResourceLink.registration_id == registration.id,
                LtiResourceLink.resource_link_id.in_(history)).order_by(LtiResourceLink.id).limit(1))
            if origin is not None:
                link.copied_from_id = origin.id
                link.activity_kind, link.activity_ref = origin.activity_kind, origin.activity_ref
        session.add(link)
    link.deployment_id = str(claims[DEPLOYMENT_ID])[:255]
    link.course_group_id = group.id if group is not None else link.course_group_id
    title = link_claim.get("title")
    if isinstance(title, str) and title.strip():
        link.title = title.strip()[:255]
    activity = activity_from_custom(custom)
    if activity is not None:
        link.activity_kind, link.activity_ref = activity
    elif link.activity_kind is None:
        link.activity_kind, link.activity_ref = ActivityKind.NONE, ""
    if history:
        link.history = list(dict.fromkeys([*(link.history or []), *history]))
    ags = claims.get(AGS)
    if isinstance(ags, dict):
        if isinstance(ags.get("lineitem"), str):
            link.lineitem_url = ags["lineitem"][:1024]
        if isinstance(ags.get("lineitems"), str):
            link.lineitems_url = ags["lineitems"][:1024]
        if isinstance(ags.get("scope"), list):
            link.ags_scopes = [s for s in ags["scope"] if isinstance(s, str)]
    link.last_launch_at = utcnow()
    session.flush()
    return link


def bind_learner(session: Session, link: LtiResourceLink, user: User, lti_user_id: str) -> bool:
    """Remember that ``user`` (``sub`` on the platform) works on ``link``; True the first time."""
    binding = session.scalar(select(LtiLinkLearner).where(LtiLinkLearner.resource_link_id == link.id,
                                                          LtiLinkLearner.user_id == user.id))
    if binding is None:
        session.add(LtiLinkLearner(resource_link_id=link.id, user_id=user.id, lti_user_id=lti_user_id))
        session.flush()
        return True
    binding.lti_user_id = lti_user_id
    binding.last_launch_at = utcnow()
    return False


@dataclass
class LaunchOutcome:
    user: User
    role: MembershipRole
    group: CourseGroup | None
    link: LtiResourceLink | None
    new_learner: bool = False

    @property
    def is_teacher(self) -> bool:
        return self.role in (MembershipRole.MEMBER, MembershipRole.ADMIN)


def provision_launch(session: Session, registration: LtiRegistration, claims: Mapping[str, Any],
                     message_type: str) -> LaunchOutcome:
    """Everything a validated launch creates or updates; flushes, the request commits."""
    if registration.organisation_id is None:
        raise LaunchError("no_organisation", _l("Cette plateforme n'est rattachée à aucun établissement."),
                          ADVICE_ADMIN, f"registration {registration.id} has no organisation", status=403)
    custom = claims.get(CUSTOM) if isinstance(claims.get(CUSTOM), dict) else {}
    role = map_roles(claims.get(ROLES) or [])
    group = None
    context = claims.get(CONTEXT)
    if isinstance(context, dict) and context.get("id"):
        nrps = claims.get(NRPS)
        nrps_url = nrps.get("context_memberships_url") if isinstance(nrps, dict) else None
        group = ensure_course_group(session, registration, context, _history(custom, CUSTOM_CONTEXT_HISTORY),
                                    nrps_url if isinstance(nrps_url, str) else None)
    given, family = split_names(claims)
    user = provision_person(session, kind=IdentityKind.LTI, issuer=registration.issuer, subject=str(claims["sub"]),
                            given_name=given, family_name=family, organisation=registration.organisation,
                            role=role, groups=[group] if group is not None else [])
    link = None
    new_learner = False
    if message_type == "LtiResourceLinkRequest":
        link = ensure_resource_link(session, registration, claims, group, custom)
        if role is MembershipRole.STUDENT:
            new_learner = bind_learner(session, link, user, str(claims["sub"]))
    return LaunchOutcome(user=user, role=role, group=group, link=link, new_learner=new_learner)
