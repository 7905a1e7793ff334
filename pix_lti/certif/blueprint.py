"""URLs of the certification pages (centre, candidate, invigilator). Scoring, jury and certificates live on the
``certif_results`` blueprint."""

from flask import Blueprint

bp = Blueprint("certif", __name__, url_prefix="/certif", template_folder="templates")
