"""The SOAP and the REST sandbox answer from one world and the same document builders: who is
paid in a run (only those employed that month), journals, pay slips, declarations, annual
statements and run facts agree, also after corrections in "Nmbrs". So a SOAP import migrated to
REST is compared like with like."""

from datetime import date

import pytest

from portal import demo_data
from portal.config import DEFAULTS
from portal.nmbrs.client import NmbrsClient
from portal.nmbrs.rest.client import RestNmbrsClient
from portal.nmbrs.rest.oauth import NmbrsOAuth
from portal.nmbrs.rest.tokens import MemoryTokens
from portal.nmbrs.rest.transport import RestTransport
from portal.nmbrs.sandbox.guids import guid
from portal.nmbrs.sandbox.identity import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_SUBSCRIPTION_KEY,
)
from portal.nmbrs.sandbox.rest_server import RestOptions, running_rest_sandbox
from tests.nmbrs_rest.rest_helpers import sandbox_tokens

TODAY = date(2026, 5, 20)
SMIT = "Tandartspraktijk Smit"  # debtor 3: one left in April, two joined during the year


@pytest.fixture
def sandbox():
    with running_rest_sandbox(today=TODAY, rest_options=RestOptions(document_pending=0)) as s:
        yield s


def clients(sandbox):
    soap = NmbrsClient.from_config({**DEFAULTS, "NMBRS_SOAP_URL": sandbox.soap_url},
                                   demo_data.SANDBOX_USERNAME, demo_data.SANDBOX_TOKEN)
    soap.verify()
    oauth = NmbrsOAuth(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, sandbox.root)
    rest = RestNmbrsClient(RestTransport(sandbox.root, SANDBOX_SUBSCRIPTION_KEY,
                                         MemoryTokens(oauth, sandbox_tokens(sandbox, "3")),
                                         sleep=lambda seconds: None))
    return soap, rest


def both_answers(sandbox) -> tuple[dict, dict]:
    """Everything an import reads of Smit's company, per protocol, keyed by SOAP ids."""
    soap, rest = clients(sandbox)
    world = sandbox.app.soap.world
    company = next(c for c in world.companies if c.name == SMIT)
    employees = {guid("Employee", e.id): e.id for e in company.employees}
    runs_by_guid = {guid("Run", r.id): r.id for r in company.runs}
    answers = {}
    for name, client, cid, to_id in (
            ("soap", soap, company.id, lambda kind, x: x),
            ("rest", rest, guid("Company", company.id),
             lambda kind, x: (employees if kind == "Employee" else runs_by_guid)[x])):
        runs = client.runs(cid, TODAY.year)
        seen = {"runs": sorted((to_id("Run", r.id), r.number, r.period_start, r.period_end,
                                r.run_at.replace(tzinfo=None), r.is_locked) for r in runs)}
        for run in runs:
            run_id = to_id("Run", run.id)
            members = client.run_employees(cid, run.id, TODAY.year)
            seen[("paid", run_id)] = sorted(to_id("Employee", m.employee_id) for m in members)
            journal = client.journal(cid, run.id, TODAY.year)
            seen[("journal", run_id)] = [(line.account, line.debit, line.credit)
                                         for line in journal.lines]
            for member in members:
                slip = client.payslip(member.employee_id, cid, run.id, TODAY.year)
                seen[("slip", run_id, to_id("Employee", member.employee_id))] = slip.pdf
        declarations = client.wage_tax_declarations(cid, TODAY.year)
        seen["declarations"] = sorted((d.year, d.period, d.serial_number, d.total,
                                       d.payment_reference) for d in declarations)
        seen["declaration xml"] = sorted((d.period, client.wage_tax_xml(d.id, cid).total)
                                         for d in declarations)
        seen["statements"] = {to_id("Employee", e): client.annual_statement(e, TODAY.year).pdf
                              for e in (employees if name == "rest" else employees.values())}
        answers[name] = seen
    return answers["soap"], answers["rest"]


def test_both_protocols_pay_only_those_employed_and_give_the_same_documents(sandbox):
    over_soap, over_rest = both_answers(sandbox)

    assert over_rest == over_soap
    world = sandbox.app.soap.world
    company = next(c for c in world.companies if c.name == SMIT)
    may = next(r for r in company.runs if r.period == 5)
    february = next(r for r in company.runs if r.period == 2)
    left_in_april = company.employees[2]
    assert left_in_april.id in over_rest[("paid", february.id)]
    assert left_in_april.id not in over_rest[("paid", may.id)]  # not paid after leaving
    assert len(over_rest[("paid", february.id)]) < len(company.employees)


def test_corrections_in_nmbrs_show_in_both_protocols(sandbox):
    world = sandbox.app.soap.world
    company = next(c for c in world.companies if c.name == SMIT)
    march = next(r for r in company.runs if r.period == 3)
    world.change_journal(march.id)
    world.change_payslip(march.id, company.employees[0].id)
    world.change_declaration(next(iter(company.runs)).id)  # January's declaration: id = run id

    over_soap, over_rest = both_answers(sandbox)

    assert over_rest == over_soap
    [march_facts] = [r for r in over_rest["runs"] if r[0] == march.id]
    assert march_facts[-1] is False  # recalculated: unlocked in both
