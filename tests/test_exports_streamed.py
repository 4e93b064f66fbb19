"""The formats of whole facts are written from the store a batch of facts at a time
(graph/exporters/pg_stream.py, rdf_stream.py), at any size, and are the files the graph read
back into memory gives.

- The property graph formats (Cypher, neo4j-admin CSV, node-link, GraphML, GEXF and its
  actor graph) streamed from the store are, byte for byte, the same writers fed the property
  graph built in memory from the graph read back (``property_graph(knowledge_graph(store))``):
  on the seed data, the nasty corpus and the seed plus 500 imported synthetic awards, with
  batches of a few facts and sort buffers so small that every sort goes through runs on disk.
- JSON-LD and RDF/XML, streamed with those small buffers, are the bytes of the default
  buffers, and two parsers (pyoxigraph and rapper or rdflib) read back the store's quads.
- FollowTheMoney with small buffers is the same file, every entity valid for the
  followthemoney model.
- ``kg export`` and ``kg build`` past the read-back limit (``KG_MEMORY_LIMIT_QUADS`` far
  below the store's size) write these formats, the same bytes as below it; an export through
  a SPARQL endpoint (a loopback Oxigraph server over the same store) is the embedded store's;
  ``--as-of`` exports the graph as of that date.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from graph.exporters import pg_stream, registry
from graph.exporters.property_graph import property_graph
from graph.store import embedded, open_store
from graph.store.readback import knowledge_graph
from tests.conftest import DATA, ROOT
from tests.nasty import nasty_data
from tests.servers import serve_store
from tests.test_exports_rdf import (
    RDF_FORMATS,
    assert_same,
    expected,
    parse_pyoxigraph,
    parse_rapper,
    parse_rdflib_jsonld,
)

pyoxigraph = pytest.importorskip("pyoxigraph")
sys.path.insert(0, str(ROOT / "bench"))

#: the formats of whole facts that are written from the property graph
PG_FORMATS = ("cypher", "neo4j-csv", "nodelink", "graphml", "gexf")
AWARDS = 500


@pytest.fixture(scope="module")
def nasty_dir(tmp_path_factory) -> Path:
    data = nasty_data(DATA, tmp_path_factory.mktemp("nasty") / "data")
    embedded.sync(embedded.default_path(data), data)
    return data


@pytest.fixture(scope="module")
def awards_dir(tmp_path_factory) -> Path:
    """The seed data and 500 imported synthetic awards (bench/scale_data.py)."""
    from scale_data import write_awards

    from graph.importers.registry import run_import

    base = tmp_path_factory.mktemp("awards")
    data = shutil.copytree(DATA, base / "data", ignore=shutil.ignore_patterns(".kg"))
    run_import("usaspending", [write_awards(base / f"Contracts_PrimeAwardSummaries_scale{AWARDS}_1.csv", AWARDS)],
               data)
    embedded.sync(embedded.default_path(data), data)
    return data


#: data folder -> (facts per batch, characters per sort buffer) of the streamed run
SMALL = {"seed": (3, 2_000), "nasty": (3, 2_000), "awards": (20, 50_000)}


@pytest.fixture(scope="module", params=["seed", "nasty", "awards"])
def case(request, nasty_dir, awards_dir):
    """``(name, data folder, the graph read back, its property graph built in memory)``."""
    data = {"seed": DATA, "nasty": nasty_dir, "awards": awards_dir}[request.param]
    with open_store(data_dir=data) as store:
        kg = knowledge_graph(store)
    return request.param, data, kg, property_graph(kg)


@pytest.fixture
def small_buffers(monkeypatch, case):
    """Batches of a few facts and sort buffers that spill to disk at once."""
    batch, budget = SMALL[case[0]]
    monkeypatch.setattr(pg_stream, "BATCH", batch)
    monkeypatch.setattr(pg_stream, "BUDGET", budget)


def text_of(exporter, source, **options):
    chunks = exporter.generate(source, **options)
    if exporter.multi_file:
        return {name: "".join(c) for name, c in sorted(chunks.items())}
    return "".join(chunks)


def test_the_streamed_formats_are_the_formats_of_whole_facts():
    """Every exporter but the sorted RDF (Turtle, TriG, N-Triples, N-Quads: Oxigraph streams
    them past the limit), the explorer page and ladybug (its own stream) is written here."""
    assert set(pg_stream.STREAMED_FORMATS) == set(registry.REGISTRY) - {
        "turtle", "trig", "ntriples", "nquads", "html", "ladybug"}


def test_the_streamed_property_graph_is_the_one_built_in_memory(case, small_buffers):
    _name, data, _kg, pg = case
    with open_store(data_dir=data) as store, pg_stream.spooled(store) as streamed:
        nodes, edges = list(streamed.nodes()), list(streamed.edges())
        assert (streamed.n_nodes, streamed.n_edges) == (len(pg.nodes), len(pg.edges))
    assert nodes == pg.nodes
    assert edges == pg.edges


@pytest.mark.parametrize("fmt,options", [(f, {}) for f in PG_FORMATS] + [("gexf", {"actors": True})],
                         ids=[*PG_FORMATS, "gexf-actors"])
def test_property_graph_formats_streamed_from_the_store_are_the_in_memory_bytes(case, small_buffers, fmt,
                                                                                 options):
    _name, data, _kg, pg = case
    exporter = registry.get(fmt)
    with open_store(data_dir=data) as store:
        streamed = text_of(exporter, store, **options)
    assert streamed == text_of(exporter, None, pg=pg, **options)


@pytest.mark.parametrize("fmt", ["jsonld", "rdfxml"])
def test_jsonld_and_rdfxml_streamed_hold_the_stores_quads(case, fmt, monkeypatch, tmp_path):
    """Two parsers read the store's quads back: every named graph, the ontology's included,
    for JSON-LD (pyoxigraph and rdflib); the merged data triples for RDF/XML (pyoxigraph and
    raptor2)."""
    name, data, kg, _pg = case
    exporter = registry.get(fmt)
    with open_store(data_dir=data) as store:
        text = text_of(exporter, store)
        monkeypatch.setattr(pg_stream, "BUDGET", SMALL[name][1])
        assert text_of(exporter, store) == text  # sorted through runs on disk: the same bytes
    ox_format, rapper_parser, named, with_ontology = RDF_FORMATS[fmt]
    want = expected(kg, named, with_ontology)
    assert_same(parse_pyoxigraph(text, ox_format), want, f"pyoxigraph/{fmt}")
    if rapper_parser:
        assert_same(parse_rapper(text, rapper_parser, tmp_path), want, f"rapper/{fmt}")
    else:
        assert_same(parse_rdflib_jsonld(text), want, f"rdflib/{fmt}")


def test_ftm_streamed_through_runs_on_disk_is_the_same_and_valid(case, monkeypatch):
    name, data, _kg, _pg = case
    exporter = registry.get("ftm")
    with open_store(data_dir=data) as store:
        text = text_of(exporter, store)
        batch, budget = SMALL[name]
        monkeypatch.setattr(pg_stream, "BATCH", batch)
        monkeypatch.setattr(pg_stream, "BUDGET", budget)
        assert text_of(exporter, store) == text
    model = pytest.importorskip("followthemoney").model
    lines = [json.loads(line) for line in text.splitlines()]
    assert [e["id"] for e in lines] == sorted({e["id"] for e in lines})  # one line per entity, by id
    for e in lines:
        model.get_proxy(e, cleaned=False)  # cleans and validates every value
    ids = {e["id"] for e in lines}
    for e in lines:  # a note points to entities that exist
        if e["schema"] == "Note":
            assert set(e["properties"].get("entity", [])) <= ids


@pytest.fixture(scope="module")
def exports_below_the_limit(tmp_path_factory) -> dict[str, bytes]:
    """``kg export -f FORMAT`` of the seed data, for each streamed format (no limit set), run
    in-process (this is not about the process: one start-up, not eight)."""
    from click.testing import CliRunner

    from graph.cli import main

    out = tmp_path_factory.mktemp("below")
    files = {}
    for fmt in pg_stream.STREAMED_FORMATS:
        target = out / f"kg.{fmt}"
        done = CliRunner().invoke(main, ["export", "--data", str(DATA), "-f", fmt, "-o", str(target)],
                                  catch_exceptions=False)
        assert done.exit_code == 0, done.output
        files[fmt] = _read(target)
    return files


def _read(path: Path) -> bytes:
    if path.is_dir():
        return b"".join(p.name.encode() + b"\0" + p.read_bytes() for p in sorted(path.iterdir()))
    return path.read_bytes()


@pytest.mark.parametrize("fmt", pg_stream.STREAMED_FORMATS)
def test_kg_export_past_the_read_back_limit_writes_the_same_file(fmt, exports_below_the_limit, run_kg, monkeypatch,
                                                                 tmp_path):
    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")  # the seed store holds about 12,000 quads
    target = tmp_path / f"kg.{fmt}"
    result = run_kg("export", "--data", DATA, "-f", fmt, "-o", target)
    assert result.exit_code == 0, result.output
    assert _read(target) == exports_below_the_limit[fmt]
    assert f"wrote {target} (" in result.output and "bytes" in result.output  # the summary line


def test_kg_build_past_the_limit_writes_every_default_export(run_kg, monkeypatch, tmp_path, curated_copy):
    below, past = tmp_path / "below", tmp_path / "past"
    assert run_kg("build", "--data", curated_copy, "--out", below, "-q").exit_code == 0
    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")  # the curated files alone make about 1,700 quads
    result = run_kg("build", "--data", curated_copy, "--out", past)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in past.iterdir()) == sorted(p.name for p in below.iterdir())
    for name in ("kg.jsonld", "kg.graphml", "kg.gexf", "kg.cypher", "kg.ftm.json"):  # whole facts: the same
        assert (past / name).read_bytes() == (below / name).read_bytes(), name
        assert f"wrote {past / name} (" in result.output


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with open_store(data_dir=DATA):  # the store is up to date before it is served
        pass
    yield from serve_store(DATA, tmp_path_factory.mktemp("served"))


@pytest.mark.parametrize("fmt", ["cypher", "jsonld", "ftm"])
def test_an_export_through_a_sparql_endpoint_is_the_embedded_stores(fmt, endpoint, exports_below_the_limit, run_kg,
                                                                    tmp_path):
    target = tmp_path / f"kg.{fmt}"
    result = run_kg("export", "--data", DATA, "--store", f"sparql:{endpoint}", "-f", fmt, "-o", target)
    assert result.exit_code == 0, result.output
    assert _read(target) == exports_below_the_limit[fmt]


def test_export_as_of_a_date_is_the_graph_as_of_that_date(run_kg, tmp_path):
    day = "2025-01-31"
    target = tmp_path / "jan.cypher"
    result = run_kg("export", "--data", DATA, "--as-of", day, "-f", "cypher", "-o", target)
    assert result.exit_code == 0, result.output
    with open_store(data_dir=DATA) as store:
        kg = knowledge_graph(store, day)
    want = "".join(registry.retitled(registry.get("cypher").generate(None, pg=property_graph(kg)),
                                     "kg export -f cypher"))
    assert target.read_text(encoding="utf-8") == want
    full = "".join(registry.get("cypher").generate(None, pg=property_graph(knowledge_graph_of(DATA))))
    assert len(want) < len(full)  # some facts were not valid yet on that day


def knowledge_graph_of(data: Path):
    with open_store(data_dir=data) as store:
        return knowledge_graph(store)
