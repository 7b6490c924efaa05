"""Settings read from the environment, with safe defaults for a local demo."""

import os
from datetime import timedelta
from pathlib import Path

HTMX_VERSION = "2.0.11"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
# sha384 of the file above, the same bytes as static/vendor/htmx-2.0.11.min.js.
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


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


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    default_db = "sqlite:///" + str(Path(instance_path) / "payroll-link.sqlite3")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "REDIS_URL": redis_url,
        "NMBRS_SOAP_URL": os.environ.get("NMBRS_SOAP_URL", "https://api.nmbrs.nl/soap/v3"),
        "NMBRS_RATE_LIMIT": int(os.environ.get("NMBRS_RATE_LIMIT", "120")),
        # Comma-separated Fernet keys, newest first; older keys still decrypt (rotation).
        "ENCRYPTION_KEYS": _list("ENCRYPTION_KEYS"),
        "HTMX_VENDORED": _flag("HTMX_VENDORED", False),
        "DEMO_MODE": _flag("DEMO_MODE", False),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", redis_url),
        "TASK_AUTO_COMPLETE_DAYS": int(os.environ.get("TASK_AUTO_COMPLETE_DAYS", "30")),
        # PDFs of pay slips and annual statements; default instance/documents.
        "DOCUMENT_STORE_PATH": os.environ.get("DOCUMENT_STORE_PATH"),
        # Local time at which the daily dispatcher queues the automatic imports.
        "IMPORT_DISPATCH_TIME": os.environ.get("IMPORT_DISPATCH_TIME", "06:00"),
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
    "LOGIN_RATE_LIMIT": "5 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "20 per hour",
}
