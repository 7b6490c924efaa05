"""`flask nmbrs-sandbox` (and `python -m portal.nmbrs.sandbox`): serve the local Nmbrs sandbox."""

import click
from werkzeug.serving import run_simple

from portal import demo_data
from portal.nmbrs.sandbox import identity
from portal.nmbrs.sandbox.rest_server import CombinedSandbox, RestOptions
from portal.nmbrs.sandbox.server import SandboxApp, SandboxOptions


@click.command("nmbrs-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--latency", default=0.0, show_default=True, help="Seconds added to every call.")
@click.option("--fail-auth", is_flag=True, help="Answer every call with fault 1001.")
@click.option("--fail-503", default=0.0, show_default=True,
              help="Fraction of calls answered with HTTP 503 (1 = all).")
@click.option("--slow", default=0.0, show_default=True,
              help="Extra seconds per call, to test client timeouts.")
@click.option("--auto-consent", default=None, metavar="DEBTOR_NUMBER",
              help="REST: consent at once as a user of this demo debtor (no consent page).")
@click.option("--document-pending", default=2, show_default=True,
              help="REST: how many times a document answers 202 before 200.")
def sandbox_command(host, port, latency, fail_auth, fail_503, slow, auto_consent,
                    document_pending):
    """Serve a local Nmbrs SOAP v3 sandbox with the demo portal's data."""
    options = SandboxOptions(latency=latency, bad_credentials=fail_auth, http_503=fail_503,
                             slow=slow)
    base_url = f"http://{host}:{port}/soap/v3"
    click.echo(f"Nmbrs sandbox on {base_url}  (set NMBRS_SOAP_URL={base_url})")
    click.echo(f"  username: {demo_data.SANDBOX_USERNAME}")
    click.echo(f"  token:    {demo_data.SANDBOX_TOKEN}")
    click.echo(f"  domain:   {demo_data.SANDBOX_SUBDOMAIN} (found by Environment_Get)")
    click.echo(f"  stats:    http://{host}:{port}/_sandbox/stats")
    root = f"http://{host}:{port}"
    click.echo(f"Nmbrs REST + OAuth on {root}  (NMBRS_REST_URL and NMBRS_IDENTITY_URL={root})")
    click.echo(f"  client id:        {identity.SANDBOX_CLIENT_ID}")
    click.echo(f"  client secret:    {identity.SANDBOX_CLIENT_SECRET}")
    click.echo(f"  subscription key: {identity.SANDBOX_SUBSCRIPTION_KEY}")
    rest = RestOptions(auto_consent=auto_consent, document_pending=document_pending)
    run_simple(host, port, CombinedSandbox(SandboxApp(options), rest), threaded=True,
               use_reloader=False)


def register_cli(app) -> None:
    """Add `flask nmbrs-sandbox` to a Flask app."""
    app.cli.add_command(sandbox_command)
