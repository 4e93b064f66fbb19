"""SHACL at scale: the curated facts in full, the imported facts by sample.

pySHACL holds its data graph in memory and takes about 15 s per 100,000 awards; a
million-award store is not validated whole. The curated facts are validated in full each
time they are loaded into a store (:meth:`graph.store.oxigraph.OxigraphStore.sync`), and the
importers check every record they write. On top of that, :func:`validate_sample` checks a
sample of the store's facts with the same shapes: each fact with its citations and amounts
(the nodes under its IRI) and the entities and sources it points to, so that every
constraint of the shapes can be checked on it. Its cost grows with the sample, not the store.

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store:
...     validate_sample(store, 5)
5
"""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef

from graph.rdf import BASE

__all__ = ["sample", "validate_sample"]

_FACTS = "SELECT DISTINCT ?f WHERE { ?f dai:citation ?c } LIMIT %d"
# the facts a sampled fact points to (an assertion's subject, a sub-award's prime award)
_LINKED = "SELECT DISTINCT ?g WHERE { VALUES ?f { %s } ?f ?q ?g . ?g dai:citation ?c }"
# the facts' triples; those of what they point to that is not a fact (their citations and
# amounts, entities, places, sources); the class, labels and sources of what these point to
_SAMPLE = """CONSTRUCT { ?s ?p ?o } WHERE {
  VALUES ?f { %s }
  { ?f ?p ?o . BIND (?f AS ?s) }
  UNION { ?f ?q ?s . FILTER (isIRI(?s)) FILTER NOT EXISTS { ?s dai:citation ?c1 } ?s ?p ?o }
  UNION { ?f ?q ?x . FILTER (isIRI(?x)) FILTER NOT EXISTS { ?x dai:citation ?c2 }
          ?x ?r ?s . FILTER (isIRI(?s)) FILTER NOT EXISTS { ?s dai:citation ?c3 }
          ?s ?p ?o . FILTER (?p IN (rdf:type, rdfs:label, dai:mentionedIn)) }
}"""
_SOURCES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a dai:Source ; ?p ?o }"


def sample(store, size: int = 1000) -> Graph:
    """``size`` facts of ``store`` (the first in the store's order) and what they point to."""
    rows = store.select_plain(_FACTS % int(size), timeout=3600)
    iris = sorted({r["f"] for r in rows if r.get("f", "").startswith(BASE)})
    sampled = len(iris)
    for start in range(0, sampled, 200):
        values = " ".join(URIRef(i).n3() for i in iris[start:start + 200])
        iris += [r["g"] for r in store.select_plain(_LINKED % values, timeout=3600) if r["g"] not in iris]
    g = Graph()
    for t in store.query(_SOURCES, timeout=3600).graph:
        g.add(t)
    for start in range(0, len(iris), 200):
        values = " ".join(URIRef(i).n3() for i in iris[start:start + 200])
        for t in store.query(_SAMPLE % values, timeout=3600).graph:
            g.add(t)
    g.sampled = sampled  # type: ignore[attr-defined]
    return g


def validate_sample(store, size: int = 1000) -> int:
    """Validate :func:`sample` with the project's shapes; how many facts were checked.

    Raises :class:`graph.errors.ValidationError` on a violation (as :func:`graph.validate.validate`)."""
    from graph.validate import validate

    g = sample(store, size)
    ds = Dataset()
    part = ds.graph(URIRef(BASE + "graph/sample"))
    for t in g:
        part.add(t)
    validate(ds)
    return g.sampled
