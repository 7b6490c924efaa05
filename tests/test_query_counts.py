"""Pages cost a constant number of SQL queries, whatever the size of the portal (issue 14).

Each page is measured at two sizes (5 and 50 administrations with their documents and tasks);
the counts must be equal, so a query per row (N+1) fails here. The dashboard and the Nmbrs
settings screen have their own counts in test_dashboard.py and test_nmbrs_settings.py; they are
measured here too, on the same data as the others."""

from datetime import date

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.models import (
    Administration,
    Domain,
    DomainMembership,
    DomainRole,
    Employee,
    NmbrsSettings,
    PayrollRun,
    PaySlip,
)
from portal.services.tasks import raise_task

SIZES = (5, 50)


def _grow(world, count: int) -> None:
    """`count` more domains, each with an administration that has a run, an employee, a pay
    slip and an open task; and `count` more pay slips (new runs and employees) in ours."""
    start = db.session.query(Domain).count()
    assignee = world.users["portal-back-office"]
    for i in range(start, start + count):
        domain = Domain(portal=world.portal, name=f"klant-{i:04d}", nmbrs_enabled=True)
        administration = Administration(domain=domain, name=f"Klant {i} B.V.",
                                        relation_code=str(i), payroll_contract=True)
        db.session.add_all([domain, administration,
                            DomainMembership(user=world.users["domain-back-office"],
                                             domain=domain, role=DomainRole.BACK_OFFICE)])
        db.session.flush()
        _pay_slip(administration, number=i)
        task = raise_task(administration, cause=f"company.not-found:{i}", title=f"Task {i}",
                          message="Choose the Nmbrs company.")
        task.assignee_id = assignee.id
        _pay_slip(world.administration, number=i)
    db.session.commit()


def _pay_slip(administration, number: int) -> None:
    employee = Employee(administration_id=administration.id, number=number,
                        name=f"Werknemer {number}")
    run = PayrollRun(administration_id=administration.id, nmbrs_run_id=10_000 + number,
                     year=2026, number=number, period_start=1, period_end=1,
                     description=f"Run {number}")
    db.session.add_all([employee, run])
    db.session.flush()
    db.session.add(PaySlip(administration_id=administration.id, payroll_run_id=run.id,
                           employee_id=employee.id, booking_date=date(2026, 1, 31),
                           storage_key=f"key-{administration.id}-{number}", size=10,
                           sha256="0" * 64))


def _queries(client, path: str) -> int:
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


def _paths(world) -> dict[str, str]:
    return {
        "dashboard": "/",
        "domains list": "/domains",
        "Nmbrs settings": "/settings/nmbrs",
        "pay slips": f"/administrations/{world.administration.id}/payslips",
        "task list": "/tasks?status=open&assigned=all",
    }


@pytest.mark.parametrize("role", ["portal-admin", "domain-back-office"])
def test_every_busy_page_runs_the_same_queries_at_5_and_50_administrations(world, client_as,
                                                                           role):
    db.session.add(NmbrsSettings(portal_id=world.portal.id, scope="portal",
                                 username="salaris@vandijk.nl", token="secret",
                                 subdomain="vandijk"))
    db.session.commit()
    client = client_as(world.users[role])
    paths = _paths(world)
    if role != "portal-admin":  # settings and tasks are the portal staff's
        paths = {name: path for name, path in paths.items()
                 if name not in ("Nmbrs settings", "task list")}
    client.get("/")  # the session's first request loads the user
    counts, grown = {}, 0
    for size in SIZES:
        _grow(world, size - grown)
        grown = size
        counts[size] = {name: _queries(client, path) for name, path in paths.items()}
    differing = {name: (counts[5][name], counts[50][name]) for name in paths
                 if counts[5][name] != counts[50][name]}
    assert not differing, f"queries at 5 vs 50 administrations: {differing}"


def test_the_domains_list_counts_administrations_in_the_database(world, client_as):
    """Each row shows its number of administrations, counted by one aggregate query: no
    administration is loaded just to be counted."""
    _grow(world, 3)
    extra = Administration(domain=world.domain, name="Tweede B.V.", relation_code="9999")
    db.session.add(extra)
    db.session.commit()
    expected = db.session.query(Administration).filter_by(domain_id=world.domain.id).count()
    client = client_as(world.users["portal-admin"])
    client.get("/")
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/domains").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    row = page.split(f">{world.domain.name}</a>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{expected}</td>" in row
    assert not [s for s in statements if "administration.relation_code" in s]
