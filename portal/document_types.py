"""The payroll documents the portal imports from Nmbrs, and the import preferences: the one
table that the settings forms, the effective settings, the import jobs and the manual import
page read.

Adding a document type is a row in DOCUMENT_TYPES plus its importer code
(`portal/services/importer.py`); when it is imported automatically, also its `import_...`
column on `NmbrsSettings` (with a migration) and its field on `EffectiveSettings`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentType:
    key: str  # in import requests and job arguments
    label: str  # the choice on the manual import page
    # The NmbrsSettings column that switches its automatic import on, and the switch's label;
    # None: imported by hand only.
    preference: str | None
    preference_label: str | None
    ticked: bool  # ticked on the manual import page to begin with


DOCUMENT_TYPES = (
    DocumentType("journal", "Payroll journal entries", "import_journals",
                 "Import payroll journals automatically", ticked=True),
    DocumentType("payslips", "Pay slips", "import_payslips",
                 "Import pay slips automatically", ticked=True),
    DocumentType("tax_assessments", "Payroll tax assessment", "import_tax_assessments",
                 "Import payroll tax assessments automatically", ticked=True),
    DocumentType("annual_statements", "Annual statements", None, None, ticked=False),
)
JOURNAL, PAYSLIPS, TAX_ASSESSMENTS, ANNUAL_STATEMENTS = (kind.key for kind in DOCUMENT_TYPES)
DOCUMENT_LABELS = {kind.key: kind.label for kind in DOCUMENT_TYPES}
TICKED_DOCUMENTS = tuple(kind.key for kind in DOCUMENT_TYPES if kind.ticked)
AUTOMATIC_TYPES = tuple(kind for kind in DOCUMENT_TYPES if kind.preference is not None)
# The switches "Automatically import all payroll documents" sets together.
DOCUMENT_SWITCHES = tuple(kind.preference for kind in AUTOMATIC_TYPES)

# The import preferences: a switch per automatic document type, the runs of earlier months, and
# the days of the month on which documents are imported.
LATE_RUNS = "import_late_runs"
IMPORT_FLAGS = (*DOCUMENT_SWITCHES, LATE_RUNS)
DAYS = ("first_day", "last_day")
PREFERENCE_NAMES = (*IMPORT_FLAGS, *DAYS)
PREFERENCE_DEFAULTS = {
    **{switch: True for switch in DOCUMENT_SWITCHES},
    LATE_RUNS: False,
    "first_day": 1,
    "last_day": 31,
}


def documents_switched_on(settings) -> set[str]:
    """The document types `settings` (effective settings) import automatically."""
    return {kind.key for kind in AUTOMATIC_TYPES if getattr(settings, kind.preference)}
