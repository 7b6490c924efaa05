"""Run the sandbox in a background thread for tests: `with running_sandbox() as base_url:`."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from werkzeug.serving import WSGIRequestHandler, make_server

from portal.nmbrs.sandbox.server import SandboxApp, SandboxOptions


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        """Keep test output free of one access-log line per SOAP call."""


@dataclass
class RunningSandbox:
    """A served sandbox: its SOAP base URL, and the app to change Nmbrs' answers at run time
    (`app.down`, `app.rejecting_tokens`, `app.world.change_*`)."""

    url: str
    app: SandboxApp


@contextmanager
def running_sandbox(today: date | None = None, domains=None, **options):
    """Serve a sandbox on a free local port; yields `http://127.0.0.1:PORT/soap/v3`.

    `domains` (DemoDomain objects) replaces the demo portal, e.g. for benchmarks."""
    with sandbox_server(today, domains, **options) as served:
        yield served.url


@contextmanager
def sandbox_server(today: date | None = None, domains=None, **options):
    """Like `running_sandbox`, yielding a RunningSandbox (URL and app) instead."""
    app = SandboxApp(SandboxOptions(**options), today=today, domains=domains)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="nmbrs-sandbox", daemon=True)
    thread.start()
    try:
        yield RunningSandbox(f"http://127.0.0.1:{server.server_port}/soap/v3", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
