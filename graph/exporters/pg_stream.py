"""The property graph of a store, streamed: its nodes and edges in order, in bounded memory.

:func:`graph.exporters.property_graph.property_graph` builds the property graph of a
whole :class:`~graph.builder.KnowledgeGraph` in memory (every quad read back into rdflib and
networkx). :func:`spooled` gives the same nodes and edges, in the same order (nodes by id,
edges by :func:`~graph.exporters.property_graph.edge_order`), from the store at any size,
the way :mod:`graph.exporters.ladybug_stream` reads it (whose helpers it uses): the
``rdf:type`` index once, then each batch of facts with its neighbourhood through the views'
own code, each actor's degree from the distinct pairs of actors, and every node and edge
through an external merge sort on disk (:class:`~graph.exporters.ladybug_stream.Spool`).

The writers of whole facts (Cypher, neo4j-admin CSV, GraphML, GEXF, node-link JSON) read
it, a node or an edge at a time; what they need of the whole graph (the typed columns of a
CSV file, the keys of GraphML) is gathered while the nodes and edges are spooled.

:func:`local_oxigraph` is the store these readers page: the store's own Oxigraph, or, for
a store that is not one (``--store sparql:URL``), a temporary on-disk copy of its quads.

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store, spooled(store) as pg:
...     first = next(pg.nodes())
...     types = {e.type for e in pg.edges() if e.source == "dod" and e.target == "openai"}
>>> first.labels[0] in ("Entity", "Fact", "Source"), sorted(types)
(True, ['CONTRACTED_WITH'])
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import networkx as nx
from rdflib import RDF, URIRef

from graph.errors import ExportError
from graph.exporters import ladybug_stream
from graph.exporters.ladybug_stream import (
    Spool,
    _batches,
    _degrees,
    _fact_view,
    _grouped,
    _Neighbourhood,
    _Quads,
    _View,
    forked,
)
from graph.exporters.property_graph import PGEdge, PGNode, edge_order, pg_actor_edge, pg_full_edge, pg_node
from graph.rdf import BASE, ONTOLOGY_GRAPH
from graph.views import _ENTITY_CLASSES, ACTOR_KINDS, _local, _node_key, _Reader, full_view
from ontology.vocab import DAI

__all__ = ["spooled", "SpooledGraph", "local_oxigraph", "scratch", "base_label", "opened", "property_graph_of",
           "iter_nodes", "iter_edges", "walk", "Visitor", "Shared", "STREAMED_FORMATS"]

Progress = Callable[[str | None], None]

#: facts read from the store at a time, and characters of JSON a sort buffer holds before
#: it is spilled to disk (read when a writer starts: tests make them small, so that every
#: sort goes through runs on disk)
BATCH = ladybug_stream.BATCH
BUDGET = ladybug_stream.BUDGET


def budget() -> int:
    """The sort buffers' size now (:data:`BUDGET`)."""
    return BUDGET


def base_label(node_id: str) -> str:
    """The base label of a property graph node, from its id.

    >>> base_label("openai"), base_label("fact/x"), base_label("source/y")
    ('Entity', 'Fact', 'Source')
    """
    return "Fact" if node_id.startswith("fact/") else "Source" if node_id.startswith("source/") else "Entity"


@contextlib.contextmanager
def scratch(near: str | Path | None = None) -> Iterator[Path]:
    """A temporary folder for the sort runs (beside ``near`` when given, so they are on the
    disk the output goes to), removed after the block."""
    where = None
    if near is not None and str(near) != "-":
        where = Path(near).resolve().parent
        where.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".kg-sort-", dir=where))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def local_oxigraph(store, work: Path, progress: Progress | None = None):
    """``(pyoxigraph store, pyoxigraph module)`` to page ``store`` with: its own Oxigraph,
    or a copy of its quads (its streamed N-Quads export) on disk in ``work``."""
    import pyoxigraph as px

    own = getattr(store, "oxigraph", None)
    if own is not None:
        yield own, px
        return
    if progress:
        progress(f"copying the quads of {store.spec} to a local store")
    dump = work / "copy.nq"
    with open(dump, "wb") as out:
        store.export("nquads", out)
    copy = px.Store(str(work / "copy"))
    copy.bulk_load(path=str(dump), format=px.RdfFormat.N_QUADS)
    dump.unlink()
    try:
        yield copy, px
    finally:
        del copy


