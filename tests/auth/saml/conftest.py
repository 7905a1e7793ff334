"""Fixtures of the SAML tests: one SP key pair and GAR-like IdPs per run (RSA keys and pysaml2 servers are slow to
build), copied into each test's instance folder; the IdP registered in each test's database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from pix_lti.auth.saml import sp
from pix_lti.auth.saml.cli import save_identity_provider
from pix_lti.auth.saml.models import SamlIdentityProvider
from pix_lti.identity.models import Organisation, OrganisationType
from pix_lti.identity.services import ensure_organisation
from tests.auth.saml.idp import PUBLIC_URL, FakeIdp

SCHOOL_UAI = "0750001U"  # check letter: 750001 % 23 = 17 → U
OTHER_UAI = "0750002V"


@pytest.fixture(scope="session")
def sp_key_pair() -> tuple[str, str]:
    return sp.generate_key_pair("127.0.0.1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pysaml2 signs with the xmlsec1 program (Debian package ``xmlsec1``): without it these tests cannot run."""
    import shutil

    if shutil.which("xmlsec1") is None:
        skip = pytest.mark.skip(reason="xmlsec1 not installed (apt-get install xmlsec1): the test IdP cannot sign")
        for item in items:
            if "tests/auth/saml" in str(item.fspath) and "fake_idp" in getattr(item, "fixturenames", ()):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def fake_idp(tmp_path_factory: pytest.TempPathFactory, sp_key_pair: tuple[str, str]) -> FakeIdp:
    metadata = sp.sp_metadata(PUBLIC_URL, sp.SpKeys(*sp_key_pair))
    return FakeIdp(tmp_path_factory.mktemp("idp"), metadata)


@pytest.fixture(scope="session")
def rogue_idp(tmp_path_factory: pytest.TempPathFactory, sp_key_pair: tuple[str, str],
              fake_idp: FakeIdp) -> FakeIdp:
    """Same entityID as the GAR, another signing key: what an attacker without the GAR's key can produce."""
    metadata = sp.sp_metadata(PUBLIC_URL, sp.SpKeys(*sp_key_pair))
    return FakeIdp(tmp_path_factory.mktemp("rogue"), metadata, entity_id=fake_idp.entity_id)


@pytest.fixture(autouse=True)
def _sp_keys(tmp_path: Path, sp_key_pair: tuple[str, str]) -> None:
    folder = tmp_path / "saml"  # the app fixture's instance folder is tmp_path
    folder.mkdir(exist_ok=True)
    (folder / "sp.key").write_text(sp_key_pair[0])
    (folder / "sp.crt").write_text(sp_key_pair[1])


@pytest.fixture
def gar(db_session: Session, fake_idp: FakeIdp) -> SamlIdentityProvider:
    idp = save_identity_provider(db_session, fake_idp.metadata_xml(), name="GAR (test)")
    db_session.flush()
    return idp


@pytest.fixture
def school(db_session: Session) -> Organisation:
    organisation = ensure_organisation(db_session, name="Collège Jean-Moulin", type=OrganisationType.SCO,
                                       uai=SCHOOL_UAI)
    db_session.flush()
    return organisation


def student_attributes(**overrides: Any) -> dict[str, list[str]]:
    attributes = {"IDO": ["ido-eleve-0001"], "UAI": [SCHOOL_UAI], "PRO": ["National_elv"], "PRE": ["Léa"],
                  "NOM": ["Martin"], "DIV": ["3A##Troisième A"], "GRO": ["3A-ANG1##Anglais groupe 1"]}
    attributes.update(overrides)
    return {k: v for k, v in attributes.items() if v is not None}
