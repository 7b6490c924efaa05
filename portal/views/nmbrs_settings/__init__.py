"""Settings → Nmbrs settings: connect the portal to Nmbrs, change and disconnect the link, and
give domains and administrations different settings (issue 4).

One blueprint, one module per thing it edits: `connection` (the portal's link), `domain` (a
domain's different settings), `administration` (an administration's). `_common` holds what they
share: who may use them and the feature-off rule (`settings_route`), saving through Nmbrs
(`save_checked_by_nmbrs`) and the different-settings form.

Only portal staff (Portal administrator, Portal back office) set up the link, including the
different settings of a domain or an administration. Every page has an htmx fragment and works
without JavaScript. The token is verified, encrypted and never rendered back.
"""

from flask import Blueprint

bp = Blueprint("nmbrs_settings", __name__, url_prefix="/settings/nmbrs")

from portal.views.nmbrs_settings import administration, connection, domain  # noqa: E402,F401
