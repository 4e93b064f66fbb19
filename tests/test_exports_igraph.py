"""The GraphML export read by python-igraph (PyPI ``igraph``), a consumer of its own (it
keeps no XML edge id): the same numbers of nodes and edges, each edge's relationship key in
its ``key`` attribute, typed attributes (amounts as floats, booleans), and the typed
"contracts over $100M with their awarding agency" question asked in igraph."""

from __future__ import annotations

import math
import warnings

import pytest

from graph.exporters import registry
from graph.exporters.property_graph import property_graph
from tests.pg_expect import THRESHOLD, big_contracts

igraph = pytest.importorskip("igraph")


@pytest.fixture(scope="module")
def read(kg, tmp_path_factory):
    path = tmp_path_factory.mktemp("igraph") / "kg.graphml"
    registry.write(registry.get("graphml"), kg, path)
    with warnings.catch_warnings():  # "already an 'id' vertex attribute": the node's id property, the same
        warnings.simplefilter("ignore", RuntimeWarning)
        return igraph.Graph.Read_GraphML(str(path))


def test_igraph_reads_every_node_and_edge_with_its_key(kg, read):
    pg = property_graph(kg)
    assert (read.vcount(), read.ecount()) == (len(pg.nodes), len(pg.edges))
    assert read.is_directed()
    assert sorted(read.vs["id"]) == sorted(n.id for n in pg.nodes)  # GraphML node ids
    assert sorted(read.es["key"]) == sorted(e.key for e in pg.edges)  # one key per edge, none lost
    ids = read.vs["id"]
    got = sorted((ids[e.source], ids[e.target], e["relationship"], e["key"]) for e in read.es)
    assert got == sorted((e.source, e.target, e.type, e.key) for e in pg.edges)


def test_igraph_attributes_are_typed(kg, read):
    fact = read.vs.find(id="fact/openai-dod-2025-prototype-agreement")
    assert fact["amount"] == 200_000_000.0 and isinstance(fact["amount"], float)
    assert fact["currency"] == "USD" and fact["date"] == "2025-06-16"
    directed = {e["directed"] for e in read.es if e["relationship"] == "CONTRACTED_WITH"}
    assert directed == {True}  # a boolean, not the string "true"
    absent = read.vs.find(id="openai")["amount"]
    assert absent is None or (isinstance(absent, float) and math.isnan(absent))  # no property: no value


def test_igraph_answers_contracts_over_100m_with_their_awarding_agency(kg, read):
    ids = read.vs["id"]
    got = []
    for e in read.es.select(relationship_eq="AWARDING_AGENCY"):
        f = read.vs[e.source]
        value = f["amount"] if f["amount"] is not None and not math.isnan(f["amount"]) else f["obligated"]
        if f["kind"] == "Contract" and f["currency"] == "USD" and value is not None and value > THRESHOLD:
            got.append((ids[e.source], ids[e.target], value))
    want = big_contracts(property_graph(kg))
    assert sorted(got) == want and len(want) > 10
