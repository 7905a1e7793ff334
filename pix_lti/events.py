"""Domain events, so that core features do not import the features that react to them (the LTI grade queue reacts to
a finished test; certification outcomes later). Receivers run synchronously, in the sender's transaction: what they
write (e.g. an outbox row) commits or rolls back with the event that caused it."""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

# sender: the SQLAlchemy session; kwargs: assessment, catalog, max_level
assessment_completed = _events.signal("assessment-completed")
# sender: the SQLAlchemy session; kwargs: participation
participation_shared = _events.signal("participation-shared")
# sender: the SQLAlchemy session; kwargs: certification_session, results (its CertificationResult rows, just published)
certification_published = _events.signal("certification-published")
