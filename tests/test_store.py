"""Store backends (issue 7): the same commands and the same results in memory (rdflib), in an
Oxigraph store on disk (pyoxigraph) and behind a SPARQL endpoint (an Oxigraph server on
loopback)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import URIRef

from graph.analysis import stats
from graph.query import NetworkRefused, QueryTimeout, run
from graph.store import EXPORT_FORMATS, StoreError, open_store, parse_spec
from graph.store import actors as at_scale
from graph.store.memory import MemoryStore
from graph.store.oxigraph import OxigraphStore
from graph.store.sparql import SparqlStore
from queries import saved
from tests.servers import Server, free_port, oxigraph_binary
from tests.test_html_export import driver  # noqa: F401  (the headless Chromium fixture)
from tests.test_query import PARAMS, _canonical

pyoxigraph = pytest.importorskip("pyoxigraph")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
sys.path.insert(0, str(ROOT / "bench"))


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """An Oxigraph store holding the seed data (synced from data/, then closed)."""
    path = tmp_path_factory.mktemp("store") / "kg"
    with open_store(f"oxigraph:{path}", data_dir=DATA, write=True):
        pass
    return path


@pytest.fixture(scope="module")
def oxigraph(store_dir) -> OxigraphStore:
    store = OxigraphStore(store_dir, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="module")
def endpoint(store_dir, tmp_path_factory) -> str:
    """An Oxigraph server (read-only, union default graph) on a copy of the store, on loopback."""
    copy = tmp_path_factory.mktemp("served") / "kg"
    shutil.copytree(store_dir, copy)
    port = free_port()
    server = Server([oxigraph_binary(), "serve-read-only", "--location", str(copy), "--bind", f"127.0.0.1:{port}",
                     "--union-default-graph"], port, copy.parent / "oxigraph.log").start()
    yield f"http://127.0.0.1:{port}/query"
    server.stop()


@pytest.fixture(scope="module")
def backends(kg, oxigraph, endpoint) -> dict:
    return {"memory": MemoryStore(kg), "oxigraph": oxigraph, "sparql": SparqlStore(endpoint)}


def _value(term):
    """A term as stores keep it: the value of a literal, not its lexical form (Oxigraph
    writes 200000000.0 as 200000000 and xsd:nonNegativeInteger as xsd:integer)."""
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return ("lang", term.value, term.language)
        dt = term.datatype.value.rsplit("#", 1)[-1]
        if dt in ("decimal", "integer", "nonNegativeInteger", "int", "long"):
            return ("number", Decimal(term.value).normalize())
        return ("literal", term.value, dt)
    return ("node", str(term.value) if not isinstance(term, pyoxigraph.BlankNode) else "_:")


def _quads(text: bytes, fmt: str) -> set:
    rdf_format = {"nquads": pyoxigraph.RdfFormat.N_QUADS, "trig": pyoxigraph.RdfFormat.TRIG,
                  "ntriples": pyoxigraph.RdfFormat.N_TRIPLES, "turtle": pyoxigraph.RdfFormat.TURTLE}[fmt]
    return {(_value(q.subject), _value(q.predicate), _value(q.object),
             "" if isinstance(q.graph_name, pyoxigraph.DefaultGraph) else q.graph_name.value)
            for q in pyoxigraph.parse(text, format=rdf_format)}


# ----------------------------------------------------------------- same results everywhere


def test_spec_parsing():
    assert parse_spec("oxigraph:kg-store") == ("oxigraph", "kg-store")
    for bad in ("postgres:x", "oxigraph", "sparql:ftp://x"):
        with pytest.raises(StoreError):
            parse_spec(bad)


@pytest.mark.parametrize("name", sorted(saved()))
def test_saved_queries_give_the_same_rows_on_every_backend(backends, name):
    q = saved()[name]
    params = {p.name: PARAMS[p.name] for p in q.params}
    results = {kind: store.query(q.text, params=params) for kind, store in backends.items()}
    memory = results.pop("memory")
    assert memory.rows, name
    for kind, result in results.items():
        assert result.vars == memory.vars, kind
        assert _canonical(result.rows) == _canonical(memory.rows), kind


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_exports_hold_the_same_quads_on_every_backend(backends, fmt):
    exported = {kind: b"".join(store.export_chunks(fmt)) for kind, store in backends.items()}
    memory = _quads(exported.pop("memory"), fmt)
    assert len(memory) > 800
    for kind, text in exported.items():
        assert _quads(text, fmt) == memory, kind


def test_stats_and_the_aggregated_actor_view_match_the_in_memory_graph(kg, backends):
    expected = stats(kg)
    pairs = {(u, v, d["relation"]) for u, v, d in kg.actors.edges(data=True)}
    for kind, store in backends.items():
        view = at_scale.actor_view(store)
        assert {(u, v, d["relation"]) for u, v, d in view.edges(data=True)} == pairs, kind
        assert {n: d["label"] for n, d in view.nodes(data=True)} == {n: d["label"] for n, d in kg.actors.nodes(data=True)}
        assert at_scale.stats(store, view) == expected, kind


@pytest.mark.parametrize("day", ["2024-06-01", "2025-01-31", "2025-06-20", "2025-07-20", "2026-08-01"])
def test_as_of_a_day_the_store_keeps_the_relationships_the_memory_graph_keeps(kg, backends, day):
    then = kg.as_of(day)
    pairs = {(u, v, d["relation"]) for u, v, d in then.actors.edges(data=True)}
    facts = sorted((r["name"], r["count"]) for r in stats(then) if r["what"] == "facts")
    for kind, store in backends.items():
        view = at_scale.actor_view(store, as_of=day)
        assert {(u, v, d["relation"]) for u, v, d in view.edges(data=True)} == pairs, kind
        assert sorted((r["name"], r["count"]) for r in at_scale.stats(store, view, as_of=day) if r["what"] == "facts") == facts, kind


def test_the_view_built_straight_into_the_adjacency_is_the_graph_networkx_builds(oxigraph):
    import networkx as nx

    nodes, edges = at_scale.aggregate(oxigraph)
    fast = at_scale.to_graph(nodes, edges)
    slow = nx.MultiDiGraph()
    slow.add_nodes_from((n, {"kind": k, "label": label, "label_fr": fr}) for n, k, label, fr in nodes)
    for u, v, key, data in fast.edges(keys=True, data=True):
        slow.add_edge(u, v, key=key, **data)
    assert nx.utils.graphs_equal(fast, slow) and fast.number_of_edges() == len(edges)
    assert sorted(fast.in_edges("openai", keys=True)) == sorted(slow.in_edges("openai", keys=True))


def test_aggregated_edges_count_sum_and_date_the_facts(oxigraph):
    view = at_scale.actor_view(oxigraph)
    july = [v for u, v, d in view.edges(data=True) if u == "cdao" and d["first"] == "2025-07-14"]
    assert sorted(july) == ["anthropic", "google", "openai", "xai"]
    assert view.edges["dod", "openai-public-sector", "Contract"]["amount"] == 1999998.0
    assert at_scale.top(view, 3).number_of_nodes() == 3


def test_actor_lookup_in_a_store(oxigraph):
    assert at_scale.find_actor(oxigraph, "pentagone") == "dod"
    assert at_scale.find_actor(oxigraph, "Département de la Défense") == "dod"
    assert at_scale.find_actor(oxigraph, "OPENAI") == "openai"
    with pytest.raises(Exception, match="no actor named"):
        at_scale.find_actor(oxigraph, "Pentagram")


def test_paths_read_the_facts_of_each_hop_from_the_store(oxigraph):
    view = at_scale.actor_view(oxigraph)
    (path,) = at_scale.shortest_paths(oxigraph, view, "openai", "palantir")
    (hop,) = path
    (fact,) = hop["facts"]
    assert fact["fact"] == "openai-palantir-competition" and "Palantir" in fact["citations"][0]["quote"]


# ----------------------------------------------------------------- safety, as kg query


def test_store_queries_refuse_the_network_updates_and_bad_syntax(oxigraph):
    with pytest.raises(NetworkRefused):
        oxigraph.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(NetworkRefused):
        oxigraph.query("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    assert oxigraph.query('SELECT ?x WHERE { BIND ("SERVICE <http://x> FROM" AS ?x) }').rows
    with pytest.raises(Exception, match="read-only"):
        oxigraph.query("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(Exception, match="syntax error"):
        oxigraph.query("SELECT ?x WHERE { ?x ?y }")


def test_a_store_query_past_its_time_is_stopped(oxigraph):
    with pytest.raises(QueryTimeout):
        oxigraph.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.3)


def test_parameters_bind_inside_sub_selects(kg, oxigraph):
    q = saved()["two-hop-neighbours"]
    here = run(kg, q.text, params={"actor": URIRef(PARAMS["actor"])})
    there = oxigraph.query(q.text, params={"actor": URIRef(PARAMS["actor"])})
    assert _canonical(there.rows) == _canonical(here.rows) and here.rows


# ----------------------------------------------------------------- the CLI on each store


@pytest.mark.parametrize("kind", ["oxigraph", "sparql"])
def test_every_reading_command_runs_on_the_store(run_kg, store_dir, endpoint, kind, tmp_path):
    spec = f"oxigraph:{store_dir}" if kind == "oxigraph" else f"sparql:{endpoint}"
    if kind == "oxigraph":  # a read-only store; the command must not need to write it
        spec = f"oxigraph:{shutil.copytree(store_dir, tmp_path / 'kg')}"
    common = ("--store", spec, "--data", str(DATA))
    result = run_kg("query", "actor-facts", "-p", "actor=pentagone", "--format", "csv", *common)
    assert result.exit_code == 0, result.output
    assert "openai-dod-2025-prototype-agreement" in result.stdout
    counts = list(csv.DictReader(io.StringIO(run_kg("stats", "--format", "csv", *common).stdout)))
    assert {"what": "actors", "name": "Company", "count": "9"} in counts
    path = run_kg("path", "OpenAI", "Palantir", *common)
    assert path.exit_code == 0 and "Palantir" in path.stdout, path.output
    near = json.loads(run_kg("neighbors", "pentagone", "--format", "json", *common).stdout)
    assert "cdao" in {r["actor"] for r in near}
    ranked = json.loads(run_kg("rank", "--by", "degree", "--top", "1", "--format", "json", *common).stdout)
    assert ranked[0]["actor"] == "openai"
    out = tmp_path / "kg.nq"
    assert run_kg("export", "-f", "nquads", "-o", out, *common).exit_code == 0
    assert len(_quads(out.read_bytes(), "nquads")) > 1000
    refused = run_kg("export", "-f", "cypher", *common)
    assert refused.exit_code == 1 and "in-memory graph" in refused.stderr


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "nodelink"])
def test_graph_files_of_a_store_hold_its_aggregated_actor_view(kg, run_kg, store_dir, tmp_path, fmt):
    """From a store, GraphML, GEXF and node-link hold the aggregated actor view (read back
    by networkx): the actor pairs of the in-memory actor view, with counts; same bytes twice."""
    import networkx as nx

    spec = f"oxigraph:{shutil.copytree(store_dir, tmp_path / 'kg')}"
    outs = [tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"]
    for out in outs:
        result = run_kg("export", "-f", fmt, "--store", spec, "--data", str(DATA), "-o", out)
        assert result.exit_code == 0, result.output
    assert outs[0].read_bytes() == outs[1].read_bytes()
    if fmt == "nodelink":
        graph = nx.node_link_graph(json.loads(outs[0].read_text(encoding="utf-8")), edges="links")
    else:
        graph = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(outs[0])
    pairs = {(str(u), str(v), d["relation"]) for u, v, d in graph.edges(data=True)}
    assert pairs == {(u, v, d["relation"]) for u, v, d in kg.actors.edges(data=True)}
    assert all(int(d["facts"]) >= 1 for _u, _v, d in graph.edges(data=True))
    labels = {str(n): d.get("label") for n, d in graph.nodes(data=True)}
    assert labels["dod"] == "United States Department of Defense"
    dated = run_kg("export", "-f", fmt, "--store", spec, "--data", str(DATA), "--as-of", "2025-01-31",
                   "-o", tmp_path / f"jan.{fmt}")
    assert dated.exit_code == 0 and (tmp_path / f"jan.{fmt}").stat().st_size < outs[0].stat().st_size


def test_store_errors_are_one_line(run_kg):
    result = run_kg("stats", "--store", "couchdb:x")
    assert result.exit_code == 1 and result.stderr.startswith("kg: error: unknown store")
    result = run_kg("query", "ASK {}", "--store", "oxigraph:x", "--as-of", "2025-01-01")
    assert result.exit_code == 2 and "kg view, path, neighbors, rank and stats" in result.stderr
    result = run_kg("rank", "--store", "oxigraph:x", "--as-of", "2025-13-01")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_dated_questions_on_a_store(run_kg, store_dir, tmp_path):
    spec = f"oxigraph:{shutil.copytree(store_dir, tmp_path / 'kg')}"
    common = ("--store", spec, "--data", str(DATA), "--as-of", "2025-01-31")
    near = json.loads(run_kg("neighbors", "OpenAI", "--format", "json", *common).stdout)
    assert "anduril" in {r["actor"] for r in near} and "dod" not in {r["actor"] for r in near}  # June 2025 award
    path = run_kg("path", "OpenAI", "Anduril", "--format", "json", *common)
    assert path.exit_code == 0, path.output
    assert json.loads(path.stdout)["paths"][0][0]["facts"][0]["fact"] == "openai-anduril-partnership"
    out = tmp_path / "jan.html"
    assert run_kg("view", "-o", out, "--no-open", *common).exit_code == 0
    assert "as of 2025-01-31" in out.read_text(encoding="utf-8")


# ----------------------------------------------------------------- import into the store


def _award_file(tmp_path: Path, rows: int) -> Path:
    from scale_data import write_awards

    return write_awards(tmp_path / f"Contracts_PrimeAwardSummaries_scale{rows}_1.csv", rows)


def test_import_streams_into_the_store_and_replaces_its_source(run_kg, data_copy, tmp_path):
    csv_file = _award_file(tmp_path, 300)
    spec = f"oxigraph:{tmp_path / 'kg'}"
    result = run_kg("import", "usaspending", csv_file, "--data", data_copy, "--store", spec, "-q")
    assert result.exit_code == 0, result.output
    (nq,) = (data_copy / "imported" / "usaspending").glob("*.nq")
    written = _quads(nq.read_bytes(), "nquads")
    graph = next(iter(written))[3]
    with open_store(spec, data_dir=data_copy) as store:
        assert store.read_only  # nothing left to load: the import recorded its file
        loaded = {(_value(q.subject), _value(q.predicate), _value(q.object), graph)
                  for q in store.oxigraph.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(graph))}
        assert loaded == written
        rows = at_scale.stats(store)
    assert {"what": "facts", "name": "Contract", "count": 300 + 6} in rows
    # the same file again: replaced, not added twice
    assert run_kg("import", "usaspending", csv_file, "--data", data_copy, "--store", spec, "-q").exit_code == 0
    with open_store(spec, data_dir=data_copy) as store:
        assert store.graph_size(graph) == len(written)
    # a file cut short: an error, and the store keeps the previous version
    cut = tmp_path / "cut" / csv_file.name
    cut.parent.mkdir()
    cut.write_bytes(csv_file.read_bytes()[:-40])
    failed = run_kg("import", "usaspending", cut, "--data", data_copy, "--store", spec, "-q")
    assert failed.exit_code == 2
    with open_store(spec, data_dir=data_copy) as store:
        assert store.graph_size(graph) == len(written)


def test_the_store_follows_the_data_folder(data_copy, tmp_path):
    from graph.importers.registry import run_import

    spec = f"oxigraph:{tmp_path / 'kg'}"
    with open_store(spec, data_dir=data_copy) as store:
        before = store.count()
    run_import("usaspending", [_award_file(tmp_path, 50)], data_copy)  # without --store: only the file
    with open_store(spec, data_dir=data_copy) as store:  # loaded now, once
        after = store.count()
        assert after > before + 50 * 30
    (data_copy / "entities.yaml").write_text(
        (data_copy / "entities.yaml").read_text(encoding="utf-8").replace("Anthropic", "Anthropic PBC", 1),
        encoding="utf-8")
    with open_store(spec, data_dir=data_copy) as store:
        labels = store.select_plain('SELECT ?l WHERE { id:anthropic rdfs:label ?l FILTER (LANG(?l) = "en") }')
        assert [r["l"] for r in labels] == ["Anthropic PBC"]
        assert store.count() == after  # the curated graphs were replaced, not added to


def test_bad_curated_data_leaves_the_store_as_it_was(data_copy, tmp_path):
    from graph.errors import DataError

    spec = f"oxigraph:{tmp_path / 'kg'}"
    with open_store(spec, data_dir=data_copy) as store:
        before = store.count()
    (data_copy / "broken.yaml").write_text("entities:\n  - id: x\n    type: Spaceship\n", encoding="utf-8")
    with pytest.raises(DataError):
        open_store(spec, data_dir=data_copy)
    (data_copy / "broken.yaml").unlink()
    with open_store(spec, data_dir=data_copy) as store:
        assert store.count() == before


def test_the_benchmark_generator_is_deterministic_and_zipf_shaped():
    from scale_data import COLUMNS, generate_awards

    a, b = list(generate_awards(2000, seed=3)), list(generate_awards(2000, seed=3))
    assert a == b and a[0] == COLUMNS and len(a) == 2001
    idx = COLUMNS.index("recipient_uei")
    counts: dict = {}
    for row in a[1:]:
        counts[row[idx]] = counts.get(row[idx], 0) + 1
    # a few recipients win many awards (Zipf), most of the 200 drawn from win a few
    assert max(counts.values()) > 100 and len(counts) > 150 and sorted(counts.values())[len(counts) // 2] <= 5
    agencies = {row[COLUMNS.index("awarding_agency_name")] for row in generate_awards(20000, seed=3)}
    assert len(agencies) >= 40


def test_validate_a_store_checks_a_sample_of_its_facts(run_kg, data_copy, tmp_path):
    spec = f"oxigraph:{tmp_path / 'kg'}"
    ok = run_kg("validate", "--store", spec, "--data", data_copy, "--sample", 100)
    assert ok.exit_code == 0 and "sample of 32 facts" in ok.stdout, ok.output
    bad = data_copy / "imported" / "hand" / "bad.nq"
    bad.parent.mkdir(parents=True)
    f, c, g = (f"<https://w3id.org/defense-ai-graph/{x}>" for x in ("fact/bad", "fact/bad/citation/x", "source/x"))
    dai = "https://w3id.org/defense-ai-graph/ontology#"
    bad.write_text("".join(f"{s} <{p}> {o} {g} .\n" for s, p, o in (
        (g, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{dai}Source>"), (g, dai + "title", '"x"'),
        (g, dai + "language", '"en"^^<http://www.w3.org/2001/XMLSchema#language>'),
        (f, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{dai}Contract>"), (f, dai + "source", g),
        (f, dai + "citation", c), (c, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{dai}Citation>"),
        (c, dai + "cites", g), (c, dai + "supports", f), (c, dai + "quote", '"a contract without parties"@en'),
    )), encoding="utf-8")
    failed = run_kg("validate", "--store", spec, "--data", data_copy, "--sample", 100)
    assert failed.exit_code == 2 and "SHACL" in failed.stderr and "'bad'" in failed.stderr, failed.output


# ----------------------------------------------------------------- the explorer at scale


@pytest.fixture(scope="module")
def awards_store(tmp_path_factory) -> tuple[Path, str]:
    """A data folder (the seed facts) and an Oxigraph store with 400 synthetic awards imported."""
    from graph.importers.registry import run_import

    base = tmp_path_factory.mktemp("awards")
    data = shutil.copytree(DATA, base / "data", ignore=shutil.ignore_patterns("imported", ".kg"))
    spec = f"oxigraph:{base / 'kg'}"
    with open_store(spec, data_dir=data, write=True) as store:
        run_import("usaspending", [_award_file(base, 400)], data, store=store)
    return data, spec


def _store_page(run_kg, awards_store, out: Path, *args) -> tuple:
    """``kg view --store`` on the awards store: the store's whole actor view and the page's data."""
    data, spec = awards_store
    with open_store(spec, data_dir=data) as store:
        full = at_scale.actor_view(store)
    result = run_kg("view", "--store", spec, "--data", data, *args, "-o", out, "--no-open")
    assert result.exit_code == 0, result.output
    return full, _page_data(out)


def test_view_of_a_store_shows_the_top_actors_and_says_what_is_left_out(run_kg, awards_store, tmp_path):
    data, spec = awards_store
    out = tmp_path / "top.html"
    full, page = _store_page(run_kg, awards_store, out, "--top", "25")
    shown = {n["id"] for n in page["nodes"]}
    assert shown == set(at_scale.top(full, 25)) and len(shown) == 25 < len(full)
    assert f"top 25 of {len(full):,} actors" in out.read_text(encoding="utf-8")
    # an actor with relations out of the page says how many, and how to open them
    cut = [n for n in shown if full.degree(n) > sum(1 for e in page["edges"] if n in (e["from"], e["to"]))]
    assert cut
    told = page["info"][cut[0]]["description"]
    assert f"of its {full.degree(cut[0]):,} relations shown" in told and f"--focus {cut[0]}" in told
    # every relation drawn is one aggregated pair: how many facts, how much, from when to when
    edge = max(page["edges"], key=lambda e: int(page["facts"][e["fact"]]["details"][0][1]))
    details = dict(page["facts"][edge["fact"]]["details"])
    agg = full.edges[edge["from"], edge["to"], edge["relation"]]
    assert details["facts"] == str(agg["facts"]) and details["first date"] == agg["first"]
    # ... and the command that lists those facts with their sources and quotes
    command = details["sources and quotes"].split()
    assert command[:2] == ["kg", "path"] and command[-2:] == ["--store", spec]
    listed = run_kg(*command[1:], "--data", data)
    assert listed.exit_code == 0 and "“contract_award_unique_key=" in listed.stdout, listed.output


def test_view_of_a_store_opens_one_actors_neighbourhood(run_kg, awards_store, tmp_path):
    data, spec = awards_store
    out = tmp_path / "dod.html"
    full, page = _store_page(run_kg, awards_store, out, "--focus", "pentagone")
    assert page["meta"]["focus"] == "dod"
    assert {n["id"] for n in page["nodes"]} == {"dod", *full.successors("dod"), *full.predecessors("dod")}
    unknown = run_kg("view", "--store", spec, "--data", data, "--focus", "no such actor anywhere", "-o", out)
    assert unknown.exit_code == 2 and out.exists()  # the earlier page is kept



def _page_data(path: Path) -> dict:
    from tests.test_html_export import page_data

    return page_data(path.read_text(encoding="utf-8"))


def test_browser_store_page_is_clean_and_tells_how_to_expand(driver, run_kg, awards_store, tmp_path):
    """The page of a store's top actors in headless Chromium: offline, no console error, and a
    selected actor's panel says what is left out and how to open it."""
    from tests.test_html_export import _assert_clean, _open

    data, spec = awards_store
    out = tmp_path / "top.html"
    assert run_kg("view", "--store", spec, "--data", data, "--top", "40", "-o", out, "--no-open").exit_code == 0
    _open(driver, out)
    info = _page_data(out)["info"]
    cut = sorted(n for n, record in info.items() if record.get("description"))[0]
    assert driver.execute_script("return window.kgSelectNode(arguments[0])", cut) is True
    panel = driver.execute_script("return document.getElementById('kg-panel').innerText")
    assert "relations shown" in panel and f"--focus {cut}" in panel
    # a relation's card says where its facts' citations are, not that there are none
    assert "each with its source and quote, are in the store: kg path" in panel
    assert "No citation recorded" not in panel
    _assert_clean(driver, out.as_uri())


