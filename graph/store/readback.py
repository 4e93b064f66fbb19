"""A store's graph read back whole, for what needs every fact in Python, on graphs that fit.

Most commands answer in the store (SPARQL, the aggregated actor view), and the exports of
whole facts are written from it a batch of facts at a time (:mod:`graph.exporters.pg_stream`,
:mod:`graph.exporters.rdf_stream`). A few need the whole graph as rdflib and networkx
objects: the sorted Turtle, TriG, N-Triples and N-Quads that ``kg build`` commits, the
explorer of every fact with its quotes, and ``kg query --reason owlrl`` (and ``--reason
rdfs`` on a SPARQL endpoint). (``kg query --as-of`` is answered by the store, the query
rewritten: :class:`AsOf`; ``--reason rdfs`` by the generation's checkpoint with its
entailments: :func:`reasoned`.) For
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

__all__ = ["limit", "fits", "dataset", "knowledge_graph", "derived_store", "AsOf", "reasoned", "query_target"]

#: quads read back at most (KG_MEMORY_LIMIT_QUADS)
MEMORY_LIMIT_QUADS = 600_000

#: quads given to owlrl at most: its closure in Python took 19 s for the shipped data's
#: 12,802 quads, 125 s for 59,059 and had not ended after 15 minutes (2 GB) for 411,867
OWLRL_LIMIT_QUADS = 100_000


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
                        f"{limit():,} (KG_MEMORY_LIMIT_QUADS); use the formats streamed from the store (kg export -f "
                        f"any format but html), kg view (the aggregated actor view) or SPARQL")
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
    ``reason`` entailments (``rdfs``, ``owlrl``) in ``<…/graph/inferred>``, read back whole
    (up to :func:`limit`): what ``--reason owlrl`` (and ``--reason rdfs`` on a SPARQL
    endpoint) query. The entailments of the whole graph are computed once for a store's
    content and kept beside it (those of a graph as of a date, each time)."""
    from graph.query import INFERRED_GRAPH, entailments
    from graph.store.base import kept_value
    from graph.store.oxigraph import OxigraphStore, _ox

    what = "kg query " + " ".join(x for x in (f"--as-of {as_of}" if as_of else "",
                                               f"--reason {reason}" if reason else "") if x)
    most = min(limit(), OWLRL_LIMIT_QUADS)
    if reason == "owlrl" and store.count() > most:
        raise DataError(f"{what} reads the whole graph into memory (OWL RL is computed by owlrl, in Python, "
                        f"minutes for {OWLRL_LIMIT_QUADS:,} quads): {store.count():,} quads are more than "
                        f"{most:,}; --reason rdfs is computed in the store, at any size")
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


