"""The bench's independent minimum of Nmbrs REST calls (bench/minimum_rest_calls.py), counted
by hand on tiny sandbox worlds: it must not follow what the importer happens to do."""

from datetime import date

from bench.minimum_calls import Known
from bench.minimum_rest_calls import employee_details_calls, rest_round_minimum
from portal.demo_data import DemoAdministration, DemoDomain, DemoEmployee
from portal.nmbrs.sandbox.data import build_sandbox_data

DOCUMENT = 2  # the task request and one fetch of its bytes


def _employee(number, first_period=1):
    return DemoEmployee(number, "Werknemer", f"Nummer {number}", "Hoofdstraat", "1", "1234 AB",
                        "Utrecht", "NL91ABNA0417164300", f"{100000000 + number}", "3000.00",
                        first_period=first_period)


def _domains(employees):
    return [DemoDomain("klant", (DemoAdministration("Klant B.V.", "1", True, employees),))]


def test_the_minimum_of_a_first_and_a_second_month():
    domains = _domains((_employee(1), _employee(2), _employee(3, first_period=4)))
    known = Known()
    march = build_sandbox_data(date(2026, 3, 15), domains)
    first = rest_round_minimum(march, march.companies, 3, {3, 2}, known)
    # run list; run employees, journal, 2 pay slips; wage-tax list, February's XML; details
    # of 2 unknown employees: privateInfos, and personal info, addresses, bank accounts
    # company-wide (one page each beats two employees each); the debtor's company list.
    assert first == 1 + (1 + DOCUMENT + 2 * DOCUMENT) + (1 + DOCUMENT) + (1 + 3) + 1

    april = build_sandbox_data(date(2026, 4, 15), domains)
    second = rest_round_minimum(april, april.companies, 4, {4, 3}, known)
    # 3 pay slips, March's XML, the new hire's details; the company is linked already.
    assert second == 1 + (1 + DOCUMENT + 3 * DOCUMENT) + (1 + DOCUMENT) + (1 + 3)


def test_long_lists_cost_a_call_per_page_of_100():
    domains = _domains(tuple(_employee(n) for n in range(1, 151)))
    march = build_sandbox_data(date(2026, 3, 15), domains)
    first = rest_round_minimum(march, march.companies, 3, {3, 2}, Known())
    # run employees and every company-wide employee list take 2 pages of 100.
    assert first == 1 + (2 + DOCUMENT + 150 * DOCUMENT) + (1 + DOCUMENT) + (2 + 3 * 2) + 1


def test_a_few_new_employees_of_a_large_company_are_read_one_by_one():
    # BSN only company-wide (no employeeId filter): 20 pages; the other three per employee.
    assert employee_details_calls(2000, 1) == 20 + 3 * 1
    assert employee_details_calls(2000, 30) == 20 + 3 * 20
    assert employee_details_calls(2000, 0) == 0
