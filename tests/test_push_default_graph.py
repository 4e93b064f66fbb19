"""An endpoint whose default graph is not the union of its named graphs: the queries read the
default graph, so they find nothing there. ``kg push`` warns (one ``ASK`` for a pushed triple)
and ``kg query --endpoint`` adds a hint to an empty answer; with Oxigraph's
``--union-default-graph`` neither says anything and the rows come back. A real Oxigraph server,
started both ways."""

from __future__ import annotations

import pytest

from graph.push import push_sparql
from graph.store.sparql import SparqlStore
from tests.conftest import DATA
from tests.servers import start_oxigraph


@pytest.fixture(params=[False, True], ids=["plain", "union-default-graph"])
def server(request, tmp_path):
    srv = start_oxigraph(tmp_path / "store", union_default_graph=request.param)
    yield srv, request.param
    srv.stop()


def test_push_then_query_says_what_to_do_without_a_union_default_graph(server, run_kg):
    srv, union = server
    base = f"http://127.0.0.1:{srv.port}"
    pushed = run_kg("push", "--endpoint", f"{base}/store", "--data", DATA, "--quiet")
    assert pushed.exit_code == 0, pushed.output
    asked = run_kg("query", "--endpoint", f"{base}/query", "contracts-by-value", "--format", "csv")
    assert asked.exit_code == 0, asked.output
    rows = asked.stdout.splitlines()[1:]
    if union:
        assert pushed.stderr == "" and asked.stderr == ""
        assert len(rows) > 10
        return
    warning = pushed.stderr.splitlines()
    assert len(warning) == 1 and warning[0].startswith("kg: warning: ")
    assert f"{base}/store" in warning[0] and "--union-default-graph" in warning[0]
    assert "tdb2:unionDefaultGraph" in warning[0]
    assert rows == []
    hint = asked.stderr.splitlines()
    assert len(hint) == 1 and hint[0].startswith("kg: hint: ") and "--union-default-graph" in hint[0]


def test_an_empty_answer_gets_no_hint_when_the_default_graph_is_the_union(server, run_kg):
    """A query that finds nothing on an endpoint that shows its data: no hint, only no rows."""
    srv, union = server
    base = f"http://127.0.0.1:{srv.port}"
    assert run_kg("push", "--endpoint", f"{base}/store", "--data", DATA, "-q").exit_code == 0
    asked = run_kg("query", "--endpoint", f"{base}/query", "SELECT ?x WHERE { ?x a dai:NoSuchClass }")
    assert asked.exit_code == 0, asked.output
    assert ("kg: hint: " in asked.stderr) is (not union)


def test_an_empty_endpoint_gets_no_hint(server, run_kg):
    """Nothing pushed at all: the default graph is empty, and so are the named graphs."""
    srv, _ = server
    store = SparqlStore(f"http://127.0.0.1:{srv.port}/query")
    assert store.default_graph_hint() is None


def test_push_result_tells_whether_the_default_graph_shows_the_triples(server, kg):
    srv, union = server
    base = f"http://127.0.0.1:{srv.port}"
    for method in ("gsp", "update", "put"):
        result = push_sparql(kg, f"{base}/store", f"https://example.org/{method}", method=method)
        assert result.default_graph_shows is union, method
    hint = SparqlStore(f"{base}/query").default_graph_hint()
    assert (hint is None) is union
    if not union:
        assert hint.startswith(f"{base}/query's default graph is empty")


def test_push_a_store_warns_once(server, tmp_path, data_copy, run_kg):
    """kg push --store: one warning for all the named graphs, not one per graph."""
    srv, union = server
    spec = f"oxigraph:{tmp_path / 'kg'}"
    assert run_kg("stats", "--store", spec, "--data", data_copy).exit_code == 0  # the store, filled
    pushed = run_kg("push", "--store", spec, "--data", data_copy, "--endpoint",
                    f"http://127.0.0.1:{srv.port}/store", "-q")
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stderr.count("kg: warning: ") == (0 if union else 1)


def test_virtuoso_shows_its_graphs_in_the_default_graph(run_kg, monkeypatch):
    """Virtuoso's default graph is the union of its graphs: a push there warns of nothing."""
    import os

    url = os.environ.get("KG_VIRTUOSO_URL")
    if not url:
        pytest.skip("no Virtuoso: run `eval \"$(.ci/virtuoso start)\"` (as .ci/run does)")
    monkeypatch.setenv("KG_TEST_VIRTUOSO_PW", os.environ["KG_VIRTUOSO_PASSWORD"])
    pushed = run_kg("push", "--endpoint", f"{url}/sparql-graph-crud-auth", "--graph", "https://example.org/union",
                    "--user", os.environ["KG_VIRTUOSO_USER"], "--password-env", "KG_TEST_VIRTUOSO_PW", "--data", DATA,
                    "-q")
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stderr == ""
    assert SparqlStore(f"{url}/sparql").default_graph_hint() is None