# ----------------------------------------------------------------- Virtuoso as a store


@pytest.fixture(scope="module")
def virtuoso_store(kg) -> SparqlStore:
    """The seed graphs, each in its own named graph, in the Virtuoso started by .ci/run
    (Debian's virtuoso-opensource on loopback), read through ``--store sparql:URL``."""
    import os

    from graph.push import push_sparql
    from tests.test_push import TARGET

    url = os.environ.get("KG_VIRTUOSO_URL")
    if not url:
        pytest.skip("no Virtuoso: run `eval \"$(.ci/virtuoso start)\"` (as .ci/run does)")
    login = {"user": os.environ["KG_VIRTUOSO_USER"], "password": os.environ["KG_VIRTUOSO_PASSWORD"]}
    push_sparql(kg, f"{url}/sparql-graph-crud-auth", TARGET, lines=[], **login)  # what the push tests left
    for graph in kg.dataset.graphs():
        if len(graph):
            lines = graph.serialize(format="nt").splitlines(keepends=True)
            push_sparql(kg, f"{url}/sparql-graph-crud-auth", str(graph.identifier), lines=lines, **login)
    return SparqlStore(f"{url}/sparql")


@pytest.mark.parametrize("name", sorted(saved()))
def test_saved_queries_give_the_same_rows_on_virtuoso(kg, virtuoso_store, name):
    q = saved()[name]
    params = {p.name: PARAMS[p.name] for p in q.params}
    memory = MemoryStore(kg).query(q.text, params=params)
    result = virtuoso_store.query(q.text, params=params)
    assert result.vars == memory.vars
    assert _canonical(result.rows) == _canonical(memory.rows)


