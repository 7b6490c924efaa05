"""Operator commands for self-hosting: `flask --app app <command>`."""

import functools
import secrets

import click
from flask_babel import force_locale
from sqlalchemy import select

from portal import demo_data
from portal.crypto import generate_key
from portal.extensions import db
from portal.models import Domain, DomainRole, Employee, Portal, PortalRole, User
from portal.services import accounts, structure

ROLE_OPTIONS = {"portal-admin": PortalRole.ADMIN, "portal-back-office": PortalRole.BACK_OFFICE,
                "none": None}


def the_portal(create_with_name: str | None = None) -> Portal:
    """The installation's portal (one firm per installation), created on first use."""
    portal = db.session.scalar(select(Portal).order_by(Portal.id))
    if portal is None:
        portal = Portal(name=create_with_name or "My accounting firm")
        db.session.add(portal)
        db.session.flush()
    return portal


def _fail(message: str):
    raise click.ClickException(message)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(list(ROLE_OPTIONS)), default="none", show_default=True)
@click.option("--password", help="Leave out to be prompted (keeps it out of shell history).")
def create_user_command(email, role, password):
    """Create a user of the portal with a portal role."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(the_portal(), email, password, ROLE_OPTIONS[role])
    except accounts.AccountError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Created {user.email} ({role}).")


@click.command("enable-feature")
@click.argument("feature", type=click.Choice(["nmbrs"]))
@click.option("--disable", is_flag=True, help="Switch the feature off instead.")
@click.option("--lock", is_flag=True,
              help="With --disable: lock it off, so Portal administrators cannot switch it on.")
def enable_feature_command(feature, disable, lock):
    """Switch the Payroll connection – Nmbrs feature on for the portal (the contract).

    Enabling also lifts a lock; `--disable --lock` switches it off for good (the firm's
    contract does not include it) and the Settings screen says so.
    """
    portal = the_portal()
    portal.nmbrs_enabled = not disable
    portal.nmbrs_locked = bool(disable and lock)
    from portal.services import audit

    audit.record(portal.id, f"portal.nmbrs_feature_{'disabled' if disable else 'enabled'}", portal,
                 user=None)
    db.session.commit()
    state = "on" if not disable else ("off and locked" if portal.nmbrs_locked else "off")
    click.echo(f"Payroll connection – Nmbrs is {state} for {portal.name}.")


@click.command("create-domain")
@click.argument("name")
def create_domain_command(name):
    """Create a domain (the name must equal the Nmbrs debtor name)."""
    try:
        domain = structure.create_domain(the_portal(), name)
    except structure.StructureError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Created domain {domain.name}.")


@click.command("create-administration")
@click.argument("domain_name")
@click.argument("name")
@click.option("--relation-code", required=True, help="Equal to the Nmbrs company number.")
@click.option("--payroll", is_flag=True, help="The administration has an active payroll contract.")
def create_administration_command(domain_name, name, relation_code, payroll):
    """Add an administration to a domain."""
    domain = db.session.scalar(select(Domain).where(Domain.portal_id == the_portal().id,
                                                    Domain.name == domain_name))
    if domain is None:
        _fail(f"No domain named {domain_name}.")
    try:
        administration = structure.add_administration(domain, name.strip(),
                                                      relation_code.strip(), payroll)
    except structure.StructureError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Created administration {administration.name} in {domain.name}.")


@click.command("seed-demo")
def seed_demo_command():
    """Fill an empty database with a demo portal; prints the passwords once."""
    if db.session.scalar(select(User.id).limit(1)):
        _fail("The database already has users; seed-demo only fills an empty database.")
    portal = the_portal(create_with_name=demo_data.PORTAL_NAME)
    portal.nmbrs_enabled = True
    domains = [_seed_domain(portal, demo) for demo in demo_data.DOMAINS]
    logins = _seed_users(portal, domains[0])
    db.session.commit()
    click.echo(f"Demo portal: {portal.name}")
    for email, password, role in logins:
        click.echo(f"  {role:<32} {email:<36} {password}")
    click.echo("Nmbrs sandbox credentials (Settings → Nmbrs settings → Connect):")
    click.echo(f"  user name {demo_data.SANDBOX_USERNAME}")
    click.echo(f"  API token {demo_data.SANDBOX_TOKEN}")


def _seed_domain(portal, demo):
    domain = structure.create_domain(portal, demo.name)
    for demo_admin in demo.administrations:
        administration = structure.add_administration(
            domain, demo_admin.name, demo_admin.relation_code, demo_admin.payroll
        )
        for person in (p for p in demo_admin.employees if p.seeded):
            db.session.add(Employee(
                administration=administration, number=person.number, name=person.name,
                street=person.street, house_number=person.house_number,
                postal_code=person.postal_code, city=person.city, iban=person.iban,
                bsn=person.bsn,
            ))
    return domain


def _seed_users(portal, first_domain):
    people = [
        ("admin@vandijk-partners.nl", PortalRole.ADMIN, "Portal administrator", None),
        ("backoffice@vandijk-partners.nl", PortalRole.BACK_OFFICE, "Portal back office", None),
        ("domain.backoffice@vandijk-partners.nl", None, f"Back office of {first_domain.name}",
         DomainRole.BACK_OFFICE),
        ("hrm@bakkerij-de-vries.nl", None, f"HRM of {first_domain.name}", DomainRole.HRM),
    ]
    logins = []
    for email, portal_role, label, domain_role in people:
        password = secrets.token_urlsafe(12)
        user = accounts.create_user(portal, email, password, portal_role)
        if domain_role:
            structure.set_member_roles(first_domain, user, {domain_role})
        logins.append((email, password, label))
    return logins


@click.command("generate-key")
def generate_key_command():
    """Print a new key for ENCRYPTION_KEYS."""
    click.echo(generate_key())


@click.command("rotate-keys")
def rotate_keys_command():
    """Re-encrypt every stored secret under the newest key in ENCRYPTION_KEYS."""
    from portal.crypto import EncryptedText, rotate

    count = 0
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText)]
        for column in columns:
            raw = table.c[column.name]
            # Read and write the ciphertext itself, bypassing the decrypting type.
            rows = db.session.execute(
                select(table.c.id, raw.cast(db.Text)).where(raw.is_not(None))
            ).all()
            for row_id, token in rows:
                db.session.execute(
                    table.update().where(table.c.id == row_id)
                    .values({column.name: db.literal(rotate(token), db.Text)})
                )
                count += 1
    db.session.commit()
    click.echo(f"Re-encrypted {count} value(s) under the newest key.")


def register_commands(app):
    from jobs.dispatch import dispatch_imports_command
    from jobs.worker import worker_command
    from portal.nmbrs.sandbox.cli import register_cli as register_sandbox

    register_sandbox(app)

    for command in (worker_command, dispatch_imports_command, create_user_command,
                    enable_feature_command, create_domain_command, create_administration_command,
                    seed_demo_command, generate_key_command, rotate_keys_command):
        app.cli.add_command(command)


def in_english(app) -> None:
    """Operator commands speak English whatever BABEL_DEFAULT_LOCALE says (the interface's
    default is Dutch). The worker is left alone: its jobs store texts, not translations."""
    for name, command in app.cli.commands.items():
        if name != "worker":
            _callbacks_in_english(command)


def _callbacks_in_english(command: click.Command) -> None:
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            _callbacks_in_english(subcommand)
    if command.callback is None or getattr(command.callback, "in_english", False):
        return
    callback = command.callback

    @functools.wraps(callback)
    def english(*args, **kwargs):
        with force_locale("en"):
            return callback(*args, **kwargs)

    english.in_english = True
    command.callback = english

