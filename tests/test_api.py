"""The Python API gives Python values: numbers, dates, lists and booleans, in the rows of
saved queries (run by name, with parameters) and SPARQL, in the networkx graphs, and in
pandas tables (pandas is not a dependency: a clear error without it)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import networkx as nx
import pytest

import graph
from graph.errors import GraphError
from graph.typed import DATE_KEYS, typed_graph
from tests.conftest import DATA, EXPORTS


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    data = tmp_path_factory.mktemp("api") / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns(".kg"))
    with graph.open(data) as opened:
        yield opened


def test_a_saved_query_by_name_with_a_parameter_gives_typed_values(g):
    rows = g.query("contracts-by-value")
    assert rows and all(isinstance(r["amount"], float) for r in rows)
    assert rows == sorted(rows, key=lambda r: -r["amount"])
    exact = g.query("contracts-by-value", decimal=True)
    assert all(isinstance(r["amount"], Decimal) for r in exact)
    assert [float(r["amount"]) for r in exact] == [r["amount"] for r in rows]
    facts = g.query("actor-facts", actor="pentagone")
    assert facts and {r["type"] for r in facts} >= {"Contract"}
    assert all(isinstance(v, str) for r in facts for v in r.values())


def test_sparql_literals_become_python_values_by_datatype(g):
    row = g.select("""SELECT ?n ?amount ?day ?month ?flag ?iri ?text WHERE {
        fact:openai-dod-2025-prototype-agreement dai:offers ?n .
        BIND (200000000.0 AS ?amount) BIND ("2025-06-16"^^xsd:date AS ?day)
        BIND ("2025-06"^^xsd:gYearMonth AS ?month) BIND (true AS ?flag) BIND (dai:Contract AS ?iri)
        BIND ("Pentagone"@fr AS ?text) } LIMIT 1""")[0]
    assert row == {"n": 12, "amount": 200000000.0, "day": dt.date(2025, 6, 16), "month": "2025-06", "flag": True,
                   "iri": "https://w3id.org/defense-ai-graph/ontology#Contract", "text": "Pentagone"}
    assert [type(row[k]) for k in ("n", "amount", "day", "flag")] == [int, float, dt.date, bool]


def test_parameters_bind_python_values(g):
    rows = g.select("SELECT ?f WHERE { ?f dai:offers ?n }", n=12)
    assert {r["f"].rsplit("/", 1)[1] for r in rows} >= {"openai-dod-2025-prototype-agreement"}


def _kinds(graph_, where):
    seen: dict[str, set] = {}
    items = graph_.edges(data=True) if where == "edges" else graph_.nodes(data=True)
    for *_, d in items:
        for k, v in d.items():
            seen.setdefault(k, set()).add(type(v))
    return seen


def test_the_actor_graph_has_typed_attributes(g):
    actors = g.actors()
    edges = _kinds(actors, "edges")
    assert edges["facts"] == {int}
    assert edges["amount"] <= {float, type(None)} and float in edges["amount"]
    assert edges["directed"] == {bool}
    assert dt.date in edges["first"] and "" not in {d["first"] for *_, d in actors.edges(data=True)}
    contract = actors.edges["dod", "openai-public-sector", "Contract"]
    assert isinstance(contract["first"], dt.date) and isinstance(contract["amount"], float)
    around = g.neighbourhood("pentagone", depth=1)
    assert "openai-public-sector" in around
    assert isinstance(around.edges["dod", "openai-public-sector", "Contract"]["first"], dt.date)


def test_typed_copies_of_the_built_graphs(kg):
    """graph.build keeps the exporters' text; graph.typed_graph gives its Python values."""
    actors = graph.typed_graph(kg.actors)
    assert actors.nodes["anduril"]["aliases"] == kg.actors.nodes["anduril"]["aliases"]
    assert isinstance(actors.nodes["anduril"]["aliases"], list)
    for u, v, k, d in actors.edges(keys=True, data=True):
        assert isinstance(d["directed"], bool)
        for key in DATE_KEYS & d.keys():
            text = kg.actors.edges[u, v, k][key]
            assert d[key] == (dt.date.fromisoformat(text) if len(text) == 10 else text or None)
    full = graph.typed_graph(kg.full)
    counts = [d for _, d in full.nodes(data=True) if "rowCount" in d]
    assert counts and all(isinstance(d["rowCount"], int) for d in counts)
    assert isinstance(kg.actors.edges[next(iter(kg.actors.edges(keys=True)))]["valid_from"], str)  # unchanged


def test_a_graphml_read_back_gets_its_values_back():
    """The GraphML export writes lists as JSON text and booleans as GraphML booleans:
    typed_graph gives the lists back."""
    read = nx.read_graphml(EXPORTS / "kg.graphml")
    typed = typed_graph(read)
    node = next(d for _, d in typed.nodes(data=True) if d.get("aliases"))
    assert isinstance(node["aliases"], list) and all(isinstance(a, str) for a in node["aliases"])
    raw = nx.MultiDiGraph()
    raw.add_edge("a", "b", aliases="['Anduril']", directed="False", facts="3", first="2025-01-02", last="")
    assert typed_graph(raw).edges["a", "b", 0] == {"aliases": ["Anduril"], "directed": False, "facts": 3,
                                                   "first": dt.date(2025, 1, 2), "last": None}


def test_to_dataframe_of_rows_and_of_a_graph(g):
    pandas = pytest.importorskip("pandas")
    table = graph.to_dataframe(g.query("contracts-by-value"))
    assert isinstance(table, pandas.DataFrame) and len(table) > 10
    assert table["amount"].dtype.kind == "f"
    edges = graph.to_dataframe(g.actors())
    assert {"source", "target", "key", "facts", "amount", "first"} <= set(edges.columns)
    assert edges["facts"].dtype.kind == "i"
    assert any(isinstance(v, dt.date) for v in edges["first"])
    nodes = graph.to_dataframe(g.actors(), nodes=True)
    assert "dod" in set(nodes["id"])
    with pytest.raises(GraphError, match="list of dicts or a networkx graph"):
        graph.to_dataframe({"a": 1})


def test_to_dataframe_without_pandas_says_what_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(GraphError, match=r"^to_dataframe\(\) needs pandas, which is not installed: pip install pandas"):
        graph.to_dataframe([{"a": 1}])
