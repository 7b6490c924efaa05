"""Settings read from the environment, with safe defaults for a local demo."""

import os
from datetime import timedelta
from pathlib import Path

from portal.i18n import DEFAULT_LOCALE, TIMEZONE

HTMX_VERSION = "2.0.11"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
# sha384 of the file above, the same bytes as static/vendor/htmx-2.0.11.min.js.
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def _is_on(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


# Values that mean "not filled in yet" (the example settings file uses CHANGE-ME).
PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "your-secret", "secret",
                "xxx", "todo", "example")
MIN_SECRET_KEY_LENGTH = 32
SECRET_KEY_HINT = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
ENCRYPTION_KEY_HINT = ("python3 -c 'from cryptography.fernet import Fernet; "
                       "print(Fernet.generate_key().decode())'")


def _is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in PLACEHOLDERS or any(p in lowered for p in ("change-me", "changeme"))


def secret_key_problems(value, required: bool) -> list[str]:
    """What is wrong with SECRET_KEY, as sentences that say what to set ([] when fine)."""
    if not value:
        return [f"SECRET_KEY is not set. Set it to a long random value: {SECRET_KEY_HINT}"] \
            if required else []
    if _is_placeholder(str(value)):
        return [f"SECRET_KEY is still the placeholder {str(value)!r}. Replace it with a long "
                f"random value: {SECRET_KEY_HINT}"]
    if required and len(str(value)) < MIN_SECRET_KEY_LENGTH:
        return [f"SECRET_KEY is too short ({len(str(value))} characters; at least "
                f"{MIN_SECRET_KEY_LENGTH}). Generate one: {SECRET_KEY_HINT}"]
    return []


def encryption_key_problems(keys: list, required: bool) -> list[str]:
    """What is wrong with ENCRYPTION_KEYS (Fernet keys, newest first), [] when fine."""
    from cryptography.fernet import Fernet

    if not keys:
        return [f"ENCRYPTION_KEYS is not set. It encrypts the stored Nmbrs API tokens, BSNs and "
                f"IBANs; generate a key with: {ENCRYPTION_KEY_HINT}"] if required else []
    problems = []
    for position, key in enumerate(keys, start=1):
        if _is_placeholder(str(key)):
            problems.append(f"ENCRYPTION_KEYS key {position} is still the placeholder "
                            f"{str(key)!r}. Generate a key with: {ENCRYPTION_KEY_HINT}")
            continue
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(f"ENCRYPTION_KEYS key {position} is not a Fernet key (44 characters "
                            f"of URL-safe base64). Generate one with: {ENCRYPTION_KEY_HINT}")
    return problems


# Settings an operator may set as environment variables (the variable's name is the key), and
# how each is read. Their defaults are in DEFAULTS, like every other default.
_FROM_ENVIRONMENT = {
    "SECRET_KEY": str,
    "REDIS_URL": str,
    "NMBRS_SOAP_URL": str,
    "NMBRS_REST_URL": str,
    "NMBRS_IDENTITY_URL": str,
    "NMBRS_RATE_LIMIT": int,
    "NMBRS_REST_RATE_LIMIT": int,
    "NMBRS_CALLS_AT_ONCE": int,
    "NMBRS_TIMEOUT": float,
    "NMBRS_PAGE_TIMEOUT": float,
    "ENCRYPTION_KEYS": _split,
    "HTMX_VENDORED": _is_on,
    "DEMO_MODE": _is_on,
    "SESSION_COOKIE_SECURE": _is_on,
    "TASK_AUTO_COMPLETE_DAYS": int,
    "DOCUMENT_STORE_PATH": str,
    "IMPORT_DISPATCH_TIME": str,
}


def from_environment(instance_path: str) -> dict:
    """The settings an operator may set, read from the environment over their defaults."""
    config = {name: DEFAULTS[name] for name in _FROM_ENVIRONMENT}
    for name, read in _FROM_ENVIRONMENT.items():
        if name in os.environ:
            config[name] = read(os.environ[name])
    default_db = "sqlite:///" + str(Path(instance_path) / "payroll-link.sqlite3")
    config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", default_db)
    config["RATELIMIT_STORAGE_URI"] = os.environ.get("RATELIMIT_STORAGE_URI", config["REDIS_URL"])
    return config


# Every default, in one place: what the app runs with unless the environment (see
# _FROM_ENVIRONMENT) or a test says otherwise. app.create_app loads it first.
DEFAULTS = {
    "SECRET_KEY": None,  # required outside the demo and tests (app._check_configuration)
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    # Comma-separated Fernet keys, newest first; older keys still decrypt (rotation).
    "ENCRYPTION_KEYS": [],
    "HTMX_VENDORED": False,
    "DEMO_MODE": False,
    "SESSION_COOKIE_SECURE": True,
    # The Nmbrs SOAP API; the ceiling of calls per second shared by all workers (Nmbrs' fair use
    # is about 150/s); seconds before one call counts as failed, and how long an import keeps
    # retrying failed calls before it gives up.
    "NMBRS_SOAP_URL": "https://api.nmbrs.nl/soap/v3",
    # The Nmbrs REST API and its OAuth 2.0 identity server (SOAP ends 1 March 2027).
    "NMBRS_REST_URL": "https://api.nmbrsapp.com",
    "NMBRS_IDENTITY_URL": "https://identityservice.nmbrs.com",
    # The OAuth callback registered with Nmbrs; None means this app's own callback URL.
    "NMBRS_REDIRECT_URI": None,
    "NMBRS_RATE_LIMIT": 120,
    # Calls per second over REST, a ceiling of its own: Nmbrs publishes no REST figure (a 429
    # Too_Many_Calls pauses every worker for its Retry-After).
    "NMBRS_REST_RATE_LIMIT": 100,
    # Calls one import may run at once (pay slips and bank accounts are one call per employee):
    # a large company is not imported one call at a time; the rate ceiling still holds for all.
    "NMBRS_CALLS_AT_ONCE": 4,
    "NMBRS_TIMEOUT": 30.0,
    "NMBRS_RETRY_BUDGET_SECONDS": 20.0,
    # Seconds a page waits for one Nmbrs call (the import page's run list); no retries there.
    "NMBRS_PAGE_TIMEOUT": 5.0,
    # Seconds between the retries of an import job that failed on a transient error.
    "IMPORT_RETRY_INTERVALS": [30, 120, 600],
    # Local time at which the daily dispatcher queues the automatic imports.
    "IMPORT_DISPATCH_TIME": "06:00",
    "TASK_AUTO_COMPLETE_DAYS": 30,
    # PDFs of pay slips and annual statements; None means instance/documents.
    "DOCUMENT_STORE_PATH": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Dutch by default, times shown in Amsterdam; the catalogues are in translations/.
    "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
    "BABEL_DEFAULT_TIMEZONE": TIMEZONE,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=10),
    # Remember-me is not offered; these only harden the cookie should it ever be set.
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "RATELIMIT_STRATEGY": "moving-window",
    "RATELIMIT_HEADERS_ENABLED": False,
    # Sign-in throttles (issue 12): every POST per IP slows guessing down; failed sign-ins per
    # (account, IP) and per account stop an attacker, but a browser that signed in to the account
    # before (device cookie) is exempt from both, so the real user is never locked out.
    "LOGIN_RATE_LIMIT": "5 per minute",
    "LOGIN_ACCOUNT_IP_RATE_LIMIT": "10 per hour",
    "LOGIN_ACCOUNT_RATE_LIMIT": "100 per hour",
}