@dataclass
class SpooledGraph:
    """The property graph's nodes and edges, sorted on disk (see :func:`spooled`), and the
    types of every property seen, per base label (``node_props["Fact"]``) and for the edges:
    ``{name: set of Python type names}``."""

    node_spool: Spool
    edge_spool: Spool
    node_props: dict = field(default_factory=dict)
    edge_props: dict = field(default_factory=dict)

    def nodes(self) -> Iterator[PGNode]:
        """The nodes, by id (as :func:`~graph.exporters.property_graph.property_graph`)."""
        for key, (labels, props) in self.node_spool.iter():
            yield PGNode(key, tuple(labels), props)

    def edges(self) -> Iterator[PGEdge]:
        """The edges, by :func:`~graph.exporters.property_graph.edge_order`."""
        last = None
        for key, props in self.edge_spool.iter():
            if key == last:  # pragma: no cover - keys are built to be unique
                raise ExportError("duplicate edge keys in the property graph")
            last = key
            yield PGEdge(key[3], key[0], key[1], key[2], props)

    @property
    def n_nodes(self) -> int:
        return self.node_spool.count

    @property
    def n_edges(self) -> int:
        return self.edge_spool.count


class Visitor:
    """What :func:`walk` calls, a node or an edge at a time, with the views of the batch it
    is in (``view.full``, ``view.actors``, ``view.records``, as a KnowledgeGraph has them).
    ``order`` is the order of the passes; ``degrees`` whether the actors' degree centrality
    is wanted (then the facts must come before the entities)."""

    order = ("facts", "entities", "sources")
    degrees = True

    def fact(self, view, node: str, attrs: dict) -> None:
        """A fact node (``fact/<slug>``) and its attributes in ``view.full``."""

    def fact_edge(self, view, u: str, v: str, key: str, data: dict) -> None:
        """An edge of ``view.full`` out of a fact."""

    def actor_edge(self, view, u: str, v: str, key: str, data: dict) -> None:
        """An edge of ``view.actors`` drawn by a fact (with its ``assertions``)."""

    def entity(self, view, node: str, attrs: dict) -> None:
        """An entity node (``view.actors`` holds its assertions and degree centrality)."""

    def entity_edge(self, view, u: str, v: str, key: str, data: dict) -> None:
        """An edge of ``view.full`` out of an entity (to a source that mentions it)."""

    def source(self, view, node: str, attrs: dict) -> None:
        """A source node (``source/<slug>``)."""


class _Sink(Visitor):
    """The property graph's nodes and edges, spooled."""

    def __init__(self, work: Path, budget: int):
        self.graph = SpooledGraph(Spool(work, "pg-nodes", budget), Spool(work, "pg-edges", budget))

    def node(self, n: PGNode) -> None:
        g = self.graph
        seen = g.node_props.setdefault(n.labels[0], {})
        for k, v in n.properties.items():
            seen.setdefault(k, set()).add(type(v).__name__)
        g.node_spool.add(n.id, [list(n.labels), n.properties])

    def edge(self, e: PGEdge) -> None:
        g = self.graph
        for k, v in e.properties.items():
            g.edge_props.setdefault(k, set()).add(type(v).__name__)
        g.edge_spool.add(list(edge_order(e)), e.properties)

    def fact(self, view, node, attrs):
        self.node(pg_node(view, node, attrs))

    entity = source = fact

    def fact_edge(self, view, u, v, key, data):
        self.edge(pg_full_edge(view, u, v, key, data))

    entity_edge = fact_edge

    def actor_edge(self, view, u, v, key, data):
        self.edge(pg_actor_edge(view, u, v, key, data))


