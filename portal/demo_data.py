"""The demo portal, shared by `flask seed-demo` and the local Nmbrs sandbox.

Both sides read these constants so that the demo domains match the sandbox's debtors, the
administrations its companies (name and relation code = company number) and the employees by
employee number. Change the data here and both stay in step.
"""

from dataclasses import dataclass, field

PORTAL_NAME = "Van Dijk & Partners Accountants"

# Credentials the sandbox accepts; printed when it starts and by `seed-demo`.
SANDBOX_USERNAME = "demo@vandijk-partners.nl"
SANDBOX_TOKEN = "demo-token-7f3a9c2e5b1d4f60a8e2"
SANDBOX_SUBDOMAIN = "vandijkpartners"


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


@dataclass(frozen=True)
class DemoDomain:
    name: str  # equals the Nmbrs debtor name
    administrations: tuple[DemoAdministration, ...]


def _employee(number, first, last, street, house, postal, city, iban, bsn, gross):
    return DemoEmployee(number, first, last, street, house, postal, city, iban, bsn, gross)


DOMAINS: tuple[DemoDomain, ...] = (
    DemoDomain(
        name="bakkerij-de-vries",
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
                ),
            ),
        ),
    ),
    DemoDomain(
        name="hoveniers-mulder",
        administrations=(
            DemoAdministration(name="Hoveniersbedrijf Mulder V.O.F.", relation_code="1",
                               payroll=False),
        ),
    ),
)
