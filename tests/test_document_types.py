"""The table of document types and import preferences is what every reader follows."""

from dataclasses import fields

from portal.document_types import (
    DOCUMENT_SWITCHES,
    DOCUMENT_TYPES,
    IMPORT_FLAGS,
    PREFERENCE_DEFAULTS,
    documents_switched_on,
)
from portal.models import NmbrsSettings
from portal.services import import_overview
from portal.services.effective_settings import EffectiveSettings, compute
from portal.views.nmbrs_settings_forms import ConnectionForm


def test_every_automatic_document_type_has_a_column_a_setting_and_a_switch(app):
    names = {field.name for field in fields(EffectiveSettings)}
    with app.test_request_context("/"):
        form = ConnectionForm(formdata=None)
    for kind in DOCUMENT_TYPES:
        if kind.preference is None:
            continue
        assert kind.preference in NmbrsSettings.__table__.columns, kind.key
        assert kind.preference in names, kind.key
        assert form[kind.preference].label.text == kind.preference_label
        assert form[kind.preference].data is True  # on by default, like PREFERENCE_DEFAULTS
    assert set(IMPORT_FLAGS) - set(DOCUMENT_SWITCHES) == {"import_late_runs"}


def test_the_manual_import_page_offers_every_document_type_in_table_order():
    assert [key for key, _label in import_overview.document_choices()] == [
        kind.key for kind in DOCUMENT_TYPES]


def test_the_jobs_import_the_document_types_switched_on():
    settings = compute(True)  # nothing stored: the defaults
    assert documents_switched_on(settings) == {
        kind.key for kind in DOCUMENT_TYPES if kind.preference is not None}
    assert all(PREFERENCE_DEFAULTS[switch] for switch in DOCUMENT_SWITCHES)
    row = NmbrsSettings(scope="portal", username="u", import_journals=False)
    assert documents_switched_on(compute(True, row)) == {"payslips", "tax_assessments"}
