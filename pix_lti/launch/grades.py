"""Grades back to the LMS (LTI AGS) through the outbox.

Hooks for other features, to call in the transaction that records the event:

- ``queue_campaign_grade(session, participation)`` when a campaign participation becomes SHARED;
- ``queue_assessment_grade(session, assessment, catalog, max_level=…)`` when a competence test is completed (or,
  with the score at hand, ``queue_competence_grade(session, user_id, code, pix=…, level=…, max_level=…,
  event_id=…)``).

- ``queue_certification_outcome(session, result)`` when a certification result is published (the
  ``certification_published`` event): one score per LMS course where the learner launched any link, on the tool's
  OWN line item "Certification Pix" (resourceId ``pix-certification``), found or created in the course's line-item
  container — never on the line item of the activity the learner launched.

Each other hook queues one score per resource link the learner launched for that activity. The ``lti.score`` handler
posts it (``userId`` = the learner's ``sub``) to the link's line item, found or created by resourceId/tag when the launch
carried none, with a token cached in the shared store. The score's timestamp is fixed when queued, so a repeated
delivery is the same score to the platform (a 409 "older or same timestamp" counts as delivered).
"""

from __future__ import annotations

from pix_lti import events

import json
import logging
from datetime import datetime
from typing import Any

import requests
from flask import current_app
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.db import Database, utcnow
from pix_lti.launch import keys
from pix_lti.launch.adapters import DbToolConfig, service_connector
from pix_lti.launch.claims import AGS_SCOPES, SCOPE_LINEITEM, SCOPE_SCORE
from pix_lti.launch.models import (
    ActivityKind,
    GradeScale,
    LtiLinkLearner,
    LtiRegistration,
    LtiResourceLink,
    RegistrationStatus,
)
from pix_lti.orga.models import CampaignParticipation, ParticipationStatus
from pix_lti.outbox.models import OutboxMessage
from pix_lti.outbox.services import PermanentError, RetryableError, enqueue, register_handler

log = logging.getLogger(__name__)

SCORE_KIND = "lti.score"
PIX_PER_LEVEL = 8


def link_reference(link_id: int) -> str:
    return f"lti-link:{link_id}"


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _bindings(session: Session, user_id: int, kind: ActivityKind, ref: str) -> list[LtiLinkLearner]:
    return list(session.scalars(
        select(LtiLinkLearner).join(LtiResourceLink).join(LtiRegistration)
        .where(LtiLinkLearner.user_id == user_id, LtiResourceLink.activity_kind == kind,
               LtiResourceLink.activity_ref == ref, LtiRegistration.status == RegistrationStatus.ACTIVE)
        .order_by(LtiLinkLearner.id)))


def _queue(session: Session, binding: LtiLinkLearner, *, event: str, score_given: float, score_maximum: float,
           comment: str, moment: datetime, line_item: dict[str, str] | None = None) -> OutboxMessage:
    link = binding.resource_link
    payload: dict[str, Any] = {
        "link_id": link.id,
        "user_id": binding.user_id,
        "lti_user_id": binding.lti_user_id,
        "learner": binding.user.display_name,
        "score_given": score_given,
        "score_maximum": score_maximum,
        "timestamp": _timestamp(moment),
        "comment": comment,
        "event": event,
    }
    if line_item is not None:  # a line item of its own (certification), not the link's
        payload["line_item"] = line_item
    return enqueue(session, kind=SCORE_KIND, dedup_key=f"{SCORE_KIND}:{link.id}:{binding.user_id}:{event}",
                   payload=payload, reference=link_reference(link.id), now=moment)


