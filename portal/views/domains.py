"""Domains: the list, creating one, and a domain's page with its administrations and members."""

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.authz import PORTAL_STAFF, can_manage_domain, load_domain, portal_role_required
from portal.extensions import db
from portal.forms import PortalForm
from portal.htmx import fragment_or_redirect, is_htmx, render, saved
from portal.models import (
    Administration,
    Domain,
    DomainMembership,
    DomainRole,
    PortalRole,
    User,
)
from portal.services import structure
from portal.services.domain_links import domain_links
from portal.validators import RelationCode

bp = Blueprint("domains", __name__, url_prefix="/domains")


class DomainForm(PortalForm):
    name = StringField(
        _l("Domain name"),
        description=_l("Lowercase letters, digits and dashes. It must equal the debtor name in "
        "Nmbrs and cannot be changed later."),
    )

    def validate_name(self, field):
        field.data = (field.data or "").strip()
        problem = Domain.name_problem(field.data)
        if problem:
            raise ValidationError(problem)


class AdministrationForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the administration's name.")), Length(max=200)],
        description=_l("Equal to the company name in Nmbrs."),
    )
    relation_code = StringField(
        _l("Relation code"),
        validators=[DataRequired(_l("Enter the relation code.")), Length(max=20), RelationCode()],
        description=_l("Equal to the company number in Nmbrs (often 1)."),
    )
    payroll_contract = BooleanField(_l("Active payroll contract"))

    def validate_name(self, field):
        field.data = field.data.strip()

    def validate_relation_code(self, field):
        field.data = field.data.strip()


def _administration_form(**kwargs) -> AdministrationForm:
    """The administration form. Its payroll contract switches the Nmbrs link on for the
    administration, which only portal staff set up: a domain's roles neither see nor set it."""
    form = AdministrationForm(**kwargs)
    if not current_user.has_portal_role:
        del form.payroll_contract
    return form


def _payroll_contract(form, current: bool) -> bool:
    return form.payroll_contract.data if "payroll_contract" in form else current


