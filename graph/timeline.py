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

from graph.sparql_tokens import TOKEN as _TOKEN
from graph.values import FlexDate
from ontology.vocab import DAI

__all__ = ["interval", "parse_day", "filter_dataset", "duration_end", "validity", "Lookup", "as_of_query"]

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
#: the groups a store evaluates once for each solution around them
_PER_SOLUTION = ("OPTIONAL", "MINUS", "EXISTS")


#: the graph of a store checkpoint's validity triples (:func:`validity`)
VALIDITY_GRAPH = "urn:kg:as-of:validity"
#: their predicates (the first day a term holds, the last), and the datatype of their days
FROM, UNTIL, DAY = "urn:kg:as-of:from", "urn:kg:as-of:until", "urn:kg:as-of:day"


def _fact_dates_query() -> str:
    """The dates of every fact: the typed resources under ``…/fact/`` (every importer and the
    curated compiler mint them there) with a ``dai:`` type that is not a source, citation,
    amount or entity, and not typed as an entity; the dates read from every graph."""
    from graph.iris import FACT_BASE, ONTOLOGY_GRAPH_IRI
    from graph.views import _ENTITY_CLASSES

    entity = ", ".join(f"<{c}>" for c in sorted(map(str, _ENTITY_CLASSES)))
    return (f"SELECT ?f ?p ?v WHERE {{ VALUES ?p {{ dai:startDate dai:date dai:endDate dai:duration }} "
            f'GRAPH ?gd {{ ?f ?p ?v }} FILTER (isIRI(?f) && STRSTARTS(STR(?f), "{FACT_BASE}")) '
            f"FILTER EXISTS {{ GRAPH ?g {{ ?f a ?t }} FILTER (?g != <{ONTOLOGY_GRAPH_IRI}> "
            f'&& STRSTARTS(STR(?t), "{DAI}") && ?t NOT IN ({DAI.Source.n3()}, {DAI.Citation.n3()}, '
            f"{DAI.MonetaryAmount.n3()}, {entity})) }} "
            f"FILTER NOT EXISTS {{ GRAPH ?g2 {{ ?f a ?e }} FILTER (?e IN ({entity})) }} }}")


def _own_query() -> str:
    """Each dated fact's own resources: the IRIs under the fact's IRI that it links to (its
    citations, its amounts)."""
    from graph.iris import FACT_BASE

    return (f"SELECT DISTINCT ?f ?r WHERE {{ {{ SELECT DISTINCT ?f WHERE {{ "
            f"VALUES ?p {{ dai:startDate dai:date dai:endDate dai:duration }} GRAPH ?gd {{ ?f ?p ?v }} "
            f'FILTER (isIRI(?f) && STRSTARTS(STR(?f), "{FACT_BASE}")) }} }} '
            f'?f ?q ?r FILTER (isIRI(?r) && STRSTARTS(STR(?r), CONCAT(STR(?f), "/"))) }}')


def validity(store) -> dict[str, tuple[str, str]]:
    """``{IRI: (first day, last day)}`` (ISO dates) of every fact that does not hold on
    every day (its :func:`interval`, an open end being ``0001-01-01`` or ``9999-12-31``) and
    of each resource of its own (its citations, its amounts: IRIs under the fact's IRI it
    links to), which hold while the fact holds. Two queries to ``store``, any store.

    >>> from graph.store import open_store
    >>> with open_store(data_dir="data") as store:
    ...     spans = validity(store)
    >>> spans["https://w3id.org/defense-ai-graph/fact/openai-dod-2025-prototype-agreement"][0]
    '2025-06-16'
    """
    values: dict = {}
    for r in store.select_plain(_fact_dates_query(), timeout=3600):
        values.setdefault(r["f"], {}).setdefault(r["p"].rsplit("#", 1)[-1], set()).add(r["v"])
    whole = (dt.date.min.isoformat(), dt.date.max.isoformat())
    spans: dict[str, tuple[str, str]] = {}
    for f, vals in values.items():
        start, end = interval(vals)
        span = ((start or dt.date.min).isoformat(), (end or dt.date.max).isoformat())
        if span != whole:
            spans[f] = span
    own: dict[str, tuple[str, str]] = {}
    for r in store.select_plain(_own_query(), timeout=3600):
        if r["f"] in spans:
            a, b = own.get(r["r"], spans.get(r["r"], whole))
            fa, fb = spans[r["f"]]
            own[r["r"]] = (max(a, fa), min(b, fb))  # the resource holds while each fact of its own holds
    spans.update(own)
    return spans


