"""The forms of the Nmbrs settings screen: the portal's connection and the different settings of
a domain or an administration. Rules that span fields (first day ≤ last day, the "all" switch,
"as parent" or an own value per group) live here, next to the fields."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import NumberInput

from portal.document_types import (
    AUTOMATIC_TYPES,
    DAYS,
    DOCUMENT_SWITCHES,
    IMPORT_FLAGS,
    PREFERENCE_DEFAULTS,
    PREFERENCE_NAMES,
)
from portal.forms import PortalForm
from portal.services.effective_settings import GROUPS

DAY_MESSAGE = _l("Enter a whole number from 1 to 31.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DayField(IntegerField):
    """A day of the month; parsing problems are reported by the form with one clear message."""

    widget = NumberInput(min=1, max=31)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0].strip())
            except ValueError:
                self.data = None


class ConnectionForm(PortalForm):
    """Credentials, import preferences and import days (the portal's link)."""

    username = StringField(
        _l("Username"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the e-mail address you use to log into Nmbrs.")),
            Length(max=254),
            Email(_l("Enter a valid e-mail address, for example name@kantoor.nl."),
                  check_deliverability=False),
        ],
        description=_l("The e-mail address you use to log into Nmbrs."),
    )
    token = PasswordField(
        _l("API token"),
        description=_l("In Nmbrs: click your name (top right) → User profile → API Token tab."),
    )
    import_all = BooleanField(_l("Automatically import all payroll documents"), default=True)
    # The state of "all" when the form was shown: tells the server which switch the user moved.
    import_all_was = HiddenField(default="y")
    # One switch per document type imported automatically (portal/document_types.py).
    locals().update({kind.preference: BooleanField(kind.preference_label, default=True)
                     for kind in AUTOMATIC_TYPES})
    import_late_runs = BooleanField(
        _l("Also import runs of earlier months automatically"), default=False,
        description=_l("Off: a payroll run of an earlier month is imported by hand."),
    )
    first_day = DayField(
        _l("First day"), default=PREFERENCE_DEFAULTS["first_day"],
        description=_l("Day of the month from which documents are imported (1–31)."))
    last_day = DayField(
        _l("Last day"), default=PREFERENCE_DEFAULTS["last_day"],
        description=_l("Last day of the month on which documents are imported (1–31; a day past "
                       "the end of a short month means its last day)."),
    )

    # True when there is no stored token to keep (connecting; a new own-credentials override).
    token_required = True

    def validate_token(self, field):
        raw = (field.raw_data or [""])[0] or ""
        if raw and not raw.strip():
            field.data = ""
            raise ValidationError(_("The API token cannot be only spaces."))
        field.data = raw.strip()
        if not field.data:
            if self.token_required:
                raise ValidationError(_("Enter the API token."))
            return
        if any(char.isspace() for char in field.data):
            raise ValidationError(_("An API token has no spaces. Copy it again from Nmbrs."))
        if len(field.data) > 200:
            raise ValidationError(
                _("This is too long for an API token. Copy it again from Nmbrs."))

    def validate_first_day(self, field):
        _check_day(field, _("Enter the first day (1–31)."))

    def validate_last_day(self, field):
        _check_day(field, _("Enter the last day (1–31)."))
        first = self.first_day.data
        if first is not None and 1 <= first <= 31 and field.data < first:
            raise ValidationError(_("The last day cannot be before the first day."))

    def sync_import_switches(self) -> None:
        """ "All" sets the three; turning one off clears "all" (the server side of the rule)."""
        all_was = self.import_all_was.data == "y"
        if self.import_all.data != all_was:
            for name in DOCUMENT_SWITCHES:
                self[name].data = self.import_all.data
        self.import_all.data = all(self[name].data for name in DOCUMENT_SWITCHES)
        self.import_all_was.data = "y" if self.import_all.data else ""

    def preferences(self) -> dict:
        return {name: self[name].data for name in PREFERENCE_NAMES}

    def fill(self, values: dict) -> None:
        """Show stored or inherited values (for a form built without form data)."""
        for name, value in values.items():
            if name in self and value is not None:
                self[name].data = value
        self.import_all.data = all(self[name].data for name in DOCUMENT_SWITCHES)
        self.import_all_was.data = "y" if self.import_all.data else ""


def _check_day(field, missing_message):
    raw = (field.raw_data or [""])[0] if field.raw_data else ""
    if field.data is None:
        raise ValidationError(DAY_MESSAGE if raw.strip() else missing_message)
    if not 1 <= field.data <= 31:
        raise ValidationError(DAY_MESSAGE)


MODE_CHOICES = [SelectChoice("inherit", _l("As parent")), SelectChoice("own", _l("Own value"))]


class OverrideForm(ConnectionForm):
    """A domain's or administration's different settings: per group "as parent" or its own."""

    credentials_mode = RadioField(_l("Credentials"), choices=MODE_CHOICES, default="inherit")
    imports_mode = RadioField(_l("Import preferences"), choices=MODE_CHOICES, default="inherit")
    days_mode = RadioField(_l("Days on which documents are imported"), choices=MODE_CHOICES,
                           default="inherit")

    def own(self, group: str) -> bool:
        return self[f"{group}_mode"].data == "own"

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        # Fields of a group left "as parent" are not used, so they cannot be wrong.
        for group, names in GROUPS.items():
            if not self.own(group):
                names = {"credentials": ("username", "token")}.get(group, names)
                for name in names:
                    self[name].errors = []
        self._errors = None
        return not any(field.errors for field in self)

    def groups(self) -> dict:
        """The values to save: None for a group "as parent"."""
        preferences = self.preferences()
        return {
            "credentials": ({"username": self.username.data, "token": self.token.data}
                            if self.own("credentials") else None),
            "imports": ({n: preferences[n] for n in IMPORT_FLAGS}
                        if self.own("imports") else None),
            "days": ({n: preferences[n] for n in DAYS}
                     if self.own("days") else None),
        }


# --- the portal's link ------------------------------------------------------------------------
