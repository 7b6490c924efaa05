"""An administration's page: its employees (the payroll documents come later)."""

from flask import Blueprint
from flask_login import current_user

from portal.authz import can_link_nmbrs_company, can_manage_domain, load_administration
from portal.htmx import render
from portal.services.company_links import company_link

bp = Blueprint("administrations", __name__, url_prefix="/administrations")


@bp.get("/<int:administration_id>")
def show(administration_id):
    """The administration with its employees (IBAN and BSN masked)."""
    administration = load_administration(administration_id)
    return render(
        "administrations/show.html",
        "administrations/_employees.html",
        administration=administration,
        domain=administration.domain,
        employees=administration.employees,
        may_manage=can_manage_domain(current_user, administration.domain),
        company_link=company_link(administration),
        may_link=can_link_nmbrs_company(current_user),
    )
