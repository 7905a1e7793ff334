"""Imports every feature's models so that ``Base.metadata`` (and so Alembic) sees all tables."""

from pix_lti.db import Base
from pix_lti.identity import models as identity_models  # noqa: F401
from pix_lti import kvstore  # noqa: F401  (KeyValueEntry)
from pix_lti.content import models as content_models  # noqa: F401
from pix_lti.orga import models as orga_models  # noqa: F401
from pix_lti.assessment import models as assessment_models  # noqa: F401
from pix_lti.launch import models as launch_models  # noqa: F401
from pix_lti.outbox import models as outbox_models  # noqa: F401
from pix_lti.auth.saml import models as saml_models  # noqa: F401
from pix_lti.auth.oidc import models as oidc_models  # noqa: F401
from pix_lti.certif import models as certif_models  # noqa: F401

metadata = Base.metadata
