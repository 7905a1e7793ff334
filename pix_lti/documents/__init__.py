"""Printable documents (PDF) shared by features: class account sheets (Orga), certificates (certif)."""
