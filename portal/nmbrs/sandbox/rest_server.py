"""REST + OAuth beside the SOAP sandbox on one port: `/connect/*` (identity server), `/api/*`
(REST API), everything else to the SOAP sandbox. Same demo world, so ids convert."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from portal.nmbrs.sandbox.data import SandboxData
from portal.nmbrs.sandbox.identity import IdentityServer
from portal.nmbrs.sandbox.rest_api import RestApi
from portal.nmbrs.sandbox.server import SandboxApp, SandboxOptions


@dataclass(frozen=True)
class RestOptions:
    auto_consent: str | None = None  # a debtor number: consent without showing the page
    document_pending: int = 2  # 202 answers before a document is ready
    quota_exceeded: bool = False  # every API call answers 429 42909


class RestSandbox:
    """The identity server and the REST API for one sandbox world."""

    def __init__(self, world: SandboxData, options: RestOptions | None = None):
        options = options or RestOptions()
        self.identity = IdentityServer(world, auto_consent=options.auto_consent)
        self.api = RestApi(world, self.identity, document_pending=options.document_pending,
                           quota_exceeded=options.quota_exceeded)
        self._routes = {
            "/connect/authorize": self.identity.authorize,
            "/connect/token": self.identity.token,
            "/connect/revocation": self.identity.revoke,
        }

    @staticmethod
    def handles(path: str) -> bool:
        return path.startswith(("/api/", "/connect/"))

    def dispatch(self, request: Request) -> Response:
        handler = self._routes.get(request.path)
        return handler(request) if handler else self.api(request)


class CombinedSandbox:
    """WSGI: REST and OAuth paths to `RestSandbox`, the rest to the SOAP `SandboxApp`."""

    def __init__(self, soap: SandboxApp, rest_options: RestOptions | None = None):
        self.soap = soap
        self.rest = RestSandbox(soap.world, rest_options)

    def __call__(self, environ, start_response):
        if RestSandbox.handles(environ.get("PATH_INFO", "")):
            return self.rest.dispatch(Request(environ))(environ, start_response)
        return self.soap(environ, start_response)


@dataclass(frozen=True)
class RunningSandbox:
    root: str  # http://127.0.0.1:PORT: NMBRS_REST_URL and NMBRS_IDENTITY_URL
    soap_url: str  # NMBRS_SOAP_URL
    app: CombinedSandbox

    @property
    def identity(self) -> IdentityServer:
        return self.app.rest.identity


@contextmanager
def running_rest_sandbox(today: date | None = None, rest_options: RestOptions | None = None,
                         **soap_options):
    """Serve SOAP + REST + OAuth on a free local port for a test."""
    from portal.nmbrs.sandbox.testing import _QuietHandler

    app = CombinedSandbox(SandboxApp(SandboxOptions(**soap_options), today=today), rest_options)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="nmbrs-rest-sandbox",
                              daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{server.server_port}"
    try:
        yield RunningSandbox(root=root, soap_url=f"{root}/soap/v3", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
