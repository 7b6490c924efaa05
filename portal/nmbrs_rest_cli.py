"""`flask nmbrs-migrate-to-rest [--dry-run] [--domain NAME]`.

See portal.services.nmbrs_migration."""

import click

from portal.nmbrs.errors import NmbrsError


@click.command("nmbrs-migrate-to-rest")
@click.option("--dry-run", is_flag=True, help="Report what would be mapped; change nothing.")
@click.option("--domain", "domain_name", default=None, help="Only this domain.")
def migrate_to_rest_command(dry_run: bool, domain_name: str | None):
    """Map SOAP ids to REST GUIDs for every consented domain, then switch it to REST."""
    from portal.services.nmbrs_migration import consents_to_migrate, move_domain

    consents = consents_to_migrate(domain_name)
    if not consents:
        click.echo("No domain has a Nmbrs REST consent yet: connect domains under Settings › "
                   "Nmbrs REST API first.")
        return
    failed = False
    for consent in consents:
        try:
            report = move_domain(consent, dry_run)
        except NmbrsError as error:
            click.echo(f"{consent.domain.name}: not migrated: {error.message}")
            failed = True
            continue
        for line in report.lines():
            click.echo(line)
        failed = failed or bool(report.unmapped)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    if failed:
        raise SystemExit(1)


@click.command("nmbrs-refresh-consents")
def refresh_consents_command():
    """Refresh every Nmbrs REST consent now (the daily dispatcher also does this)."""
    from jobs.nmbrs_consents import refresh_consents

    outcome = refresh_consents()
    click.echo(f"Refreshed {outcome['refreshed']} consent(s); {outcome['tasks']} task(s) raised.")


@click.command("nmbrs-demo-application")
def demo_application_command():
    """Demo only: enter the local sandbox's Nmbrs API application for the portal, once."""
    from portal.extensions import db
    from portal.models import Portal
    from portal.nmbrs.sandbox import identity
    from portal.services.nmbrs_consent import application_for

    portal = db.session.scalar(db.select(Portal).order_by(Portal.id))
    if portal is None or application_for(portal) is not None:
        return
    from portal.models import NmbrsApiApplication

    db.session.add(NmbrsApiApplication(
        portal_id=portal.id, client_id=identity.SANDBOX_CLIENT_ID,
        client_secret=identity.SANDBOX_CLIENT_SECRET,
        subscription_key=identity.SANDBOX_SUBSCRIPTION_KEY))
    db.session.commit()
    click.echo("Nmbrs REST: the sandbox's API application is entered (Settings › Nmbrs REST API).")


def register(app) -> None:
    app.cli.add_command(migrate_to_rest_command)
    app.cli.add_command(demo_application_command)
    app.cli.add_command(refresh_consents_command)
