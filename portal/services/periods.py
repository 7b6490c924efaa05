"""Dates of Nmbrs run periods: monthly periods 1–12, and a 13th period booked on 31 December."""

import calendar
from datetime import date

DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                "september", "oktober", "november", "december")
ENGLISH_MONTHS = tuple(calendar.month_name[m] for m in range(1, 13))


def month_of_period(period: int) -> int:
    """The calendar month a monthly period falls in; the 13th period belongs to December."""
    return min(max(period, 1), 12)


def last_day_of_period(year: int, period: int) -> date:
    """The booking date of a run's documents: the last day of its (last) period."""
    month = month_of_period(period)
    return date(year, month, calendar.monthrange(year, month)[1])


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def period_label(year: int, period: int) -> str:
    """How users name a run's period, e.g. "May 2026" or "13th period 2026"."""
    if period >= 13:
        return f"13th period {year}"
    return f"{ENGLISH_MONTHS[period - 1]} {year}"
