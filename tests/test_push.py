"""``kg push`` to real triple stores: an Oxigraph server (PyPI ``oxigraph``, started here on
loopback) and Virtuoso (Debian ``virtuoso-opensource``, started by ``.ci/run`` with
``.ci/virtuoso``, which exports ``KG_VIRTUOSO_URL``, ``KG_VIRTUOSO_USER`` and
``KG_VIRTUOSO_PASSWORD``). The pushed graph is read back over HTTP (SPARQL ``COUNT``, Graph
Store ``GET``); a push interrupted half-way (the server stopped mid-push) leaves the previous
graph readable and intact; credentials never appear in output or errors."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
from rdflib import XSD, Graph, Literal
from rdflib.compare import isomorphic

from graph import build
from graph.errors import PushError
from graph.push import DEFAULT_GRAPH, push_sparql
from graph.validate import union_graph
from tests.conftest import DATA, copy_curated
from tests.nasty import nasty_data
from tests.servers import free_port, start_oxigraph

TARGET = "https://example.org/graphs/defense-ai"


@pytest.fixture(scope="module")
def nasty_kg(tmp_path_factory):
    return build(nasty_data(DATA, tmp_path_factory.mktemp("nasty") / "data"))


@pytest.fixture(scope="module")
def small_kg(tmp_path_factory):
    """The graph of data/'s curated files alone (1,733 triples): enough batches for a push."""
    return build(copy_curated(tmp_path_factory.mktemp("curated") / "data"))


@pytest.fixture(scope="module")
def small_nasty_kg(tmp_path_factory):
    """The curated files with every text replaced by a nasty string."""
    curated = copy_curated(tmp_path_factory.mktemp("curated-source") / "data")
    return build(nasty_data(curated, tmp_path_factory.mktemp("small-nasty") / "data"))


@pytest.fixture
def oxigraph(tmp_path):
    srv = start_oxigraph(tmp_path / "store")
    yield srv
    srv.stop()


