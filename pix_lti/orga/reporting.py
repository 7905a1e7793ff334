"""Queries behind the activity list, the participant page and the exports: a campaign's current participations
(older ones superseded by a retry are left out) with the learner, filtered by status, LMS group and a search."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from pix_lti.assessment import services as assessment_services
from pix_lti.identity.models import User
from pix_lti.launch.models import CourseGroup, CourseGroupMember
from pix_lti.orga.models import Campaign, CampaignParticipation, OrganisationLearner, ParticipationStatus


class StatusFilter(enum.StrEnum):
    STARTED = "en-cours"
    COMPLETED = "termine"  # test finished, results not sent yet
    SHARED = "envoye"


_STATUS = {StatusFilter.STARTED: ParticipationStatus.STARTED, StatusFilter.COMPLETED: ParticipationStatus.TO_SHARE,
           StatusFilter.SHARED: ParticipationStatus.SHARED}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def participants_query(campaign: Campaign, *, status: str | None = None, search: str | None = None,
                       group_id: int | None = None, division: str | None = None,
                       ) -> Select[tuple[CampaignParticipation, User]]:
    query = (select(CampaignParticipation, User).join(User, User.id == CampaignParticipation.user_id)
             .where(CampaignParticipation.campaign_id == campaign.id, CampaignParticipation.is_improved.is_(False)))
    if status in {s.value for s in StatusFilter}:
        query = query.where(CampaignParticipation.status == _STATUS[StatusFilter(status)])
    words = (search or "").strip().lower().split()[:5]
    for word in words:  # every word must match a name or the external id (case-insensitive)
        pattern = f"%{_like_escape(word)}%"
        query = query.where(or_(func.lower(User.first_name).like(pattern, escape="\\"),
                                func.lower(User.last_name).like(pattern, escape="\\"),
                                func.lower(CampaignParticipation.external_id).like(pattern, escape="\\")))
    if group_id is not None:
        query = query.where(exists().where(CourseGroupMember.group_id == group_id,
                                           CourseGroupMember.user_id == User.id, CourseGroupMember.left_at.is_(None)))
    if division:  # the class of the roster (SIECLE/CSV import) the learner is reconciled with
        query = query.where(exists().where(OrganisationLearner.organisation_id == campaign.organisation_id,
                                           OrganisationLearner.user_id == User.id,
                                           OrganisationLearner.is_active.is_(True),
                                           OrganisationLearner.division == division))
    return query.order_by(func.lower(User.last_name), func.lower(User.first_name), CampaignParticipation.id)


def status_counts(session: Session, campaign: Campaign) -> dict[ParticipationStatus, int]:
    rows = session.execute(select(CampaignParticipation.status, func.count(CampaignParticipation.id))
                           .where(CampaignParticipation.campaign_id == campaign.id,
                                  CampaignParticipation.is_improved.is_(False))
                           .group_by(CampaignParticipation.status)).all()
    return {status: count for status, count in rows}


def organisation_groups(session: Session, organisation_id: int) -> list[CourseGroup]:
    """The LMS courses of the organisation (the groups teachers filter by until school rosters bring classes)."""
    return list(session.scalars(select(CourseGroup).where(CourseGroup.organisation_id == organisation_id)
                                .order_by(CourseGroup.title, CourseGroup.id)))


def group_names(session: Session, organisation_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """Each learner's current LMS group titles (comma-joined), for the lists and the export."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(select(CourseGroupMember.user_id, CourseGroup.title, CourseGroup.label)
                           .join(CourseGroup, CourseGroup.id == CourseGroupMember.group_id)
                           .where(CourseGroup.organisation_id == organisation_id, CourseGroupMember.user_id.in_(ids),
                                  CourseGroupMember.left_at.is_(None))
                           .order_by(CourseGroup.title)).all()
    names: dict[int, list[str]] = {}
    for user_id, title, label in rows:
        names.setdefault(user_id, []).append(title or label)
    return {user_id: ", ".join(titles) for user_id, titles in names.items()}


def division_names(session: Session, organisation_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """Each reconciled learner's class in the organisation's roster (active entries only)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(select(OrganisationLearner.user_id, OrganisationLearner.division)
                           .where(OrganisationLearner.organisation_id == organisation_id,
                                  OrganisationLearner.user_id.in_(ids), OrganisationLearner.is_active.is_(True))).all()
    return {user_id: division for user_id, division in rows if user_id is not None}


def organisation_divisions(session: Session, organisation_id: int) -> list[str]:
    return list(session.scalars(select(OrganisationLearner.division).where(
        OrganisationLearner.organisation_id == organisation_id, OrganisationLearner.is_active.is_(True))
        .distinct().order_by(OrganisationLearner.division)))


def reminder_lists(session: Session, campaign: Campaign, division: str | None = None) -> tuple[list[str], list[str]]:
    """Names to remind, "Nom Prénom (classe)": roster learners (active, of ``division`` if given) with no current
    participation in the campaign — not started; and participants who have not sent their results — not finished."""
    participating = select(CampaignParticipation.user_id).where(CampaignParticipation.campaign_id == campaign.id,
                                                                 CampaignParticipation.is_improved.is_(False))
    roster = select(OrganisationLearner).where(OrganisationLearner.organisation_id == campaign.organisation_id,
                                               OrganisationLearner.is_active.is_(True),
                                               or_(OrganisationLearner.user_id.is_(None),
                                                   OrganisationLearner.user_id.not_in(participating)))
    if division:
        roster = roster.where(OrganisationLearner.division == division)
    not_started = [f"{l.last_name} {l.first_name} ({l.division})" if l.division else f"{l.last_name} {l.first_name}"
                   for l in session.scalars(roster.order_by(OrganisationLearner.division,
                                                            func.lower(OrganisationLearner.last_name),
                                                            func.lower(OrganisationLearner.first_name)))]
    unfinished_query = participants_query(campaign, division=division).where(
        CampaignParticipation.status != ParticipationStatus.SHARED)
    unfinished = [f"{user.last_name} {user.first_name}".strip() or user.display_name
                  for _, user in session.execute(unfinished_query)]
    return not_started, unfinished


def progress_percent(session: Session, participation: CampaignParticipation, target_ids: frozenset[str] | None) -> int:
    """A finished participation is 100 %; a started one is the share of target skills already tested (adaptive tests
    have no fixed length), at most 99 % until the test ends. A profiles collection has no test: 100 %."""
    if participation.status is not ParticipationStatus.STARTED or not target_ids:
        return 100
    known = assessment_services.current_knowledge(session, participation.user_id)
    tested = sum(1 for skill_id in known if skill_id in target_ids)
    return min(99, tested * 100 // len(target_ids))