class Lookup:
    """Where :func:`as_of_query` finds the terms that do not hold on ``day``.

    In a store's checkpoint (``days``: the distinct first and last days its
    :data:`VALIDITY_GRAPH` holds, ``{"from": [...], "until": [...]}``): a term not holding
    is one whose last day is one of those before ``day``, or whose first day one of those
    after it, found by index look-ups (no string is compared). Elsewhere (a SPARQL
    endpoint, where nothing is kept), the ``dropped`` IRIs (N-Triples) written in the query.

    >>> Lookup(dt.date(2025, 1, 31), dropped=["<https://e.org/f>"]).minus("?f")
    ' MINUS { VALUES ?f { <https://e.org/f> } } '
    >>> m = Lookup(dt.date(2025, 1, 31), days={"from": ["2025-06-16"], "until": []}).minus("?f")
    >>> m.count("MINUS"), '{ ?f <urn:kg:as-of:from> ?_kgAsOfD }' in m   # its own triples; those after the day
    (2, True)
    """

    def __init__(self, day: dt.date, dropped: list[str] | None = None, days: dict | None = None):
        if (dropped is None) == (days is None):
            raise ValueError("a Lookup reads either the dropped IRIs or the days of a validity graph")
        self.day, self.dropped = day.isoformat(), dropped
        self._set = set(dropped or ())
        d = self.day
        self._patterns = [] if days is None else [
            (pred, " ".join(f'"{x}"^^<{DAY}>' for x in days[side] if (x > d if side == "from" else x < d)))
            for side, pred in (("from", FROM), ("until", UNTIL))]
        self._patterns = [(p, v) for p, v in self._patterns if v]

    def minus(self, var: str) -> str:
        """What removes the solutions where ``var`` is a term not holding: a hash anti-join,
        the right side evaluated once for the group."""
        if self.dropped is not None:
            return f" MINUS {{ VALUES {var} {{ {' '.join(self.dropped)} }} }} " if self.dropped else ""
        own = f" MINUS {{ VALUES {var} {{ <{VALIDITY_GRAPH}> <{FROM}> <{UNTIL}> }} }} "  # the graph's own triples
        return own + "".join(f" MINUS {{ VALUES ?{_V}D {{ {values} }} GRAPH <{VALIDITY_GRAPH}> {{ {var} <{pred}> ?{_V}D }} }} "
                             for pred, values in self._patterns)

    def condition(self, term: str) -> str:
        """A condition true unless ``term`` (a variable, or an IRI) is a term not holding:
        for a group evaluated once a solution around it (``OPTIONAL``, ``EXISTS``)."""
        if self.dropped is not None:
            if not term.startswith("?"):
                return "false" if term in self._set else "true"
            return f"(!BOUND({term}) || {term} NOT IN ({', '.join(self.dropped)}))" if self.dropped else "true"
        if not self._patterns:
            return "true"
        from graph.iris import FACT_BASE

        bound = f"!BOUND({term}) || " if term.startswith("?") else ""
        d = self.day  # one look-up a predicate for this solution's term, one comparison
        gone = " || ".join(f'EXISTS {{ GRAPH <{VALIDITY_GRAPH}> {{ {term} <{pred}> ?{_V}D }} '
                           f'FILTER (STR(?{_V}D) {">" if pred == FROM else "<"} "{d}") }}'
                           for pred, _values in self._patterns)
        return f'IF({bound}!isIRI({term}) || !STRSTARTS(STR({term}), "{FACT_BASE}"), true, !({gone}))'

    def hidden(self, var: str) -> str | None:
        """A condition keeping the checkpoint's own graph out of the solutions of a group
        evaluated for each solution around it (None where there is none; in a group
        evaluated once, :meth:`minus` removes them)."""
        if self.dropped is not None:
            return None
        return (f"(!BOUND({var}) || ({var} NOT IN (<{VALIDITY_GRAPH}>, <{FROM}>, <{UNTIL}>) "
                f"&& (!isLiteral({var}) || DATATYPE({var}) != <{DAY}>)))")


def fact_check(term: str, day: dt.date, dropped: list[str] | tuple = ()) -> str:
    """A SPARQL condition true unless ``term`` (a variable or an IRI) is one of ``dropped``
    (the facts not holding on ``day`` and their citations and amounts, N-Triples IRIs):
    :meth:`Lookup.condition` with the terms written in the query.

    >>> fact_check("<https://e.org/f>", dt.date(2025, 1, 31), ["<https://e.org/f>"])
    'false'
    """
    return Lookup(day, dropped=list(dropped)).condition(term)


