"""The screens' way to the import queue: start a manual import, find the one running.

Views do not import `jobs`; they come here. The work is `jobs.enqueue` (one ImportRun row and one
RQ job per import), looked up on each call so that tests can stand in for it."""

from jobs import enqueue


def start_manual_import(administration_id: int, user, kind: str, request: dict):
    """Queue a manual import (runs, employees or WKR); None when one is already running."""
    return enqueue.start_manual_import(administration_id, user, kind, request)


def active_import(administration_id: int, kind: str | None = None):
    """The queued or running import of the administration (of `kind`, if given), or None."""
    return enqueue.active_import(administration_id, kind)
