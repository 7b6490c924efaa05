"""The form of the Nmbrs API application (client id, client secret, subscription key)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ApplicationForm(PortalForm):
    client_id = StringField(
        _l("Client id"), filters=[_strip],
        validators=[DataRequired(_l("Enter the client id Nmbrs gave you.")), Length(max=200)],
        description=_l("From Nmbrs after registering the app, for example "
                       "PartnerApp_YourFirm_1a2b."))
    client_secret = PasswordField(
        _l("Client secret"), filters=[_strip], validators=[Length(max=500)],
        description=_l("Stored encrypted and never shown again; leave empty to keep the stored "
                       "one."))
    subscription_key = PasswordField(
        _l("Subscription key"), filters=[_strip], validators=[Length(max=500)],
        description=_l("developer.nmbrs.com → Products → your subscription. Stored encrypted; "
                       "leave empty to keep the stored one."))

    def validate(self, first_entry: bool = False, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if first_entry:
            for field, missing in ((self.client_secret, _("Enter the client secret.")),
                                   (self.subscription_key, _("Enter the subscription key."))):
                if not field.data:
                    field.errors = [*field.errors, missing]
                    ok = False
        return ok
