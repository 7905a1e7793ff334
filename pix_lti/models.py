"""Imports every feature's models so that ``Base.metadata`` (and so Alembic) sees all tables."""

from pix_lti.db import Base
from pix_lti.identity import models as identity_models  # noqa: F401
from pix_lti import kvstore  # noqa: F401  (KeyValueEntry)

metadata = Base.metadata
