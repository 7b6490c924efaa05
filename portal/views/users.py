"""Users of the portal (Portal administrator only): create users, set portal roles."""

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email

from portal.authz import load_portal_user, portal_role_required
from portal.extensions import db
from portal.forms import PortalForm, strip_whitespace
from portal.htmx import render, saved
from portal.models import PortalRole, User
from portal.services import accounts

bp = Blueprint("users", __name__, url_prefix="/users")

ROLE_CHOICES = [SelectChoice("", _l("No portal role"))] + [
    SelectChoice(role.value, role.label) for role in PortalRole
]


INVALID_ROLE = _l("choose one of the portal roles in the list.")


class UserForm(PortalForm):
    email = EmailField(_l("E-mail"), filters=[strip_whitespace],
                       validators=[DataRequired(_l("Enter an e-mail address.")),
                                             Email(_l("Enter a valid e-mail address."))])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(_l("Enter an initial password."))],
        description=_l("At least %(count)s characters; the user can change it.",
                       count=accounts.MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    portal_role = SelectField(_l("Portal role"), choices=ROLE_CHOICES)


class RoleForm(PortalForm):
    portal_role = SelectField(_l("Portal role"), choices=ROLE_CHOICES)


def _role(value: str) -> PortalRole | None:
    return PortalRole(value) if value else None


@bp.before_request
@portal_role_required(PortalRole.ADMIN)
def _only_portal_admins():
    """Every route of this blueprint is for Portal administrators."""


@bp.get("")
def index():
    """All users of my portal with their portal role."""
    return _render_index(UserForm(formdata=None))


def _render_index(form, status=200):
    users = db.session.scalars(
        select(User).where(User.portal_id == current_user.portal_id).order_by(User.email)
    ).all()
    return render("users/index.html", "users/_create_form.html", status, users=users, form=form,
                  role_forms={u.id: RoleForm(formdata=None, portal_role=u.portal_role or "")
                              for u in users})


@bp.post("")
def create():
    """Create a user with an initial password and a portal role."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(current_user.portal, form.email.data, form.password.data,
                                        _role(form.portal_role.data), actor=current_user)
        except accounts.AccountError as error:
            field = form.password if isinstance(error, accounts.PasswordError) else form.email
            field.errors.append(str(error))
        else:
            db.session.commit()
            return saved(_("User %(email)s created.", email=user.email), url_for("users.index"))
    return _render_index(form, 422)


@bp.post("/<int:user_id>/role")
def set_role(user_id):
    """Change a user's portal role."""
    user = load_portal_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("The portal role of %(email)s was not changed: %(reason)s", email=user.email,
                reason=INVALID_ROLE), "error")
        return _render_index(UserForm(formdata=None), 422)
    if user.id == current_user.id and form.portal_role.data != PortalRole.ADMIN.value:
        flash(_("You cannot remove your own Portal administrator role."), "error")
        return _render_index(UserForm(formdata=None), 422)
    accounts.set_portal_role(user, _role(form.portal_role.data), actor=current_user)
    db.session.commit()
    return saved(_("Portal role of %(email)s saved.", email=user.email), url_for("users.index"))