def queue_campaign_grade(session: Session, participation: CampaignParticipation) -> list[OutboxMessage]:
    """Hook for the campaign feature: call when ``participation`` becomes SHARED, in the same transaction.
    The score is the mastery rate in percent. Safe to call twice (idempotent) or for a learner with no LMS link."""
    if participation.status is not ParticipationStatus.SHARED or participation.mastery_rate is None:
        return []
    moment = participation.shared_at or utcnow()
    code = participation.campaign.code.upper()
    percent = round(max(0.0, min(1.0, float(participation.mastery_rate))) * 100, 2)
    return [_queue(session, binding, event=f"participation:{participation.id}", score_given=percent,
                   score_maximum=100, comment=f"{percent:g} %", moment=moment)
            for binding in _bindings(session, participation.user_id, ActivityKind.CAMPAIGN, code)]


def competence_score(scale: GradeScale, *, pix: float, level: int, max_level: int) -> tuple[float, float]:
    """(scoreGiven, scoreMaximum) of a competence result on the registration's scale."""
    max_pix = PIX_PER_LEVEL * max_level
    if scale is GradeScale.PIX:
        return round(min(pix, max_pix), 2), float(max_pix)
    if scale is GradeScale.LEVEL:
        return float(min(level, max_level)), float(max_level)
    return round(min(pix / max_pix, 1.0) * 100, 2) if max_pix else 0.0, 100.0


def queue_competence_grade(session: Session, user_id: int, competence_code: str, *, pix: float, level: int,
                           max_level: int, event_id: str, moment: datetime | None = None) -> list[OutboxMessage]:
    """Hook for the student journey: call when a competence test of ``user_id`` is completed (``event_id``: e.g. the
    assessment id), in the same transaction."""
    moment = moment or utcnow()
    messages = []
    for binding in _bindings(session, user_id, ActivityKind.COMPETENCE, competence_code):
        scale = binding.resource_link.registration.grade_scale
        given, maximum = competence_score(scale, pix=pix, level=level, max_level=max_level)
        comment = f"{competence_code}: {pix:g} pix, niveau {level}"
        messages.append(_queue(session, binding, event=f"competence:{competence_code}:{event_id}", score_given=given,
                               score_maximum=maximum, comment=comment, moment=moment))
    return messages


def queue_assessment_grade(session: Session, assessment: Any, catalog: Any, *, max_level: int) -> list[OutboxMessage]:
    """Hook for the student journey, in the transaction that completes ``assessment`` (``assessment.services.advance``
    when it sets COMPLETED): a completed competence test queues its competence result for the learner's LMS links.
    Campaign assessments are graded when their participation is shared (``queue_campaign_grade``), not here."""
    from pix_lti.assessment import services as assessment_services
    from pix_lti.assessment.models import AssessmentStatus, AssessmentType

    if (assessment.type is not AssessmentType.COMPETENCE_EVALUATION or assessment.status is not
            AssessmentStatus.COMPLETED or not assessment.competence_code):
        return []
    if not _bindings(session, assessment.user_id, ActivityKind.COMPETENCE, assessment.competence_code):
        return []  # not from an LMS: no need to score
    score = assessment_services.profile_score(session, assessment.user_id, catalog, max_level).by_competence().get(
        assessment.competence_code)
    pix, level = (score.pix, score.level) if score is not None else (0, 0)
    return queue_competence_grade(session, assessment.user_id, assessment.competence_code, pix=pix, level=level,
                                  max_level=max_level, event_id=f"assessment:{assessment.id}",
                                  moment=assessment.completed_at)


CERTIFICATION_LINE_ITEM = {"resource_id": "pix-certification", "tag": "pix-certification",
                           "label": "Certification Pix"}
CERTIFICATION_MAX = 1024


