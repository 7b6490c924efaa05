"""Signing in and out, and changing one's password."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo

from portal.extensions import db, limiter
from portal.forms import PortalForm, strip_whitespace
from portal.services import accounts, known_devices, sessions

bp = Blueprint("auth", __name__)


class LoginForm(PortalForm):
    email = EmailField(_l("E-mail"), filters=[strip_whitespace],
                       validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class PasswordForm(PortalForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The two passwords differ."))],
    )


def _form_email() -> str:
    email = request.form.get("email", "")
    return accounts.normalize_email(email)[:254]


def _account_and_ip_key() -> str:
    """Throttle per (account, IP): someone guessing elsewhere cannot lock the user out."""
    return f"login-account-ip:{_form_email()}:{get_remote_address()}"


def _account_key() -> str:
    return "login-account:" + _form_email()


def _is_known_device() -> bool:
    """This browser signed in to this account before (a signed cookie): the account throttles
    do not apply to it, so a guessing attack elsewhere never locks the real user out."""
    return known_devices.is_known(request.cookies.get(known_devices.COOKIE), _form_email())


def _failed(response) -> bool:
    """Only failed sign-ins count towards the account throttles."""
    return response.status_code == 422


def _is_safe_next(target: str | None) -> bool:
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: limiter_config("LOGIN_RATE_LIMIT"), methods=["POST"])
@limiter.limit(lambda: limiter_config("LOGIN_ACCOUNT_IP_RATE_LIMIT"), methods=["POST"],
               key_func=_account_and_ip_key, exempt_when=_is_known_device, deduct_when=_failed)
@limiter.limit(lambda: limiter_config("LOGIN_ACCOUNT_RATE_LIMIT"), methods=["POST"],
               key_func=_account_key, exempt_when=_is_known_device, deduct_when=_failed)
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()  # a rehashed password is saved
            sessions.sign_in(user)  # a new session: new session token and CSRF token
            next_url = request.args.get("next")
            response = redirect(next_url if _is_safe_next(next_url) else url_for("dashboard.index"))
            known_devices.remember(response, user.email)
            return response
        form.password.errors.append(_("E-mail or password is wrong."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def limiter_config(key: str) -> str:
    from flask import current_app

    return current_app.config[key]


@bp.post("/logout")
def logout():
    """Sign out: this session ends on the server too, so a copy of the cookie stops working."""
    sessions.sign_out()
    flash(_("You are signed out."))
    return redirect(url_for("auth.login"))


@bp.post("/account/sign-out-everywhere")
def sign_out_everywhere():
    """End every session of mine, on every device, this one included."""
    sessions.sign_out_everywhere(current_user._get_current_object())
    flash(_("You are signed out on every device."))
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; other sessions of the user end."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                accounts.change_password(current_user, form.new_password.data)
            except accounts.AccountError as error:
                form.new_password.errors.append(str(error))
            else:
                sessions.end_other_sessions(current_user)
                db.session.commit()
                # Keep this session alive under the new session version.
                login_user(current_user._get_current_object())
                flash(_("Your password has been changed. Other sessions were signed out."))
                return redirect(url_for("dashboard.index"))
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status
