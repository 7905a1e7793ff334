"""Driving a SAML login through the test client: SP redirect → (fake) IdP → POST to the ACS."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.auth.saml.idp import FakeIdp, encode


def start_login(client: FlaskClient, idp: FakeIdp, relay: str | None = None) -> str:
    """The SP-initiated request: returns the AuthnRequest id the IdP will answer."""
    query = {"RelayState": relay} if relay else {}
    response = client.get("/saml/login", query_string=query)
    assert response.status_code == 302, response.data
    assert response.location.startswith(idp.sso_url)
    return idp.request_id(response.location)


def post_response(client: FlaskClient, xml: str, relay: str | None = None) -> TestResponse:
    data: dict[str, Any] = {"SAMLResponse": encode(xml)}
    if relay is not None:
        data["RelayState"] = relay
    return client.post("/saml/acs", data=data)


def login(client: FlaskClient, idp: FakeIdp, attributes: dict[str, list[str]], relay: str | None = None,
          **options: Any) -> TestResponse:
    request_id = start_login(client, idp, relay)
    return post_response(client, idp.response_xml(attributes, in_response_to=request_id, **options), relay)