def queue_certification_outcome(session: Session, result: Any) -> list[OutboxMessage]:
    """Hook for certification, in the transaction that publishes ``result`` (a ``CertificationResult``): a validated
    result sends its pix score out of 1024, a rejected one 0 with a comment; a cancelled one sends nothing. One score
    per LMS course (registration + line-item container) where the learner launched any link of an active
    registration, on the course's "Certification Pix" line item (see the module docstring)."""
    from pix_lti.certif.models import ResultStatus

    if result.published_at is None or result.status not in (ResultStatus.VALIDATED, ResultStatus.REJECTED):
        return []
    user_id = result.course.user_id
    bindings = session.scalars(
        select(LtiLinkLearner).join(LtiResourceLink).join(LtiRegistration)
        .where(LtiLinkLearner.user_id == user_id, LtiRegistration.status == RegistrationStatus.ACTIVE,
               LtiResourceLink.lineitems_url.is_not(None))
        .order_by(LtiLinkLearner.last_launch_at.desc(), LtiLinkLearner.id))
    validated = result.status is ResultStatus.VALIDATED
    given = float(max(0, min(result.pix_score, CERTIFICATION_MAX))) if validated else 0.0
    comment = (f"Certification Pix : {result.pix_score} pix (code {result.verification_code})" if validated
               else "Certification Pix non validée")
    messages, seen = [], set()
    for binding in bindings:
        link = binding.resource_link
        container = (link.registration_id, link.lineitems_url)
        if container in seen:  # several links of one course: one score on its one certification line item
            continue
        seen.add(container)
        messages.append(_queue(session, binding, event=f"certification:{result.id}", score_given=given,
                               score_maximum=CERTIFICATION_MAX, comment=comment, moment=result.published_at,
                               line_item=dict(CERTIFICATION_LINE_ITEM)))
    return messages


def queue_existing_results(session: Session, link: LtiResourceLink, user_id: int) -> list[OutboxMessage]:
    """A learner's first launch of a campaign link after they already shared their results: send the grade now."""
    if link.activity_kind is not ActivityKind.CAMPAIGN:
        return []
    from pix_lti.orga.models import Campaign

    participation = session.scalar(
        select(CampaignParticipation).join(Campaign)
        .where(Campaign.code == link.activity_ref, CampaignParticipation.user_id == user_id,
               CampaignParticipation.status == ParticipationStatus.SHARED)
        .order_by(CampaignParticipation.shared_at.desc()).limit(1))
    return queue_campaign_grade(session, participation) if participation is not None else []


# ----- delivery (outbox handler) --------------------------------------------------------------------------------------


def _service_error(exc: LtiServiceException, what: str) -> Exception:
    code = exc.response.status_code if exc.response is not None else 0
    text = f"{what}: HTTP {code} {(exc.response.text if exc.response is not None else '')[:300]}"
    if code in (401, 408, 425, 429) or code >= 500:
        return RetryableError(text)
    return PermanentError(text)


def _line_item(ags: AssignmentsGradesService, link: LtiResourceLink, score_maximum: float, scopes: list[str]) -> str:
    """The line item URL of a link whose launch carried none: found by resourceId (or tag), else created."""
    resource_id = link.line_item_resource_id
    found = ags.find_lineitem_by_resource_id(resource_id) or ags.find_lineitem_by_tag(resource_id)
    if found is None:
        if SCOPE_LINEITEM not in scopes:
            raise PermanentError("the link has no line item and the platform does not let the tool create one")
        wanted = (LineItem().set_resource_id(resource_id).set_tag(resource_id).set_score_maximum(score_maximum)
                  .set_label(link.title or resource_id).set_resource_link_id(link.resource_link_id))
        found = ags.find_or_create_lineitem(wanted, find_by="resource_id")
    if not found.get_id():
        raise PermanentError("the platform returned a line item without id")
    return str(found.get_id())


def _own_line_item(ags: AssignmentsGradesService, link: LtiResourceLink, spec: dict[str, str], score_maximum: float,
                   scopes: list[str]) -> str:
    """A line item of the tool's own (e.g. "Certification Pix") in the link's course container, found by resourceId
    (or tag), else created (not tied to any resource link)."""
    found = ags.find_lineitem_by_resource_id(spec["resource_id"]) or ags.find_lineitem_by_tag(spec["tag"])
    if found is None:
        if SCOPE_LINEITEM not in scopes:
            raise PermanentError("the platform does not let the tool create the certification line item")
        wanted = (LineItem().set_resource_id(spec["resource_id"]).set_tag(spec["tag"])
                  .set_score_maximum(score_maximum).set_label(spec["label"]))
        found = ags.find_or_create_lineitem(wanted, find_by="resource_id")
    if not found.get_id():
        raise PermanentError("the platform returned a line item without id")
    return str(found.get_id())


