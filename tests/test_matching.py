"""Matching as people name things: domain ↔ debtor and administration ↔ company compare a
normalised name (issue 16); more than one candidate means nothing is guessed."""

from types import SimpleNamespace

import pytest

from portal.nmbrs.types import Company, Debtor
from portal.services import matching

SAME = [
    ("bakkerij-de-vries", "Bakkerij de Vries B.V."),
    ("Bakkerij De Vries B.V.", "BAKKERIJ DE VRIES BV"),
    ("installatiebedrijf_jansen", "Installatiebedrijf Jansen"),
    ("tandartspraktijk-smit", "Tandartspraktijk Smit"),
    ("hoveniers-mulder", "Hoveniers Mulder V.O.F."),
    ("Hoveniers Mulder vof", "Hoveniers Mulder V.O.F."),
    ("cafe-t-hoekje", "Café 't Hoekje"),
    ("Brasserie Zuidas", "brasserie  zuidas n.v."),
    ("Garage Özdemir", "Garage Ozdemir B.V."),
    ("Van Dijk & Partners", "van-dijk-partners"),
    ("De Wit Transport B.V. i.o.", "De Wit Transport"),
    ("Kinderopvang 't Kabouterhuis", "Kinderopvang T Kabouterhuis B.V."),
    ("Bouwbedrijf Hendriks B.V.", "Bouwbedrijf Hendriks N.V."),
    ("schildersbedrijf-van-der-berg", "Schildersbedrijf Van der Berg"),
    ("Boekhandel Élan", "boekhandel elan"),
    ("ICT-Services 2000", "ict services 2000 bv"),
]

DIFFERENT = [
    ("Bakkerij de Vries B.V.", "Bakkerij de Vries Holding B.V."),
    ("bakkerij-de-vries", "De Vries Vastgoed B.V."),
    ("Installatiebedrijf Jansen", "Jansen Installatie"),
    ("tandartspraktijk-smit", "Tandartspraktijk Smits"),
    ("Vries B.V.", "De Vries B.V."),
    ("Hoveniersbedrijf Mulder V.O.F.", "Hoveniers Mulder V.O.F."),
    ("ICT-Services 2000", "ICT Services 2001"),
    ("B.V.", "N.V."),  # nothing left to compare
    ("", ""),
]


@pytest.mark.parametrize("ours, theirs", SAME)
def test_names_people_write_differently_match(ours, theirs):
    assert matching.same_name(ours, theirs)
    assert matching.same_name(theirs, ours)


@pytest.mark.parametrize("ours, theirs", DIFFERENT)
def test_different_names_do_not_match(ours, theirs):
    assert not matching.same_name(ours, theirs)


def test_the_table_is_big_enough():
    assert len(SAME) + len(DIFFERENT) >= 15


@pytest.mark.parametrize("code, number, same", [
    ("1", 1, True), ("001", 1, True), (" 12 ", 12, True), ("1", 12, False), ("", 0, False),
])
def test_relation_code_is_compared_as_a_number(code, number, same):
    assert matching.same_number(code, number) is same


def administration(name: str, relation_code: str):
    return SimpleNamespace(name=name, relation_code=relation_code)


def test_a_domain_matches_its_debtor_as_people_name_it():
    debtors = [Debtor(1, "1", "Bakkerij de Vries B.V."), Debtor(2, "2", "De Vries Vastgoed")]
    assert matching.find_debtor(debtors, "bakkerij-de-vries").id == 1


def test_two_debtors_named_alike_are_not_guessed():
    debtors = [Debtor(1, "1", "Bakkerij de Vries B.V."), Debtor(2, "2", "Bakkerij De Vries")]
    assert matching.find_debtor(debtors, "bakkerij-de-vries") is None
    assert [d.id for d in matching.debtor_candidates(debtors, "bakkerij-de-vries")] == [1, 2]


def test_a_company_needs_name_and_number():
    companies = [Company(10, 1, "Bakkerij De Vries B.V."), Company(11, 2, "De Vries Vastgoed")]
    assert matching.find_company(companies, administration("bakkerij de vries bv", "001")).id == 10
    assert matching.find_company(companies, administration("Bakkerij De Vries", "2")) is None


def test_two_companies_with_the_same_name_and_number_are_not_guessed():
    companies = [Company(10, 1, "Smit B.V."), Company(11, 1, "Smit")]
    assert matching.find_company(companies, administration("smit", "1")) is None


def test_candidates_name_and_number_first_then_name_then_number():
    companies = [Company(20, 7, "Other"), Company(21, 1, "Unrelated"),
                 Company(22, 12, "Hoveniersbedrijf Mulder"),
                 Company(23, 1, "Hoveniersbedrijf Mulder V.O.F.")]
    candidates = matching.company_candidates(companies,
                                             administration("Hoveniersbedrijf Mulder V.O.F.", "1"))
    assert [c.id for c in candidates] == [23, 22, 21]
