"""The two inferred inner XML shapes, each parsed by one small function from its own fixture."""

from datetime import date
from decimal import Decimal

import pytest
from nmbrs_helpers import fixture_text

from portal.nmbrs.errors import UnexpectedAnswer
from portal.nmbrs.journals import parse_journal_xml
from portal.nmbrs.wage_tax import parse_wage_tax_xml


def test_journal_xml_with_utf16_declaration():
    journal = parse_journal_xml(fixture_text("journal.xml"))
    assert journal.date == date(2024, 1, 31)
    assert [(line.account, line.debit, line.credit) for line in journal.lines] == [
        ("4000", Decimal("3500.00"), Decimal("0.00")),
        ("1700", Decimal("0.00"), Decimal("812.40")),
        ("2100", Decimal("0.00"), Decimal("2687.60")),
    ]
    assert journal.lines[2].description == "Nettoloon"
    assert journal.is_balanced


def test_unbalanced_journal_is_reported_as_such():
    text = fixture_text("journal.xml").replace("2687.60", "2687.59")
    assert not parse_journal_xml(text).is_balanced


@pytest.mark.parametrize("bad", [
    "<transactions/>",
    "<transactions><transaction><header><date>31-01-2024</date></header>"
    "</transaction></transactions>",
    "<transactions><transaction><lines><line><dim1>1</dim1><value>abc</value>"
    "<debitcredit>debit</debitcredit></line></lines></transaction></transactions>",
    "<transactions><transaction><lines><line><dim1>1</dim1><value>1.00</value>"
    "<debitcredit>both</debitcredit></line></lines></transaction></transactions>",
    "not xml at all",
])
def test_journal_xml_we_do_not_understand(bad):
    with pytest.raises(UnexpectedAnswer):
        parse_journal_xml(bad)


def test_wage_tax_xml():
    document = parse_wage_tax_xml(112233, fixture_text("wage_tax.xml"))
    assert (document.period_start, document.period_end) == (date(2024, 1, 1), date(2024, 1, 31))
    assert document.total == Decimal("4546")


def test_wage_tax_xml_without_known_fields_keeps_the_raw_xml():
    document = parse_wage_tax_xml(1, "<Other><Thing>1</Thing></Other>")
    assert document.xml == "<Other><Thing>1</Thing></Other>"
    assert document.total is None and document.period_start is None
