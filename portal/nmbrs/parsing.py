"""Small readers for result elements whose namespaces were stripped by the transport."""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from portal.nmbrs.errors import UnexpectedAnswer

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def items(result: Element | None, name: str) -> Iterator[Element]:
    """The repeated child elements `name` of a result; nothing when the result is empty."""
    if result is None:
        return iter(())
    return iter(result.findall(name))


def text(element: Element, name: str, default: str = "") -> str:
    """The stripped text of a child, or `default` when it is missing, empty or nil."""
    child = element.find(name)
    if child is None or child.get(XSI_NIL) == "true" or child.text is None:
        return default
    return child.text.strip()


def integer(element: Element, name: str) -> int:
    """A required integer child."""
    value = text(element, name)
    try:
        return int(value)
    except ValueError:
        raise _bad(name, value) from None


def optional_integer(element: Element, name: str) -> int | None:
    """An integer child that may be missing."""
    return integer(element, name) if text(element, name) else None


def decimal(element: Element, name: str) -> Decimal:
    """A required money or amount child as Decimal (decimal point; a comma is tolerated)."""
    return to_decimal(text(element, name), name)


def optional_decimal(element: Element, name: str) -> Decimal | None:
    """A money child that may be missing or nil."""
    return decimal(element, name) if text(element, name) else None


def to_decimal(value: str, name: str = "amount") -> Decimal:
    """Parse a decimal string; never goes through float."""
    try:
        number = Decimal(value.replace(",", ".") if "." not in value else value)
    except InvalidOperation:
        raise _bad(name, value) from None
    if not number.is_finite():
        raise _bad(name, value)
    return number


def boolean(element: Element, name: str) -> bool:
    """An xs:boolean child; missing counts as false."""
    return text(element, name).lower() in ("true", "1")


def date_time(element: Element, name: str) -> datetime | None:
    """An xs:dateTime child without offset, or None."""
    value = text(element, name)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _bad(name, value) from None


def date_only(element: Element, name: str) -> date | None:
    """The date part of an xs:dateTime child, or None."""
    moment = date_time(element, name)
    return moment.date() if moment else None


def _bad(name: str, value: str) -> UnexpectedAnswer:
    return UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (bad {name}: {value[:40]!r})")
