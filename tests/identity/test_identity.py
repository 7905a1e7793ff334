from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pix_lti.auth.passwords import hash_password, password_problems, verify_password
from pix_lti.identity import services
from pix_lti.identity.models import ExternalIdentity, IdentityKind, MembershipRole
from pix_lti.identity.uai import normalise_uai, uai_check_letter
from tests.factories import make_organisation, make_user


def test_external_identity_is_unique_per_kind_issuer_subject(db_session: Session) -> None:
    user = make_user(db_session)
    db_session.add(ExternalIdentity(user=user, kind=IdentityKind.LTI, issuer="https://moodle.example", subject="42"))
    db_session.add(ExternalIdentity(user=user, kind=IdentityKind.SAML, issuer="https://moodle.example", subject="42"))
    db_session.flush()
    db_session.add(ExternalIdentity(user=user, kind=IdentityKind.LTI, issuer="https://moodle.example", subject="42"))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_username_is_unique_and_case_insensitive(db_session: Session) -> None:
    make_user(db_session, username="Lea.Martin0512")
    with pytest.raises(services.UsernameTaken):
        make_user(db_session, username="lea.martin0512")


def test_membership_role_is_raised_never_lowered(db_session: Session) -> None:
    organisation = make_organisation(db_session)
    user = make_user(db_session)
    assert services.ensure_membership(db_session, user, organisation, MembershipRole.MEMBER).role is MembershipRole.MEMBER
    assert services.ensure_membership(db_session, user, organisation, MembershipRole.ADMIN).role is MembershipRole.ADMIN
    assert services.ensure_membership(db_session, user, organisation, MembershipRole.STUDENT).role is MembershipRole.ADMIN
    assert len(user.memberships) == 1


def test_users_have_no_email_column(db_session: Session) -> None:
    from pix_lti.identity.models import User

    assert not any("mail" in column.name for column in User.__table__.columns)


def test_uai_check_letter() -> None:
    assert uai_check_letter("0750680") == "G"  # a real Paris lycée's UAI is 0750680G
    assert normalise_uai(" 0750680g ") == "0750680G"
    assert normalise_uai("0750680H") is None
    assert normalise_uai("075068G") is None


def test_passwords_are_argon2_and_verified() -> None:
    hashed = hash_password("s3cret-passphrase")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "s3cret-passphrase")
    assert not verify_password(hashed, "S3cret-passphrase")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
    assert password_problems("short") == ["too_short"]
    assert password_problems("long enough password") == []
