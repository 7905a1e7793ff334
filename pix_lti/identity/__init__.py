"""People, their external identities, organisations and memberships; the single provisioning path."""
