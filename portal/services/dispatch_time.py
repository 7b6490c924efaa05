"""When the daily dispatcher runs: IMPORT_DISPATCH_TIME is a time of day in Europe/Amsterdam
(the firm's clock), whatever the server's own time zone. The dispatcher schedules itself with
these moments and the dashboard shows the same moment, so "Next round: 06:00" is when it runs."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from portal.i18n import TIMEZONE

AMSTERDAM = ZoneInfo(TIMEZONE)


def dispatch_clock() -> time:
    return time.fromisoformat(current_app.config["IMPORT_DISPATCH_TIME"])


def dispatch_moment(day: date) -> datetime:
    """The dispatch of `day`, an aware Amsterdam time (right across a DST change)."""
    return datetime.combine(day, dispatch_clock(), tzinfo=AMSTERDAM)


def _aware_utc(now_utc: datetime | None) -> datetime:
    if now_utc is None:
        return datetime.now(UTC)
    return now_utc.replace(tzinfo=UTC) if now_utc.tzinfo is None else now_utc


def local_today(now_utc: datetime | None = None) -> date:
    """Today in Amsterdam (`now_utc` naive UTC or aware)."""
    return _aware_utc(now_utc).astimezone(AMSTERDAM).date()


def next_dispatch_day(now_utc: datetime | None = None) -> date:
    """The day of the next dispatch: today if its time has not passed yet, else tomorrow."""
    now = _aware_utc(now_utc)
    today = now.astimezone(AMSTERDAM).date()
    return today if now < dispatch_moment(today) else today + timedelta(days=1)


def next_dispatch(now_utc: datetime | None = None) -> datetime:
    """The next dispatch as naive UTC (how the portal stores times)."""
    moment = dispatch_moment(next_dispatch_day(now_utc))
    return moment.astimezone(UTC).replace(tzinfo=None)
