"""Small factories for test data, going through the same services the application uses."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from pix_lti.identity import services
from pix_lti.identity.models import MembershipRole, Organisation, OrganisationType, User
from pix_lti.identity.uai import uai_check_letter

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_user(session: Session, *, username: str | None = None, password: str = PASSWORD, **kw: object) -> User:
    n = next(_counter)
    return services.create_local_user(session, username=username or f"user{n}.test", password=password,
                                      first_name=str(kw.pop("first_name", f"Prénom{n}")),
                                      last_name=str(kw.pop("last_name", f"Nom{n}")), **kw)  # type: ignore[arg-type]


def make_organisation(session: Session, *, name: str | None = None, type: OrganisationType = OrganisationType.SCO,
                      uai: str | None = None) -> Organisation:
    n = next(_counter)
    if uai is None and type is OrganisationType.SCO:
        digits = f"{(1_000_000 + n * 7919) % 10_000_000:07d}"
        uai = digits + uai_check_letter(digits)
    return services.ensure_organisation(session, name=name or f"Établissement {n}", type=type, uai=uai)


def make_member(session: Session, organisation: Organisation, role: MembershipRole, **kw: object) -> User:
    user = make_user(session, **kw)
    services.ensure_membership(session, user, organisation, role)
    return user