def test_the_actor_view_and_paths_on_virtuoso(kg, virtuoso_store, run_kg):
    view = at_scale.actor_view(virtuoso_store)
    assert {(u, v, d["relation"]) for u, v, d in view.edges(data=True)} == \
        {(u, v, d["relation"]) for u, v, d in kg.actors.edges(data=True)}
    result = run_kg("path", "OpenAI", "Palantir", "--store", virtuoso_store.spec, "--data", DATA)
    assert result.exit_code == 0 and "Palantir" in result.stdout, result.output
    exported = _quads(b"".join(virtuoso_store.export_chunks("nquads")), "nquads")
    expected = _quads(b"".join(MemoryStore(kg).export_chunks("nquads")), "nquads")
    # Virtuoso 7.2 keeps an xsd:duration as its number of months (P1Y comes back as "12")
    months = {q for q in exported if q[2][-1:] == ("duration",)}
    assert {q[2][1] for q in months} == {"12"}
    assert exported - months == {q for q in expected if q[2][-1:] != ("duration",)}


def test_the_actor_view_is_kept_until_the_store_changes(data_copy, tmp_path):
    from graph.importers.registry import run_import
    from graph.store.oxigraph import _ViewCache

    spec = f"oxigraph:{tmp_path / 'kg'}"
    with open_store(spec, data_dir=data_copy) as store:
        first = at_scale.actor_view(store)
    cache = tmp_path / "kg" / _ViewCache.NAME
    assert cache.is_file()
    kept = json.loads(cache.read_text(encoding="utf-8"))
    with open_store(spec, data_dir=data_copy) as store:  # read back, the same view
        again = at_scale.actor_view(store)
    assert sorted(again.edges(keys=True, data=True)) == sorted(first.edges(keys=True, data=True))
    assert dict(again.nodes(data=True)) == dict(first.nodes(data=True))
    # new records in the store: the kept view no longer matches, it is made again
    with open_store(spec, data_dir=data_copy, write=True) as store:
        run_import("usaspending", [_award_file(tmp_path, 30)], data_copy, store=store)
    with open_store(spec, data_dir=data_copy) as store:
        after = at_scale.actor_view(store)
    assert after.number_of_edges() > first.number_of_edges()
    assert json.loads(cache.read_text(encoding="utf-8"))["key"] != kept["key"]
    # a cache that does not parse is ignored (and replaced)
    cache.write_text("{not json", encoding="utf-8")
    with open_store(spec, data_dir=data_copy) as store:
        assert at_scale.actor_view(store).number_of_edges() == after.number_of_edges()
    assert json.loads(cache.read_text(encoding="utf-8"))["edges"]


