"""Daily housekeeping of the task inbox (run by an RQ worker, inside the app context)."""

from portal.services import tasks


def complete_stale_tasks() -> int:
    """Complete open tasks without a repeat for TASK_AUTO_COMPLETE_DAYS days; returns how many."""
    return tasks.complete_stale_tasks()
