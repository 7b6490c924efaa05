"""Every text of the interface is translatable and translated: a template with literal text, or a
marked text without a Dutch translation, fails here."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.template_text import literal_runs, wordlike_literals

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
CATALOGUE = ROOT / "translations/nl/LC_MESSAGES/messages.po"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_contain_no_untranslated_text(template):
    source = template.read_text(encoding="utf-8")
    untranslated = [run.text.strip() for run in literal_runs(source)]
    untranslated += [f'"{literal}" (a string in a Jinja expression)'
                     for literal in wordlike_literals(source)]
    assert not untranslated, (
        f"{template.relative_to(ROOT)} shows text that is not marked for translation: "
        f"{untranslated}. Wrap it in {{{{ _(\"...\") }}}} and run `make translations`.")


def test_the_checker_finds_literal_text():
    assert [r.text.strip() for r in literal_runs('<p class="help">Not imported yet</p>')] == [
        "Not imported yet"]
    assert [r.text for r in literal_runs('<a aria-label="Open task">{{ x }}</a>')] == ["Open task"]
    assert literal_runs('<p>{{ _("Imported") }} {{ count }} · Nmbrs</p>') == []
    assert literal_runs("{% trans %}Imported{% endtrans %}") == []
    assert wordlike_literals('{{ "Yes" if ok else _("No") }}') == ["Yes"]
    assert wordlike_literals('{{ url_for("documents.payslips") }}') == []


def _marked_messages():
    mapping = [("templates/**.html", "jinja2"), ("portal/**.py", "python"),
               ("jobs/**.py", "python"), ("app.py", "python")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                "lazy_gettext": None, "lazy_ngettext": (1, 2), "N_": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), mapping, keywords=keywords,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        yield message[0] if isinstance(message, tuple) else message


def test_every_marked_text_has_a_dutch_translation():
    with open(CATALOGUE, "rb") as source:
        catalogue = read_po(source, locale="nl")
    translated = {
        (message.id[0] if isinstance(message.id, tuple) else message.id)
        for message in catalogue
        if message.id and not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else [message.string])
    }
    missing = sorted({text for text in _marked_messages() if text} - translated)
    assert not missing, (f"{len(missing)} texts have no Dutch translation (run `make "
                         f"translations` and translate them in {CATALOGUE.name}): {missing[:20]}")
