"""Signing in and out, and changing one's password."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo

from portal.extensions import db, limiter
from portal.forms import PortalForm, strip_whitespace
from portal.services import accounts

bp = Blueprint("auth", __name__)


class LoginForm(PortalForm):
    email = EmailField("E-mail", filters=[strip_whitespace], validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])


class PasswordForm(PortalForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired()])
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", "The two passwords differ.")],
    )


def _login_account_key() -> str:
    return "login-account:" + accounts.normalize_email(request.form.get("email", ""))


def _is_safe_next(target: str | None) -> bool:
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: limiter_config("LOGIN_RATE_LIMIT"), methods=["POST"])
@limiter.limit(lambda: limiter_config("LOGIN_ACCOUNT_RATE_LIMIT"), methods=["POST"],
               key_func=_login_account_key)
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user and user.check_password(form.password.data):
            db.session.commit()  # a rehashed password is saved
            login_user(user)
            next_url = request.args.get("next")
            return redirect(next_url if _is_safe_next(next_url) else url_for("dashboard.index"))
        form.password.errors.append("E-mail or password is wrong.")
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def limiter_config(key: str) -> str:
    from flask import current_app

    return current_app.config[key]


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; other sessions of the user end."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("The current password is wrong.")
        else:
            try:
                accounts.change_password(current_user, form.new_password.data)
            except accounts.AccountError as error:
                form.new_password.errors.append(str(error))
            else:
                db.session.commit()
                # Keep this session alive under the new session version.
                login_user(current_user._get_current_object())
                flash("Your password has been changed. Other sessions were signed out.")
                return redirect(url_for("dashboard.index"))
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status