def send_score(message: OutboxMessage, database: Database) -> dict[str, Any]:
    """The ``lti.score`` handler. Reads what it needs in one short transaction, talks to the LMS with none open, and
    saves a line item it found or created in another."""
    payload = message.payload
    with database.transaction() as session:
        link = session.get(LtiResourceLink, payload["link_id"])
        if link is None:
            raise PermanentError("the resource link no longer exists")
        registration = link.registration
        if registration.status is not RegistrationStatus.ACTIVE:
            raise PermanentError(f"the platform registration is {registration.status.value}")
        if link.ags_scopes and SCOPE_SCORE not in link.ags_scopes:
            raise PermanentError("the platform did not grant the score scope to this link")
        own = payload.get("line_item")
        if not (link.lineitems_url if own else (link.lineitem_url or link.lineitems_url)):
            raise PermanentError("the launch carried no grade service (AGS) endpoint")
        signing = keys.signing_key(session, current_app.config["SECRET_KEY"])
    # Detached snapshots from here on (loaded attributes stay readable).
    scopes = [s for s in AGS_SCOPES if s in link.ags_scopes] or list(AGS_SCOPES)
    connector = service_connector(DbToolConfig([registration], lambda: signing).registration(registration),
                                  current_app.extensions["pix_lti.kv"])
    ags = AssignmentsGradesService(connector, {"scope": scopes, "lineitems": link.lineitems_url or "",
                                               "lineitem": link.lineitem_url or ""})
    grade = (Grade().set_score_given(float(payload["score_given"])).set_score_maximum(float(payload["score_maximum"]))
             .set_activity_progress("Completed").set_grading_progress("FullyGraded")
             .set_timestamp(payload["timestamp"]).set_user_id(payload["lti_user_id"]))
    if payload.get("comment"):
        grade.set_comment(str(payload["comment"]))
    lineitem_url = None if own else link.lineitem_url
    try:
        if own:
            lineitem_url = _own_line_item(ags, link, own, float(payload["score_maximum"]), scopes)
        elif not lineitem_url:
            lineitem_url = _line_item(ags, link, float(payload["score_maximum"]), scopes)
            with database.transaction() as session:  # found next time without searching
                stored = session.get(LtiResourceLink, link.id)
                if stored is not None and not stored.lineitem_url:
                    stored.lineitem_url = lineitem_url
        response = ags.put_grade(grade, LineItem({"id": lineitem_url}))
    except LtiServiceException as exc:
        if exc.response is not None and exc.response.status_code == 409:
            return {"lineitem": lineitem_url, "status": 409, "note": "platform already has this score"}
        raise _service_error(exc, "score") from None
    except requests.RequestException as exc:
        raise RetryableError(f"{type(exc).__name__}: {exc}") from None
    except LtiException as exc:
        raise PermanentError(str(exc)) from None
    body = response.get("body")
    return {"lineitem": lineitem_url, "tokens_requested": connector.token_requests,
            "response": body if isinstance(body, (dict, list)) else json.dumps(body)[:200]}


register_handler(SCORE_KIND, send_score)


# ----- event receivers (connected once, when this module is imported by the LTI feature) ------------------------------


@events.participation_shared.connect
def _grade_shared_participation(session: Session, *, participation: CampaignParticipation) -> None:
    queue_campaign_grade(session, participation)


@events.certification_published.connect
def _certification_outcomes(session: Session, *, certification_session: Any, results: Any) -> None:
    for result in results:
        queue_certification_outcome(session, result)


@events.assessment_completed.connect
def _grade_completed_assessment(session: Session, *, assessment: Any, catalog: Any, max_level: int) -> None:
    queue_assessment_grade(session, assessment, catalog, max_level=max_level)
