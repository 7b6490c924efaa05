"""Every text of the interface is translatable and translated: a template with literal text, or a
marked text without a Dutch translation, fails here."""

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.template_text import glued_fragments, literal_runs, wordlike_literals

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


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_translate_whole_sentences(template):
    """A translator orders a whole sentence; `{{ _("Settings for") }} {{ name }}` keeps the
    English word order in Dutch."""
    glued = glued_fragments(template.read_text(encoding="utf-8"))
    assert not glued, (
        f"{template.relative_to(ROOT)} glues a sentence together from fragments: {glued}. "
        'Make it one text with named placeholders: _("Settings for %(name)s", name=name).')


def test_the_checker_finds_glued_sentences():
    assert glued_fragments('<h1>{{ _("Nmbrs settings for") }} {{ domain.name }}</h1>') == [
        "Nmbrs settings for"]
    assert glued_fragments('<title>{{ _("Import ·") }}\n  {{- name }}</title>') == ["Import ·"]
    assert glued_fragments('<dd>{{ _("pay slips:") }} {{ a }}{{ _("; journals:") }} {{ b }}</dd>'
                           ) == ["pay slips:", "; journals:"]
    assert glued_fragments("{{ x }}{{ _(', journals') }}") == [", journals"]
    assert glued_fragments('<h1>{{ _("Nmbrs settings for %(name)s", name=domain.name) }}</h1>'
                           ) == []
    # Two whole sentences side by side, and a text ending before other markup, are fine.
    assert glued_fragments('<p>{{ _("Importing is not possible now.") }} {{ reason }}</p>') == []
    assert glued_fragments('<a>{{ _("Different settings") }}{% if x %} ✎{% endif %}</a>') == []
    # The attributes people read are checked for literal text too.
    assert [r.text for r in literal_runs('<optgroup label="Other companies">')] == [
        "Other companies"]
    assert [r.text for r in literal_runs('<button hx-confirm="Delete the user?">')] == [
        "Delete the user?"]


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


def test_the_catalogue_holds_no_text_the_code_no_longer_shows():
    """A translation left behind (the code now says something else) hides that the new text is
    new; `make translations` drops them, helpers appending entries by hand did not."""
    with open(CATALOGUE, "rb") as source:
        catalogue = read_po(source, locale="nl")
    kept = {message.id[0] if isinstance(message.id, tuple) else message.id
            for message in catalogue if message.id}

    left_behind = sorted(kept - set(_marked_messages()))

    assert not left_behind, f"translations of texts no longer in the code: {left_behind[:20]}"


# -- texts made in Python -------------------------------------------------------------------

# A call whose first argument is shown to the user, and the keyword arguments that are.
SHOWN_FIRST_ARGUMENT = {"flash", "ValidationError", "saved", "TaskError", "ConsentProblem",
                        "NmbrsLinkError", "StructureError", "AccountError", "PasswordError",
                        "CredentialsRejected", "NothingToAccept", "CompanyTaken"}
SHOWN_KEYWORDS = {"message", "title", "field_error", "error", "flashed"}
# Calls whose keyword `message`/`error`... is no text for users (logging and the like).
NOT_SHOWN_CALLS = {"info", "warning", "error", "exception", "debug", "echo", "secho", "option",
                   "argument", "command", "group", "record", "get", "pop"}
# WTForms validators: their message is shown on the field (the argument at this position, or
# message=).
VALIDATOR_MESSAGE_POSITION = {"DataRequired": 0, "InputRequired": 0, "Email": 0, "URL": 1,
                              "EqualTo": 1, "Length": 2, "NumberRange": 2, "Regexp": 2,
                              "AnyOf": 1, "NoneOf": 1, "Optional": 0}
GETTEXT_CALLS = {"_", "gettext", "ngettext", "_l", "lazy_gettext", "lazy_ngettext", "N_", "text"}
PYTHON_SOURCES = sorted(p for p in [*(ROOT / "portal").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")]
                        if "sandbox" not in p.parts)


def _is_words(node) -> bool:
    """A plain string literal or f-string with letters: text nobody translates."""
    import re

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.IfExp):
        return _is_words(node.body) or _is_words(node.orelse)
    if isinstance(node, ast.BinOp):
        return _is_words(node.left) or _is_words(node.right)
    return False


