"""The payroll documents the portal imports from Nmbrs, and the import preferences: the one
table that the settings forms, the effective settings, the import jobs and the manual import
page read.

Adding a document type is a row in DOCUMENT_TYPES plus its importer code
(`portal/services/importer.py`); when it is imported automatically, also its `import_...`
column on `NmbrsSettings` (with a migration) and its field on `EffectiveSettings`.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class DocumentType:
    key: str  # in import requests and job arguments
    label: object  # the choice on the manual import page (a lazy, translated text)
    # The NmbrsSettings column that switches its automatic import on, and the switch's label;
    # None: imported by hand only.
    preference: str | None
    preference_label: object | None
    ticked: bool  # ticked on the manual import page to begin with
    # The kind its stored versions carry (`DocumentVersion.kind`, services/document_changes);
    # None: a changed document of this type is not kept as a version.
    version_kind: str | None = None


DOCUMENT_TYPES = (
    DocumentType("journal", _l("Payroll journal entries"), "import_journals",
                 _l("Import payroll journals automatically"), ticked=True,
                 version_kind="journal"),
    DocumentType("payslips", _l("Pay slips"), "import_payslips",
                 _l("Import pay slips automatically"), ticked=True,
                 version_kind="payslip"),
    DocumentType("tax_assessments", _l("Payroll tax assessment"), "import_tax_assessments",
                 _l("Import payroll tax assessments automatically"), ticked=True,
                 version_kind="tax_assessment"),
    DocumentType("annual_statements", _l("Annual statements"), None, None, ticked=False),
)
JOURNAL, PAYSLIPS, TAX_ASSESSMENTS, ANNUAL_STATEMENTS = (kind.key for kind in DOCUMENT_TYPES)
VERSION_KINDS = {kind.key: kind.version_kind for kind in DOCUMENT_TYPES if kind.version_kind}
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
