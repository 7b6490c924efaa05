"""`flask nmbrs-migrate-to-rest [--dry-run] [--domain NAME]` (see portal.services.nmbrs_migration)."""

import click

from portal.nmbrs.errors import NmbrsError


@click.command("nmbrs-migrate-to-rest")
@click.option("--dry-run", is_flag=True, help="Report what would be mapped; change nothing.")
@click.option("--domain", "domain_name", default=None, help="Only this domain.")
def migrate_to_rest_command(dry_run: bool, domain_name: str | None):
    """Map SOAP ids to REST GUIDs for every consented domain, then switch it to REST."""
    from portal.services import nmbrs_access
    from portal.services.nmbrs_migration import consents_to_migrate, migrate_domain
    from portal.services.nmbrs_rest_access import client_for_consent

    consents = consents_to_migrate(domain_name)
    if not consents:
        click.echo("No domain has a Nmbrs REST consent yet: connect domains under Settings › "
                   "Nmbrs REST API first.")
        return
    failed = False
    for consent in consents:
        try:
            rest = client_for_consent(consent, mapped=False)
            report = migrate_domain(consent, nmbrs_access.client_for, rest, dry_run)
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


def register(app) -> None:
    app.cli.add_command(migrate_to_rest_command)
