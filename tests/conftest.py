"""Shared fixtures: the app on a fresh database, users for every role, signed-in clients."""

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet
from flask_login.utils import _create_identifier
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from app import create_app
from portal.extensions import db
from portal.models import (
    Administration,
    Domain,
    DomainMembership,
    DomainRole,
    Portal,
    PortalRole,
    User,
)
from portal.services import sessions

# Hypothesis (tests/test_fuzz_inputs.py): few, derandomized examples by default, so CI is fast
# and repeatable; HYPOTHESIS_PROFILE=explore searches with many random ones.
_FUZZ_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
hypothesis_settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None,
                                     database=None, suppress_health_check=_FUZZ_HEALTH)
hypothesis_settings.register_profile("explore", max_examples=2000, deadline=None,
                                     suppress_health_check=_FUZZ_HEALTH)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TEST_KEY = Fernet.generate_key().decode()
PASSWORD = "correct horse battery staple"
_password_hash_cache: dict[str, str] = {}


def redis_url(number: int) -> str:
    """A Redis database on the test server; TEST_REDIS_SERVER lets parallel runs use their own server."""
    return f"{os.environ.get('TEST_REDIS_SERVER', 'redis://127.0.0.1:6379')}/{number}"


def database_url(tmp_path) -> str:
    """SQLite in a temporary file, or the database DATABASE_URL points at (PostgreSQL in CI)."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def make_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-" + "0" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "ENCRYPTION_KEYS": [TEST_KEY],
        "HTMX_VENDORED": True,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": redis_url(14),
        # The interface is Dutch by default; the tests that predate the translation assert
        # English text, so a request without Accept-Language gets English here.
        # tests/test_i18n.py checks the Dutch default and the language choice.
        "BABEL_DEFAULT_LOCALE": "en",
    }
    config.update(overrides)
    return create_app(config)


@contextmanager
def fresh_app(tmp_path, **overrides):
    """The app on an empty schema, inside its app context; everything dropped afterwards."""
    app = make_app(tmp_path, **overrides)
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def app(tmp_path):
    with fresh_app(tmp_path) as app:
        yield app


def hashed(password: str = PASSWORD) -> str:
    """Argon2 is slow on purpose; hash the shared test password once per run."""
    if password not in _password_hash_cache:
        user = User()
        user.set_password(password)
        _password_hash_cache[password] = user.password_hash
    return _password_hash_cache[password]


@dataclass
class World:
    portal: Portal
    other_portal: Portal
    domain: Domain
    administration: Administration
    other_domain: Domain
    other_administration: Administration
    users: dict


def add_user(portal, email, role=None, domain=None, domain_role=None) -> User:
    user = User(portal=portal, email=email, portal_role=role, password_hash=hashed())
    db.session.add(user)
    if domain is not None:
        db.session.add(DomainMembership(user=user, domain=domain, role=domain_role))
    return user


@pytest.fixture
def world(app) -> World:
    """Two portals; ours has a domain with an administration and a user for every role."""
    portal = Portal(name="Van Dijk & Partners", nmbrs_enabled=True)
    other_portal = Portal(name="Another firm")
    domain = Domain(portal=portal, name="bakkerij-de-vries")
    administration = Administration(domain=domain, name="Bakkerij De Vries B.V.",
                                    relation_code="1", payroll_contract=True)
    other_domain = Domain(portal=other_portal, name="elders")
    other_administration = Administration(domain=other_domain, name="Elders B.V.",
                                          relation_code="1", payroll_contract=True)
    db.session.add_all([portal, other_portal, domain, administration, other_domain,
                        other_administration])
    users = {
        "no-role": add_user(portal, "norole@example.nl"),
        "domain-back-office": add_user(portal, "dbo@example.nl", domain=domain,
                                       domain_role=DomainRole.BACK_OFFICE),
        "portal-back-office": add_user(portal, "pbo@example.nl", PortalRole.BACK_OFFICE),
        "portal-admin": add_user(portal, "admin@example.nl", PortalRole.ADMIN),
        "other-portal": add_user(other_portal, "admin@elders.nl", PortalRole.ADMIN),
    }
    db.session.commit()
    return World(portal, other_portal, domain, administration, other_domain,
                 other_administration, users)


class Client:
    """A test client that sends the CSRF token as htmx does, and can sign in quickly."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self._csrf = None

    def sign_in(self, user: User | None) -> "Client":
        if user is None:
            return self
        environ = self.http.environ_base
        with self.app.app_context(), self.app.test_request_context(environ_base=environ):
            identifier = _create_identifier()
            token = sessions.create_record(user.id)  # a server-side session, as at sign-in
            db.session.commit()
        with self.http.session_transaction() as session:
            session[sessions.SESSION_KEY] = token
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_id"] = identifier
        return self

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.get("/login", follow_redirects=True).get_data(as_text=True)
            self._csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        return self._csrf

    def get(self, url, htmx=False, **kwargs):
        return self._request("get", url, headers=self._headers(htmx, kwargs), **kwargs)

    def post(self, url, data=None, htmx=False, csrf=True, **kwargs):
        headers = self._headers(htmx, kwargs)
        if csrf:
            headers["X-CSRFToken"] = self.csrf_token()
        response = self._request("post", url, data=data or {}, headers=headers, **kwargs)
        if url.split("?")[0] in ("/login", "/logout", "/account/sign-out-everywhere"):
            self._csrf = None  # a new session has a new CSRF token
        return response

    def _request(self, method, url, **kwargs):
        # A fresh app context per request, as in production: the test's own context (and its
        # `g` and database session) must not leak into the request.
        with self.app.app_context():
            response = getattr(self.http, method)(url, **kwargs)
        db.session.expire_all()  # the test's session sees what the request committed
        return response

    @staticmethod
    def _headers(htmx, kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if htmx:
            headers["HX-Request"] = "true"
        return headers


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def client_as(app):
    """client_as(user) → a client signed in as that user (None = anonymous)."""
    return lambda user: Client(app).sign_in(user)


LOGIN = "login"  # in role tables: anonymous users are sent to the login page


def unexpected_answer(method: str, path: str, expected, response) -> list[str]:
    """[] when a role-table cell holds (`expected` is a status or LOGIN), else what went wrong."""
    if expected == LOGIN:
        ok = response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        ok = response.status_code == expected
    return [] if ok else [f"{method} {path}: expected {expected}, got {response.status_code}"]
