"""Every route × every role × whose object it is (issue 12).

The routes come from `app.url_map`: a new route without an entry in POLICIES fails this test, so
nobody adds a page without saying who may use it. For each route, role and owner of the object in
its URL (the user's own domain, another domain of the same portal, another portal) the answer
must be the policy's status, and a refused request must leave the database exactly as it was.
"""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AnnualStatement,
    DocumentVersion,
    Domain,
    DomainRole,
    Employee,
    ImportRun,
    PayrollRun,
    PaySlip,
    TaxAssessment,
    User,
)
from portal.services import document_store
from portal.services.tasks import raise_task
from tests.conftest import LOGIN, add_user

ROLES = ["anonymous", "no-role", "domain-hrm", "domain-back-office", "portal-back-office",
         "portal-admin"]
OWNERS = ["own", "other-domain", "other-portal"]
OK = "ok"  # allowed: any answer but a refusal (LOGIN, 403, 404) or a server error
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Who may do what, per owner of the object: a row per owner, a column per role (ROLES' order).
EVERYONE = {None: [OK] * 6}
SIGNED_IN = {None: [LOGIN, OK, OK, OK, OK, OK]}
# Signing out ends on the login page for everyone (tests/test_security_accounts.py checks that
# the session really ended).
SIGNED_OUT = "signed out"  # a 302 to the login page, and the session may change the database
SIGN_OUT = {None: [LOGIN] + [SIGNED_OUT] * 5}
PORTAL_STAFF = {None: [LOGIN, 403, 403, 403, OK, OK]}
PORTAL_ADMIN = {None: [LOGIN, 403, 403, 403, 403, OK]}
DOMAIN_VIEW = {
    "own": [LOGIN, 404, OK, OK, OK, OK],
    "other-domain": [LOGIN, 404, 404, 404, OK, OK],
    "other-portal": [LOGIN, 404, 404, 404, 404, 404],
}
DOMAIN_MANAGE = {**DOMAIN_VIEW, "own": [LOGIN, 404, 403, OK, OK, OK]}
# Setting up the Nmbrs link: linking an administration to an Nmbrs company, and a domain's or an
# administration's different settings, is for portal staff only (issue 12, items 1 and 7); a
# domain's own roles get 403, everyone else 404.
NMBRS_LINK = {**DOMAIN_VIEW, "own": [LOGIN, 404, 403, 403, OK, OK]}
PORTAL_ADMIN_OBJECT = {
    "own": [LOGIN, 403, 403, 403, 403, OK],
    "other-domain": [LOGIN, 403, 403, 403, 403, OK],
    "other-portal": [LOGIN, 403, 403, 403, 403, 404],
}
# Tasks: the portal's, for portal staff.
PORTAL_STAFF_OBJECT = {
    "own": [LOGIN, 403, 403, 403, OK, OK],
    "other-domain": [LOGIN, 403, 403, 403, OK, OK],
    "other-portal": [LOGIN, 403, 403, 403, 404, 404],
}

POLICIES = {
    ("auth.login", "GET"): EVERYONE,
    ("auth.login", "POST"): EVERYONE,
    ("auth.logout", "POST"): SIGN_OUT,
    ("auth.sign_out_everywhere", "POST"): SIGN_OUT,
    ("auth.change_password", "GET"): SIGNED_IN,
    ("auth.change_password", "POST"): SIGNED_IN,
    ("dashboard.index", "GET"): SIGNED_IN,
    ("dashboard.healthz", "GET"): EVERYONE,
    ("settings.index", "GET"): SIGNED_IN,
    ("settings.language", "POST"): SIGNED_IN,
    ("settings.nmbrs_feature", "POST"): PORTAL_ADMIN,
    ("domains.index", "GET"): SIGNED_IN,
    ("domains.create", "POST"): PORTAL_STAFF,
    ("domains.show", "GET"): DOMAIN_VIEW,
    ("domains.add_administration", "POST"): DOMAIN_MANAGE,
    ("domains.administration_row", "GET"): DOMAIN_MANAGE,
    ("domains.edit_administration", "GET"): DOMAIN_MANAGE,
    ("domains.update_administration", "POST"): DOMAIN_MANAGE,
    ("domains.set_member", "POST"): PORTAL_ADMIN_OBJECT,
    ("domains.set_nmbrs_feature", "POST"): PORTAL_ADMIN_OBJECT,
    ("administrations.show", "GET"): DOMAIN_VIEW,
    ("imports.company", "GET"): NMBRS_LINK,
    ("imports.choose_company", "POST"): NMBRS_LINK,
    ("imports.company_section", "GET"): DOMAIN_VIEW,
    ("imports.import_page", "GET"): DOMAIN_MANAGE,
    ("imports.import_runs", "GET"): DOMAIN_MANAGE,
    ("imports.start_import", "POST"): DOMAIN_MANAGE,
    ("imports.import_employees", "POST"): DOMAIN_MANAGE,
    ("imports.retrieve_work_costs", "POST"): DOMAIN_MANAGE,
    ("imports.progress", "GET"): DOMAIN_VIEW,
    ("documents.history", "GET"): DOMAIN_VIEW,
    ("documents.payslips", "GET"): DOMAIN_VIEW,
    ("documents.journals", "GET"): DOMAIN_VIEW,
    ("documents.journals_csv", "GET"): DOMAIN_VIEW,
    ("documents.tax_assessments", "GET"): DOMAIN_VIEW,
    ("documents.annual_statements", "GET"): DOMAIN_VIEW,
    ("documents.payslip_pdf", "GET"): DOMAIN_VIEW,
    ("documents.annual_statement_pdf", "GET"): DOMAIN_VIEW,
    ("documents.tax_assessment_xml", "GET"): DOMAIN_VIEW,
    ("documents.work_costs", "GET"): DOMAIN_VIEW,
    ("nmbrs_rest.index", "GET"): PORTAL_STAFF,
    ("nmbrs_rest.save_application", "POST"): PORTAL_ADMIN,
    ("nmbrs_rest.callback", "GET"): PORTAL_STAFF,
    ("nmbrs_rest.connect", "POST"): PORTAL_STAFF_OBJECT,
    ("nmbrs_rest.disconnect", "POST"): PORTAL_STAFF_OBJECT,
    ("nmbrs_rest.move_preview", "POST"): PORTAL_ADMIN_OBJECT,
    ("nmbrs_rest.move_to_rest", "POST"): PORTAL_ADMIN_OBJECT,
    ("documents.accept_version", "POST"): DOMAIN_MANAGE,
    ("nmbrs_settings.index", "GET"): PORTAL_STAFF,
    ("nmbrs_settings.connection", "GET"): PORTAL_STAFF,
    ("nmbrs_settings.connect_form", "GET"): PORTAL_STAFF,
    ("nmbrs_settings.connect", "POST"): PORTAL_STAFF,
    ("nmbrs_settings.edit_form", "GET"): PORTAL_STAFF,
    ("nmbrs_settings.edit", "POST"): PORTAL_STAFF,
    ("nmbrs_settings.disconnect_confirm", "GET"): PORTAL_STAFF,
    ("nmbrs_settings.disconnect", "POST"): PORTAL_STAFF,
    ("nmbrs_settings.domain", "GET"): NMBRS_LINK,
    ("nmbrs_settings.save_domain", "POST"): NMBRS_LINK,
    ("nmbrs_settings.reset_domain", "POST"): NMBRS_LINK,
    ("nmbrs_settings.administration", "GET"): NMBRS_LINK,
    ("nmbrs_settings.administration_row", "GET"): NMBRS_LINK,
    ("nmbrs_settings.save_administration", "POST"): NMBRS_LINK,
    ("nmbrs_settings.reset_administration", "POST"): NMBRS_LINK,
    ("tasks.index", "GET"): PORTAL_STAFF,
    ("tasks.show", "GET"): PORTAL_STAFF_OBJECT,
    ("tasks.complete", "POST"): PORTAL_STAFF_OBJECT,
    ("tasks.reassign", "POST"): PORTAL_STAFF_OBJECT,
    ("users.index", "GET"): PORTAL_ADMIN,
    ("users.create", "POST"): PORTAL_ADMIN,
    ("users.set_role", "POST"): PORTAL_ADMIN_OBJECT,
}


def all_routes(app):
    """(endpoint, method, rule) for every route of the app but the static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


def test_every_route_has_a_policy(app):
    missing = [f"{method} {rule.rule} ({endpoint})" for endpoint, method, rule in all_routes(app)
               if (endpoint, method) not in POLICIES]
    assert not missing, "Add these routes to POLICIES:\n" + "\n".join(missing)
    stale = set(POLICIES) - {(endpoint, method) for endpoint, method, _ in all_routes(app)}
    assert not stale, f"POLICIES names routes that no longer exist: {sorted(stale)}"


def _objects_of(domain, administration, user):
    """An import run, a pay slip, an annual statement and a task of `administration`."""
    employee = Employee(administration_id=administration.id, number=1, name="Jan")
    run = PayrollRun(administration_id=administration.id, nmbrs_run_id=500 + administration.id,
                     year=2026, number=5, period_start=5, period_end=5, description="Mei")
    import_run = ImportRun(administration_id=administration.id, kind="employees",
                           status="succeeded")
    db.session.add_all([employee, run, import_run])
    db.session.flush()
    stored = document_store.save_pdf(PDF)
    slip = PaySlip(administration_id=administration.id, payroll_run_id=run.id,
                   employee_id=employee.id, booking_date=date(2026, 5, 31),
                   storage_key=stored.key, size=stored.size, sha256=stored.sha256)
    statement = AnnualStatement(administration_id=administration.id, employee_id=employee.id,
                                year=2025, storage_key=stored.key, size=stored.size,
                                sha256=stored.sha256)
    assessment = TaxAssessment(administration_id=administration.id,
                               nmbrs_declaration_id=700 + administration.id, year=2026, period=5,
                               period_start=date(2026, 5, 1), period_end=date(2026, 5, 31),
                               booking_date=date(2026, 5, 31), total=Decimal("1234.56"),
                               xml="<Loonaangifte/>")
    db.session.add_all([slip, statement, assessment])
    task = raise_task(administration, cause="matrix", title="Matrix", message="Matrix")
    db.session.flush()
    version = DocumentVersion(administration_id=administration.id, kind="payslip",
                              document_id=slip.id, payroll_run_id=run.id, state="pending",
                              fingerprint="0" * 64, content={"storage_key": stored.key,
                                                             "size": stored.size,
                                                             "sha256": "0" * 64})
    db.session.add(version)
    db.session.flush()
    return {"domain_id": domain.id, "administration_id": administration.id,
            "import_run_id": import_run.id, "payslip_id": slip.id, "statement_id": statement.id,
            "assessment_id": assessment.id,
            "task_id": task.id, "user_id": user.id, "version_id": version.id}


@pytest.fixture
def matrix(app, world, tmp_path):
    app.config["DOCUMENT_STORE_PATH"] = str(tmp_path / "store")
    app.config["NMBRS_SOAP_URL"] = "http://127.0.0.1:9/soap/v3"  # never the real Nmbrs
    app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    users = dict(world.users)
    users["domain-hrm"] = add_user(world.portal, "hrm@example.nl", domain=world.domain,
                                   domain_role=DomainRole.HRM)
    neighbour = Domain(portal=world.portal, name="garage-jansen")
    db.session.add(neighbour)
    db.session.flush()
    from portal.models import Administration

    neighbour_administration = Administration(domain=neighbour, name="Garage Jansen B.V.",
                                              relation_code="1")
    db.session.add(neighbour_administration)
    db.session.flush()
    ids = {
        "own": _objects_of(world.domain, world.administration, users["no-role"]),
        "other-domain": _objects_of(neighbour, neighbour_administration,
                                    add_user(world.portal, "buur@example.nl")),
        "other-portal": _objects_of(world.other_domain, world.other_administration,
                                    users["other-portal"]),
    }
    db.session.commit()
    return users, ids


def snapshot() -> dict:
    """Every row of every table (sessions excluded: signing a client in adds one)."""
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name == "user_session":
            continue
        rows = db.session.execute(select(table)).all()
        tables[table.name] = sorted(map(repr, rows))
    db.session.rollback()
    return tables


def _check(expected, response) -> str | None:
    status = response.status_code
    if expected in (LOGIN, SIGNED_OUT):
        ok = status == 302 and "/login" in response.headers.get("Location", "")
    elif expected == OK:
        ok = status < 500 and status not in (401, 403, 404) and not (
            status == 302 and "/login" in response.headers.get("Location", ""))
    else:
        ok = status == expected
    return None if ok else f"expected {expected}, got {status}"


def _cells(app, owner_filter):
    for endpoint, method, rule in sorted(all_routes(app), key=lambda r: (r[2].rule, r[1])):
        policy = POLICIES[(endpoint, method)]
        for owner, expected_by_role in policy.items():
            if owner_filter(owner):
                yield endpoint, method, rule, owner, expected_by_role


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_route_role_owner_table(app, world, client_as, matrix, role_index, role):
    users, ids = matrix
    user = users.get(role)
    failures = []
    for endpoint, method, rule, owner, expected_by_role in _cells(app, lambda owner: True):
        expected = expected_by_role[role_index]
        values = {name: ids[owner or "own"][name] for name in rule.arguments}
        path = rule.build(values)[1]
        client = client_as(user)
        before = snapshot() if expected not in (OK, SIGNED_OUT) else None
        response = client.post(path, {}) if method == "POST" else client.get(path)
        response.close()
        problem = _check(expected, response)
        if problem:
            failures.append(f"{method} {path} ({owner or '-'}): {problem}")
        elif before is not None and snapshot() != before:
            failures.append(f"{method} {path} ({owner or '-'}): refused but changed the database")
    assert not failures, "\n".join(failures)


def test_a_refused_request_with_a_valid_form_changes_nothing(world, client_as, matrix):
    """The table posts empty forms; here a refused request carries a complete, valid one."""
    users, ids = matrix
    other = ids["other-domain"]
    client = client_as(users["domain-back-office"])
    before = snapshot()
    for path, form in [
        (f"/domains/{other['domain_id']}/administrations",
         {"name": "Inbraak B.V.", "relation_code": "9"}),
        (f"/domains/{other['domain_id']}/administrations/{other['administration_id']}",
         {"name": "Inbraak B.V.", "relation_code": "9"}),
        (f"/domains/{other['domain_id']}/members",
         {"user_id": str(users["domain-back-office"].id), "roles": ["back-office"]}),
        (f"/users/{other['user_id']}/role", {"portal_role": "portal-admin"}),
        (f"/tasks/{other['task_id']}/complete", {}),
        ("/domains", {"name": "inbraak"}),
    ]:
        assert client.post(path, form).status_code in (403, 404), path
    assert snapshot() == before
    assert db.session.get(User, users["domain-back-office"].id).portal_role is None
