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


# ---------------------------------------------------------------- as of a day, in the store

#: the variables the rewrite adds (a prefix no query of ours uses)
_V = "_kgAsOf"

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w%-]|\.(?=[\w%-]))*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<open>\{) | (?P<close>\}) | (?P<space>\s+) | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def fact_check(term: str, day: dt.date, dropped: list[str] | tuple = ()) -> str:
    """A SPARQL condition true unless ``term`` (a variable or an IRI) is a fact that does not
    hold on ``day``, or a resource of such a fact (its citations, its amounts: IRIs under
    the fact's own IRI), as :func:`filter_dataset` drops them. The facts with a
    ``dai:duration`` are decided by the caller (``dropped``: those that do not hold).

    Facts are the typed resources under ``…/fact/`` (every importer and the curated
    compiler mint them there), and a fact links to each resource of its own (``dai:citation``,
    its amounts); the dates are read from every graph, as :func:`graph.views.read_facts` does.

    >>> "2025-01-31" in fact_check("?f", dt.date(2025, 1, 31))
    True
    """
    from graph.iris import FACT_BASE

    fb = f'"{FACT_BASE}"'
    own = f"NOT EXISTS {{ {_not_holding(term, day, dropped)} }}"
    # IF, not ||: the store evaluates only the branch it takes
    unbound = f"!BOUND({term}) || " if term.startswith("?") else ""  # BOUND takes a variable only
    return (f"IF({unbound}!isIRI({term}) || !STRSTARTS(STR({term}), {fb}), true, "
            f'IF(CONTAINS(STRAFTER(STR({term}), {fb}), "/"), {own} && NOT EXISTS {{ '
            f"?{_V}F ?{_V}P {term} "
            f'FILTER (STRSTARTS(STR({term}), CONCAT(STR(?{_V}F), "/"))) '
            f'FILTER EXISTS {{ {_not_holding(f"?{_V}F", day, dropped)} }} }}, '
            f"{own}))")


def _not_holding(t: str, day: dt.date, dropped) -> str:
    """The graph pattern that matches when ``t`` is a fact not holding on ``day``."""
    from graph.iris import ONTOLOGY_GRAPH_IRI
    from graph.views import _ENTITY_CLASSES

    d, v = day.isoformat(), _V
    entity = ", ".join(f"<{c}>" for c in sorted(map(str, _ENTITY_CLASSES)))
    gone = f"({t} IN ({', '.join(dropped)}))" if dropped else "false"
    start, end = f"{DAI.startDate.n3()}|{DAI.date.n3()}", DAI.endDate.n3()
    return (f"GRAPH ?{v}G {{ {t} a ?{v}T }} "
            f'FILTER (?{v}G != <{ONTOLOGY_GRAPH_IRI}> && STRSTARTS(STR(?{v}T), "{DAI}") '
            f"&& ?{v}T NOT IN ({DAI.Source.n3()}, {DAI.Citation.n3()}, {DAI.MonetaryAmount.n3()}, {entity})) "
            f"FILTER NOT EXISTS {{ GRAPH ?{v}G2 {{ {t} a ?{v}E }} FILTER (?{v}E IN ({entity})) }} "
            f"FILTER (IF(EXISTS {{ GRAPH ?{v}G3 {{ {t} {DAI.duration.n3()} ?{v}D }} }}, {gone}, !("
            f"(NOT EXISTS {{ GRAPH ?{v}G4 {{ {t} {start} ?{v}S0 }} }} || "
            f'EXISTS {{ GRAPH ?{v}G5 {{ {t} {start} ?{v}S1 }} FILTER (STR(?{v}S1) <= "{d}") }}) && '
            f"(NOT EXISTS {{ GRAPH ?{v}G6 {{ {t} {end} ?{v}E0 }} }} || "
            f"EXISTS {{ GRAPH ?{v}G7 {{ {t} {end} ?{v}E1 }} "
            f'FILTER (SUBSTR("{d}", 1, STRLEN(STR(?{v}E1))) <= STR(?{v}E1)) }}))))')


