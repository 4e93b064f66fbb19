"""A store's graph read back whole, for what needs every fact in Python, on graphs that fit.

Most commands answer in the store (SPARQL, the aggregated actor view). A few need the
whole graph as rdflib and networkx objects: the exporters of whole facts (JSON-LD,
RDF/XML, the property graphs, Cypher, FollowTheMoney, the explorer of every fact with its
quotes), and the questions asked of the graph *as of a date* or *with entailments*. For
them the store's quads are read back (one N-Quads dump, parsed by rdflib) into a
:class:`~graph.builder.KnowledgeGraph`: the same data from the same engine, not a second
build of the data folder. Above :func:`limit` quads (``KG_MEMORY_LIMIT_QUADS``, default
600,000, about 12,000 awards and 1.5 GB in rdflib) they are refused with the command to use
instead.

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store:
...     kg = knowledge_graph(store)
>>> kg.actors.nodes["openai"]["label"]
'OpenAI'
"""

from __future__ import annotations

import contextlib
import io
import os
import re

from graph.errors import DataError

__all__ = ["limit", "fits", "dataset", "knowledge_graph", "derived_store", "query_target"]

#: quads read back at most (KG_MEMORY_LIMIT_QUADS)
MEMORY_LIMIT_QUADS = 600_000


def limit() -> int:
    """The most quads read back into memory (``KG_MEMORY_LIMIT_QUADS``)."""
    try:
        return int(os.environ.get("KG_MEMORY_LIMIT_QUADS") or MEMORY_LIMIT_QUADS)
    except ValueError:
        raise DataError("KG_MEMORY_LIMIT_QUADS must be a whole number of quads") from None


def fits(store) -> bool:
    """Whether the store is small enough to be read back whole."""
    return store.count() <= limit()


def dataset(store, *, what: str = "this"):
    """Every quad of ``store`` as an rdflib Dataset (prefixes bound). ``what`` names the
    feature in the error raised when the store is too large."""
    from rdflib import Dataset

    from graph.rdf import bind_prefixes

    n = store.count()
    if n > limit():
        raise DataError(f"{what} reads the whole graph into memory: {n:,} quads are more than "
                        f"{limit():,} (KG_MEMORY_LIMIT_QUADS); use the streamed RDF formats (turtle, ntriples, nquads, "
                        f"trig), the aggregated views (graphml, gexf, nodelink, kg view) or SPARQL")
    buf = io.BytesIO()
    store.export("nquads", buf)
    ds = Dataset()
    bind_prefixes(ds)
    ds.parse(data=_WHOLE_DECIMAL.sub(rb'"\1.0"^^<' + _DECIMAL + b">", buf.getvalue()), format="nquads")
    return ds


#: Oxigraph keeps ``"200000000.0"^^xsd:decimal`` as ``"200000000"``; rdflib (and our
#: exports) write the ``.0``: it is given back, so the graph read back is the one written
_DECIMAL = b"http://www.w3.org/2001/XMLSchema#decimal"
_WHOLE_DECIMAL = re.compile(rb'"(-?[0-9]+)"\^\^<' + re.escape(_DECIMAL) + b">")


def knowledge_graph(store, as_of: str | None = None, *, what: str = "this"):
    """The :class:`~graph.builder.KnowledgeGraph` of ``store`` (as of ``as_of``,
    ``YYYY-MM-DD``, when given)."""
    from graph.builder import KnowledgeGraph

    kg = KnowledgeGraph(None, dataset(store, what=what))
    if as_of:
        try:
            kg = kg.as_of(as_of)
        except ValueError as exc:
            raise DataError(f"--as-of: {exc}") from None
    return kg


def derived_store(store, *, as_of: str | None = None, reason: str | None = None):
    """An in-memory Oxigraph store holding ``store``'s graph as of ``as_of`` and/or with the
    ``reason`` entailments (``rdfs``, ``owlrl``) in ``<…/graph/inferred>``: SPARQL on it
    is evaluated by the same engine as on the store itself. The entailments of the whole
    graph are computed once for a store's content and kept beside it (those of a graph as of
    a date, each time)."""
    from graph.query import INFERRED_GRAPH, entailments
    from graph.store.base import kept_value
    from graph.store.oxigraph import OxigraphStore, _ox

    what = "kg query " + " ".join(x for x in (f"--as-of {as_of}" if as_of else "",
                                               f"--reason {reason}" if reason else "") if x)
    kg = knowledge_graph(store, as_of, what=what)
    derived = OxigraphStore(None)
    derived.spec = store.spec
    derived.load_text(kg.dataset.serialize(format="nquads", encoding="utf-8"))
    if reason:
        def compute() -> str:
            return entailments(kg, reason).serialize(format="nt")

        text = compute() if as_of else kept_value(store, f"entailments-{reason}", "entailments-2", compute)
        ox = _ox()
        derived.oxigraph.bulk_load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES,
                                   to_graph=ox.NamedNode(str(INFERRED_GRAPH)))
    return derived


@contextlib.contextmanager
def query_target(store, *, as_of: str | None = None, reason: str | None = None):
    """Where a query with ``as_of`` / ``reason`` runs: ``store`` itself when neither is
    given, else its :func:`derived_store` (closed after the block)."""
    if not (as_of or reason):
        yield store
        return
    derived = derived_store(store, as_of=as_of, reason=reason)
    try:
        yield derived
    finally:
        derived.close()
