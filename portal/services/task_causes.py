"""What each kind of task is about, in words people act on: a title naming the cause and the
administration, and the one action that fixes it.

A task's `cause` is "<family>" or "<family>:<detail>" (e.g. "payslip.unknown-employee:12"); the
family decides the title and the action. The texts are translated when shown (the stored title is
the fallback for a cause this table does not know), so a task reads in the reader's language.
"""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.stored_text import render


def cause_family(cause: str) -> str:
    """"payslip.unknown-employee:12" → "payslip.unknown-employee"; "nmbrs.X" → "nmbrs";
    "nmbrs.consent.domain-3" → "nmbrs.consent"."""
    family = cause.partition(":")[0]
    if family.startswith("nmbrs.consent"):
        return "nmbrs.consent"
    return "nmbrs" if family.startswith("nmbrs.") else family


# A family whose causes start like another's: listing the wider one leaves the narrower out.
NARROWER_FAMILIES = {"nmbrs": ("nmbrs.consent",)}


@dataclass(frozen=True)
class Cause:
    group: object  # lazy text: the group heading on the task page and the dashboard
    title: object  # lazy text with %(administration)s; None: the task's own stored title
    action: object  # lazy text: the button
    endpoint: str  # where the action is done; gets administration_id unless portal-wide
    anchor: str = ""
    portal_wide: bool = False


CAUSES = {
    "company.not-found": Cause(
        _l("No Nmbrs company found"),
        _l("No Nmbrs company found for %(administration)s"),
        _l("Choose the Nmbrs company"), "imports.company"),
    "debtor.not-found": Cause(
        _l("No Nmbrs debtor with the domain's name"),
        _l("No Nmbrs debtor found for %(administration)s"),
        _l("Choose the Nmbrs company"), "imports.company"),
    "payslip.unknown-employee": Cause(
        _l("Pay slip of an unknown employee"),
        _l("Unknown employee %(detail)s in a pay slip of %(administration)s"),
        _l("Import the employees"), "imports.import_page", "#import-employees"),
    "journal.unbalanced": Cause(
        _l("Unbalanced payroll journal entry"),
        _l("Unbalanced payroll journal entry for %(administration)s"),
        _l("Import again"), "imports.import_page"),
    "credentials.invalid": Cause(
        _l("Nmbrs refused the credentials"),
        _l("Nmbrs refused the credentials; automatic imports are paused"),
        _l("Change the credentials"), "nmbrs_settings.index", portal_wide=True),
    "nmbrs": Cause(
        _l("Nmbrs could not be reached"),
        _l("Nmbrs could not be reached while importing %(administration)s"),
        _l("Import again"), "imports.import_page"),
    "run.changed": Cause(
        _l("Run changed in Nmbrs after import"), None,
        _l("Review and accept the new version"), "documents.journals"),
    "tax.changed": Cause(
        _l("Payroll tax assessment changed in Nmbrs after import"), None,
        _l("Review and accept the new version"), "documents.tax_assessments"),
    "catch-up.limit": Cause(
        _l("Months not imported automatically"),
        _l("Months of %(administration)s not imported automatically"),
        _l("Import from Nmbrs"), "imports.import_page"),
    "nmbrs.consent": Cause(
        _l("Reconnect a domain with Nmbrs"), None,
        _l("Reconnect"), "nmbrs_rest.index", portal_wide=True),
    "import.died": Cause(
        _l("Import stopped unexpectedly"),
        _l("Import of %(administration)s stopped unexpectedly"),
        _l("Import again"), "imports.import_page"),
}


def describe(cause: str) -> Cause | None:
    return CAUSES.get(cause_family(cause))


def group_label(family: str) -> str:
    known = CAUSES.get(family)
    return str(known.group) if known else family


def stored_title(task) -> str:
    """The task's own title in the reader's language (as English for rows stored before)."""
    return render((task.texts or {}).get("title"), task.title)


def task_title(task) -> str:
    """The title to show: the cause's words with the administration's name."""
    known = describe(task.cause)
    if known is None or known.title is None:
        return stored_title(task)
    if known.portal_wide:
        return str(known.title)
    if task.administration is None:
        return stored_title(task)
    detail = task.cause.partition(":")[2]
    return str(known.title) % {"administration": task.administration.name, "detail": detail}


def task_action(task) -> tuple[str, str] | None:
    """(label, url) of the one action that fixes the task, or None."""
    known = describe(task.cause)
    if known is None:
        return None
    if known.portal_wide or task.administration_id is None:
        if not known.portal_wide:
            return None
        return str(known.action), url_for(known.endpoint)
    return str(known.action), url_for(known.endpoint,
                                      administration_id=task.administration_id) + known.anchor
