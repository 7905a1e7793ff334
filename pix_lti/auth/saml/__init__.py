"""SAML 2.0 service provider for the GAR (the ENTs' resource-access manager) and other school identity providers:
IdP registrations, the SP's metadata and keys, SP-initiated login, the assertion consumer and the provisioning of the
people it receives (no email: IdP + IDO identify a person)."""
