"""Settings: the entry point to the portal's settings screens."""

from flask import Blueprint, render_template

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("")
def index():
    """The list of settings screens available to me."""
    return render_template("settings/index.html")
