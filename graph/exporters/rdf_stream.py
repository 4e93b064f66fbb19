"""The subjects of a store's graphs, each with its triples, sorted on disk: what the JSON-LD
and RDF/XML writers of :mod:`graph.exporters.rdf` read, a subject at a time.

A graph's quads are read from the store once (its own Oxigraph, or a local copy:
:func:`graph.exporters.pg_stream.local_oxigraph`), grouped by subject, and sorted as the
in-memory writers sort them (IRIs before blank nodes, then by text) through an external
merge sort (:class:`graph.exporters.ladybug_stream.Spool`). Terms come back as rdflib
reads the store's N-Quads (:class:`graph.exporters.ladybug_stream._Neighbourhood`: a whole
``xsd:decimal`` keeps its ``.0``). Blank nodes get the canonical labels of
:func:`rdflib.compare.to_canonical_graph`, computed from the triples that hold a blank node
(the only ones their labels depend on; in our data, the ontology's ``owl:unionOf`` lists).

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store, subjects(store) as read:
...     nodes = read(UNION)
...     first, pairs = next(iter(nodes))
>>> isinstance(first, URIRef) and all(isinstance(p, URIRef) for p, _o in pairs)
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from itertools import groupby

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from graph.exporters.ladybug_stream import Spool, _Neighbourhood
from graph.exporters.pg_stream import budget, local_oxigraph, opened, scratch
from graph.rdf import ONTOLOGY_GRAPH

__all__ = ["subjects", "graph_names", "predicates", "UNION", "Nodes"]

#: what :func:`subjects` reads for every graph but the ontology, each triple once per graph
UNION = "union"


def _pack(term) -> list:
    if isinstance(term, URIRef):
        return ["i", str(term)]
    if isinstance(term, BNode):
        return ["b", str(term)]
    return ["l", str(term), term.language, str(term.datatype) if term.datatype is not None else None]


def _unpack(packed: list):
    kind = packed[0]
    if kind == "i":
        return URIRef(packed[1])
    if kind == "b":
        return BNode(packed[1])
    if packed[2]:
        return Literal(packed[1], lang=packed[2])
    return Literal(packed[1], datatype=URIRef(packed[3]) if packed[3] else None)


def _key(subject) -> list:
    return [1 if isinstance(subject, BNode) else 0, str(subject)]


class Nodes:
    """The subjects of one graph (or :data:`UNION`), sorted on disk; ``predicates`` are the
    distinct predicates seen. Iterating gives ``(subject, [(predicate, object), ...])``."""

    def __init__(self, spool: Spool, predicates: set):
        self.spool, self.predicates = spool, predicates

    def __iter__(self) -> Iterator[tuple]:
        for (_b, _s), records in groupby(self.spool.iter(), key=lambda r: tuple(r[0])):
            subject, pairs = None, []
            for _key, (packed, packed_pairs) in records:
                subject = subject if subject is not None else _unpack(packed)
                pairs.extend((URIRef(p), _unpack(o)) for p, o in packed_pairs)
            yield subject, pairs


class _Reader:
    def __init__(self, ox, px, work, with_ontology: bool, progress):
        self.ox, self.px, self.work, self.budget = ox, px, work, budget()
        self.with_ontology, self.say = with_ontology, progress or (lambda _m: None)
        self.hood = _Neighbourhood(ox, px)
        self.runs = 0

    def names(self) -> list:
        """The graphs that hold quads, by IRI (the default graph as rdflib names it)."""
        px, ox = self.px, self.ox
        out = [URIRef(g.value) for g in ox.named_graphs()
               if next(iter(ox.quads_for_pattern(None, None, None, g)), None) is not None]
        if next(iter(ox.quads_for_pattern(None, None, None, px.DefaultGraph())), None) is not None:
            out.append(DATASET_DEFAULT_GRAPH_ID)
        return sorted(out, key=str)

    def _quads(self, name):
        px, ox = self.px, self.ox
        if name == UNION:
            ontology = str(ONTOLOGY_GRAPH)
            for q in ox.quads_for_pattern(None, None, None, None):
                if self.with_ontology or getattr(q.graph_name, "value", None) != ontology:
                    yield q
            return
        graph = px.DefaultGraph() if name == DATASET_DEFAULT_GRAPH_ID else px.NamedNode(str(name))
        yield from ox.quads_for_pattern(None, None, None, graph)

    def __call__(self, name) -> Nodes:
        self.say(f"reading the subjects of {'every graph' if name == UNION else name}")
        term = self.hood.term
        self.runs += 1
        spool = Spool(self.work, f"subjects{self.runs}", self.budget)
        seen_p: set = set()
        blank = Graph()
        last, pairs = None, []

        def flush():
            if pairs:
                spool.add(_key(last), [_pack(last), pairs])

        for q in self._quads(name):
            s, p, o = term(q.subject), term(q.predicate), term(q.object)
            seen_p.add(p)
            if isinstance(s, BNode) or isinstance(o, BNode):
                blank.add((s, p, o))
                continue
            if s != last:
                flush()
                last, pairs = s, []
            pairs.append([str(p), _pack(o)])
        flush()
        if len(blank):
            canonical = sorted(to_canonical_graph(blank), key=lambda t: _key(t[0]))
            for s, triples in groupby(canonical, key=lambda t: t[0]):
                spool.add(_key(s), [_pack(s), [[str(p), _pack(o)] for _s, p, o in triples]])
        return Nodes(spool, seen_p)


@contextlib.contextmanager
def subjects(source, *, with_ontology: bool = False, progress=None):
    """A reader of ``source``'s graphs (a store, or a KnowledgeGraph: see
    :func:`graph.exporters.pg_stream.opened`): ``read(name)`` gives the :class:`Nodes` of
    the graph ``name`` or of :data:`UNION` (every graph but the ontology, unless
    ``with_ontology``); ``read.names()`` the graphs that hold quads."""
    with opened(source) as store, scratch() as work, local_oxigraph(store, work, progress) as (ox, px):
        yield _Reader(ox, px, work, with_ontology, progress)
        if progress:
            progress(None)


def graph_names(read) -> list:
    """The graphs of a :func:`subjects` reader that hold quads, sorted by IRI."""
    return read.names()


def predicates(nodes: Nodes) -> set:
    """The distinct predicates of :class:`Nodes`."""
    return nodes.predicates
