"""From verified SAML attributes (or OIDC claims) to a person: (IdP, IDO) identifies them; names are refreshed; each UAI gives an
organisation (auto-created as SCO only when the IdP allows it); PRO gives the role; DIV/GRO the classes and groups,
kept in sync. Everything goes through ``identity.services.provision_person``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.auth.saml.errors import ADVICE_IT, ADVICE_SCHOOL, SsoError
from pix_lti.auth.saml.models import SchoolGroup, SchoolGroupKind, SchoolGroupMember
from pix_lti.db import utcnow
from pix_lti.identity.models import ExternalIdentity, IdentityKind, MembershipRole, Organisation, OrganisationType, User
from pix_lti.identity.services import ensure_organisation, find_organisation_by_uai, provision_person
from pix_lti.identity.uai import normalise_uai

# GAR profiles (PRO). Teachers and librarians manage campaigns; heads administer the school's Orga. Other staff
# (National_eta, National_evs, …) are given the least privilege: they can take tests like students.
STAFF_MEMBER_PROFILES = frozenset({"National_ens", "National_doc"})
STAFF_ADMIN_PROFILES = frozenset({"National_dir"})
STUDENT_PROFILES = frozenset({"National_elv"})


class SsoSource(Protocol):
    """What provisioning needs from an identity provider (SAML IdP or OIDC provider)."""

    identity_kind: IdentityKind
    auto_create_schools: bool

    @property
    def issuer(self) -> str: ...

    def attribute(self, key: str) -> str: ...


@dataclass
class SsoOutcome:
    user: User
    role: MembershipRole
    organisations: list[Organisation] = field(default_factory=list)
    is_new: bool = False
    classes: list[SchoolGroup] = field(default_factory=list)  # DIV of the main organisation


def role_for_profiles(profiles: Sequence[str]) -> MembershipRole:
    """The highest role any of the person's profiles gives."""
    values = {p.strip() for p in profiles}
    if values & STAFF_ADMIN_PROFILES:
        return MembershipRole.ADMIN
    if values & STAFF_MEMBER_PROFILES:
        return MembershipRole.MEMBER
    return MembershipRole.STUDENT


def _values(attributes: Mapping[str, Any], name: str) -> list[str]:
    """Every non-empty value of an attribute; repeated attributes and multi-valued ones are both accepted (an OIDC
    claim may also be a single string or number)."""
    raw = attributes.get(name, ())
    values = raw if isinstance(raw, list | tuple) else [raw]
    return [str(v).strip() for v in values if isinstance(v, str | int) and str(v).strip()]


def _first(attributes: Mapping[str, Any], name: str) -> str:
    values = _values(attributes, name)
    return values[0] if values else ""


def _split_group(value: str) -> tuple[str, str]:
    # The GAR sends classes and groups as "code##label"; the code is the stable part.
    code, _, label = value.partition("##")
    return code.strip()[:255], label.strip()[:255]


def _organisations(session: Session, idp: SsoSource, uais: Sequence[str]) -> list[Organisation]:
    found: list[Organisation] = []
    unknown: list[str] = []
    for raw in uais:
        uai = normalise_uai(raw)
        if uai is None:
            continue  # a malformed code cannot name a school; ignored (logged by the caller through the detail)
        organisation = find_organisation_by_uai(session, uai)
        if organisation is None and idp.auto_create_schools:
            organisation = ensure_organisation(session, name=f"Établissement {uai}", type=OrganisationType.SCO,
                                               uai=uai)
        if organisation is None:
            unknown.append(uai)
        elif organisation not in found:
            found.append(organisation)
    if not found:
        detail = f"UAI not registered: {', '.join(unknown)}" if unknown else f"no valid UAI in {list(uais)!r}"
        raise SsoError("unknown_school", _l("Cet établissement n'est pas inscrit sur pix_lti."), ADVICE_SCHOOL,
                       detail, status=403)
    return found


def _school_groups(session: Session, organisation: Organisation, kind: str, values: Sequence[str]) -> list[SchoolGroup]:
    groups: list[SchoolGroup] = []
    for value in values:
        code, label = _split_group(value)
        if not code:
            continue
        group = session.scalar(select(SchoolGroup).where(SchoolGroup.organisation_id == organisation.id,
                                                         SchoolGroup.kind == kind, SchoolGroup.code == code))
        if group is None:
            group = SchoolGroup(organisation_id=organisation.id, kind=kind, code=code, label=label)
            session.add(group)
            session.flush()
        elif label and group.label != label:
            group.label = label
        groups.append(group)
    return groups


def _leave_other_groups(session: Session, user: User, organisations: Sequence[Organisation],
                        kept: Sequence[SchoolGroup]) -> None:
    """Classes and groups the IdP no longer lists for this person, in the schools it speaks for, are left."""
    kept_ids = {g.id for g in kept}
    rows = session.scalars(
        select(SchoolGroupMember).join(SchoolGroup)
        .where(SchoolGroupMember.user_id == user.id, SchoolGroupMember.left_at.is_(None),
               SchoolGroup.organisation_id.in_([o.id for o in organisations]))
    ).all()
    for member in rows:
        if member.group_id not in kept_ids:
            member.left_at = utcnow()


def provision_from_attributes(session: Session, idp: SsoSource, attributes: Mapping[str, Any]) -> SsoOutcome:
    """Flushes, never commits: the request's unit of work commits after the login."""
    subject = _first(attributes, idp.attribute("subject"))
    if not subject:
        raise SsoError("missing_subject", _l("Le fournisseur d'identité n'a pas transmis votre identifiant."),
                       ADVICE_IT, f"attribute {idp.attribute('subject')} missing or empty")
    role = role_for_profiles(_values(attributes, idp.attribute("profile")))
    organisations = _organisations(session, idp, _values(attributes, idp.attribute("uai")))
    # Classes and groups are not tied to one UAI in the assertion: with several schools they go to the first one.
    main = organisations[0]
    classes = _school_groups(session, main, SchoolGroupKind.CLASS, _values(attributes, idp.attribute("classes")))
    groups = [*classes,
              *_school_groups(session, main, SchoolGroupKind.GROUP, _values(attributes, idp.attribute("groups")))]
    known = session.scalar(select(ExternalIdentity.id).where(
        ExternalIdentity.kind == idp.identity_kind, ExternalIdentity.issuer == idp.issuer,
        ExternalIdentity.subject == subject))
    user = provision_person(
        session, kind=idp.identity_kind, issuer=idp.issuer, subject=subject,
        given_name=_first(attributes, idp.attribute("given_name")),
        family_name=_first(attributes, idp.attribute("family_name")),
        organisation=main, role=role, groups=groups,
    )
    for other in organisations[1:]:
        provision_person(session, kind=idp.identity_kind, issuer=idp.issuer, subject=subject,
                         organisation=other, role=role)
    _leave_other_groups(session, user, organisations, groups)
    session.flush()
    return SsoOutcome(user=user, role=role, organisations=organisations, is_new=known is None, classes=classes)
