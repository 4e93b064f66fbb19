"""Every RDF export is read by two independent parsers and holds exactly the source triples.

The parsers: pyoxigraph (Rust) and Debian's ``rapper`` (raptor2, C). raptor2 has no JSON-LD
parser, so JSON-LD's second parser is rdflib's. Each parse is compared with the source graph
(the merged data graph for Turtle, N-Triples and RDF/XML; every named graph for TriG, N-Quads
and JSON-LD), blank nodes up to isomorphism; the seed data and a copy carrying the nasty
corpus (tests/nasty.py) both go through, and each nasty string comes back unchanged.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict

import pytest
from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from graph import build
from graph.exporters import registry
from graph.rdf import ONTOLOGY_GRAPH
from graph.validate import union_graph
from tests.conftest import DATA
from tests.nasty import NASTY, NASTY_QUOTE, nasty_data
from tests.servers import tool

pyoxigraph = pytest.importorskip("pyoxigraph")

#: format -> (pyoxigraph format, rapper parser name or None, holds named graphs, with ontology)
RDF_FORMATS = {
    "turtle": ("TURTLE", "turtle", False, False),
    "ntriples": ("N_TRIPLES", "ntriples", False, False),
    "rdfxml": ("RDF_XML", "rdfxml", False, False),
    "trig": ("TRIG", "trig", True, True),
    "nquads": ("N_QUADS", "nquads", True, True),
    "jsonld": ("JSON_LD", None, True, True),
}
BASE = "https://w3id.org/defense-ai-graph/"


@pytest.fixture(scope="module")
def nasty_kg(tmp_path_factory):
    return build(nasty_data(DATA, tmp_path_factory.mktemp("nasty") / "data"))


def test_every_rdf_exporter_is_tested():
    rdf_like = {e.name for e in registry.REGISTRY.values() if e.target.startswith("graph.exporters.rdf:")}
    assert rdf_like == set(RDF_FORMATS)


def _term(t):
    """A pyoxigraph term as an rdflib term."""
    if isinstance(t, pyoxigraph.NamedNode):
        return URIRef(t.value)
    if isinstance(t, pyoxigraph.BlankNode):
        return BNode(t.value)
    if isinstance(t, pyoxigraph.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value, datatype=None if dt == str(XSD.string) else URIRef(dt))
    if isinstance(t, pyoxigraph.DefaultGraph):
        return None
    raise TypeError(t)


def _by_graph(quads) -> dict:
    graphs: dict = defaultdict(Graph)
    for s, p, o, g in quads:
        graphs[g].add((s, p, o))
    return dict(graphs)


def parse_pyoxigraph(text: str, fmt: str) -> dict:
    quads = pyoxigraph.parse(text.encode("utf-8"), format=getattr(pyoxigraph.RdfFormat, fmt), base_iri=BASE)
    return _by_graph((_term(q.subject), _term(q.predicate), _term(q.object), _term(q.graph_name)) for q in quads)


def parse_rapper(text: str, parser: str, tmp_path) -> dict:
    rapper = tool("rapper")
    path = tmp_path / f"in.{parser}"
    path.write_bytes(text.encode("utf-8"))
    out = subprocess.run([rapper, "-q", "-i", parser, "-o", "nquads", str(path), BASE],
                         capture_output=True, check=True).stdout
    ds = Dataset()
    ds.parse(data=out.decode("utf-8"), format="nquads")
    quads = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        quads.append((s, p, o, None if str(gid).startswith("urn:x-rdflib:") else gid))
    return _by_graph(quads)


def parse_rdflib_jsonld(text: str) -> dict:
    ds = Dataset()
    ds.parse(data=text, format="json-ld")
    quads = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        quads.append((s, p, o, None if str(gid).startswith("urn:x-rdflib:") else gid))
    return _by_graph(quads)


def expected(kg, named: bool, with_ontology: bool) -> dict:
    if not named:
        return {None: union_graph(kg.dataset)}
    out = {}
    for ctx in kg.dataset.graphs():
        if len(ctx) and (with_ontology or ctx.identifier != ONTOLOGY_GRAPH):
            g = Graph()
            for t in ctx:
                g.add(t)
            out[ctx.identifier] = g
    return out


def assert_same(parsed: dict, want: dict, who: str) -> None:
    assert set(parsed) == set(want), f"{who}: graphs differ"
    for name, g in want.items():
        assert len(parsed[name]) == len(g), f"{who}: {name}: {len(parsed[name])} triples, expected {len(g)}"
        assert isomorphic(parsed[name], g), f"{who}: {name}: not the same triples"


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
@pytest.mark.parametrize("which", ["seed", "nasty"])
def test_rdf_export_parses_to_the_source_triples_with_two_parsers(fmt, which, kg, nasty_kg, tmp_path):
    graph = kg if which == "seed" else nasty_kg
    ox_format, rapper_parser, named, with_ontology = RDF_FORMATS[fmt]
    text = "".join(registry.get(fmt).generate(graph))
    want = expected(graph, named, with_ontology)
    assert_same(parse_pyoxigraph(text, ox_format), want, f"pyoxigraph/{fmt}")
    if rapper_parser:
        assert_same(parse_rapper(text, rapper_parser, tmp_path), want, f"rapper/{fmt}")
    else:
        assert_same(parse_rdflib_jsonld(text), want, f"rdflib/{fmt}")


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_nasty_strings_come_back_unchanged(fmt, nasty_kg, tmp_path):
    ox_format, rapper_parser, *_ = RDF_FORMATS[fmt]
    text = "".join(registry.get(fmt).generate(nasty_kg))
    parses = [parse_pyoxigraph(text, ox_format)]
    if rapper_parser:
        parses.append(parse_rapper(text, rapper_parser, tmp_path))
    for parsed in parses:
        values = {str(o) for g in parsed.values() for _s, _p, o in g if isinstance(o, Literal)}
        for s in [*NASTY, NASTY_QUOTE]:
            assert s in values or any(s in v for v in values), (fmt, s)
        assert NASTY_QUOTE in values
        assert not any(str(s).startswith("http://evil") for g in parsed.values() for t in g for s in t)


def test_jsonld_context_is_embedded_never_remote(kg):
    import json

    doc = json.loads("".join(registry.get("jsonld").generate(kg)))
    context = doc["@context"]
    assert isinstance(context, dict)
    assert all(isinstance(v, str) and v.startswith("http") for v in context.values())
    assert "@import" not in context


def test_ntriples_and_nquads_lines_are_sorted(kg):
    for fmt in ("ntriples", "nquads"):
        lines = "".join(registry.get(fmt).generate(kg)).splitlines()
        assert lines == sorted(lines)
