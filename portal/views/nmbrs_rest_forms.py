"""The form of the Nmbrs API application (client id, client secret, subscription key)."""

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ApplicationForm(PortalForm):
    client_id = StringField(
        "Client id", filters=[_strip],
        validators=[DataRequired("Enter the client id Nmbrs gave you."), Length(max=200)],
        description="From Nmbrs after registering the app, for example PartnerApp_YourFirm_1a2b.")
    client_secret = PasswordField(
        "Client secret", filters=[_strip], validators=[Length(max=500)],
        description="Stored encrypted and never shown again; leave empty to keep the stored one.")
    subscription_key = PasswordField(
        "Subscription key", filters=[_strip], validators=[Length(max=500)],
        description="developer.nmbrs.com → Products → your subscription. Stored encrypted; "
                    "leave empty to keep the stored one.")

    def validate(self, first_entry: bool = False, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if first_entry:
            for field, what in ((self.client_secret, "client secret"),
                                (self.subscription_key, "subscription key")):
                if not field.data:
                    field.errors = [*field.errors, f"Enter the {what}."]
                    ok = False
        return ok
