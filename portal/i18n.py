"""Languages, dates and amounts: Dutch by default, English as the second language.

The locale of a request: the user's own choice (Settings → Language), else the best match of the
browser's Accept-Language among the supported languages, else BABEL_DEFAULT_LOCALE ("nl").
Times are stored in UTC (naive) and always shown in Europe/Amsterdam as "30-11-2026 14:05";
amounts as "€ 1.234,56" (nl) or "€1,234.56" (en), computed from Decimal, never float.
"""

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask, request
from flask_babel import Babel, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LOCALE = "nl"
TIMEZONE = "Europe/Amsterdam"
DATETIME_PATTERN = "dd-MM-yyyy HH:mm"
DATE_PATTERN = "dd-MM-yyyy"

babel = Babel()


def select_locale() -> str | None:
    """The user's choice, else the browser's preference; None → BABEL_DEFAULT_LOCALE."""
    choice = getattr(current_user, "locale", None) if _signed_in() else None
    if choice in LANGUAGES:
        return choice
    if request:
        return request.accept_languages.best_match(LANGUAGES)
    return None


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # outside a request (CLI, jobs): no user
        return False


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["date"] = format_day
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["kilobytes"] = format_kilobytes
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["period_label"] = local_period_label
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["shown_text"] = _shown_text


def _shown_text(value, fallback: str = "") -> str:
    """A text a job stored (portal/stored_text.py), in the reader's language."""
    from portal.stored_text import render

    return render(value, fallback)


def current_language() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def format_moment(value: datetime | None, empty: str = "—") -> str:
    """A stored UTC time as Amsterdam time, "30-11-2026 14:05" (the same in both languages)."""
    if value is None:
        return empty
    return _babel_datetime(value, DATETIME_PATTERN, tzinfo=get_timezone(),
                           locale=current_language())


def format_day(value: date | datetime | None, empty: str = "—") -> str:
    """A calendar date, "30-11-2026". A datetime is converted to Amsterdam first."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        return format_moment(value)[:10]
    return _babel_date(value, DATE_PATTERN, locale=current_language())


def format_money(value, currency: str = "EUR") -> str:
    """Decimal → "€ 1.234,56" (nl, with a non-breaking space) or "€1,234.56" (en)."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value or 0))
    return format_currency(amount, currency, locale=current_language())


def format_kilobytes(size: int | None) -> str:
    """A file size in bytes as kilobytes with one decimal: "12,3" (nl) or "12.3" (en)."""
    return format_decimal(Decimal(size or 0) / 1024, "#,##0.0", locale=current_language())


def local_period_label(year: int, period: int) -> str:
    """A run's period in the reader's language: "mei 2026" / "May 2026", "13e periode 2026"."""
    from flask_babel import gettext

    from portal.services.periods import DUTCH_MONTHS, ENGLISH_MONTHS

    if period >= 13:
        return gettext("13th period %(year)s", year=year)
    months = DUTCH_MONTHS if current_language() == "nl" else ENGLISH_MONTHS
    return f"{months[period - 1]} {year}"


def iso_utc(value: datetime) -> str:
    """For <time datetime="...">: the stored UTC moment with its Z."""
    return value.isoformat(timespec="minutes") + "Z"


__all__ = ["LANGUAGES", "babel", "init_app", "select_locale", "format_moment", "format_day",
           "format_money", "current_language", "iso_utc", "_l"]
