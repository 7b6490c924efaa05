"""Creating users and changing their portal role or password."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Portal, PortalRole, User
from portal.services import audit

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    return None


def create_user(portal: Portal, email: str, password: str, role: PortalRole | None, *,
                actor: User | None = None) -> User:
    email = normalize_email(email)
    if find_user(email):
        raise AccountError(f"A user with e-mail {email} already exists.")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user = User(portal=portal, email=email, portal_role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(portal.id, "user.created", user,
                 {"email": email, "portal_role": role.value if role else None}, user=actor)
    return user


def set_portal_role(user: User, role: PortalRole | None, *, actor: User | None = None) -> None:
    if user.portal_role == role:
        return
    audit.record(user.portal_id, "user.portal_role_set", user,
                 {"email": user.email, "from": user.portal_role and user.portal_role.value,
                  "to": role and role.value}, user=actor)
    user.portal_role = role


def change_password(user: User, new_password: str) -> None:
    problem = password_problem(new_password)
    if problem:
        raise AccountError(problem)
    user.set_password(new_password)
    user.end_other_sessions()
    audit.record(user.portal_id, "user.password_changed", user, {"email": user.email}, user=user)
