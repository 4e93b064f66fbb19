"""When facts hold: validity intervals and ``as of DATE`` filtering.

A fact's interval starts at the earliest ``dai:startDate`` or ``dai:date`` any source gives
and ends at the latest ``dai:endDate`` (or start + ``dai:duration``) any source gives. Dates
at month or year precision cover their whole month or year. A fact with no start holds
from the beginning; one with no end holds from its start on (an event that happened, a
partnership still in force). ``as of D`` keeps the facts whose interval contains D.

Example
-------
>>> import datetime as dt
>>> from graph import build
>>> kg = build("data")
>>> jan = kg.as_of(dt.date(2025, 1, 31))
>>> "fact/openai-dod-2025-prototype-agreement" in jan.full   # awarded in June 2025
False
>>> "fact/openai-anduril-partnership" in jan.full            # December 2024
True
"""

from __future__ import annotations

import datetime as dt
import re

from rdflib import Dataset, URIRef

from graph.values import FlexDate
from ontology.vocab import DAI

__all__ = ["interval", "parse_day", "filter_dataset", "duration_end"]

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", re.ASCII)


def parse_day(text: str) -> dt.date:
    """``2025-06-30`` -> a date (``--as-of`` takes a full date)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def duration_end(start: dt.date, duration: str) -> dt.date | None:
    """The last day of ``duration`` (years, months, weeks, days) from ``start``, or None if
    it has none of them; raises OverflowError past the year 9999.

    >>> duration_end(dt.date(2025, 6, 16), "P1Y")
    datetime.date(2026, 6, 15)
    >>> duration_end(dt.date(9999, 12, 1), "P1Y")
    Traceback (most recent call last):
    ...
    OverflowError: P1Y from 9999-12-01 ends after the year 9999
    """
    m = _DURATION.match(duration)
    if not m or not any(m.groups()):
        return None
    years, months, weeks, days = (int(g) if g else 0 for g in m.groups())
    month_index = start.month - 1 + months + 12 * years
    year, month = start.year + month_index // 12, month_index % 12 + 1
    too_late = OverflowError(f"{duration} from {start.isoformat()} ends after the year 9999")
    if year > dt.MAXYEAR or weeks * 7 + days > (dt.date.max - dt.date.min).days:
        raise too_late
    day = min(start.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                          31, 31, 30, 31, 30, 31][month - 1])
    try:
        return dt.date(year, month, day) + dt.timedelta(weeks=weeks, days=days) - dt.timedelta(days=1)
    except OverflowError:
        raise too_late from None


def _add_duration(start: dt.date, duration: str) -> dt.date | None:
    """:func:`duration_end`, the last day there is past the year 9999 (imported data)."""
    try:
        return duration_end(start, duration)
    except OverflowError:
        return dt.date.max


def interval(values: dict) -> tuple[dt.date | None, dt.date | None]:
    """The (start, end) of a fact from its property values (``{property: iterable of terms}``)."""
    starts = [FlexDate.parse(str(t)).earliest for p in ("startDate", "date") for t in values.get(p, ())]
    start = min(starts) if starts else None
    ends = [FlexDate.parse(str(t)).latest for t in values.get("endDate", ())]
    if start is not None:
        for d in values.get("duration", ()):
            end = _add_duration(start, str(d))
            if end is not None:
                ends.append(end)
    end = max(ends) if ends else None
    return start, end


def holds_at(values: dict, day: dt.date) -> bool:
    start, end = interval(values)
    return (start is None or start <= day) and (end is None or day <= end)


def filter_dataset(ds: Dataset, day: dt.date) -> tuple[Dataset, set[URIRef]]:
    """A copy of ``ds`` without the facts that do not hold on ``day`` (and their citations,
    amounts and the statements about them). Returns the copy and the removed fact IRIs."""
    from graph.views import read_facts  # views imports nothing from here

    reader = read_facts(ds)
    dropped = {iri for iri, rec in reader.facts.items() if not holds_at(rec.values, day)}
    prefixes = tuple(str(iri) + "/" for iri in dropped)
    out = Dataset()
    for prefix, ns in ds.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    for s, p, o, g in ds.quads((None, None, None, None)):
        if s in dropped or o in dropped or (isinstance(s, URIRef) and str(s).startswith(prefixes)):
            continue
        if p == DAI.supports and o in dropped:
            continue
        out.graph(g.identifier if hasattr(g, "identifier") else g).add((s, p, o))
    return out, dropped
