"""Orga: organisations' campaigns, target profiles, participants and results (the Orga issue extends it)."""