def _name(func) -> str:
    return func.id if isinstance(func, ast.Name) else (
        func.attr if isinstance(func, ast.Attribute) else "")


def untranslated_python_texts(source: str) -> list[str]:
    """Texts in Python that reach a user without gettext: the first argument of flash(),
    ValidationError(), saved() and the service errors shown on pages, a validator's message,
    a task's or problem's title and message, a field's label or description; a module constant
    named ..._MESSAGE."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and _is_words(node.value) and any(
                isinstance(target, ast.Name) and target.id.endswith("MESSAGE")
                for target in node.targets):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in GETTEXT_CALLS:
            continue
        arguments = []
        if name in SHOWN_FIRST_ARGUMENT and node.args:
            arguments.append(node.args[0])
        position = VALIDATOR_MESSAGE_POSITION.get(name)
        if position is not None and len(node.args) > position:
            arguments.append(node.args[position])
        if name in {"Problem", "_problem"}:  # (cause, title, message, links)
            arguments += node.args[1:3]
        if name.endswith("Field"):  # a form field's label and description
            arguments += node.args[:1] + [kw.value for kw in node.keywords
                                          if kw.arg in {"label", "description"}]
        if name not in NOT_SHOWN_CALLS:
            arguments += [kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS]
        found += [f"line {argument.lineno}: {name}({ast.unparse(argument)[:80]})"
                  for argument in arguments if _is_words(argument)]
    return found



@pytest.mark.parametrize("source", PYTHON_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_shows_no_untranslated_text(source):
    found = untranslated_python_texts(source.read_text(encoding="utf-8"))
    assert not found, (
        f"{source.relative_to(ROOT)} shows text that is not marked for translation: {found}. "
        "Use gettext/_l, or for a text a job stores portal.stored_text.text(N_(\"...\"), ...).")


def test_the_python_checker_finds_literal_text():
    assert untranslated_python_texts('flash("Saved.")') == ['line 1: flash(\'Saved.\')']
    assert untranslated_python_texts('flash(f"User {email} created.")')
    assert untranslated_python_texts('raise ValidationError("Enter the API token.")')
    assert untranslated_python_texts('DataRequired("Enter the client id.")')
    assert untranslated_python_texts('StringField("Client id")')
    assert untranslated_python_texts('raise_task(a, cause="x", title="Failed.", message="m m")')
    assert untranslated_python_texts('Problem("c", "Import failed.", f"Administration {n}.")')
    assert untranslated_python_texts('TEXT_MESSAGE = "Remove the characters."')
    assert untranslated_python_texts('saved("Settings saved." if changed else _("No."), url)')
    assert untranslated_python_texts('flash(_("Saved."))') == []
    assert untranslated_python_texts('raise ValidationError(_l("Enter it."))') == []
    assert untranslated_python_texts(
        'raise_task(a, cause="x", title=text(N_("Failed.")), message=text(N_("m %(x)s"), x=1))'
    ) == []
    assert untranslated_python_texts('log.error("Nmbrs failed: %s", error)') == []
    assert untranslated_python_texts('flash(message)') == []
    assert untranslated_python_texts('EqualTo("new_password", _l("They differ."))') == []
    assert untranslated_python_texts('EqualTo("new_password", "They differ.")')
    assert untranslated_python_texts('Problem(f"journal.unbalanced:{run.id}", t, m)') == []


def test_nmbrs_errors_stored_by_a_job_read_in_the_readers_language(app):
    """An import job stores an Nmbrs error as its message id; the page translates it."""
    from portal.nmbrs.errors import NmbrsUnavailable, error_for_fault
    from portal.nmbrs.rest.errors import ConsentRejected
    from portal.stored_text import english, render

    stored = [ConsentRejected().text, error_for_fault(9999, "Onbekend").text,
              NmbrsUnavailable(f"{NmbrsUnavailable.default_message} (timeout)").text]
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "nl"}):
        dutch = [render(text) for text in stored]
    assert dutch[0].startswith("Nmbrs accepteert deze koppeling niet meer.")
    assert dutch[1] == ("Nmbrs-fout 9999: Onbekend. Controleer het verzoek in Nmbrs of neem "
                        "contact op met support.")
    assert dutch[2].startswith("Nmbrs is nu niet bereikbaar") and dutch[2].endswith("(timeout)")
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert render(stored[0]) == english(stored[0]) == ConsentRejected.default_message
