"""Payroll Link: the Flask application factory."""

import os
from pathlib import Path

from flask import Flask, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as settings
from portal import i18n
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.validators import IdConverter, is_ascii_number, parse_id

ROOT = Path(__file__).resolve().parent
PUBLIC_ENDPOINTS = {"auth.login", "static", "dashboard.healthz"}
# The browser features the app never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()")
HSTS = "max-age=31536000; includeSubDomains"


class ConfigurationError(RuntimeError):
    pass


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints and CLI commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    _check_configuration(app)
    os.makedirs(app.instance_path, exist_ok=True)
    # nginx in front sets X-Forwarded-For/-Proto/-Host; see deploy/nginx.conf.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    # Ids in URLs: ASCII digits within what both databases hold, else 404 (issue 12).
    app.url_map.converters["int"] = IdConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_error_handlers(app)
    _register_cli(app)
    return app


def _check_configuration(app: Flask) -> None:
    """Refuse to start with a missing, placeholder or unusable SECRET_KEY or ENCRYPTION_KEYS, with
    a message that says what to set. The demo (DEMO_MODE=1) and the tests may run without them."""
    relaxed = app.testing or app.config["DEMO_MODE"]
    problems = settings.secret_key_problems(app.config["SECRET_KEY"], required=not relaxed)
    problems += settings.encryption_key_problems(app.config["ENCRYPTION_KEYS"],
                                                 required=not relaxed)
    if problems:
        raise ConfigurationError(
            "Payroll Link cannot start:\n  - " + "\n  - ".join(problems)
            + "\nSet these in the settings file (/etc/payroll-link/env; see .deploy/env.example "
              "and README: Run it on a VPS)."
        )
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = os.urandom(32).hex()


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    _sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n._l("Please sign in to continue.")


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, WAL and a busy timeout: the web and the worker write concurrently."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from portal.views import (
        administrations,
        auth,
        dashboard,
        documents,
        domains,
        imports,
        nmbrs_rest,
        nmbrs_settings,
        settings,
        tasks,
        users,
    )

    for module in (auth, dashboard, domains, administrations, users, settings, nmbrs_settings,
                   nmbrs_rest, tasks, imports, documents):
        app.register_blueprint(module.bp)


@login_manager.user_loader
def _load_user(token: str):
    from portal.models import User
    from portal.services import sessions

    user_id, _, version = token.partition(":")
    user_id = parse_id(user_id)
    if user_id is None or not is_ascii_number(version):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != int(version):
        return None
    # The cookie alone is not enough: its session must still exist on the server (logout ends it).
    if not sessions.is_active(user, session.get(sessions.SESSION_KEY)):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    """htmx requests get 401 + HX-Redirect, so no login form lands inside a fragment."""
    from portal.htmx import client_redirect, is_htmx

    if request.headers.get("HX-Request") == "true" or is_htmx():
        current = request.headers.get("HX-Current-URL") or request.full_path
        return client_redirect(url_for("auth.login", next=_local_path(current)), 401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _local_path(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def _security_headers(response):
        script_src = "'self'" if app.config["HTMX_VENDORED"] else "'self' https://cdn.jsdelivr.net"
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:  # over HTTPS (ProxyFix trusts nginx's X-Forwarded-Proto)
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    from portal.forms import is_first_invalid

    app.jinja_env.globals["is_first_invalid"] = is_first_invalid

    @app.context_processor
    def _layout_context():
        # The CDN copy (with SRI) unless HTMX_VENDORED; static/js/htmx-fallback.js loads the
        # vendored copy of the same version when the CDN copy does not run.
        return {
            "htmx_cdn_src": None if app.config["HTMX_VENDORED"] else settings.HTMX_CDN_URL,
            "htmx_vendored_src": url_for(
                "static", filename=f"vendor/htmx-{settings.HTMX_VERSION}.min.js"),
            "htmx_integrity": settings.HTMX_INTEGRITY,
        }


def N_(text: str) -> str:
    """Marks a text for translation where it is defined; translated where it is shown."""
    return text


SERVER_ERROR_MESSAGE = N_("Something went wrong on our side. Reload the page to see what was "
                        "saved, then try again; if it keeps happening, tell a Portal administrator "
                        "the time it happened.")


def _register_error_handlers(app: Flask) -> None:
    from flask_babel import gettext as _

    from portal.htmx import render

    def error_page(status: int, title: str, message: str):
        return render("errors/page.html", "errors/_message.html", status,
                      code=status, title=title, message=message)

    @app.errorhandler(403)
    def _forbidden(_error):
        return error_page(403, _("Not allowed"), _("Your role does not allow this. Ask a Portal "
                                                    "administrator if you need access."))

    @app.errorhandler(404)
    def _not_found(_error):
        return error_page(404, _("Not found"),
                          _("This page does not exist or is not part of your portal."))

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        app.logger.warning("CSRF rejected: %s", error.description)
        return error_page(400, _("Form expired"), _("The form was out of date. Reload the page "
                                                     "and try again."))

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        """Any unexpected failure: the layout with an apology, never a traceback."""
        db.session.rollback()  # the failed transaction must not break the page as well
        try:
            return error_page(500, _("Something went wrong"), _(SERVER_ERROR_MESSAGE))
        except Exception:  # the layout itself failed (database down): plain text, still no trace
            app.logger.exception("The error page could not be rendered")
            return SERVER_ERROR_MESSAGE, 500, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(429)
    def _too_many(_error):
        return error_page(429, _("Too many attempts"), _("Too many sign-in attempts. Wait a minute "
                                                         "and try again."))


def _register_cli(app: Flask) -> None:
    from portal.cli import in_english, register_commands
    from portal.nmbrs_rest_cli import register as register_nmbrs_rest

    register_commands(app)
    register_nmbrs_rest(app)
    in_english(app)
