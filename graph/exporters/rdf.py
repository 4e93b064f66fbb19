"""RDF exporters: Turtle, N-Triples, RDF/XML (all data merged) and TriG, N-Quads, JSON-LD
(one named graph per source, plus the entity registry and the ontology).

Outputs are deterministic: rdflib sorts subjects and predicates for Turtle; N-Triples and
N-Quads lines are sorted; JSON-LD and RDF/XML are written here from sorted triples; blank
nodes (the ontology's ``owl:unionOf`` lists) get canonical labels
(:func:`rdflib.compare.to_canonical_graph`), so the same data gives byte-identical files.

Example
-------
>>> from graph import build
>>> text = "".join(generate_turtle(build("data")))
>>> "@prefix dai:" in text
True
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from graph.errors import ExportError
from graph.exporters.xmltext import escape_attr, escape_text
from graph.rdf import ONTOLOGY_GRAPH, PREFIXES, bind_prefixes
from graph.validate import union_graph

__all__ = [
    "generate_turtle", "generate_trig", "generate_ntriples", "generate_nquads",
    "generate_jsonld", "generate_rdfxml", "nt_term", "jsonld_context",
]

from graph.iris import HEADER  # noqa: E402 - the store's streamed exports start with it too


def generate_turtle(kg, *, with_ontology: bool = False) -> Iterator[str]:
    """All data triples (every source graph and the entity registry) as Turtle."""
    g = union_graph(kg.dataset, with_ontology=with_ontology)
    yield HEADER
    yield g.serialize(format="turtle")


def generate_trig(kg, *, with_ontology: bool = True) -> Iterator[str]:
    """The dataset as TriG: one named graph per source (plus registry and ontology).

    rdflib's TriG writer orders graphs by hash; here graphs are sorted by IRI, and each is
    written with the (sorted) Turtle writer, so the output is byte-identical across runs.
    Graph bodies are not indented: a line break inside a long (triple-quoted) literal is
    part of its value, and so would be any indentation added after it.
    """
    prefixes: set[str] = set()
    bodies = []
    for ctx in sorted(kg.dataset.graphs(), key=lambda c: str(c.identifier)):
        if not len(ctx) or (ctx.identifier == ONTOLOGY_GRAPH and not with_ontology):
            continue
        g = Graph()
        bind_prefixes(g)
        for t in ctx:
            g.add(t)
        lines = g.serialize(format="turtle").split("\n")  # not splitlines(): U+2028 is data
        while lines and (lines[0].startswith("@prefix") or not lines[0]):  # the prefix block only
            if lines[0]:
                prefixes.add(lines[0])
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        bodies.append(f"<{ctx.identifier}> {{\n" + "\n".join(lines) + "\n}\n")
    yield HEADER
    yield "".join(line + "\n" for line in sorted(prefixes))
    for body in bodies:
        yield "\n"
        yield body


# -- line-based formats ------------------------------------------------------------------

_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_LITERAL_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _escape_literal(text: str) -> str:
    return _LITERAL_ESCAPE.sub(lambda m: _ECHAR.get(m.group(), f"\\u{ord(m.group()):04X}"), text)


def nt_term(term) -> str:
    """One RDF term in canonical N-Triples syntax (RDF 1.1: UTF-8, escapes for ``\\``, ``"``
    and control characters only).

    >>> nt_term(Literal('say "hi"\\n', lang="en"))
    '"say \\\\"hi\\\\"\\\\n"@en'
    >>> nt_term(URIRef("https://example.org/a"))
    '<https://example.org/a>'
    """
    if isinstance(term, URIRef):
        return "<" + _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", str(term)) + ">"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = f'"{_escape_literal(str(term))}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{nt_term(term.datatype)}"
        return text
    raise ExportError(f"cannot write RDF term {term!r}")


def _canonical(graph: Graph) -> Graph:
    """``graph`` itself if it has no blank nodes, else a copy with canonical blank node labels."""
    if any(isinstance(t, BNode) for triple in graph for t in triple):
        return to_canonical_graph(graph)
    return graph


def _named_graphs(kg, with_ontology: bool) -> list[tuple[URIRef, Graph]]:
    out = []
    for ctx in sorted(kg.dataset.graphs(), key=lambda c: str(c.identifier)):
        if not len(ctx) or (ctx.identifier == ONTOLOGY_GRAPH and not with_ontology):
            continue
        g = Graph()
        for t in ctx:
            g.add(t)
        out.append((ctx.identifier, _canonical(g)))
    return out


def _sorted_lines(lines: Iterable[str]) -> Iterator[str]:
    for line in sorted(lines):
        yield line + "\n"


def generate_ntriples(kg, *, with_ontology: bool = False) -> Iterator[str]:
    """All data triples as N-Triples, one sorted line each (the triples of :func:`generate_turtle`)."""
    g = _canonical(union_graph(kg.dataset, with_ontology=with_ontology))
    yield from _sorted_lines(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} ." for s, p, o in g)


def generate_nquads(kg, *, with_ontology: bool = True) -> Iterator[str]:
    """The dataset as N-Quads (the quads of :func:`generate_trig`), one sorted line each."""
    lines = []
    for name, g in _named_graphs(kg, with_ontology):
        gname = nt_term(name)
        lines.extend(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} {gname} ." for s, p, o in g)
    yield from _sorted_lines(lines)


# -- JSON-LD -----------------------------------------------------------------------------


def jsonld_context() -> dict:
    """The embedded JSON-LD context: the project's prefixes (never a remote context)."""
    return {prefix: ns for prefix, ns in sorted(PREFIXES.items())}


