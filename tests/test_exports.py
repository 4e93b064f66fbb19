"""RDF exports: Turtle round-trips, TriG has one named graph per source, every format is
deterministic, and the committed exports/ are up to date with data/."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from graph.exporters import registry
from graph.rdf import ENTITIES_GRAPH, ONTOLOGY_GRAPH, SOURCE
from graph.validate import union_graph

ROOT = Path(__file__).resolve().parent.parent


def text(kg, fmt: str) -> str:
    return "".join(registry.get(fmt).generate(kg))


def test_turtle_round_trips_isomorphically(kg):
    parsed = Graph().parse(data=text(kg, "turtle"), format="turtle")
    assert isomorphic(parsed, union_graph(kg.dataset))


def test_trig_has_one_named_graph_per_source_plus_registry_and_ontology(kg):
    ds = Dataset()
    ds.parse(data=text(kg, "trig"), format="trig")
    names = {g.identifier for g in ds.graphs() if len(g)}
    # the imported files' sources too (data/imported/KIND/NAME.nq.gz: one named graph each)
    imported = {URIRef(first.rsplit(" ", 2)[-2].strip("<>")) for p in (ROOT / "data").rglob("*.nq.gz")
                for first in gzip.decompress(p.read_bytes()).decode("utf-8").splitlines()[:1]}
    expected = {SOURCE[s] for s in kg.curated.sources} | imported | {ENTITIES_GRAPH, ONTOLOGY_GRAPH}
    assert names == expected
    for g in kg.dataset.graphs():
        if len(g):
            assert isomorphic(ds.graph(g.identifier), g), g.identifier


def test_each_source_graph_holds_what_that_source_says(kg):
    ds = Dataset()
    ds.parse(data=text(kg, "trig"), format="trig")
    article = ds.graph(SOURCE["article-fr"])
    record = ds.graph(SOURCE["techstrong-openai-200m"])
    contract = URIRef("https://w3id.org/defense-ai-graph/fact/openai-dod-2025-prototype-agreement")
    obligated = URIRef(str(contract) + "/obligated-amount/USD-1999998")
    assert (contract, None, obligated) in record
    assert (contract, None, obligated) not in article


@pytest.mark.parametrize("fmt", registry.names())
def test_every_format_is_byte_identical_across_processes(fmt, tmp_path):
    """Different hash seeds, same bytes (no set order, no timestamps, no random ids)."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"{fmt}-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "graph.cli", "export", "-f", fmt, "-o", str(out), "--data", str(ROOT / "data")],
            check=True, env=env, cwd=ROOT,
        )
        if out.is_dir():  # a multi-file format: every file of the folder
            outputs.append(sorted((f.name, f.read_bytes()) for f in out.iterdir()))
        else:
            outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_committed_exports_are_up_to_date(kg):
    """exports/ is committed so that visitors can open it without installing: keep it current."""
    for name in registry.DEFAULT_BUILD_FORMATS:
        exporter = registry.get(name)
        committed = ROOT / "exports" / exporter.filename
        assert committed.exists(), f"missing {committed}: run `kg build`"
        built = "".join(registry.retitled(registry.get(name).generate(kg), "kg build"))  # as kg build writes it
        assert committed.read_text(encoding="utf-8") == built, f"{committed} is stale: run `kg build`"


def test_registry_resolves_names_aliases_extensions_and_media_types():
    assert registry.get("TTL").name == "turtle"
    assert registry.get(".trig").name == "trig"
    assert registry.get("text/html").name == "html"
    from graph.errors import ExportError

    with pytest.raises(ExportError, match="unknown format 'docx'"):
        registry.get("docx")


def test_export_to_stdout(run_kg):
    result = run_kg("export", "-f", "ttl", "-o", "-", "--data", ROOT / "data")
    assert result.exit_code == 0
    assert "@prefix dai:" in result.stdout
