"""Deep linking: what a teacher may place in their course (the organisation's campaigns, a new campaign from a
target profile, a competence test) and the signed ``LtiDeepLinkingResponse`` sent back to the platform."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pix_lti.content.models import Competence, ItemStatus
from pix_lti.launch.adapters import DbRegistration, store
from pix_lti.launch.claims import CUSTOM_CAMPAIGN, CUSTOM_COMPETENCE, HISTORY_VARIABLES
from pix_lti.launch.models import ActivityKind
from pix_lti.orga.models import Campaign, TargetProfile

LAUNCH_TTL = 60 * 60  # a teacher has an hour to choose
SCORE_MAXIMUM = 100
LINE_ITEM_TAG = "pix_lti"


@dataclass(frozen=True)
class Choice:
    kind: ActivityKind
    ref: str
    title: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.ref}"


def save_launch(claims: dict[str, Any], registration_id: int, user_id: int) -> str:
    """Keep a validated deep-linking launch in the shared store for the picker; returns its id."""
    launch_id = secrets.token_urlsafe(24)
    store().set_json(f"lti:dl:{launch_id}", {"claims": claims, "registration_id": registration_id,
                                              "user_id": user_id}, LAUNCH_TTL)
    return launch_id


def load_launch(launch_id: str) -> dict[str, Any] | None:
    if not launch_id or len(launch_id) > 64:
        return None
    data = store().get_json(f"lti:dl:{launch_id}")
    return data if isinstance(data, dict) else None


def forget_launch(launch_id: str) -> None:
    store().delete(f"lti:dl:{launch_id}")


def campaign_choices(session: Session, organisation_id: int) -> list[Choice]:
    campaigns = session.scalars(select(Campaign).where(Campaign.organisation_id == organisation_id,
                                                       Campaign.archived_at.is_(None)).order_by(Campaign.title))
    return [Choice(ActivityKind.CAMPAIGN, c.code, c.title) for c in campaigns]


def competence_choices(session: Session, locale: str) -> list[Choice]:
    """The référentiel's competences (one per code, from the loaded content)."""
    seen: dict[str, Choice] = {}
    for competence in session.scalars(select(Competence).where(Competence.status == ItemStatus.ACTIVE)
                                      .order_by(Competence.code, Competence.id)):
        if competence.code not in seen:
            names = competence.name or {}
            name = names.get(locale) or names.get("fr") or next(iter(names.values()), competence.code)
            seen[competence.code] = Choice(ActivityKind.COMPETENCE, competence.code, f"{competence.code} {name}")
    return sorted(seen.values(), key=lambda c: [int(p) for p in c.ref.split(".") if p.isdigit()])


def target_profiles(session: Session, organisation_id: int) -> list[TargetProfile]:
    return list(session.scalars(select(TargetProfile).where(or_(TargetProfile.is_public.is_(True),
                                                                TargetProfile.organisation_id == organisation_id))
                                .order_by(TargetProfile.name)))


class ToolDeepLink(DeepLink):
    """pylti1p3's response builder, without a ``data`` claim when the platform sent none (some reject ``null``)."""

    def get_message_jwt(self, resources: Any) -> dict[str, object]:
        message = super().get_message_jwt(resources)
        if message.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") is None:
            message.pop("https://purl.imsglobal.org/spec/lti-dl/claim/data", None)
        return message


def content_item(choice: Choice, title: str, *, graded: bool) -> DeepLinkResource:
    """An ``ltiResourceLink`` opening ``choice``: custom parameters name the activity (and ask the platform for the
    course/link history, so copied courses keep working); a line item when the activity is graded."""
    public_url = current_app.config["PIX_SETTINGS"].public_url.rstrip("/")
    custom = {CUSTOM_CAMPAIGN if choice.kind is ActivityKind.CAMPAIGN else CUSTOM_COMPETENCE: choice.ref,
              **HISTORY_VARIABLES}
    resource = (DeepLinkResource().set_url(f"{public_url}/lti/launch").set_title(title[:255])
                .set_custom_params(custom))
    if graded:
        resource.set_lineitem(LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(title[:255])
                              .set_resource_id(choice.key).set_tag(LINE_ITEM_TAG))
    return resource


def response_jwt(registration: DbRegistration, claims: dict[str, Any], resources: list[DeepLinkResource]) -> str:
    deployment_id = claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"]
    settings = claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    return ToolDeepLink(registration, deployment_id, settings).get_response_jwt(resources)
