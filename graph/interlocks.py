"""Interlocks: the people and organizations that link two actors.

Two actors are interlocked through a third one when it stands in the same kind of relation
to both: a **person** who holds (or held) a position at each (``dai:Position``), an
**organization** at which both hold one (two people, say), a
**parent** organization of both (``dai:Subsidiary`` or ``dai:SubUnit``), an **investor** in
both, an organization **both invest in** (``investee``), or a **partner** of both
(``dai:Partnership``). Each link comes with the two facts that make it, what each says
(the role and its dates, or the relation and its date) and their sources and quotes.

Everything is read by SPARQL (:meth:`graph.store.base.Store.select`), so the answer is the
same on the embedded store and on a SPARQL endpoint.

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store:
...     rows = interlocks(store, "anthropic", "palantir")
>>> [(r["link"], r["via"]) for r in rows]
[('partner', 'aws')]
"""

from __future__ import annotations

from graph.errors import DataError

__all__ = ["interlocks", "LINKS", "QUERY"]

#: the kinds of link, in the order they are listed, with what the third actor is to each
LINKS = {
    "person": "holds a position at both",
    "organization": "both hold a position at it",
    "parent": "parent organization of both",
    "investor": "invests in both",
    "investee": "both invest in it",
    "partner": "partner of both",
}

#: one sub-select per kind of link (each WHERE group gets the VALUES of ?a and ?b)
QUERY = """SELECT DISTINCT ?link ?via ?fa ?fb WHERE {
  { SELECT ?link ?via ?fa ?fb WHERE {
      ?fa a dai:Position ; dai:holder ?via ; dai:organization ?a .
      ?fb a dai:Position ; dai:holder ?via ; dai:organization ?b .
      BIND ("person" AS ?link) } }
  UNION
  { SELECT ?link ?via ?fa ?fb WHERE {
      ?fa a dai:Position ; dai:holder ?a ; dai:organization ?via .
      ?fb a dai:Position ; dai:holder ?b ; dai:organization ?via .
      BIND ("organization" AS ?link) } }
  UNION
  { SELECT ?link ?via ?fa ?fb WHERE {
      ?fa dai:child ?a ; dai:parent ?via . ?fb dai:child ?b ; dai:parent ?via .
      BIND ("parent" AS ?link) } }
  UNION
  { SELECT ?link ?via ?fa ?fb WHERE {
      ?fa a dai:Investment ; dai:investee ?a ; dai:investor ?via .
      ?fb a dai:Investment ; dai:investee ?b ; dai:investor ?via .
      BIND ("investor" AS ?link) } }
  UNION
  { SELECT ?link ?via ?fa ?fb WHERE {
      ?fa a dai:Investment ; dai:investor ?a ; dai:investee ?via .
      ?fb a dai:Investment ; dai:investor ?b ; dai:investee ?via .
      BIND ("investee" AS ?link) } }
  UNION
  { SELECT ?link ?via ?fa ?fb WHERE {
      ?fa a dai:Partnership ; dai:party ?a , ?via .
      ?fb a dai:Partnership ; dai:party ?b , ?via .
      BIND ("partner" AS ?link) } }
  FILTER (?via != ?a && ?via != ?b)
}"""

#: what each fact says, for the facts of the links found (``#FACTS``: a VALUES list)
_FACTS = """SELECT ?f ?type ?p ?v WHERE {
  VALUES ?f { #FACTS }
  ?f a ?type FILTER (STRSTARTS(STR(?type), "https://w3id.org/defense-ai-graph/ontology#"))
  OPTIONAL { VALUES ?p { dai:positionTitle dai:startDate dai:endDate dai:date dai:undated rdfs:label dai:source }
             ?f ?p ?v }
}"""
_QUOTES = """SELECT DISTINCT ?f ?quote WHERE { VALUES ?f { #FACTS } ?f dai:citation/dai:quote ?quote }"""
_LABELS = """SELECT ?x (MIN(STR(?l)) AS ?label) WHERE {
  VALUES ?x { #IRIS } ?x rdfs:label ?l FILTER (LANG(?l) IN ("en", "")) } GROUP BY ?x"""


