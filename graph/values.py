"""Typed values of the data format: dates with a precision, money, multilingual text.

Example
-------
>>> d = FlexDate.parse("2024-12")
>>> d.precision, d.earliest.isoformat(), d.latest.isoformat()
('month', '2024-12-01', '2024-12-31')
>>> FlexDate.parse("2025-06-16").precision
'day'
>>> Money.parse({"amount": 200000000, "currency": "USD"}).short()
'$200M'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from graph.errors import shown

__all__ = ["FlexDate", "Money", "ValueProblem"]


class ValueProblem(ValueError):
    """A value that does not parse; the loader adds the file and line."""


_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # ASCII digits: "٢٠٢٤" is no xsd:gYear


@dataclass(frozen=True, order=True)
class FlexDate:
    """A date known to the day, the month or the year."""

    text: str

    @classmethod
    def parse(cls, value) -> FlexDate:
        if isinstance(value, dt.datetime):
            raise ValueProblem(f"expected a date without a time, got {value.isoformat()}")
        if isinstance(value, dt.date):
            return cls(value.isoformat())
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueProblem(f"expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got {shown(value)}")
        m = _DATE.fullmatch(value.strip())
        if not m:
            raise ValueProblem(f"expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got {shown(value)}")
        year, month, day = m.groups()
        try:  # year 0000 does not exist either (the calendar starts at year 1)
            dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            raise ValueProblem(f"no such date: {shown(value)}") from None
        return cls(value.strip())

    @property
    def precision(self) -> str:
        return {4: "year", 7: "month", 10: "day"}[len(self.text)]

    @property
    def earliest(self) -> dt.date:
        """The first day this value can denote."""
        parts = [int(p) for p in self.text.split("-")]
        return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)

    @property
    def latest(self) -> dt.date:
        """The last day this value can denote."""
        parts = [int(p) for p in self.text.split("-")]
        if len(parts) == 3:
            return dt.date(*parts)
        month = parts[1] if len(parts) > 1 else 12
        return dt.date(parts[0], month, calendar.monthrange(parts[0], month)[1])

    def __str__(self) -> str:
        return self.text


#: the significant digits an amount may have (Python's decimal arithmetic keeps 28)
MAX_DIGITS = 28


@dataclass(frozen=True)
class Money:
    """A non-negative amount in an ISO 4217 currency, of at most :data:`MAX_DIGITS`
    significant digits."""

    amount: Decimal
    currency: str

    @classmethod
    def parse(cls, value) -> Money:
        if not isinstance(value, dict) or set(value) - {"amount", "currency"} or "amount" not in value:
            raise ValueProblem("expected {amount: NUMBER, currency: CODE}")
        raw = value["amount"]
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ValueProblem(f"amount must be a number, got {shown(raw)}")
        try:
            amount = Decimal(str(raw).replace("_", ""))
        except InvalidOperation:
            raise ValueProblem(f"amount must be a number, got {shown(raw)}") from None
        if not amount.is_finite():
            raise ValueProblem(f"amount must be a finite number, got {shown(raw)}")
        if amount < 0:
            raise ValueProblem(f"negative amount {shown(raw, quote=False)}")
        if len(amount.as_tuple().digits) > MAX_DIGITS or amount.adjusted() >= MAX_DIGITS:
            raise ValueProblem(f"amount {shown(raw, quote=False)} has more than {MAX_DIGITS} significant digits")
        currency = value.get("currency", "USD")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValueProblem(f"currency must be an ISO 4217 code such as USD, got {shown(currency)}")
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))
        return cls(amount, currency)

    def short(self) -> str:
        """A compact label: ``$200M``, ``€1.5B``, ``$1,999,998``."""
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(self.currency, self.currency + " ")
        a = self.amount
        for size, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M")):
            if a >= size and (a % (size / 10) == 0):
                return f"{symbol}{(a / size).normalize():f}{suffix}"
        return f"{symbol}{a:,}"

    def __str__(self) -> str:
        return f"{self.amount:,} {self.currency}"
