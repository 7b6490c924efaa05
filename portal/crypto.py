"""Encryption of secrets at rest (API tokens, BSN, IBAN) with key rotation."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class EncryptionNotConfigured(RuntimeError):
    """Raised instead of ever storing a secret in plain text."""


def _fernet() -> MultiFernet:
    keys = current_app.config["ENCRYPTION_KEYS"]
    if not keys:
        raise EncryptionNotConfigured(
            "ENCRYPTION_KEYS is not set: refusing to store or read encrypted values."
        )
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise EncryptionNotConfigured(
            "A stored secret cannot be decrypted with the configured ENCRYPTION_KEYS."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored value under the newest key."""
    return _fernet().rotate(token.encode()).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedText(TypeDecorator):
    """A TEXT column whose value is Fernet-encrypted before it reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
