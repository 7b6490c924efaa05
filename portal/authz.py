"""Authorization: one place that decides who may see and change what.

Anonymous users are sent to the login page. Objects of another portal, and domains (with their
administrations) of my portal that I have no role in, answer 404 as if they did not exist, so no
one learns which ids exist. Signed-in users who may see an object but lack the role for an action
on it, or for a portal-wide page, get 403.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.extensions import db
from portal.models import Administration, Domain, DomainRole, PortalRole, User

PORTAL_STAFF = (PortalRole.ADMIN, PortalRole.BACK_OFFICE)


def portal_role_required(*roles: PortalRole):
    """Allow the view only to users holding one of `roles` in their portal."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.portal_role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_view_domain(user: User, domain: Domain) -> bool:
    return user.has_portal_role or bool(user.domain_roles(domain))


def can_manage_domain(user: User, domain: Domain) -> bool:
    """Portal staff and the domain's Back office may change its administrations."""
    return user.has_portal_role or DomainRole.BACK_OFFICE in user.domain_roles(domain)


def can_link_nmbrs_company(user: User) -> bool:
    """Only Portal administrators and Portal back office link an administration to an Nmbrs
    company, or see companies beyond the domain's own debtor (a domain role sees only those)."""
    return user.portal_role in PORTAL_STAFF


def _in_my_portal(obj, portal_id: int):
    if obj is None or portal_id != current_user.portal_id:
        abort(404)
    return obj


def _check_domain_access(domain: Domain, manage: bool) -> None:
    """404 for a domain I may not see (it does not exist for me), 403 when I may only look."""
    if not can_view_domain(current_user, domain):
        abort(404)
    if manage and not can_manage_domain(current_user, domain):
        abort(403)


def load_domain(domain_id: int, manage: bool = False) -> Domain:
    domain = _in_my_portal(*_with_portal(db.session.get(Domain, domain_id)))
    _check_domain_access(domain, manage)
    return domain


def load_administration(administration_id: int, manage: bool = False) -> Administration:
    administration = db.session.get(Administration, administration_id)
    domain = administration.domain if administration else None
    _in_my_portal(*_with_portal(domain))
    _check_domain_access(domain, manage)
    return administration


def load_portal_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    return _in_my_portal(user, user.portal_id if user else None)


def _with_portal(domain: Domain | None):
    return domain, (domain.portal_id if domain else None)
