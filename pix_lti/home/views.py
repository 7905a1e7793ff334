from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("home/index.html")
