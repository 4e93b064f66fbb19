"""The property-graph exports read by JavaScript consumers under Node (tests/js, installed
by ``npm ci`` there): Neo4j's own Cypher grammar and semantic analysis
(``@neo4j-cypher/language-support``) finds no error in the Cypher script, and graphology's
parsers (``graphology-gexf``, ``graphology-graphml``, what sigma.js and Gephi Lite use)
read GEXF and GraphML with every node, edge and attribute, answer the typed "contracts
over $100M with their awarding agency" question, and keep the nasty strings unchanged."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from graph.exporters import registry
from graph.exporters.gexf import xml_properties
from graph.exporters.property_graph import property_graph
from tests.nasty import NASTY, NASTY_LABEL, NASTY_QUOTE
from tests.pg_expect import big_contracts
from tests.servers import tool

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def node():
    exe = tool("node")
    if not (JS / "node_modules" / "graphology").is_dir():
        pytest.skip("run `npm ci` in tests/js")
    return exe



def run_js(node: str, script: str, *args) -> dict:
    out = subprocess.run([node, str(JS / script), *map(str, args)], check=True, capture_output=True, cwd=JS)
    return json.loads(out.stdout)


def write(kg, fmt: str, path: Path) -> Path:
    path.write_text("".join(registry.get(fmt).generate(kg)), encoding="utf-8")
    return path


def test_neo4j_grammar_accepts_every_statement_of_the_cypher_script(node, graph, tmp_path):
    script = write(graph, "cypher", tmp_path / "kg.cypher")
    report = run_js(node, "lint_cypher.cjs", script)
    assert report["errors"] == []
    lines = [x for x in script.read_text(encoding="utf-8").split("\n") if x and not x.startswith("//")]
    assert report["statements"] == len(lines) > 10  # every :param command and statement


def test_neo4j_grammar_refuses_a_param_line_without_its_semicolon(node, tmp_path):
    """The check above can fail: the script as it was written before (issue 15)."""
    bad = tmp_path / "bad.cypher"
    bad.write_text(':param {rows: [{id: "a"}]}\nUNWIND $rows AS row MERGE (n:Entity {id: row.id}) SET n = row;\n',
                   encoding="utf-8")
    assert any("Expected ';'" in e["message"] for e in run_js(node, "lint_cypher.cjs", bad)["errors"])


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graphology_reads_every_node_edge_and_attribute(node, graph, fmt, tmp_path):
    read = run_js(node, "read_graph.cjs", fmt, write(graph, fmt, tmp_path / f"kg.{fmt}"))
    pg = property_graph(graph)
    assert (read["order"], read["size"]) == (len(pg.nodes), len(pg.edges))
    for n in pg.nodes:
        attrs = read["nodes"][n.id]
        assert {k: attrs.get(k) for k in xml_properties(n.properties)} == xml_properties(n.properties), n.id
        assert attrs["labels"] == "".join(f":{x}" for x in n.labels)
        assert {"x", "y", "size", "color"} <= set(attrs), n.id  # sigma.js draws it as it is
    for e in pg.edges:
        got = read["edges"][e.key]
        want = {k: v for k, v in xml_properties(e.properties).items() if fmt == "graphml" or k != "key"}
        assert (got["source"], got["target"]) == (e.source, e.target)
        assert {k: got["attrs"].get(k) for k in want} == want, e.key
        assert got["attrs"]["relationship"] == got["attrs"]["label"] == e.type
        assert "type" not in got["attrs"]  # sigma.js takes an edge's `type` for its renderer


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graphology_answers_the_typed_contracts_question(node, kg, fmt, tmp_path):
    read = run_js(node, "read_graph.cjs", fmt, write(kg, fmt, tmp_path / f"kg.{fmt}"))
    want = big_contracts(property_graph(kg))
    assert sorted(tuple(x) for x in read["big"]) == want and len(want) > 10


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_nasty_strings_survive_graphology(node, nasty_kg, fmt, tmp_path):
    read = run_js(node, "read_graph.cjs", fmt, write(nasty_kg, fmt, tmp_path / f"kg.{fmt}"))
    corp = read["nodes"]["nasty-corp"]
    assert corp["label"] == NASTY_LABEL and corp["description"] == NASTY_QUOTE  # U+2028, U+0085 included
    assert set(NASTY[:4]) <= set(json.loads(corp["aliases"]))
    assert read["nodes"]["fact/nasty-partnership"]["label"] == NASTY[8]


def test_actor_graph_opens_in_graphology_with_counts_sums_and_sources(node, kg, tmp_path):
    path = tmp_path / "actors.gexf"
    path.write_text("".join(registry.get("gexf").generate(kg, actors=True)), encoding="utf-8")
    read = run_js(node, "read_graph.cjs", "gexf", path)
    pg = property_graph(kg)
    direct = [e for e in pg.edges if "relation" in e.properties]
    pairs = {(e.source, e.target, e.type) for e in direct}
    assert read["size"] == len(pairs)
    assert read["order"] == len({x for e in direct for x in (e.source, e.target)})
    edge = read["edges"]["dod|CONTRACTED_WITH|openai"]["attrs"]
    mine = [e.properties for e in direct if (e.source, e.target, e.type) == ("dod", "openai", "CONTRACTED_WITH")]
    assert edge["facts"] == len(mine) and edge["amount"] == sum(p["amount"] for p in mine)
    assert json.loads(edge["sources"]) == sorted({s for p in mine for s in p["sources"]})
    assert edge["first"] == min(p["valid_from"] for p in mine)
    assert all({"x", "y", "size", "color", "kind"} <= set(a) for a in read["nodes"].values())
