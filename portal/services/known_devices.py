"""Device cookies (OWASP "Slow down online guessing attacks with device cookies").

A browser that signed in to an account gets a signed cookie naming that account. Sign-ins from
such a browser skip the per-account throttles, so an attacker who guesses from other machines
slows only themselves down and never locks the real user out of a device they used before.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.services.accounts import normalize_email

COOKIE = "known_device"
MAX_AGE = 180 * 24 * 3600  # seconds; the browser keeps it as long


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def remember(response, email: str) -> None:
    response.set_cookie(
        COOKIE, _serializer().dumps(normalize_email(email)), max_age=MAX_AGE, httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax", path="/login")


def is_known(cookie, email: str) -> bool:
    if not cookie or not email:
        return False
    try:
        return _serializer().loads(cookie, max_age=MAX_AGE) == normalize_email(email)
    except BadSignature:  # also SignatureExpired
        return False
