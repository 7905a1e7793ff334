from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from pix_lti.auth.access import current_user
from pix_lti.identity.models import MembershipRole

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
def index() -> ResponseReturnValue:
    user = current_user()
    # A student's home is their profile; staff (and people without a school yet) keep the landing page.
    if user is not None and not user.is_platform_admin and any(
        m.role is MembershipRole.STUDENT and m.disabled_at is None for m in user.memberships
    ) and not any(m.role is not MembershipRole.STUDENT and m.disabled_at is None for m in user.memberships):
        return redirect(url_for("assessment.profile"))
    return render_template("home/index.html")