def as_of_query(text: str, day: dt.date, dropped: list[str] | tuple = ()) -> str:
    """``text`` (a SPARQL query) rewritten to see the graph as of ``day``: a ``FILTER``
    (:func:`fact_check`) on every variable and fact IRI the query names, so a solution that
    uses a fact not holding on ``day`` (or one of its citations or amounts) is not found, as
    if :func:`filter_dataset` had removed their triples. The store evaluates it: nothing is
    copied, at any size.

    The filter goes where a solution is made: the ``WHERE`` group of the query and of each
    sub-select (before it aggregates), each ``OPTIONAL``, ``MINUS``, ``EXISTS`` and ``NOT
    EXISTS`` group; the terms of a plain, ``GRAPH`` or ``UNION`` group are checked in the
    one around it (the same solutions, and the store can still join in its own order), those
    a sub-select projects are not checked again. The
    nodes a property path passes through are not checked: only its two ends.

    >>> q = as_of_query("SELECT ?f WHERE { ?f a dai:Contract }", dt.date(2025, 1, 31))
    >>> q.startswith("SELECT ?f WHERE { ?f a dai:Contract  FILTER (") and q.endswith(") }")
    True
    """
    from graph.iris import FACT_BASE, PREFIXES

    prefixes = dict(PREFIXES)
    for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w.-]*):\s*<([^>]*)>", text):
        prefixes[m.group(1)] = m.group(2)
    out: list[str] = []
    #: one entry per open brace: [kind, terms]; kind "where" (a filter goes there), "group"
    #: (its terms go to the "where" around it), "data" (VALUES) or "template" (CONSTRUCT)
    stack: list[list] = []
    state, last = "", ""  # state: "values" in a VALUES header, "construct" before a template
    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        if kind == "open":
            if state == "values":
                stack.append(["data", [], "", ""])
            elif state == "construct":
                stack.append(["template", [], "", ""])
            elif not stack or last in ("WHERE", "OPTIONAL", "MINUS", "EXISTS"):
                stack.append(["where", [], last, None])
                if last in ("OPTIONAL", "MINUS"):  # a group of its own, filtered before it is joined
                    tok += " {"
            else:
                stack.append(["group", [], last, None])
            state = ""
        elif kind == "close" and stack:
            what, terms, keyword, _first = stack.pop()
            if keyword in ("OPTIONAL", "MINUS", "EXISTS"):  # what the solution around binds is checked there
                around = {t for frame in stack if frame[0] == "where" for t in frame[1]}
                terms = [t for t in terms if t not in around]
            if what == "where" and terms:
                out.append(" FILTER (" + " && ".join(fact_check(t, day, dropped) for t in terms) + ") ")
            if what == "where" and keyword in ("OPTIONAL", "MINUS"):
                out.append("} ")
        elif kind not in ("space", "comment"):
            word = tok.upper() if kind == "word" else ""
            if stack and stack[-1][3] is None:
                stack[-1][3] = word or kind
            if word == "VALUES":
                state = "values"
            elif word == "CONSTRUCT":
                state = "construct"
            elif word == "WHERE":
                state = ""
            where = None
            for frame in reversed(stack):
                if frame[0] in ("data", "template") or frame[3] == "SELECT":
                    break  # a sub-select's projection: checked in its WHERE
                if frame[0] == "where":
                    where = frame
                    break
            if where is not None:
                term = None
                if kind == "var":
                    term = "?" + tok[1:]
                elif kind == "iri" and tok[1:-1].startswith(FACT_BASE):
                    term = tok
                elif kind == "pname":
                    pfx, _, local = tok.partition(":")
                    ns = prefixes.get(pfx)
                    if ns is not None and (ns + local).startswith(FACT_BASE):
                        term = f"<{ns}{local}>"
                if term is not None and term not in where[1] and not term.startswith("?" + _V):
                    where[1].append(term)
        if kind not in ("space", "comment"):
            last = tok.upper() if kind in ("word", "open", "close") else kind
        out.append(tok)
    return "".join(out)
