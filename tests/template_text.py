"""Find the human-readable text of a Jinja/HTML template that is not marked for translation.

Text nodes and the attributes people read (aria-label, title, placeholder, alt, label,
hx-confirm) outside Jinja constructs are "literal text"; `{{ _("...") }}` and `{% trans %}` blocks
are translated. Jinja string literals that look like words ("Yes", "Pay slips") outside `_()`
count too. A sentence glued from fragments (`{{ _("Settings for") }} {{ name }}`) is translated
but cannot be ordered by a translator: `glued_fragments` finds those.
"""

import re
from dataclasses import dataclass

from jinja2 import Environment

JINJA = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.S)
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "label", "hx-confirm"}
# Names and symbols that read the same in Dutch and English.
UNTRANSLATED_OK = {"Payroll Link", "Nmbrs", "PDF", "CSV", "XML", "SOAP", "REST", "WKR", "HRM",
                   "BSN", "IBAN", "htmx", "API", "Dashboard", "Status", "Protocol", "E-mail"}
LETTERS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
GETTEXT_NAMES = {"_", "gettext", "ngettext", "_l", "lazy_gettext", "pgettext"}
WORDLIKE = re.compile(r"^[A-Z][a-z]+(?:[ ,.:;!?'’()-][A-Za-z0-9 ,.:;!?'’()-]*)?$")


@dataclass
class Run:
    start: int  # offset in the source
    end: int
    text: str
    where: str  # "text" or the attribute name


def needs_translation(text: str) -> bool:
    core = text.strip()
    if not LETTERS.search(core):
        return False
    for word in sorted(UNTRANSLATED_OK, key=len, reverse=True):
        core = core.replace(word, " ")
    return bool(LETTERS.search(core))


def literal_runs(source: str) -> list[Run]:
    """The runs of literal, readable text (with their offsets) of a template's source."""
    runs: list[Run] = []
    state, quote, attr_name, tag_buffer = "text", "", "", ""
    current_start, current = None, []
    in_trans = skip_depth = 0
    position = 0

    def flush(end):
        nonlocal current_start, current
        if current_start is not None and current:
            text = "".join(current)
            runs.append(Run(current_start, end, text, "text" if state == "text" else attr_name))
        current_start, current = None, []

    for piece in JINJA.split(source):
        start = position
        position += len(piece)
        if JINJA.fullmatch(piece):
            inner = piece.strip("{}%#- \n").strip()
            if piece.startswith("{%"):
                if re.match(r"trans\b", inner):
                    in_trans += 1
                elif inner.startswith("endtrans"):
                    in_trans -= 1
            flush(start)
            continue
        if in_trans:
            continue
        for offset, char in enumerate(piece):
            index = start + offset
            if state == "text":
                if char == "<":
                    flush(index)
                    state, tag_buffer = "tag", ""
                    continue
                if skip_depth:
                    continue
                if current_start is None:
                    current_start = index
                current.append(char)
            elif state == "tag":
                if char in "\"'":
                    name = re.search(r"([\w:-]+)\s*=\s*$", tag_buffer)
                    attr_name = name.group(1).lower() if name else ""
                    state, quote = "value", char
                    continue
                if char == ">":
                    tag = tag_buffer.strip().split()[0].lower() if tag_buffer.strip() else ""
                    if tag in ("script", "style", "code"):  # code reads the same anywhere
                        skip_depth += 1
                    elif tag in ("/script", "/style", "/code"):
                        skip_depth = max(skip_depth - 1, 0)
                    state = "text"
                    continue
                tag_buffer += char
            elif state == "value":
                if char == quote:
                    flush(index)
                    state, tag_buffer = "tag", tag_buffer + "=\"\""
                    continue
                if attr_name in READ_ATTRIBUTES:
                    if current_start is None:
                        current_start = index
                    current.append(char)
    flush(len(source))
    return [run for run in runs if needs_translation(run.text)]


def wordlike_literals(source: str) -> list[str]:
    """Jinja string literals that read as words but are not inside a gettext call."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    found = []
    depth, gettext_depths, last_name = 0, [], None
    for _line, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if kind == "operator" and value in "([{":
            depth += 1
            if value == "(" and last_name in GETTEXT_NAMES:
                gettext_depths.append(depth)
        elif kind == "operator" and value in ")]}":
            if gettext_depths and gettext_depths[-1] == depth:
                gettext_depths.pop()
            depth -= 1
        elif kind == "string" and not gettext_depths:
            literal = value[1:-1]
            if WORDLIKE.match(literal) and needs_translation(literal):
                found.append(literal)
        last_name = value if kind == "name" else None
    return found


# `{{ _("text", ...) }}` (or gettext/ngettext), then only whitespace, then the next `{{`.
GETTEXT_EXPRESSION = re.compile(
    r"{{-?\s*(?:_|gettext|ngettext)\(\s*(?P<quote>[\"'])(?P<text>.*?)(?P=quote)[^{}]*?-?}}"
    r"(?P<next>\s*{{)?", re.S)
SENTENCE_END = (".", "!", "?", "…")


def glued_fragments(source: str) -> list[str]:
    """Translated texts that are part of a sentence glued together in the template: a text that
    ends without a full stop (!, ?) right before another `{{ ... }}` ("Settings for" {{ name }}),
    or a text that starts with a comma or semicolon (it continues the one before). Make each one
    message with named placeholders: `_("Settings for %(name)s", name=name)`."""
    found = []
    for match in GETTEXT_EXPRESSION.finditer(source):
        text = match.group("text").strip()
        if text.startswith((",", ";")) or (
                match.group("next") and not text.endswith(SENTENCE_END)):
            found.append(match.group("text"))
    return found