def _compact(iri: str) -> str:
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best) and not iri[len(ns):].startswith("//"):
            best = ns
            chosen = prefix
    return f"{chosen}:{iri[len(best):]}" if best else iri


def _jsonld_node_id(term) -> str:
    return f"_:{term}" if isinstance(term, BNode) else _compact(str(term))


def _jsonld_value(term) -> dict:
    if isinstance(term, Literal):
        value = {"@value": str(term)}
        if term.language:
            value["@language"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            value["@type"] = _compact(str(term.datatype))
        return value
    return {"@id": _jsonld_node_id(term)}


def _jsonld_node(subject, pairs) -> dict:
    """The JSON-LD node object of ``subject`` and its ``(predicate, object)`` pairs."""
    by_p: dict = defaultdict(list)
    for p, o in pairs:
        by_p[p].append(o)
    node = {"@id": _jsonld_node_id(subject)}
    for p, objects in by_p.items():
        if p == RDF.type and all(isinstance(o, URIRef) for o in objects):
            node["@type"] = sorted(_compact(str(o)) for o in objects)
        else:
            values = [_jsonld_value(o) for o in objects]
            node[_compact(str(p))] = sorted(values, key=lambda v: json.dumps(v, sort_keys=True))
    return node


def generate_jsonld(kg, *, with_ontology: bool = True, progress=None) -> Iterator[str]:
    """The dataset as JSON-LD 1.1: one ``@graph`` object per named graph (sorted by IRI),
    its nodes sorted by subject, compact IRIs from an embedded ``@context`` (the same quads
    as :func:`generate_trig`). ``kg`` is a KnowledgeGraph or a store: the nodes are read
    from the store a graph at a time and sorted on disk (:mod:`graph.exporters.rdf_stream`),
    so memory stays bounded at any size."""
    from graph.exporters.jsonstream import document
    from graph.exporters.rdf_stream import graph_names, subjects

    with subjects(kg, progress=progress) as read:
        graphs = [g for g in graph_names(read) if with_ontology or g != ONTOLOGY_GRAPH]
        yield from document({
            "@context": jsonld_context(),
            "@graph": ({"@id": _compact(str(name)), "@graph": (_jsonld_node(s, pairs) for s, pairs in read(name))}
                       for name in graphs),
        })
    yield "\n"


# -- RDF/XML -----------------------------------------------------------------------------

_NCNAME_TAIL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*$")


def _qname(iri: str, namespaces: dict[str, str]) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        local = iri[len(ns):]
        if iri.startswith(ns) and _NCNAME_TAIL.fullmatch(local):
            namespaces[prefix] = ns
            return f"{prefix}:{local}"
    m = _NCNAME_TAIL.search(iri)
    if not m or m.start() == 0:
        raise ExportError(f"predicate <{iri}> cannot be written in RDF/XML")
    ns = iri[: m.start()]
    known = {value: key for key, value in namespaces.items()}
    if ns in known:
        return f"{known[ns]}:{m.group()}"
    n = 1
    while f"ns{n}" in namespaces:
        n += 1
    namespaces[f"ns{n}"] = ns
    return f"ns{n}:{m.group()}"


def _node_attr(term, name: str) -> str:
    if isinstance(term, BNode):
        return f'rdf:nodeID="{term}"'
    return f'rdf:{name}="{escape_attr(str(term))}"'


def _rdfxml_object(qname: str, o) -> str:
    if isinstance(o, Literal):
        attrs = ""
        if o.language:
            attrs = f' xml:lang="{o.language}"'
        elif o.datatype is not None and o.datatype != XSD.string:
            attrs = f' rdf:datatype="{escape_attr(str(o.datatype))}"'
        return f"    <{qname}{attrs}>{escape_text(str(o))}</{qname}>\n"
    return f"    <{qname} {_node_attr(o, 'resource')}/>\n"


def generate_rdfxml(kg, *, with_ontology: bool = False, progress=None) -> Iterator[str]:
    """All data triples as RDF/XML (the triples of :func:`generate_turtle`): one
    ``rdf:Description`` per subject, sorted, so the output is byte-identical across runs.
    ``kg`` is a KnowledgeGraph or a store: the subjects are read from the store and sorted
    on disk (:mod:`graph.exporters.rdf_stream`); the namespaces of the predicates come
    first, in the order of their IRIs."""
    from graph.exporters.rdf_stream import UNION, predicates, subjects

    with subjects(kg, progress=progress, with_ontology=with_ontology) as read:
        nodes = read(UNION)
        namespaces = {"rdf": str(RDF)}
        qnames = {p: _qname(str(p), namespaces) for p in sorted(predicates(nodes), key=str)}
        yield '<?xml version="1.0" encoding="utf-8"?>\n'
        yield "<!-- " + HEADER.replace("# ", "").replace("\n", " ").replace("--", "-").strip() + " -->\n"
        yield "<rdf:RDF"
        for prefix in sorted(namespaces):
            yield f'\n    xmlns:{prefix}="{escape_attr(namespaces[prefix])}"'
        yield ">\n"
        for s, pairs in nodes:
            lines = sorted({(qnames[p], nt_term(o)): o for p, o in pairs}.items())
            yield f"  <rdf:Description {_node_attr(s, 'about')}>\n"
            yield "".join(_rdfxml_object(qname, o) for (qname, _nt), o in lines)
            yield "  </rdf:Description>\n"
        yield "</rdf:RDF>\n"
