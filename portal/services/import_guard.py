"""Whether an administration's documents can be imported right now, and if not, why.

The import page disables its controls with this reason and the import routes refuse with it, so
nobody queues a job that can only fail."""

from flask_babel import gettext

from portal.models import Administration
from portal.services.effective_settings import effective_settings


def import_blocked_reason(administration: Administration) -> str | None:
    """None when an import can start; else the reason in words, saying what to do."""
    if not administration.domain.portal.nmbrs_enabled:
        return gettext("Payroll connection – Nmbrs is off for the portal: a Portal administrator "
                       "switches it on in Settings.")
    if not administration.has_active_payroll_contract:
        return gettext("This administration has no payroll contract: give it one on the "
                       "domain's page, or switch the Nmbrs link on for the whole domain.")
    settings = effective_settings(administration)
    if not settings.connected:
        return gettext("Nmbrs is not connected: connect the link in Settings → Nmbrs settings.")
    if settings.paused:
        return gettext("The Nmbrs link is paused: Nmbrs refused the credentials. Change them in "
                       "Settings → Nmbrs settings.")
    return None
