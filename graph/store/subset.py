"""Small parts of a large store, read into memory for the commands that need whole facts.

A million awards do not fit in an rdflib graph, but a question about a few contracts only
needs those contracts: their quads (the fact, its citations and amounts, in the graph of
the source that states them), the entities they name and the sources they come from.
:func:`facts_dataset` reads that much; :func:`check_dataset` picks the official records
``kg check`` compares with the curated contracts (same contract number, or a contract of
the same contractor or of its parents, units and subsidiaries, with the hierarchy facts
that relate the parties); :func:`entities_dataset` reads what ``kg resolve`` needs of every
organisation (names, identifiers, the rules that linked it), and no fact.

Works on every backend (it only needs :meth:`graph.store.base.Store.select`).

Example
-------
>>> from graph.store import open_store
>>> from rdflib import URIRef
>>> with open_store(data_dir="data") as store:
...     ds = facts_dataset(store, [URIRef("https://w3id.org/defense-ai-graph/fact/cdao-2025-07-openai")])
>>> sorted({str(g.identifier).rsplit("/", 1)[1] for g in ds.graphs() if len(g)})
['breitbart-cdao-july-awards', 'entities']
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Dataset, Literal, URIRef

from graph.rdf import BASE

__all__ = ["facts_dataset", "check_dataset", "entities_dataset"]

#: terms per VALUES block: the query text stays small for an endpoint
_BATCH = 400


def _batches(terms: Iterable, size: int = _BATCH):
    terms = sorted(set(terms), key=str)
    for i in range(0, len(terms), size):
        yield " ".join(URIRef(t).n3() for t in terms[i:i + size])


def _column(store, query: str, var: str) -> set[URIRef]:
    return {r[var] for r in store.select(query, timeout=600) if isinstance(r.get(var), URIRef)}


def facts_dataset(store, facts: Iterable[URIRef]) -> Dataset:
    """The quads of ``facts`` (each with the nodes made for it: citations, amounts), of the
    entities they name and of the sources that state them, graph by graph."""
    ds = Dataset()
    named: set[URIRef] = set()
    graphs: set[URIRef] = set()
    for values in _batches(facts):
        rows = store.select(f"""SELECT ?s ?p ?o ?g WHERE {{
            VALUES ?f {{ {values} }}
            {{ GRAPH ?g {{ ?f ?p ?o }} BIND (?f AS ?s) }}
            UNION
            {{ GRAPH ?g {{ ?f ?link ?s . ?s ?p ?o }} FILTER (STRSTARTS(STR(?s), CONCAT(STR(?f), "/"))) }}
        }}""", timeout=600)
        for r in rows:
            ds.add((r["s"], r["p"], r["o"], r["g"]))
            graphs.add(r["g"])
            if isinstance(r["o"], URIRef) and str(r["o"]).startswith(BASE + "id/"):
                named.add(r["o"])
    for values in _batches(named | graphs):
        for r in store.select(f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}",
                              timeout=600):
            ds.add((r["s"], r["p"], r["o"], r["g"]))
    return ds


def check_dataset(store, curated: Dataset) -> Dataset:
    """What ``kg check`` needs from ``store`` for the contracts of ``curated``: the official
    records that may be the same contracts, and the hierarchy facts relating their parties,
    merged with ``curated``."""
    from graph.ids import norm_number
    from graph.views import read_facts

    r = read_facts(curated)
    contracts = [rec for rec in r.facts.values() if rec.type == "Contract"]
    numbers = sorted({norm_number(t) for rec in contracts for t in rec.values.get("contractNumber", {})})
    contractors = {t for rec in contracts for t in rec.values.get("contractor", {})}
    agencies = {t for rec in contracts for t in rec.values.get("awardingAgency", {})}
    found: set[URIRef] = set()
    if numbers:
        wanted = ", ".join(Literal(n).n3() for n in numbers)
        found |= _column(store, f"""SELECT DISTINCT ?f WHERE {{ ?f dai:contractNumber ?n ; a dai:Contract .
            FILTER (REPLACE(UCASE(STR(?n)), "[^0-9A-Z]", "") IN ({wanted})) }}""", "f")
    family: set[URIRef] = set()  # the contractors, their parents, and everything under those
    for values in _batches(contractors):
        top = _column(store, f"SELECT DISTINCT ?x WHERE {{ VALUES ?c {{ {values} }} ?c dai:subOrganizationOf* ?x }}", "x")
        for above in _batches(top):
            family |= _column(store, f"SELECT DISTINCT ?x WHERE {{ VALUES ?t {{ {above} }} ?x dai:subOrganizationOf* ?t }}",
                              "x")
    for values in _batches(family):
        found |= _column(store, f"SELECT DISTINCT ?f WHERE {{ VALUES ?x {{ {values} }} ?f dai:contractor ?x ; a dai:Contract }}",
                         "f")
    parties = family | agencies
    for values in _batches(found):
        parties |= _column(store, f"SELECT DISTINCT ?x WHERE {{ VALUES ?f {{ {values} }} ?f dai:awardingAgency|dai:contractor ?x }}",
                           "x")
    links: set[URIRef] = set()  # the hierarchy facts above every party
    for values in _batches(parties):
        links |= _column(store, f"""SELECT DISTINCT ?h WHERE {{ VALUES ?x {{ {values} }} ?x dai:subOrganizationOf* ?y .
            ?h dai:child ?y . VALUES ?k {{ dai:Subsidiary dai:SubUnit }} ?h a ?k }}""", "h")
    ds = facts_dataset(store, (found | links) - set(r.facts))  # the curated facts: as compiled, not as stored
    for quad in curated.quads((None, None, None, None)):
        ds.add(quad)
    return ds


#: what kg resolve reads of an entity
_ENTITY_PROPERTIES = "rdf:type rdfs:label skos:altLabel skos:prefLabel dai:mentionedIn dai:uei dai:identifier dai:matchRule"


def entities_dataset(store, curated: Dataset) -> Dataset:
    """The names, classes, identifiers, sources and match rules of every entity of
    ``store`` (no fact), and the source descriptions, merged with ``curated``."""
    ds = Dataset()
    for r in store.select(f"""SELECT ?s ?p ?o ?g WHERE {{
            VALUES ?p {{ {_ENTITY_PROPERTIES} }}
            GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?s), "{BASE}id/")) }}""", timeout=3600):
        ds.add((r["s"], r["p"], r["o"], r["g"]))
    for r in store.select("SELECT ?s ?p ?o ?g WHERE { ?s a dai:Source . GRAPH ?g { ?s ?p ?o } }", timeout=600):
        ds.add((r["s"], r["p"], r["o"], r["g"]))
    for quad in curated.quads((None, None, None, None)):
        ds.add(quad)
    return ds