def test_records_too_large_for_memory_are_refused_with_the_store_to_use(run_kg, data_copy, tmp_path, monkeypatch):
    from graph.importers.registry import run_import

    run_import("usaspending", [_award_file(tmp_path, 40)], data_copy)
    monkeypatch.setenv("KG_MEMORY_LIMIT_MB", "0.01")  # 10 kB: the 40 awards are more
    result = run_kg("stats", "--data", data_copy)
    assert result.exit_code == 2
    assert "too many for the in-memory graph" in result.stderr and "--store oxigraph:PATH" in result.stderr
    assert result.stderr.count("\n") == 1
    stored = run_kg("stats", "--data", data_copy, "--store", f"oxigraph:{tmp_path / 'kg'}", "--format", "csv")
    assert stored.exit_code == 0 and "Contract" in stored.stdout, stored.output


def test_build_into_a_store_loads_the_data_folder_and_writes_its_page(run_kg, data_copy, tmp_path):
    from graph.importers.registry import run_import

    run_import("usaspending", [_award_file(tmp_path, 60)], data_copy)  # a file, not yet in any store
    spec = f"oxigraph:{tmp_path / 'kg'}"
    result = run_kg("build", "--data", data_copy, "--store", spec, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "graphs; actor view" in result.stderr and "wrote" in result.stderr
    page = _page_data(tmp_path / "out" / "explorer.html")
    with open_store(spec, data_dir=data_copy) as store:
        assert store.read_only  # everything was loaded by kg build
        view = at_scale.actor_view(store)
        assert any(g.endswith("-scale60") for g in store.named_graphs())
    assert {n["id"] for n in page["nodes"]} == set(at_scale.top(view, 1000))
    refused = run_kg("build", "--data", data_copy, "--store", "sparql:http://127.0.0.1:9/q", "--out", tmp_path / "x")
    assert refused.exit_code == 1 and "Oxigraph store" in refused.stderr and not (tmp_path / "x").exists()
