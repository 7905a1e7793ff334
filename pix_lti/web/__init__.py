"""Web plumbing shared by every feature: sessions, errors, security headers, i18n, logging, health."""
