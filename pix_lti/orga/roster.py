"""Applying a parsed roster to the organisation: all or nothing. Learners are matched by national id: known ones are
updated (and reactivated), new ones inserted, and active ones missing from the file marked as having left (inactive,
``left_at``) — nothing is ever deleted, so results stay. Bulk statements keep 10,000 learners to a few seconds.

The service receives a session and flushes; the request's end commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from pix_lti.identity.models import Organisation
from pix_lti.orga.models import OrganisationLearner
from pix_lti.orga.roster_files import LearnerRecord

_RECORD_FIELDS = tuple(f.name for f in fields(LearnerRecord))


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    left: int


def apply_roster(session: Session, organisation: Organisation, records: Sequence[LearnerRecord],
                 now: datetime) -> ImportSummary:
    existing = {row.national_id: row for row in session.execute(
        select(OrganisationLearner.id, OrganisationLearner.national_id, OrganisationLearner.is_active,
               *(getattr(OrganisationLearner, name) for name in _RECORD_FIELDS if name != "national_id"))
        .where(OrganisationLearner.organisation_id == organisation.id))}
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    unchanged = 0
    for record in records:
        values = asdict(record)
        row = existing.pop(record.national_id, None)
        if row is None:
            inserts.append({**values, "organisation_id": organisation.id, "is_active": True, "left_at": None,
                            "created_at": now, "updated_at": now})
            continue
        same = row.is_active and all(getattr(row, name) == values[name] for name in _RECORD_FIELDS)
        if same:
            unchanged += 1
        else:
            updates.append({**values, "id": row.id, "is_active": True, "left_at": None, "updated_at": now})
    leavers = [row.id for row in existing.values() if row.is_active]
    if inserts:
        session.execute(insert(OrganisationLearner), inserts)
    if updates:
        session.execute(update(OrganisationLearner), updates)  # bulk UPDATE by primary key
    for start in range(0, len(leavers), 500):  # bounded IN lists
        session.execute(update(OrganisationLearner).where(OrganisationLearner.id.in_(leavers[start:start + 500]))
                        .values(is_active=False, left_at=now, updated_at=now))
    session.flush()
    return ImportSummary(created=len(inserts), updated=len(updates), unchanged=unchanged, left=len(leavers))