def sparql(url: str, query: str) -> list[dict]:
    req = urllib.request.Request(url, data=urllib.parse.urlencode({"query": query}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["results"]["bindings"]


def count(url: str, graph: str) -> int:
    rows = sparql(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(rows[0].values()))["value"])


def graphs(url: str) -> set[str]:
    return {r["g"]["value"] for r in sparql(url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}


_NUMBERS = {XSD[t] for t in (
    "decimal", "integer", "double", "float", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte",
)}


def by_value(graph: Graph) -> Graph:
    """``graph`` with numbers in one lexical form: stores keep the value of a number, not how
    it was written (Oxigraph returns ``"200000000.0"^^xsd:decimal`` as ``"200000000"``, and
    ``"12"^^xsd:nonNegativeInteger`` as ``"12"^^xsd:integer``)."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in _NUMBERS:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


def same_triples(a: Graph, b: Graph) -> bool:
    return isomorphic(by_value(a), by_value(b))


def fetch_graph(store_url: str, graph: str) -> Graph:
    req = urllib.request.Request(store_url + "?" + urllib.parse.urlencode({"graph": graph}),
                                 headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return Graph().parse(data=resp.read().decode("utf-8"), format="nt")


def test_push_to_oxigraph_then_count_over_http(oxigraph, kg, run_kg):
    base = f"http://127.0.0.1:{oxigraph.port}"
    result = run_kg("push", "--endpoint", f"{base}/store", "--data", DATA)
    assert result.exit_code == 0, result.output
    expected = union_graph(kg.dataset)
    assert count(f"{base}/query", DEFAULT_GRAPH) == len(expected)
    assert same_triples(fetch_graph(f"{base}/store", DEFAULT_GRAPH), expected)
    assert graphs(f"{base}/query") == {DEFAULT_GRAPH}  # no temporary graph left behind


def test_push_a_store_keeps_each_named_graph(oxigraph, data_copy, tmp_path, run_kg):
    """kg push --store: an Oxigraph store with imported awards, each of its graphs (one per
    source) sent in batches to the graph of the same IRI on an Oxigraph server."""
    pytest.importorskip("pyoxigraph")
    from graph.importers.registry import run_import
    from graph.iris import ONTOLOGY_GRAPH_IRI
    from graph.store import open_store, writer
    from tests.test_store import _award_file

    spec = f"oxigraph:{tmp_path / 'kg'}"
    with writer(spec, data_dir=data_copy) as store:
        run_import("usaspending", [_award_file(tmp_path, 120)], data_copy, store=store)
    base = f"http://127.0.0.1:{oxigraph.port}"
    result = run_kg("push", "--store", spec, "--data", data_copy, "--endpoint", f"{base}/store", "--batch-size", "500")
    assert result.exit_code == 0, result.output
    with open_store(spec, data_dir=data_copy) as store:
        sizes = {g: store.graph_size(g) for g in store.named_graphs() if g != ONTOLOGY_GRAPH_IRI}
    assert graphs(f"{base}/query") == set(sizes)  # no temporary graph left, the ontology not sent
    assert {g: count(f"{base}/query", g) for g in sizes} == sizes
    assert sum(sizes.values()) > 4000
    refused = run_kg("push", "--store", spec, "--data", data_copy, "--endpoint", f"{base}/store", "--graph", TARGET)
    assert refused.exit_code == 2 and "each named graph" in refused.stderr


def test_push_replaces_the_graph_and_keeps_other_graphs(oxigraph, small_kg, small_nasty_kg):
    base = f"http://127.0.0.1:{oxigraph.port}"
    push_sparql(small_kg, f"{base}/store", "https://example.org/other")
    push_sparql(small_kg, f"{base}/store", TARGET)
    result = push_sparql(small_nasty_kg, f"{base}/store", TARGET, batch_size=100)
    assert result.batches > 5 and result.method == "gsp"
    assert same_triples(fetch_graph(f"{base}/store", TARGET), union_graph(small_nasty_kg.dataset))
    assert count(f"{base}/query", "https://example.org/other") == len(union_graph(small_kg.dataset))


def test_push_with_sparql_update_only(oxigraph, small_nasty_kg):
    base = f"http://127.0.0.1:{oxigraph.port}"
    result = push_sparql(small_nasty_kg, f"{base}/store", TARGET, method="update", batch_size=300, with_ontology=True)
    assert result.method == "update"
    want = union_graph(small_nasty_kg.dataset, with_ontology=True)
    assert same_triples(fetch_graph(f"{base}/store", TARGET), want)  # blank nodes of the ontology included


def test_falls_back_to_sparql_update_without_a_graph_store(oxigraph, small_kg):
    base = f"http://127.0.0.1:{oxigraph.port}"
    # /update answers a Graph Store POST with an error: the push goes on with INSERT DATA
    result = push_sparql(small_kg, f"{base}/update", TARGET, query_endpoint=f"{base}/query")
    assert result.method == "update"
    assert count(f"{base}/query", TARGET) == len(union_graph(small_kg.dataset))


def test_interrupted_push_leaves_the_previous_graph_intact(tmp_path, small_kg, small_nasty_kg):
    location = tmp_path / "store"
    srv = start_oxigraph(location)
    base = f"http://127.0.0.1:{srv.port}"
    try:
        push_sparql(small_kg, f"{base}/store", TARGET)
        before = fetch_graph(f"{base}/store", TARGET)
        sent = []

        def stop_server_half_way(n):
            sent.append(n)
            if len(sent) == 3:
                srv.stop()  # the store goes away in the middle of the push

        with pytest.raises(PushError, match="cannot reach"):
            push_sparql(small_nasty_kg, f"{base}/store", TARGET, batch_size=50, progress=stop_server_half_way)
        assert len(sent) == 3
    finally:
        srv.stop()
    srv = start_oxigraph(location)  # same data folder
    base = f"http://127.0.0.1:{srv.port}"
    try:
        assert count(f"{base}/query", TARGET) == len(before)
        assert same_triples(fetch_graph(f"{base}/store", TARGET), before)
        leftovers = graphs(f"{base}/query") - {TARGET}
        assert leftovers and all(g.startswith("urn:x-defense-ai-graph:push:") for g in leftovers)
        push_sparql(small_nasty_kg, f"{base}/store", TARGET)  # the next push cleans up
        assert graphs(f"{base}/query") == {TARGET}
        assert same_triples(fetch_graph(f"{base}/store", TARGET), union_graph(small_nasty_kg.dataset))
    finally:
        srv.stop()


def test_push_errors_are_one_line_and_never_show_credentials(kg, monkeypatch, run_kg):
    port = free_port()
    monkeypatch.setenv("KG_TEST_PW", "s3cret-pw-123")
    result = run_kg("push", "--endpoint", f"http://127.0.0.1:{port}/store", "--user", "bob",
                    "--password-env", "KG_TEST_PW", "--data", DATA, "-q")
    assert result.exit_code == 1
    assert "s3cret-pw-123" not in result.output and "cannot reach" in result.output
    assert len(result.output.strip().splitlines()) == 1
    with pytest.raises(PushError) as err:
        push_sparql(kg, f"http://bob:s3cret-pw-123@127.0.0.1:{port}/store")
    assert "s3cret-pw-123" not in str(err.value)
    result = run_kg("push", "--endpoint", "http://127.0.0.1:1/store", "--user", "bob", "--data", DATA)
    assert result.exit_code == 2  # a password on the command line is not an option


# -- Virtuoso, started by .ci/run ----------------------------------------------------------


@pytest.fixture
def virtuoso():
    url = os.environ.get("KG_VIRTUOSO_URL")
    if not url:
        pytest.skip("no Virtuoso: run `eval \"$(.ci/virtuoso start)\"` (as .ci/run does)")
    return url, os.environ["KG_VIRTUOSO_USER"], os.environ["KG_VIRTUOSO_PASSWORD"]


def test_push_to_virtuoso_with_authentication(virtuoso, nasty_kg, kg, monkeypatch, run_kg):
    url, user, password = virtuoso
    monkeypatch.setenv("KG_TEST_VIRTUOSO_PW", password)
    result = run_kg("push", "--endpoint", f"{url}/sparql-graph-crud-auth", "--graph", TARGET, "--user", user,
                    "--password-env", "KG_TEST_VIRTUOSO_PW", "--data", DATA)
    assert result.exit_code == 0, result.output
    assert password not in result.output
    assert count(f"{url}/sparql", TARGET) == len(union_graph(kg.dataset))
    push_sparql(nasty_kg, f"{url}/sparql-graph-crud-auth", TARGET, user=user, password=password, batch_size=200)
    assert count(f"{url}/sparql", TARGET) == len(union_graph(nasty_kg.dataset))
    stored = fetch_graph(f"{url}/sparql-graph-crud", TARGET)
    want = union_graph(nasty_kg.dataset)
    # Virtuoso 7.2 keeps an xsd:duration as its number of months ("P1Y" comes back as "12"):
    # everything else must come back as it was sent
    durations = {(s, p) for s, p, o in want if isinstance(o, Literal) and o.datatype == XSD.duration}
    assert {(s, p, str(o)) for s, p, o in stored if (s, p) in durations} == {(s, p, "12") for s, p in durations}
    for s, p in durations:
        stored.remove((s, p, None))
        want.remove((s, p, None))
    assert same_triples(stored, want)


def test_virtuoso_refuses_writes_without_the_password(virtuoso, kg):
    url, user, password = virtuoso
    before = count(f"{url}/sparql", TARGET)
    for who, pw in ((user, "wrong-password-xyz"), (None, None)):
        with pytest.raises(PushError, match="401|403") as err:
            push_sparql(kg, f"{url}/sparql-graph-crud-auth", TARGET, user=who, password=pw, method="gsp")
        assert "wrong-password-xyz" not in str(err.value) and password not in str(err.value)
    assert count(f"{url}/sparql", TARGET) == before
