"""Input rules shared by every form and query parameter (issue 12).

One place decides what text, ids, page numbers and relation codes the app accepts, so that no
input reaches the database or a template that could give a 500 or display spoofed text:

- `text_problem`: no control characters (NUL, ESC, CR/LF, …) and no bidirectional
  overrides or marks in a text field. `portal.forms.PortalForm` runs it on every text field of
  every form; a new form only has to inherit from `PortalForm`.
- `parse_id`: a database id from a query string or form value; ids beyond what both SQLite
  (int64) and PostgreSQL (int4) hold are "no such id". `parse_nmbrs_id`: an Nmbrs id as stored
  (negative for objects first seen over REST).
- `page_number`: a page number, leniently (bad → 1, huge → capped; views clamp to the last page).
- `relation_code_problem`: a relation code is a whole number (the Nmbrs company number).
"""

import unicodedata

from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as RoutingValidationError
from wtforms.validators import ValidationError

# The largest id both databases can hold: PostgreSQL's `integer` (int4). SQLite's int64 is wider.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000
MAX_ID_DIGITS = len(str(MAX_ID))

TEXT_MESSAGE = _l("Remove the invisible control or text-direction characters (for example a "
                  "line break, tab or right-to-left mark); they are not allowed here.")
RELATION_CODE_MESSAGE = _l("Enter the relation code as a whole number, for example 1.")
RELATION_CODE_MAX = 999_999_999

# Bidirectional formatting characters (Trojan Source, CVE-2021-42574) and the invisible marks.
BIDI_CHARACTERS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def forbidden_character(text: str, allow_newlines: bool = False) -> str | None:
    """The first character of `text` that no text field accepts, or None."""
    for char in text:
        if allow_newlines and char in "\r\n":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in BIDI_CHARACTERS or category == "Zl" \
                or category == "Zp":
            return char
    return None


def text_problem(text, allow_newlines: bool = False) -> str | None:
    """Why `text` cannot be stored as the value of a text field, or None when it can."""
    if not isinstance(text, str) or not text:
        return None
    return TEXT_MESSAGE if forbidden_character(text, allow_newlines) is not None else None


def is_ascii_number(value) -> bool:
    """Only the digits 0-9 (str.isdigit() also accepts "²" and "٣", which int() refuses)."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def parse_id(value, default=None):
    """A positive database id from text, or `default` when it is not one (or out of range)."""
    if not isinstance(value, str):
        return default
    value = value.strip()
    if not is_ascii_number(value) or len(value) > MAX_ID_DIGITS:
        return default
    number = int(value)
    return number if 1 <= number <= MAX_ID else default


def parse_nmbrs_id(value, default=None):
    """An Nmbrs id as the app stores it, from a form value: a SOAP id (positive) or the id of an
    object first seen over the REST API (negative, `portal.services.nmbrs_id_map`); 0, other
    text and out-of-range values are `default`."""
    if not isinstance(value, str):
        return default
    value = value.strip()
    negative = value.startswith("-")
    number = parse_id(value[1:] if negative else value)
    if number is None:
        return default
    return -number if negative else number


def page_number(value) -> int:
    """A page number ≥ 1 from the query string: not a number → 1; beyond MAX_PAGE → MAX_PAGE
    (the views then show the last page that exists)."""
    if not isinstance(value, str):
        return 1
    value = value.strip()
    if not is_ascii_number(value):
        return 1
    if len(value) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(value), 1), MAX_PAGE)


def relation_code_problem(code: str) -> str | None:
    """A relation code is a whole number from 0 up (the Nmbrs company number)."""
    code = (code or "").strip()
    if not is_ascii_number(code) or int(code) > RELATION_CODE_MAX:
        return RELATION_CODE_MESSAGE
    return None


class RelationCode:
    """WTForms validator for `relation_code_problem`."""

    field_flags = {}

    def __call__(self, form, field):
        problem = relation_code_problem(field.data)
        if problem:
            raise ValidationError(problem)


class IdConverter(IntegerConverter):
    """The app's `<int:…>` URL converter: ASCII digits only, 1 … MAX_ID, else 404.

    Werkzeug's own matches `\\d+` (so "²" reached int() and gave a 500) and has no upper bound
    (so 2**63 overflowed SQLite and 2**31 PostgreSQL's int4).
    """

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)

    def to_python(self, value: str):
        if len(value) > MAX_ID_DIGITS:
            raise RoutingValidationError()
        return super().to_python(value)
