"""Causes that hit the whole portal: Nmbrs not reachable, and credentials Nmbrs rejects.

Such a cause gives one task per portal (not one per administration), listing the affected
administrations and saying what happened and what to do:

- Nmbrs not reachable (`UNREACHABLE`): every administration whose automatic import failed on it
  is recorded (`MissedImport`). The task stays open until each of them had an automatic import
  that succeeded — that import caught up the missed months (`catch_up`) — so it completes only
  when every missed document of the cause is in.
- Credentials rejected (`credentials.invalid:<settings id>`): the task lists the administrations
  that use those credentials; it completes when Nmbrs accepts them again (saving them in the
  Nmbrs settings verifies them; a successful import proves them too).
"""

from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Administration, MissedImport, Task, TaskStatus
from portal.services import tasks
from portal.stored_text import N_, day, english, text

UNREACHABLE = "nmbrs.unreachable"
MAX_LISTED = 20


def _names(administrations) -> str | dict:
    names = sorted(f'"{a.name}"' for a in administrations)
    if len(names) > MAX_LISTED:
        return text(N_("%(names)s and %(more)s more"), names=", ".join(names[:MAX_LISTED]),
                    more=len(names) - MAX_LISTED)
    return ", ".join(names)


def nmbrs_unreachable(administration: Administration, day: date, import_run_id: int | None,
                      links) -> None:
    """Record the administration's missed automatic import and raise/refresh the one task.
    The caller commits."""
    _record_missed(administration, day)
    portal = administration.domain.portal
    tasks.raise_task(portal=portal, cause=UNREACHABLE,
                     title=text(N_("Nmbrs was not reachable: payroll documents are missing.")),
                     message=_unreachable_message(_missed(portal.id)), links=list(links),
                     import_run_id=import_run_id)


def _record_missed(administration: Administration, day: date) -> None:
    missed = _missed_row(administration.id)
    if missed is None:
        missed = MissedImport(portal_id=administration.domain.portal_id,
                              administration_id=administration.id, cause=UNREACHABLE,
                              first_missed=day, last_missed=day)
        try:
            with db.session.begin_nested():  # another worker records the same at once
                db.session.add(missed)
            return
        except IntegrityError:
            missed = _missed_row(administration.id)
    missed.first_missed = min(missed.first_missed, day)
    missed.last_missed = max(missed.last_missed, day)


def _missed_row(administration_id: int) -> MissedImport | None:
    return db.session.scalar(select(MissedImport).where(
        MissedImport.administration_id == administration_id, MissedImport.cause == UNREACHABLE))


def _missed(portal_id: int) -> list[MissedImport]:
    return list(db.session.scalars(select(MissedImport).where(
        MissedImport.portal_id == portal_id, MissedImport.cause == UNREACHABLE)
        .order_by(MissedImport.first_missed)))


def _unreachable_message(missed: list[MissedImport]) -> dict:
    retries = len(current_app.config["IMPORT_RETRY_INTERVALS"])
    since = min(m.first_missed for m in missed)
    return text(N_(
        "Nmbrs did not answer (not reachable or too slow) during the automatic imports since "
        "%(since)s, also after %(retries)s retries each. Documents are missing for %(count)s "
        "administration(s): %(names)s. What to do: usually nothing — every day's automatic "
        "import tries again and, once Nmbrs answers, imports the missed months by itself; this "
        "task completes when every administration listed has caught up. If it lasts more than "
        "a day, check the Nmbrs status page and whether this server can reach Nmbrs."),
        since=day(since), retries=retries, count=len(missed),
        names=_names(m.administration for m in missed))


def caught_up(administration: Administration) -> None:
    """The administration's automatic import succeeded: what it missed is in. Completes the
    portal's task once no administration misses anything any more. The caller commits."""
    row = _missed_row(administration.id)
    if row is None:
        return
    db.session.delete(row)
    db.session.flush()
    portal_id = administration.domain.portal_id
    remaining = _missed(portal_id)
    if not remaining:
        tasks.resolve_portal_cause(portal_id, UNREACHABLE,
                                   N_("Nmbrs answers again and every missed import caught up."))
        return
    task = db.session.scalar(select(Task).where(
        Task.portal_id == portal_id, Task.cause == UNREACHABLE, Task.status == TaskStatus.OPEN))
    if task is not None:
        message = _unreachable_message(remaining)
        task.message = english(message)
        task.texts = {**(task.texts or {}), "message": message}


SOURCES = {"portal": N_("portal"), "domain": N_("domain"),
           "administration": N_("administration")}


def credentials_rejected_message(settings, administration, error, affected) -> dict:
    """The text of the one task for rejected credentials, naming who is affected."""
    source = settings.credentials_source
    return text(N_(
        "Nmbrs rejected the credentials of the %(source)s (user %(user)s) while importing "
        "\"%(administration)s\": %(error)s Automatic imports are paused for %(count)s "
        "administration(s) that use them: %(names)s. What to do: copy a fresh API token from "
        "Nmbrs (your name → User profile → API Token) and save it in the Nmbrs settings — or, "
        "if the token was fixed in Nmbrs, save the settings again. The imports resume at once "
        "and catch up the missed months."),
        source=text(SOURCES[source]) if source in SOURCES else str(source),
        user=settings.username, administration=administration.name, error=error.text,
        count=len(affected), names=_names(affected))
