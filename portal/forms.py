"""Helpers shared by every form."""


def is_first_invalid(field) -> bool:
    """True for the first field of its form with an error: it gets the focus after a submit."""
    form = getattr(field, "_form", None)
    if form is None or not field.errors:
        return False
    return next((f for f in form if f.errors), None) is field


def strip_whitespace(value):
    """A WTForms filter: pasted values often carry stray spaces."""
    return value.strip() if isinstance(value, str) else value