class AsOf:
    """``store`` as of a day: each query is rewritten (:func:`graph.timeline.as_of_query`)
    and evaluated by the store itself, at any size; other calls go to ``store``. On an
    Oxigraph store on disk the query reads its checkpoint with the validity of every dated
    fact (:func:`graph.store.asof.validity_checkpoint`, made once for its content); elsewhere
    (a SPARQL endpoint) the facts not holding that day are written in the query.

    >>> from graph.store import open_store
    >>> with open_store(data_dir="data") as store:
    ...     jan = AsOf(store, "2025-01-31")
    ...     jan.query("ASK { fact:openai-dod-2025-prototype-agreement ?p ?o }").boolean
    False
    """

    def __init__(self, store, day: str, progress=None):
        from graph.timeline import parse_day

        try:
            self.day = parse_day(day)
        except ValueError as exc:
            raise DataError(f"--as-of: {exc}") from None
        self.store, self.spec, self.kind = store, store.spec, store.kind
        self._progress = progress
        self._how = None  # (the store to query, the graph.timeline.Lookup)

    def _target(self):
        """The store to query and how the rewrite finds the terms not holding."""
        if self._how is None:
            from graph.store.asof import days, validity_checkpoint
            from graph.store.oxigraph import OxigraphStore
            from graph.timeline import Lookup, validity

            target = None
            if getattr(self.store, "kind", "") == "oxigraph" and getattr(self.store, "path", None) is not None:
                try:
                    path = validity_checkpoint(self.store, self._progress)
                    target = OxigraphStore(path, read_only=True)
                    target.spec = self.store.spec
                except OSError:
                    target = None  # a folder that cannot be written: the terms in the query
            if target is not None:
                self._how = (target, Lookup(self.day, days=days(path)))
            else:
                d = self.day.isoformat()
                dropped = sorted(f"<{iri}>" for iri, (a, b) in validity(self.store).items() if a > d or b < d)
                self._how = (self.store, Lookup(self.day, dropped))
        return self._how

    def rewrite(self, text: str) -> str:
        """``text`` as the store evaluates it for the day."""
        from graph.timeline import as_of_query

        return as_of_query(text, self._target()[1])

    def query(self, text: str, *, allow_network: bool = False, **kw):
        from graph.store.base import check_read_only

        check_read_only(text, allow_network)
        return self._target()[0].query(self.rewrite(text), allow_network=allow_network, **kw)

    def close(self) -> None:
        """Closes the checkpoint read (not ``store``)."""
        if self._how is not None and self._how[0] is not self.store:
            self._how[0].close()
        self._how = None

    def select(self, text: str, **kw) -> list[dict]:
        from graph.store.base import Store

        return Store.select(self, text, **kw)

    def select_plain(self, text: str, *, timeout: float = 300.0) -> list[dict]:
        return [{k: str(v) for k, v in row.items()} for row in self.select(text, timeout=timeout)]

    def kept(self):
        return None  # results of one day are not kept

    def count(self) -> int:
        return self.store.count()

    def quads(self):
        """The quads of the day (pyoxigraph quads on an Oxigraph store, streamed; rdflib
        rows on an endpoint)."""
        text = self.rewrite("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        target = self._target()[0]
        own = getattr(target, "oxigraph", None)
        if own is None:
            from graph.store.oxigraph import to_oxigraph

            for r in target.select(text, timeout=3600):
                yield to_oxigraph(r["s"]), to_oxigraph(r["p"]), to_oxigraph(r["o"]), to_oxigraph(r["g"])
            return
        from graph.iris import PREFIXES

        for r in own.query(text, prefixes=PREFIXES, use_default_graph_as_union=True):
            yield r["s"], r["p"], r["o"], r["g"]

    def export(self, fmt: str, output) -> None:
        """The export ``fmt`` of the day's graph: N-Quads streamed from the store's query;
        the other formats written by Oxigraph from a scratch store of those quads (on disk)."""
        import tempfile

        from graph.store.oxigraph import OxigraphStore, GraphLoader

        def nquads(write) -> None:
            batch = []
            for s, p, o, g in self.quads():
                batch.append(f"{s} {p} {o} {g} .\n")
                if len(batch) >= 10_000:
                    write("".join(batch).encode("utf-8"))
                    batch = []
            write("".join(batch).encode("utf-8"))

        if fmt == "nquads":
            nquads(output.write)
            return
        with tempfile.TemporaryDirectory(prefix="kg-as-of-") as work:
            with contextlib.closing(OxigraphStore(work)) as scratch:
                loader = GraphLoader(scratch.oxigraph)
                try:
                    nquads(loader.write)
                except BaseException:
                    loader.abort()
                    raise
                loader.close()
                scratch.export(fmt, output)

    def __getattr__(self, name):
        if name == "oxigraph":  # the store's own quads are not the day's: read them through export()
            raise AttributeError(name)
        return getattr(self.store, name)


def reasoned(store, progress=None):
    """``store`` with its RDFS entailments in ``<…/graph/inferred>``: the checkpoint of a
    store generation kept with them (:func:`graph.store.reasoning.materialise_rdfs`),
    opened read-only; None where there is none (a SPARQL endpoint, a store in memory, a
    folder that cannot be written)."""
    from graph.store.oxigraph import OxigraphStore
    from graph.store.reasoning import materialise_rdfs

    if getattr(store, "kind", "") != "oxigraph" or getattr(store, "path", None) is None:
        return None
    try:
        path = materialise_rdfs(store, progress)
    except OSError:
        return None
    out = OxigraphStore(path, read_only=True)
    out.spec = store.spec
    return out


@contextlib.contextmanager
def query_target(store, *, as_of: str | None = None, reason: str | None = None, progress=None):
    """Where a query with ``as_of`` / ``reason`` runs: ``store`` itself when neither is
    given; with ``reason="rdfs"``, the store's generation with its RDFS entailments
    (:func:`reasoned`), computed in the store at any size; with ``as_of``, that store seen as
    of the day (:class:`AsOf`: the query rewritten, nothing copied). OWL RL, and RDFS where
    the store keeps no entailments (a SPARQL endpoint), are read back in memory
    (:func:`derived_store`, up to :func:`limit`)."""
    if reason not in (None, "rdfs", "owlrl"):
        raise DataError(f"unknown reasoning '{reason}' (expected rdfs or owlrl)")
    if not (as_of or reason):
        yield store
        return
    target, opened = store, None
    if reason == "rdfs":
        opened = reasoned(store, progress)
        if opened is None:
            opened = derived_store(store, reason=reason)
        target = opened
    elif reason:
        opened = target = derived_store(store, as_of=as_of, reason=reason)
        as_of = None  # the graph read back is already that day's
    dated = AsOf(target, as_of, progress) if as_of else None
    try:
        yield dated or target
    finally:
        if dated is not None:
            dated.close()
        if opened is not None:
            opened.close()
