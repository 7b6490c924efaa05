"""The task inbox (error notifications); filled by the imports."""

from flask import Blueprint, render_template

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.get("")
def index():
    """My open tasks."""
    return render_template("tasks/index.html")