def as_of_query(text: str, lookup: Lookup) -> str:
    """``text`` (a SPARQL query) rewritten to see the graph as of ``lookup.day``: every
    variable and fact IRI the query names is checked, so a solution that uses a fact not
    holding on that day (or one of its citations or amounts) is not found, as if
    :func:`filter_dataset` had removed their triples. The store evaluates it: nothing is
    copied, at any size.

    The check goes where a solution is made: the ``WHERE`` group of the query and of each
    sub-select (before it aggregates), each ``OPTIONAL``, ``MINUS``, ``EXISTS`` and ``NOT
    EXISTS`` group; the terms of a plain, ``GRAPH`` or ``UNION`` group are checked in the
    one around it (the same solutions, and the store can still join in its own order), those
    a sub-select projects are not checked again. In a group evaluated once, a variable is
    checked by a ``MINUS`` (:meth:`Lookup.minus`: a hash anti-join); in one evaluated for
    each solution around it (inside an ``OPTIONAL``, ``MINUS`` or ``EXISTS``), and an IRI,
    by a ``FILTER`` (:meth:`Lookup.condition`). The nodes a property path passes through are
    not checked: only its two ends.

    >>> q = as_of_query("SELECT ?f WHERE { ?f a dai:Contract }",
    ...                 Lookup(dt.date(2025, 1, 31), dropped=["<https://e.org/f>"]))
    >>> q
    'SELECT ?f WHERE { ?f a dai:Contract  MINUS { VALUES ?f { <https://e.org/f> } } }'
    """
    from graph.iris import FACT_BASE, PREFIXES

    prefixes = dict(PREFIXES)
    for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w.-]*):\s*<([^>]*)>", text):
        prefixes[m.group(1)] = m.group(2)
    out: list[str] = []
    #: one entry per open brace: [kind, terms, keyword, first word, variables seen outside
    #: parentheses (in a triple pattern), variables an OPTIONAL inside it checked, the depth
    #: of parentheses]; kind "where" (a filter goes there), "group" (its terms go to the
    #: "where" around it), "data" (VALUES) or "template" (CONSTRUCT)
    stack: list[list] = []
    state, last = "", ""  # state: "values" in a VALUES header, "construct" before a template
    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        if kind == "open":
            if state == "values":
                stack.append(["data", [], "", "", set(), set(), 0])
            elif state == "construct":
                stack.append(["template", [], "", "", set(), set(), 0])
            elif not stack or last in ("WHERE", "OPTIONAL", "MINUS", "EXISTS"):
                stack.append(["where", [], last, None, set(), set(), 0])
                if last in ("OPTIONAL", "MINUS"):  # a group of its own, filtered before it is joined
                    tok += " {"
            else:
                stack.append(["group", [], last, None, set(), set(), 0])
            state = ""
        elif kind == "close" and stack:
            what, terms, keyword, _first, patterned, optional_checked, _depth = stack.pop()
            if keyword in ("OPTIONAL", "MINUS", "EXISTS"):  # what the solution around binds is checked there
                around = {t for frame in stack if frame[0] == "where" for t in frame[1]}
                terms = [t for t in terms if t not in around]
            if what == "where" and keyword == "OPTIONAL":
                outer = next((frame for frame in reversed(stack) if frame[0] == "where"), None)
                if outer is not None:
                    outer[5].update(t for t in terms if t.startswith("?"))
            if what == "where" and terms:
                once = keyword not in _PER_SOLUTION and not any(
                    frame[0] == "where" and frame[2] in _PER_SOLUTION for frame in stack)
                # a variable this group binds only in an OPTIONAL (checked there) and uses only
                # in expressions needs no MINUS: it may be unbound, where a MINUS is no
                # anti-join but a comparison of every pair (minutes at 100,000 awards)
                variables = [t for t in terms if t.startswith("?")
                             and not (t in optional_checked and t not in patterned)] if once else []
                out.extend(lookup.minus(v) for v in variables)
                unchecked = [t for t in terms if t not in variables and not (once and t.startswith("?"))]
                checks = [lookup.condition(t) for t in unchecked]
                checks += [c for c in map(lookup.hidden, (t for t in unchecked if t.startswith("?"))) if c]
                if checks:
                    out.append(" FILTER (" + " && ".join(checks) + ") ")
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
            if stack and kind == "other" and tok in "()":
                stack[-1][6] += 1 if tok == "(" else -1
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
                if term is not None and not term.startswith("?" + _V):
                    if term not in where[1]:
                        where[1].append(term)
                    if kind == "var" and stack[-1][6] <= 0:
                        where[4].add(term)
        if kind not in ("space", "comment"):
            last = tok.upper() if kind in ("word", "open", "close") else kind
        out.append(tok)
    return "".join(out)
