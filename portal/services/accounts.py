"""Creating users and changing their portal role or password."""

from flask_babel import gettext
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Portal, PortalRole, User
from portal.models.accounts import verify_dummy_password
from portal.services import audit, common_passwords

MIN_PASSWORD_LENGTH = 12
# OWASP ASVS 2.1.2 allows at least 64; more only costs hashing time.
MAX_PASSWORD_LENGTH = 128


class AccountError(ValueError):
    pass


class PasswordError(AccountError):
    """The password breaks a rule (length, common password); the message says which."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail address and password, or None. An unknown address costs the
    same Argon2 work as a wrong password, so the answer's timing does not reveal accounts."""
    user = find_user(email)
    if user is None:
        verify_dummy_password(password)
        return None
    return user if user.check_password(password) else None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return gettext("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return gettext("Use at most %(count)s characters.", count=MAX_PASSWORD_LENGTH)
    if common_passwords.is_common(password):
        return gettext("This password is on a list of commonly used passwords that attackers "
                       "try first. Choose another, for example a few unrelated words.")
    return None


def create_user(portal: Portal, email: str, password: str, role: PortalRole | None, *,
                actor: User | None = None) -> User:
    email = normalize_email(email)
    if find_user(email):
        raise AccountError(gettext("A user with e-mail %(email)s already exists.", email=email))
    problem = password_problem(password)
    if problem:
        raise PasswordError(problem)
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
        raise PasswordError(problem)
    user.set_password(new_password)
    user.end_other_sessions()
    audit.record(user.portal_id, "user.password_changed", user, {"email": user.email}, user=user)
