"""Texts that jobs store and pages show later: task titles and messages, import errors, reasons.

A job has no reader, so it cannot pick a language. It stores the English message id with its
parameters, `{"msgid": "...%(administration)s...", "params": {...}}`, and the page translates it
with gettext in the reader's language when it shows it. Parameters that read differently per
language are stored as data and formatted when shown: `period(2026, 5)` ("mei 2026" / "May 2026"),
`day(date)`, `money(Decimal)`, or another stored text (`text(...)`).

A plain string (a row stored before, or a text from outside, such as Nmbrs' own words) is shown
translated when it is a known message id, else as it is: old English rows keep rendering.

Mark a message id with `N_("...")` where it is written, so `make translations` extracts it.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo


def N_(msgid: str) -> str:
    """Mark a text for translation without translating it now (it is translated when shown)."""
    return msgid


def text(msgid: str, **params) -> dict:
    """A stored text: the English message id and its parameters (JSON-safe)."""
    return {"msgid": msgid, "params": {key: _storable(value) for key, value in params.items()}}


def period(year: int, number: int) -> dict:
    """A payroll period, shown as "mei 2026" / "May 2026" (13: "13e periode 2026")."""
    return {"period": [int(year), int(number)]}


def day(value: date | datetime) -> dict:
    return {"day": (value.date() if isinstance(value, datetime) else value).isoformat()}


def moment(value: datetime) -> dict:
    """A stored UTC time, shown as Amsterdam time "30-11-2026 14:05"."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return {"moment": value.isoformat(timespec="minutes")}


def money(value) -> dict:
    return {"money": str(Decimal(str(value if value is not None else 0)))}


def _storable(value):
    if isinstance(value, dict | str | int | float | bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return day(value)
    return str(value)


def is_text(value) -> bool:
    return isinstance(value, dict) and "msgid" in value


def render(value, fallback: str = "") -> str:
    """The stored text in the reader's language (for a page; needs an app context)."""
    from flask_babel import gettext

    if value is None or value == "":
        return fallback
    if isinstance(value, list):
        return "; ".join(render(item) for item in value)
    if not is_text(value):
        return gettext(str(value)) if str(value).strip() else str(value)
    params = value.get("params") or {}
    translated = gettext(value["msgid"])
    if not params:
        return translated
    return _format(translated, value["msgid"], {key: _param(item) for key, item in params.items()})


def english(value) -> str:
    """The stored text in English without a request (stored beside it; logs; the audit)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(english(item) for item in value)
    if not is_text(value):
        return str(value)
    params = value.get("params") or {}
    if not params:
        return value["msgid"]
    return _format(value["msgid"], value["msgid"],
                   {key: _english_param(item) for key, item in params.items()})


def _format(template: str, msgid: str, params: dict) -> str:
    try:
        return template % params
    except (KeyError, ValueError, TypeError):  # a translation that does not fit: the English
        return msgid % params


def _param(item):
    from portal.i18n import format_day, format_moment, format_money, local_period_label

    if is_text(item):
        return render(item)
    if isinstance(item, dict) and "period" in item:
        return local_period_label(*item["period"])
    if isinstance(item, dict) and "day" in item:
        return format_day(date.fromisoformat(item["day"]))
    if isinstance(item, dict) and "moment" in item:
        return format_moment(datetime.fromisoformat(item["moment"]))
    if isinstance(item, dict) and "money" in item:
        return format_money(Decimal(item["money"]))
    return item


def _english_param(item):
    from babel.numbers import format_currency

    from portal.services.periods import period_label

    if is_text(item):
        return english(item)
    if isinstance(item, dict) and "period" in item:
        return period_label(*item["period"])
    if isinstance(item, dict) and "day" in item:
        return date.fromisoformat(item["day"]).strftime("%d-%m-%Y")
    if isinstance(item, dict) and "moment" in item:
        utc = datetime.fromisoformat(item["moment"]).replace(tzinfo=UTC)
        return utc.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%d-%m-%Y %H:%M")
    if isinstance(item, dict) and "money" in item:
        return format_currency(Decimal(item["money"]), "EUR", locale="en")
    return item


__all__ = ["N_", "text", "period", "day", "moment", "money", "render", "english", "is_text"]
