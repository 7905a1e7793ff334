"""Demo data for the embedded default: a school, its référent, a teacher and students with known passwords, plus what
other features register (content, LMS registration). Idempotent. Refused in production (see the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pix_lti.identity import services
from pix_lti.identity.models import MembershipRole, OrganisationType, User

DEMO_PASSWORD = "pix-demo-2026"
DEMO_UAI = "0759999X"
DEMO_SCHOOL = "Collège de démonstration Marie-Curie"

# (username, first name, last name, platform admin, role in the demo school)
DEMO_PEOPLE: tuple[tuple[str, str, str, bool, MembershipRole | None], ...] = (
    ("admin.demo", "Alex", "Admin", True, None),
    ("referent.demo", "Rachida", "Référente", False, MembershipRole.ADMIN),
    ("prof.demo", "Paul", "Professeur", False, MembershipRole.MEMBER),
    ("lea.martin0512", "Léa", "Martin", False, MembershipRole.STUDENT),
    ("hugo.bernard2103", "Hugo", "Bernard", False, MembershipRole.STUDENT),
    ("ines.petit1709", "Inès", "Petit", False, MembershipRole.STUDENT),
)


@dataclass
class DemoSummary:
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (username, what they are)
    lines: list[str] = field(default_factory=list)  # what other features add ("LMS registration: …")
    urls: list[tuple[str, str]] = field(default_factory=list)  # (path, what it is)


DemoLoader = Callable[[Session, DemoSummary], None]


def register_demo_loader(app: Flask, loader: DemoLoader) -> None:
    app.extensions.setdefault("pix_lti.demo_loaders", []).append(loader)


def _load_people(session: Session, summary: DemoSummary) -> None:
    school = services.ensure_organisation(session, name=DEMO_SCHOOL, type=OrganisationType.SCO, uai=DEMO_UAI)
    for username, first, last, is_admin, role in DEMO_PEOPLE:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = services.create_local_user(session, username=username, password=DEMO_PASSWORD, first_name=first,
                                              last_name=last, is_platform_admin=is_admin)
        if role is not None:
            services.ensure_membership(session, user, school, role)
        label = "platform admin" if is_admin else {MembershipRole.ADMIN: "référent (Orga admin)",
                                                   MembershipRole.MEMBER: "teacher",
                                                   MembershipRole.STUDENT: "student"}[role]  # type: ignore[index]
        summary.accounts.append((username, label))


def load_demo(app: Flask) -> DemoSummary:
    summary = DemoSummary(urls=[("/", "home"), ("/connexion", "log in"), ("/healthz", "health check")])
    with app.app_context(), app.extensions["pix_lti.db"].transaction() as session:
        _load_people(session, summary)
        for loader in app.extensions.get("pix_lti.demo_loaders", []):
            loader(session, summary)
    return summary


def print_demo_summary(summary: DemoSummary, public_url: str) -> None:
    click.echo(f"\nDemo school: {DEMO_SCHOOL} (UAI {DEMO_UAI})")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for username, label in summary.accounts:
        click.echo(f"  {username:<20} {label}")
    for line in summary.lines:
        click.echo(line)
    click.echo("Open:")
    for path, label in summary.urls:
        click.echo(f"  {public_url.rstrip('/')}{path:<30} {label}")
