"""Which months the automatic import of an administration imports: it catches up by itself.

Rules (README, "Import engine"):
- Every month up to and including `complete_through` is fully imported. After a successful
  automatic import on day D it becomes D's previous month (never earlier than it was): the
  current month is complete only once it is over.
- An automatic import imports every month after `complete_through` up to D's month — after a
  failed day, a pause (rejected credentials) or Nmbrs being down, the missed months come in with
  the next import that succeeds — at most CATCH_UP_MONTHS missed months; older ones become a
  task (import them by hand).
- The first automatic import of an administration imports the current month only.
- Runs of D's month and the previous month that are already here are re-checked for changes in
  Nmbrs (see `importer`, "final runs").
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AutomaticImportState
from portal.services.periods import previous_month

CATCH_UP_MONTHS = 3
CAUSE = "catch-up.limit"

Month = tuple[int, int]  # (year, month)


@dataclass(frozen=True)
class MonthPlan:
    months: list[Month]  # to import, oldest first, ending with the current month
    recheck: set[Month]  # whose stored runs are re-checked for changes in Nmbrs
    skipped: list[Month]  # missed months beyond the bound: a task


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included (empty when first > last)."""
    months, (year, month) = [], first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def next_month(year: int, month: int) -> Month:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def plan(complete_through: date | None, today: date,
         bound: int = CATCH_UP_MONTHS) -> MonthPlan:
    current = (today.year, today.month)
    previous = previous_month(today.year, today.month)
    missed = []
    if complete_through is not None:
        start = next_month(complete_through.year, complete_through.month)
        missed = months_between(start, previous)
    skipped, caught_up = missed[:-bound] if len(missed) > bound else [], missed[-bound:]
    return MonthPlan(months=[*caught_up, current], recheck={current, previous}, skipped=skipped)


def state_of(administration_id: int) -> AutomaticImportState | None:
    return db.session.scalar(select(AutomaticImportState).where(
        AutomaticImportState.administration_id == administration_id))


def complete_through(administration_id: int) -> date | None:
    state = state_of(administration_id)
    return state.complete_through if state is not None else None


def mark_complete(administration_id: int, today: date) -> None:
    """A successful automatic import on `today`: every month before it is complete. The caller
    commits (with the import's outcome)."""
    year, month = previous_month(today.year, today.month)
    through = date(year, month, 1)
    state = state_of(administration_id)
    if state is None:
        state = AutomaticImportState(administration_id=administration_id, complete_through=through)
        try:
            with db.session.begin_nested():  # one import at a time, but be safe anyway
                db.session.add(state)
            return
        except IntegrityError:
            state = state_of(administration_id)
    state.complete_through = max(state.complete_through, through)