@contextlib.contextmanager
def spooled(store, *, batch: int | None = None, budget: int | None = None, work: Path | None = None,
            progress: Progress | None = None) -> Iterator[SpooledGraph]:
    """The property graph of ``store``'s graph, spooled on disk (in ``work``, a temporary
    folder by default): iterate :meth:`SpooledGraph.nodes` and :meth:`SpooledGraph.edges`
    inside the block. The same nodes and edges as
    :func:`~graph.exporters.property_graph.property_graph` of the graph read back (tests
    compare them), in memory bounded by ``batch`` facts and ``budget`` characters of sort
    buffer, whatever the store's size."""
    say = progress or (lambda _m: None)
    batch, budget = batch or BATCH, budget or BUDGET
    with contextlib.ExitStack() as stack:
        if work is None:
            work = stack.enter_context(scratch())
        ox, px = stack.enter_context(local_oxigraph(store, work, say))
        sink = _Sink(work, budget)
        walk(ox, px, work, sink, batch=batch, budget=budget, progress=say)
        say(None)
        yield sink.graph


def walk(ox, px, work: Path, visitor: Visitor, *, batch: int | None = None, budget: int | None = None,
         progress: Progress | None = None, workers: int = 1, path: str | Path | None = None) -> None:
    """Read a store (``ox``, a pyoxigraph Store; ``px`` the module) as
    :func:`graph.exporters.ladybug_stream.write_tables` does, giving ``visitor`` every
    fact, entity and source node with its edges (see :class:`Visitor`); ``work`` holds the
    sort runs.

    With ``workers`` above 1 and a visitor that has ``worker``, ``detach`` and ``absorb``,
    the facts are cut into that many shares in order, each read by its own process
    (:func:`~graph.exporters.ladybug_stream.forked`; the store opened read-only from
    ``path``, or the forked ``ox`` when None): a share's process calls ``worker(folder)``
    (start afresh, spilling into ``folder``), then gives it the facts, then calls
    ``detach()``, whose result this process's visitor takes by ``absorb(result)``. So the
    visitor sees each fact once, in order within a share."""
    say = progress or (lambda _m: None)
    batch, budget = batch or BATCH, budget or BUDGET
    hood = _Neighbourhood(ox, px)
    entity_classes = {str(c): _local(c) for c in _ENTITY_CLASSES}
    source_class, skipped = str(DAI.Source), {str(DAI.Citation), str(DAI.MonetaryAmount)}
    namespace, assertion, ontology = str(DAI), str(DAI.Assertion), str(ONTOLOGY_GRAPH)
    entities, sources, facts = (Spool(work, n, budget) for n in ("entities", "sources", "facts"))
    assertions: set[str] = set()
    say("reading what each subject is")
    for q in ox.quads_for_pattern(None, px.NamedNode(str(RDF.type)), None, None):
        s, o = q.subject, q.object.value
        if type(s) is not px.NamedNode or getattr(q.graph_name, "value", None) == ontology:
            continue
        if o in entity_classes:
            entities.add(_node_key(s.value), [s.value, entity_classes[o]])
        elif o == source_class:
            sources.add(_node_key(s.value), s.value)
        elif o.startswith(namespace) and o not in skipped:
            facts.add(s.value)
            if o == assertion:
                assertions.add(s.value)
    actors = sum(1 for _key, found in _grouped(entities.iter()) if min(k for _iri, k in found) in ACTOR_KINDS)
    scale = 1.0 / (actors - 1.0) if actors > 1 else 0.0

    view = _fact_view(hood, [px.NamedNode(a) for a in sorted(assertions)])
    on_actor = {n: a for n, a in view.actors.nodes(data="assertions") if a}
    on_fact = {iri: rec.__dict__["assertions"] for iri, rec in view.records.facts.items()
               if "assertions" in rec.__dict__}
    pairs = Spool(work, "pairs", budget)

    def facts_between(lo: int, hi: int, hood: _Neighbourhood, pairs: Spool, say: Progress) -> None:
        """The facts from the ``lo``-th to before the ``hi``-th, in order."""
        done, shown, n_facts = 0, -1, hi - lo
        for chunk in _batches((iri for iri, _v in islice(facts.iter(unique=True), lo, hi)), batch):
            view = _fact_view(hood, [px.NamedNode(iri) for iri in chunk])
            keys = {_node_key(iri) for iri in chunk}
            for node in sorted(keys):
                attrs = view.full.nodes.get(node)
                if attrs is None or attrs.get("node_type") != "fact":
                    continue
                visitor.fact(view, node, attrs)
                for u, v, key, data in view.full.out_edges(node, keys=True, data=True):
                    visitor.fact_edge(view, u, v, key, data)
            for u, v, key, data in view.actors.edges(keys=True, data=True):
                if "fact/" + data["fact"] not in keys:
                    continue
                data = {**data, "assertions": on_fact.get(URIRef(BASE + "fact/" + data["fact"]), [])}
                visitor.actor_edge(view, u, v, key, data)
                if visitor.degrees:
                    pairs.add([u, v])
                    pairs.add([v, u])
            done += len(chunk)
            if done * 10 // max(n_facts, 1) != shown:
                shown = done * 10 // max(n_facts, 1)
                say(f"facts, {done:,} of {n_facts:,}" + (f" (and {n_all - n_facts:,} in other processes)"
                                                         if n_all > n_facts else ""))

    n_all = 0

    def fact_pass() -> None:
        nonlocal n_all
        n_all = sum(1 for _ in facts.iter(unique=True))
        shares = workers if hasattr(visitor, "detach") and n_all >= 2 * batch else 1
        bounds = [n_all * i // shares for i in range(shares + 1)]

        def share(i: int):
            if i == 0:
                return facts_between(bounds[0], bounds[1], hood, pairs, say)
            folder = work / f"share{i}"
            folder.mkdir()
            own = px.Store.read_only(str(path)) if path is not None else ox
            visitor.worker(folder)
            mine = Spool(folder, "pairs", budget)
            facts_between(bounds[i], bounds[i + 1], _Neighbourhood(own, px), mine, lambda _m: None)
            return visitor.detach(), mine.detach()

        def again(i: int) -> None:  # the share's process crashed: its facts read here
            say(f"facts: the process of share {i + 1} stopped; reading its facts here")
            facts_between(bounds[i], bounds[i + 1], hood, pairs, say)

        for result in forked(share, shares, again)[1:]:
            if result is not None:
                state, (runs, count) = result
                visitor.absorb(state)
                pairs.absorb(runs, count)

    def entity_pass() -> None:
        degrees = _degrees(pairs)
        next_degree = next(degrees, None)
        say("entities")
        for chunk in _batches(_grouped(entities.iter()), batch):
            quads: list = []
            for _key, found in chunk:
                for iri in sorted({iri for iri, _k in found}):
                    quads.extend(hood.quads(px.NamedNode(iri)))
            reader = _Reader(_Quads(quads))
            full = full_view(None, reader)
            on_nodes = nx.MultiDiGraph()
            for key, _found in chunk:
                attrs = full.nodes.get(key)
                if attrs is None or attrs.get("node_type") != "entity":
                    continue
                if attrs["kind"] in ACTOR_KINDS:
                    while next_degree is not None and next_degree[0] < key:
                        next_degree = next(degrees, None)
                    degree = next_degree[1] if next_degree is not None and next_degree[0] == key else 0
                    on_nodes.add_node(key, assertions=on_actor.get(key, []),
                                      degree_centrality=round(degree * scale, 6) if actors > 1 else 0.0)
                view = _View(reader, full, on_nodes)
                visitor.entity(view, key, attrs)
                for u, v, k, data in full.out_edges(key, keys=True, data=True):
                    visitor.entity_edge(view, u, v, k, data)

    def source_pass() -> None:
        say("sources")
        for chunk in _batches((iri for _key, iri in sources.iter(unique=True)), batch):
            quads = [q for iri in chunk for q in hood.quads(px.NamedNode(iri))]
            reader = _Reader(_Quads(quads))
            full = full_view(None, reader)
            view = _View(reader, full)
            for iri in chunk:
                key = _node_key(iri)
                attrs = full.nodes.get(key)
                if attrs is not None and attrs.get("node_type") == "source":
                    visitor.source(view, key, attrs)

    passes = {"facts": fact_pass, "entities": entity_pass, "sources": source_pass}
    for name in visitor.order:
        passes[name]()


@contextlib.contextmanager
def opened(source):
    """``source`` as a store: a store itself, or a
    :class:`~graph.builder.KnowledgeGraph` (the Python API's ``build("data")``) loaded into
    an in-memory Oxigraph store, so that every writer reads one kind of engine."""
    if getattr(source, "dataset", None) is None:
        yield source
        return
    from graph.store.oxigraph import OxigraphStore

    store = OxigraphStore(None)
    store.spec = "memory"
    try:
        store.load_text(source.dataset.serialize(format="nquads", encoding="utf-8"))
        yield store
    finally:
        store.close()


def iter_nodes(pg) -> Iterator[PGNode]:
    """The nodes of a :class:`~graph.exporters.property_graph.PropertyGraph` or a
    :class:`SpooledGraph`, in order."""
    return iter(pg.nodes) if isinstance(pg.nodes, list) else pg.nodes()


def iter_edges(pg) -> Iterator[PGEdge]:
    """The edges of a property graph or a :class:`SpooledGraph`, in order."""
    return iter(pg.edges) if isinstance(pg.edges, list) else pg.edges()


@contextlib.contextmanager
def property_graph_of(source, *, progress: Progress | None = None, pg=None, **options) -> Iterator[SpooledGraph]:
    """:func:`spooled` of ``source`` (a store, or a KnowledgeGraph, see :func:`opened`);
    ``pg`` itself when given (a property graph built in memory: what tests compare with)."""
    if pg is not None:
        yield pg
        return
    with opened(source) as store, spooled(store, progress=progress, **options) as spooled_pg:
        yield spooled_pg


class Shared:
    """One :func:`property_graph_of` ``source`` that the files of a folder export (each a
    lazy iterator of chunks, written one after another) read in turn: spooled when the
    first file starts, removed when the last is done (or when this object goes)."""

    def __init__(self, source, files: int, progress: Progress | None = None, pg=None):
        import weakref

        self.source, self.left, self.progress = source, files, progress
        self.stack = contextlib.ExitStack()
        self._pg = pg
        weakref.finalize(self, self.stack.close)

    @property
    def pg(self) -> SpooledGraph:
        if self._pg is None:
            self._pg = self.stack.enter_context(property_graph_of(self.source, progress=self.progress))
        return self._pg

    def file(self, chunks: Callable[[SpooledGraph], Iterator[str]]) -> Iterator[str]:
        """The chunks ``chunks(pg)`` of one file; the graph is let go after the last one."""
        try:
            yield from chunks(self.pg)
        finally:
            self.left -= 1
            if self.left <= 0:
                self.stack.close()


#: The formats of whole facts written from the store itself, at any size (the RDF formats
#: that Oxigraph serialises are :data:`graph.store.base.EXPORT_FORMATS`; ladybug has
#: :mod:`graph.exporters.ladybug_stream`).
STREAMED_FORMATS = ("jsonld", "rdfxml", "cypher", "neo4j-csv", "ftm", "graphml", "gexf", "nodelink")
