"""The bench's independent minimum of Nmbrs calls (bench/minimum_calls.py), counted by hand on
a tiny sandbox world: it must not follow what the importer happens to do."""

from datetime import date

from bench.minimum_calls import Known, round_minimum
from portal.demo_data import EMPLOYEE_TYPES, DemoAdministration, DemoDomain, DemoEmployee
from portal.nmbrs.sandbox.data import build_sandbox_data


def _employee(number, first_period=1):
    return DemoEmployee(number, "Werknemer", f"Nummer {number}", "Hoofdstraat", "1", "1234 AB",
                        "Utrecht", "NL91ABNA0417164300", f"10000000{number}", "3000.00",
                        first_period=first_period)


DOMAINS = [DemoDomain("klant", (DemoAdministration(
    "Klant B.V.", "1", True, (_employee(1), _employee(2), _employee(3, first_period=4))),))]
TYPES = len(EMPLOYEE_TYPES)


def test_the_minimum_of_a_first_and_a_second_month():
    known = Known()
    march = build_sandbox_data(date(2026, 3, 15), DOMAINS)
    first = round_minimum(march, march.companies, 3, {3, 2}, known)
    # run list; run employees, journal, 2 pay slips; declaration list, February's XML;
    # details of 2 unknown employees; employee types; debtor list, company list.
    assert first == 1 + (2 + 2) + (1 + 1) + (TYPES + 2 + 2) + 1 + (1 + 1)

    april = build_sandbox_data(date(2026, 4, 15), DOMAINS)
    second = round_minimum(april, april.companies, 4, {4, 3}, known)
    # the same, with 3 pay slips, March's XML and the details of the one new hire only;
    # types and companies are known.
    assert second == 1 + (2 + 3) + (1 + 1) + (TYPES + 2 + 1)

