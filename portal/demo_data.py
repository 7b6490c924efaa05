"""The demo portal, shared by `flask seed-demo` and the local Nmbrs sandbox.

Both sides read these constants. Names are written as people write them: the portal's domain
is "bakkerij-de-vries", its Nmbrs debtor "Bakkerij de Vries B.V." (they match after
normalising, `portal.services.matching`); administrations match companies by name and relation
code = company number, except Hoveniersbedrijf Mulder, whose Nmbrs company number differs from
its relation code (the company chooser shows it first). Employees have several Nmbrs employee
types and some joined or left during the year; those not `seeded` are unknown to the portal
until an import creates them. Change the data here and both sides stay in step.
"""

from dataclasses import dataclass, field

PORTAL_NAME = "Van Dijk & Partners Accountants"

# Credentials the sandbox accepts; printed when it starts and by `seed-demo`.
SANDBOX_USERNAME = "demo@vandijk-partners.nl"
SANDBOX_TOKEN = "demo-token-7f3a9c2e5b1d4f60a8e2"
SANDBOX_SUBDOMAIN = "vandijkpartners"

# The sandbox's EmployeeType_GetList (ids and descriptions are the sandbox's own).
EMPLOYEE_TYPES = ((1, "Werknemer"), (2, "Stagiair"), (3, "Oproepkracht"),
                  (4, "Directeur-grootaandeelhouder"))


@dataclass(frozen=True)
class DemoEmployee:
    number: int
    first_name: str
    last_name: str
    street: str
    house_number: str
    postal_code: str
    city: str
    iban: str
    bsn: str
    monthly_gross: str  # a Decimal string, e.g. "3250.00"
    employee_type: int = 1
    first_period: int = 1  # joined in this month of the current year
    last_period: int | None = None  # left after this month; None: still employed
    seeded: bool = True  # created by seed-demo; False: the first import creates it

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class DemoAdministration:
    name: str
    relation_code: str
    payroll: bool
    employees: tuple[DemoEmployee, ...] = field(default_factory=tuple)
    # Only one company runs a 13th period (a year-end bonus run), as Nmbrs allows.
    thirteenth_period: bool = False
    company_number: str | None = None  # the Nmbrs company number when not the relation code
    in_nmbrs: bool | None = None  # has an Nmbrs company; None: when it has a payroll contract

    @property
    def nmbrs_company_number(self) -> int:
        return int(self.company_number or self.relation_code)

    @property
    def has_nmbrs_company(self) -> bool:
        return self.payroll if self.in_nmbrs is None else self.in_nmbrs


@dataclass(frozen=True)
class DemoDomain:
    name: str  # the portal's domain name
    administrations: tuple[DemoAdministration, ...]
    debtor_name: str | None = None  # the Nmbrs debtor's name as people write it; None: `name`

    @property
    def nmbrs_debtor_name(self) -> str:
        return self.debtor_name or self.name


def _employee(number, first, last, street, house, postal, city, iban, bsn, gross, **more):
    return DemoEmployee(number, first, last, street, house, postal, city, iban, bsn, gross,
                        **more)


DOMAINS: tuple[DemoDomain, ...] = (
    DemoDomain(
        name="bakkerij-de-vries",
        debtor_name="Bakkerij de Vries B.V.",
        administrations=(
            DemoAdministration(
                name="Bakkerij De Vries B.V.",
                relation_code="1",
                payroll=True,
                thirteenth_period=True,
                employees=(
                    _employee(1, "Jan", "de Vries", "Dorpsstraat", "12", "3512 AB", "Utrecht",
                              "NL91ABNA0417164300", "111222333", "3850.00"),
                    _employee(2, "Fatima", "El Amrani", "Kerkweg", "4a", "3513 CD", "Utrecht",
                              "NL20INGB0001234567", "123456782", "2975.50"),
                    _employee(3, "Pieter", "Bakker", "Molenlaan", "88", "3521 EF", "Utrecht",
                              "NL02RABO0123456789", "192837465", "2410.25"),
                ),
            ),
            DemoAdministration(
                name="De Vries Vastgoed B.V.",
                relation_code="2",
                payroll=False,
            ),
        ),
    ),
    DemoDomain(
        name="installatiebedrijf-jansen",
        debtor_name="Installatiebedrijf Jansen B.V.",
        administrations=(
            DemoAdministration(
                name="Installatiebedrijf Jansen B.V.",
                relation_code="1",
                payroll=True,
                employees=(
                    _employee(10, "Kees", "Jansen", "Industrieweg", "3", "5611 AA", "Eindhoven",
                              "NL39RABO0300065264", "231456789", "4200.00"),
                    _employee(11, "Sanne", "Visser", "Stationsplein", "21", "5611 AB", "Eindhoven",
                              "NL69INGB0123456789", "245678913", "3125.75"),
                ),
            ),
        ),
    ),
    DemoDomain(
        name="tandartspraktijk-smit",
        debtor_name="Tandartspraktijk Smit",
        administrations=(
            DemoAdministration(
                name="Tandartspraktijk Smit",
                relation_code="1",
                payroll=True,
                employees=(
                    _employee(100, "Anouk", "Smit", "Tuinstraat", "7", "2011 GH", "Haarlem",
                              "NL44RABO0123456789", "271828182", "5100.00"),
                    _employee(101, "Mohammed", "Yilmaz", "Zijlweg", "150", "2015 CK", "Haarlem",
                              "NL86INGB0002445588", "314159265", "2650.00"),
                    # Left at the end of April.
                    _employee(102, "Daan", "Meijer", "Kruisweg", "9", "2011 LA", "Haarlem",
                              "NL10RABO0304050607", "123456794", "2300.00", first_period=2,
                              last_period=4),
                    # Joined during the year, of other employee types: unknown to the portal.
                    _employee(103, "Eva", "Kok", "Gedempte Oude Gracht", "33b", "2011 GM",
                              "Haarlem", "NL55ABNA0501234567", "204060801", "1250.00",
                              employee_type=3, first_period=3, seeded=False),
                    _employee(104, "Sem", "de Boer", "Schoterweg", "61", "2021 HH", "Haarlem",
                              "NL77INGB0007654321", "176543211", "650.00", employee_type=2,
                              first_period=4, seeded=False),
                ),
            ),
        ),
    ),
    DemoDomain(
        name="hoveniers-mulder",
        debtor_name="Hoveniers Mulder V.O.F.",
        administrations=(
            # No payroll contract in the portal yet, but a company in Nmbrs, numbered 12.
            DemoAdministration(
                name="Hoveniersbedrijf Mulder V.O.F.", relation_code="1", payroll=False,
                in_nmbrs=True, company_number="12",
                employees=(
                    _employee(1, "Henk", "Mulder", "Tuinderslaan", "2", "1431 AA", "Aalsmeer",
                              "NL18RABO0123459876", "158329478", "3400.00", seeded=False),
                ),
            ),
        ),
    ),
)