def interlocks(store, a: str, b: str, *, timeout: float = 300.0) -> list[dict]:
    """The links between actors ``a`` and ``b`` (names: id, label or alias) through a third
    actor, one row per link and pair of facts, sorted by kind of link, then the third
    actor's label.

    Each row: ``link`` (a key of :data:`LINKS`), ``via`` (the third actor's id) and
    ``via_label``, ``at_a`` and ``at_b`` (what it is to each: a role with its dates, or the
    relation and its date), ``fact_a``, ``fact_b``, ``sources`` and ``quotes`` of both facts.
    Raises :class:`~graph.errors.DataError` for an unknown or ambiguous name, or the same
    actor twice.
    """
    from rdflib import URIRef

    from graph.iris import BASE
    from graph.store.actors import find_actor

    ida, idb = find_actor(store, a), find_actor(store, b)
    if ida == idb:
        raise DataError(f"'{a}' and '{b}' are the same actor ({ida}): give two actors")
    iri_a, iri_b = URIRef(BASE + "id/" + ida), URIRef(BASE + "id/" + idb)
    found = store.select(QUERY, params={"a": iri_a, "b": iri_b}, timeout=timeout)
    if not found:
        return []
    facts = sorted({str(r[k]) for r in found for k in ("fa", "fb")})
    said = _facts(store, facts, timeout)
    labels = _labels(store, sorted({str(r["via"]) for r in found}), timeout)

    def short(iri: str) -> str:
        return iri.rsplit("/", 1)[-1]

    rows = []
    for r in found:
        fa, fb, via = str(r["fa"]), str(r["fb"]), str(r["via"])
        sources = sorted(set(said[fa]["sources"]) | set(said[fb]["sources"]))
        quotes = list(dict.fromkeys(said[fa]["quotes"] + said[fb]["quotes"]))
        rows.append({"link": str(r["link"]), "via": short(via), "via_label": labels.get(via, short(via)),
                     "at_a": said[fa]["what"], "at_b": said[fb]["what"], "fact_a": short(fa), "fact_b": short(fb),
                     "sources": sources, "quotes": quotes})
    order = list(LINKS)
    rows.sort(key=lambda r: (order.index(r["link"]), r["via_label"], r["via"], r["fact_a"], r["fact_b"]))
    return rows


def _block(iris: list[str]) -> str:
    from rdflib import URIRef

    return " ".join(URIRef(i).n3() for i in iris)


def _facts(store, facts: list[str], timeout: float) -> dict[str, dict]:
    """For each fact: what it says of the link (``what``), its sources and its quotes."""
    values: dict[str, dict[str, set]] = {f: {} for f in facts}
    types: dict[str, str] = {}
    for r in store.select(_FACTS.replace("#FACTS", _block(facts)), timeout=timeout):
        f = str(r["f"])
        types[f] = min(types.get(f, "~"), str(r["type"]).rsplit("#", 1)[-1])
        if r.get("p") is not None:
            values[f].setdefault(str(r["p"]).rsplit("#", 1)[-1], set()).add(r["v"])
    quotes: dict[str, list[str]] = {f: [] for f in facts}
    for r in store.select(_QUOTES.replace("#FACTS", _block(facts)), timeout=timeout):
        quotes[str(r["f"])].append(str(r["quote"]))
    out = {}
    for f in facts:
        v = values[f]
        out[f] = {"what": _what(types.get(f, ""), v),
                  "sources": sorted(str(s).rsplit("/", 1)[-1] for s in v.get("source", ())),
                  "quotes": sorted(quotes[f])}
    return out


def _what(kind: str, v: dict) -> str:
    """A fact as one phrase: ``Chief Digital and AI Officer (undated)``, ``Director (2019-01
    to 2021-06)``, ``Partnership (2024-11)``.

    >>> _what("Position", {"positionTitle": {"Director"}, "startDate": {"2019-01"}})
    'Director (from 2019-01)'
    >>> _what("Position", {"positionTitle": {"Officer"}, "undated": {"true"}})
    'Officer (undated)'
    """
    def first(prop: str) -> str:
        return min((str(x) for x in v.get(prop, ())), default="")

    if kind == "Position":
        start, end = first("startDate"), max((str(x) for x in v.get("endDate", ())), default="")
        when = (f"{start} to {end}" if start and end else f"from {start}" if start else f"to {end}" if end
                else "undated" if first("undated") == "true" else "no date")
        return f"{first('positionTitle') or 'position'} ({when})"
    day = first("date") or first("startDate")
    return f"{kind} ({day})" if day else kind


def _labels(store, iris: list[str], timeout: float) -> dict[str, str]:
    rows = store.select(_LABELS.replace("#IRIS", _block(iris)), timeout=timeout)
    return {str(r["x"]): str(r["label"]) for r in rows}
