"""Server-side sessions: signing in starts one, signing out ends it for good (issue 12).

The session cookie is signed but lives in the browser, so on its own a copy made before logout
would keep working until it expired. Each sign-in therefore stores a `UserSession` row, the
cookie carries its random token, and the user loader (app.py) accepts a cookie only while its
row exists. Logout deletes the row; "sign out everywhere" deletes all of the user's rows.
"""

import hashlib
import secrets

from flask import session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import User, UserSession
from portal.services import audit

SESSION_KEY = "sid"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_record(user_id: int) -> str:
    """Store a new session of the user; the token belongs in the cookie (and nowhere else)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user_id, token_hash=_hash(token)))
    return token


def sign_in(user: User) -> None:
    """A fresh session for `user`: the old cookie's contents (and its CSRF token) are dropped."""
    session.clear()
    token = create_record(user.id)
    db.session.commit()
    session[SESSION_KEY] = token
    login_user(user)


def is_active(user: User, token) -> bool:
    if not isinstance(token, str) or not token:
        return False
    return db.session.scalar(select(UserSession.id).where(
        UserSession.user_id == user.id, UserSession.token_hash == _hash(token))) is not None


def sign_out() -> None:
    """End this browser's session: its row goes, so a copy of the cookie no longer works."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str) and token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))
        db.session.commit()
    logout_user()
    session.clear()


def end_other_sessions(user: User) -> None:
    """Every session of the user except this browser's (after a password change)."""
    token = session.get(SESSION_KEY) or ""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.token_hash != _hash(token)))


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, this one included."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.end_other_sessions()  # the session version too: cookies of any age stop working
    audit.record(user.portal_id, "user.signed_out_everywhere", user, {"email": user.email},
                 user=user)
    db.session.commit()
    logout_user()
    session.clear()
