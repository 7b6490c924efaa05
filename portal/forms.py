"""Helpers shared by every form, and `PortalForm`, the base class of every form.

`PortalForm` applies the input rules of `portal.validators` to every text field, so a control or
bidi character is refused with a message on the field (422) whichever form it comes through.
Every form of the app inherits from it (tests/test_input_rules.py checks that).
"""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from portal.validators import text_problem


def is_first_invalid(field) -> bool:
    """True for the first field of its form with an error: it gets the focus after a submit."""
    form = getattr(field, "_form", None)
    if form is None or not field.errors:
        return False
    return next((f for f in form if f.errors), None) is field


def strip_whitespace(value):
    """A WTForms filter: pasted values often carry stray spaces."""
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """A FlaskForm whose text fields refuse control and bidirectional-formatting characters.

    Passwords are exempt (they are only hashed, never stored or shown). A field's own
    validators still run; the text rule is reported first because it explains the others.
    """

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return self.check_plain_text() and valid

    def check_plain_text(self) -> bool:
        clean = True
        for field in self:
            if not isinstance(field, StringField) or isinstance(field, PasswordField):
                continue
            for raw in field.raw_data or []:
                problem = text_problem(raw, allow_newlines=isinstance(field, TextAreaField))
                if problem:
                    field.errors = [problem, *[e for e in field.errors if e != problem]]
                    clean = False
                    break
        if not clean:
            self._errors = None
        return clean