class NmbrsFeatureForm(PortalForm):
    enabled = BooleanField(_l("Payroll connection – Nmbrs for all administrations of this domain"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MemberForm(PortalForm):
    user_id = SelectField(_l("User"), coerce=int)
    roles = MultiCheckboxField(
        _l("Roles"), choices=[SelectChoice(role.value, role.label) for role in DomainRole]
    )


def visible_domains_query():
    """Domains of my portal that I may see: all for portal staff, else my memberships."""
    query = select(Domain).where(Domain.portal_id == current_user.portal_id)
    if not current_user.has_portal_role:
        query = query.where(
            Domain.id.in_(
                select(DomainMembership.domain_id)
                .where(DomainMembership.user_id == current_user.id)
            )
        )
    return query.order_by(Domain.name)


@bp.get("")
def index():
    """All domains I can see, and a form to create one for portal staff."""
    return _render_index(DomainForm())


def _render_index(form, status=200):
    administrations = (
        select(func.count(Administration.id))
        .where(Administration.domain_id == Domain.id)
        .correlate(Domain)
        .scalar_subquery()
    )
    domains = db.session.execute(visible_domains_query().add_columns(administrations)).all()
    return render("domains/index.html", "domains/_create_form.html", status,
                  domains=domains, form=form, may_create=current_user.has_portal_role,
                  links=domain_links(current_user.portal, domains))


@bp.post("")
@portal_role_required(*PORTAL_STAFF)
def create():
    """Create a domain; its name is checked against the naming rules."""
    form = DomainForm()
    if form.validate_on_submit():
        try:
            domain = structure.create_domain(current_user.portal, form.name.data,
                                             actor=current_user)
        except structure.StructureError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            return saved(_("Domain %(name)s created.", name=domain.name),
                         url_for("domains.show", domain_id=domain.id))
    return _render_index(form, 422)


@bp.get("/<int:domain_id>")
def show(domain_id):
    """A domain's administrations, its Nmbrs feature switch and its members."""
    domain = load_domain(domain_id)
    return _render_show(domain)


def _render_show(domain, administration_form=None, member_form=None, status=200):
    return render(
        "domains/show.html",
        "domains/show.html",
        status,
        domain=domain,
        administration_form=administration_form or _administration_form(formdata=None),
        feature_form=NmbrsFeatureForm(formdata=None, enabled=domain.nmbrs_enabled),
        member_form=member_form or _member_form(domain, formdata=None),
        may_manage=can_manage_domain(current_user, domain),
        members=_members_by_user(domain),
    )


@bp.post("/<int:domain_id>/administrations")
def add_administration(domain_id):
    """Add an administration to the domain."""
    domain = load_domain(domain_id, manage=True)
    form = _administration_form()
    administration = form.validate_on_submit() and _save_or_field_error(form, lambda: (
        structure.add_administration(domain, form.name.data, form.relation_code.data,
                                     _payroll_contract(form, False), actor=current_user)))
    if administration:
        return saved(_("Administration %(name)s added.", name=administration.name),
                     url_for("domains.show", domain_id=domain.id) + "#administrations",
                     "domains/_administrations.html", domain=domain,
                     administration_form=_administration_form(formdata=None), may_manage=True)
    if is_htmx():
        return render("domains/_administrations.html", "domains/_administrations.html", 422,
                      domain=domain, administration_form=form, may_manage=True)
    return _render_show(domain, administration_form=form, status=422)


@bp.get("/<int:domain_id>/administrations/<int:administration_id>/edit")
def edit_administration(domain_id, administration_id):
    """The row of one administration as an inline edit form."""
    domain, administration = _domain_administration(domain_id, administration_id)
    form = _administration_form(obj=administration, formdata=None)
    return render("domains/edit_administration.html", "domains/_administration_edit_row.html",
                  domain=domain, administration=administration, form=form)


@bp.get("/<int:domain_id>/administrations/<int:administration_id>")
def administration_row(domain_id, administration_id):
    """The read-only row of one administration (Cancel of the inline edit)."""
    domain, administration = _domain_administration(domain_id, administration_id)
    return fragment_or_redirect("domains/_administration_row.html",
                                url_for("domains.show", domain_id=domain.id),
                                domain=domain, administration=administration, may_manage=True)


@bp.post("/<int:domain_id>/administrations/<int:administration_id>")
def update_administration(domain_id, administration_id):
    """Rename an administration, change its relation code or payroll contract."""
    domain, administration = _domain_administration(domain_id, administration_id)
    form = _administration_form()
    if form.validate_on_submit() and _save_or_field_error(form, lambda: (
            structure.update_administration(
                administration, form.name.data, form.relation_code.data,
                _payroll_contract(form, administration.payroll_contract), actor=current_user)
            or administration)):
        return saved(_("Administration %(name)s saved.", name=administration.name),
                     url_for("domains.show", domain_id=domain.id),
                     "domains/_administration_row.html", domain=domain,
                     administration=administration, may_manage=True)
    return render("domains/edit_administration.html", "domains/_administration_edit_row.html",
                  422, domain=domain, administration=administration, form=form)


def _save_or_field_error(form, change):
    """Run and commit `change` and return its result; a second identical administration (a double
    submit, even two at once: the database's unique constraint) becomes an error on the name
    field instead (None)."""
    try:
        result = change()
        db.session.commit()
    except structure.StructureError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return None
    except IntegrityError:
        db.session.rollback()
        form.name.errors.append(structure.duplicate_administration_message(
            form.name.data, form.relation_code.data))
        return None
    return result


def _domain_administration(domain_id, administration_id):
    domain = load_domain(domain_id, manage=True)
    administration = db.session.get(Administration, administration_id)
    if administration is None or administration.domain_id != domain.id:
        abort(404)
    return domain, administration


@bp.post("/<int:domain_id>/nmbrs-feature")
@portal_role_required(PortalRole.ADMIN)
def set_nmbrs_feature(domain_id):
    """Switch the Payroll connection – Nmbrs feature for all of the domain's administrations."""
    domain = load_domain(domain_id)
    form = NmbrsFeatureForm()
    if not form.validate_on_submit():
        abort(400)
    structure.set_domain_nmbrs_feature(domain, form.enabled.data, actor=current_user)
    db.session.commit()
    message = (_("Payroll connection – Nmbrs is on for all administrations of %(name)s.",
                 name=domain.name) if domain.nmbrs_enabled else
               _("Payroll connection – Nmbrs is off for all administrations of %(name)s.",
                 name=domain.name))
    return saved(message, url_for("domains.show", domain_id=domain.id))


@bp.post("/<int:domain_id>/members")
@portal_role_required(PortalRole.ADMIN)
def set_member(domain_id):
    """Give a user of the portal a set of roles in the domain."""
    domain = load_domain(domain_id)
    form = _member_form(domain)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        structure.set_member_roles(domain, user, {DomainRole(r) for r in form.roles.data},
                                   actor=current_user)
        db.session.commit()
        return saved(_("Roles of %(email)s in %(domain)s saved.", email=user.email,
                       domain=domain.name),
                     url_for("domains.show", domain_id=domain.id) + "#members")
    return _render_show(domain, member_form=form, status=422)


def _member_form(domain, **kwargs):
    form = MemberForm(**kwargs)
    users = db.session.scalars(
        select(User).where(User.portal_id == domain.portal_id).order_by(User.email)
    )
    form.user_id.choices = [SelectChoice(user.id, user.email) for user in users]
    return form


def _members_by_user(domain):
    members: dict = {}
    for membership in domain.memberships:
        members.setdefault(membership.user, []).append(membership.role)
    return sorted(
        ((user, sorted(roles, key=lambda r: r.label)) for user, roles in members.items()),
        key=lambda pair: pair[0].email,
    )
