"""One engine (issue 11): every command reads an Oxigraph store kept up to date with the data
folder (DATA/.kg by default), and gives byte for byte the same answer through a SPARQL
endpoint holding the same data (an Oxigraph server on loopback). The store is a cache:
atomic syncs, safe concurrent commands, deleting it changes no answer."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.exporters import registry
from graph.query import NetworkRefused, QueryTimeout
from graph.store import EXPORT_FORMATS, StoreError, embedded, open_store, parse_spec, writer
from graph.store import actors as at_scale
from graph.store.sparql import SparqlStore
from queries import saved
from tests.import_helpers import CONTRACTS, SHIPPED_AWARDS
from tests.servers import serve_store
from tests.test_html_export import driver  # noqa: F401  (the headless Chromium fixture)
from tests.test_query import PARAMS, _canonical

pyoxigraph = pytest.importorskip("pyoxigraph")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
sys.path.insert(0, str(ROOT / "bench"))


def _award_file(tmp_path: Path, rows: int) -> Path:
    from scale_data import write_awards

    return write_awards(tmp_path / f"Contracts_PrimeAwardSummaries_scale{rows}_1.csv", rows)


@pytest.fixture(scope="module")
def engine_data(tmp_path_factory) -> Path:
    """A data folder: the seed facts and 120 imported synthetic awards (its store: DATA/.kg)."""
    from graph.importers.registry import run_import

    base = tmp_path_factory.mktemp("engine")
    data = shutil.copytree(DATA, base / "data", ignore=shutil.ignore_patterns(".kg"))
    run_import("usaspending", [_award_file(base, 120)], data)
    embedded.sync(embedded.default_path(data), data)
    return data


@pytest.fixture(scope="module")
def endpoint(engine_data, tmp_path_factory) -> str:
    """An Oxigraph server (read-only, union default graph) on a copy of the data folder's
    store, on loopback: the same data behind SPARQL."""
    yield from serve_store(engine_data, tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def embedded_store(engine_data):
    with open_store(data_dir=engine_data) as store:
        yield store


def _quads(text: bytes, fmt: str) -> set:
    rdf_format = {"nquads": pyoxigraph.RdfFormat.N_QUADS, "trig": pyoxigraph.RdfFormat.TRIG,
                  "ntriples": pyoxigraph.RdfFormat.N_TRIPLES, "turtle": pyoxigraph.RdfFormat.TURTLE}[fmt]
    def term(t) -> str:  # blank nodes: their labels are the writer's
        return "_:" if isinstance(t, pyoxigraph.BlankNode) else str(t)

    return {(term(q.subject), str(q.predicate), term(q.object), str(q.graph_name))
            for q in pyoxigraph.parse(text, format=rdf_format)}


# ----------------------------------------------------------------- the same answer everywhere

def _param(name: str) -> str:
    return {"actor": "OpenAI", "agency": "pentagone", "a": "OpenAI", "b": "Palantir", "date": "2025-07-01"}[name]


#: every reading command, with answers that the test also checks for content
COMMANDS = {
    "stats": ("stats", "--format", "csv"),
    "stats-as-of": ("stats", "--as-of", "2025-01-31", "--format", "json"),
    "path": ("path", "OpenAI", "Palantir"),
    "path-json": ("path", "Anduril", "CDAO", "--format", "json"),
    "path-as-of": ("path", "OpenAI", "Anduril", "--as-of", "2025-01-31", "--format", "json"),
    "neighbors": ("neighbors", "pentagone", "--depth", "2", "--format", "csv"),
    "rank": ("rank", "--format", "csv"),
    "rank-betweenness": ("rank", "--by", "betweenness", "--top", "5", "--format", "json"),
    "check": ("check", "--format", "csv"),
    "resolve": ("resolve", "--report"),
    "query-as-of": ("query", "actor-facts", "-p", "actor=pentagone", "--as-of", "2025-07-20", "--format", "csv"),
    "query-reason": ("query", "SELECT ?x WHERE { ?x a org:Organization } ORDER BY ?x", "--reason", "rdfs",
                     "--format", "csv"),
    **{f"saved-{name}": ("query", name, *(a for p in q.params for a in ("-p", f"{p.name}={_param(p.name)}")),
                         "--format", "csv", "--timeout", "300")  # a server's plan can be slower than ours
       for name, q in saved().items()},
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_answers_byte_for_byte_the_same_through_an_endpoint(run_kg, engine_data, endpoint, name):
    args = COMMANDS[name]
    here = run_kg(*args, "--data", engine_data)
    there = run_kg(*args, "--data", engine_data, "--store", f"sparql:{endpoint}")
    assert here.exit_code == 0, here.output
    assert there.exit_code == 0, there.output
    assert there.stdout == here.stdout
    assert here.stdout.strip()


def test_a_syntax_error_and_the_kind_of_a_query_read_the_same_through_an_endpoint(run_kg, engine_data, endpoint):
    """The query is read by the same parser on both backends: the same one-line error, and an
    ASK or a CONSTRUCT answered as one."""
    bad = "SELECT ?x WHERE {\n  ?x a dai:Company\n  FILTER ( }"
    here = run_kg("query", bad, "--data", engine_data)
    there = run_kg("query", bad, "--data", engine_data, "--store", f"sparql:{endpoint}")
    assert here.exit_code == there.exit_code == 2
    assert there.stderr == here.stderr and "SPARQL syntax error at line 3, column" in here.stderr
    for text in ("ASK { id:openai a ?k }", "CONSTRUCT { id:openai rdfs:label ?l } WHERE { id:openai rdfs:label ?l }"):
        here = run_kg("query", text, "--data", engine_data)
        there = run_kg("query", text, "--data", engine_data, "--store", f"sparql:{endpoint}")
        assert here.exit_code == there.exit_code == 0, there.output
        assert there.stdout == here.stdout and here.stdout.strip()


def test_the_answers_are_the_right_ones(run_kg, engine_data):
    """Not only the same on both backends: what the seed facts, the shipped table import and
    the 120 awards say."""
    run = lambda *a: run_kg(*a, "--data", engine_data).stdout  # noqa: E731
    counts = {(r["what"], r["name"]): int(r["count"]) for r in csv.DictReader(io.StringIO(run(*COMMANDS["stats"])))}
    assert SHIPPED_AWARDS >= 500  # the Innovators League awards
    assert counts[("actors", "Company")] >= 9 and counts[("facts", "Contract")] == CONTRACTS + 120
    assert "Palantir" in run(*COMMANDS["path"]) and "concurrence" in run(*COMMANDS["path"])
    dated = json.loads(run(*COMMANDS["path-as-of"]))
    assert dated["paths"][0][0]["facts"][0]["fact"] == "openai-anduril-partnership"
    near = {r["actor"] for r in csv.DictReader(io.StringIO(run(*COMMANDS["neighbors"])))}
    assert {"cdao", "openai-public-sector"} <= near
    reasoned = run(*COMMANDS["query-reason"])
    assert "id:openai\n" in reasoned or "/id/openai\n" in reasoned
    july = run(*COMMANDS["query-as-of"])
    assert "openai-dod-2025-prototype-agreement" in july
    january = run_kg("query", "actor-facts", "-p", "actor=pentagone", "--as-of", "2025-01-31", "--data", engine_data)
    assert "openai-dod-2025-prototype-agreement" not in january.stdout  # awarded in June 2025


def _files(path: Path) -> dict:
    """A file's bytes, or a folder's files and their bytes (neo4j-csv writes a folder)."""
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return {path.name: path.read_bytes()}


@pytest.mark.parametrize("fmt", registry.names())
def test_every_export_is_byte_for_byte_the_same_through_an_endpoint(run_kg, engine_data, endpoint, tmp_path, fmt):
    here, there = tmp_path / "here" / f"kg.{fmt}", tmp_path / "there" / f"kg.{fmt}"
    assert run_kg("export", "-f", fmt, "-o", here, "--data", engine_data).exit_code == 0
    result = run_kg("export", "-f", fmt, "-o", there, "--data", engine_data, "--store", f"sparql:{endpoint}")
    assert result.exit_code == 0, result.output
    assert _files(there) == _files(here)
    assert sum(len(b) for b in _files(here).values()) > 10_000


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_streamed_rdf_exports_hold_the_same_quads_on_both_backends(embedded_store, endpoint, fmt):
    here = _quads(b"".join(embedded_store.export_chunks(fmt)), fmt)
    there = _quads(b"".join(SparqlStore(endpoint).export_chunks(fmt)), fmt)
    assert here == there and len(here) > 4000


def test_the_aggregated_actor_view_holds_the_pairs_of_every_fact(embedded_store, engine_data):
    """One edge per pair and relationship: the pairs the per-fact view of the whole graph draws."""
    from graph.store.readback import knowledge_graph

    kg = knowledge_graph(embedded_store)
    view = at_scale.actor_view(embedded_store)
    assert {(u, v, d["relation"]) for u, v, d in view.edges(data=True)} == \
        {(u, v, d["relation"]) for u, v, d in kg.actors.edges(data=True)}
    assert sum(d["facts"] for _u, _v, d in view.edges(data=True) if d["relation"] == "Contract") == \
        sum(1 for _u, _v, d in kg.actors.edges(data=True) if d["relation"] == "Contract")


@pytest.mark.parametrize("day", ["2024-06-01", "2025-01-31", "2025-06-20", "2025-07-20", "2026-08-01"])
def test_as_of_a_day_the_view_keeps_what_the_timeline_keeps(embedded_store, day):
    from graph.store.readback import knowledge_graph

    then = knowledge_graph(embedded_store, day)
    view = at_scale.actor_view(embedded_store, as_of=day)
    assert {(u, v, d["relation"]) for u, v, d in view.edges(data=True)} == \
        {(u, v, d["relation"]) for u, v, d in then.actors.edges(data=True)}


def test_the_view_built_straight_into_the_adjacency_is_the_graph_networkx_builds(embedded_store):
    import networkx as nx

    nodes, edges = at_scale.aggregate(embedded_store)
    fast = at_scale.to_graph(nodes, edges)
    slow = nx.MultiDiGraph()
    slow.add_nodes_from((n, {"kind": k, "label": label, "label_fr": fr}) for n, k, label, fr in nodes)
    for u, v, key, data in fast.edges(keys=True, data=True):
        slow.add_edge(u, v, key=key, **data)
    assert nx.utils.graphs_equal(fast, slow) and fast.number_of_edges() == len(edges)


def test_aggregated_edges_count_sum_and_date_the_facts(embedded_store):
    view = at_scale.actor_view(embedded_store)
    july = [v for u, v, d in view.edges(data=True) if u == "cdao" and d["first"] == "2025-07-14"]
    assert sorted(july) == ["anthropic", "google", "openai", "xai"]
    assert view.edges["dod", "openai-public-sector", "Contract"]["amount"] == 1999998.0


def test_actor_lookup(embedded_store):
    assert at_scale.find_actor(embedded_store, "pentagone") == "dod"
    assert at_scale.find_actor(embedded_store, "Département de la Défense") == "dod"
    assert at_scale.find_actor(embedded_store, "OPENAI") == "openai"
    with pytest.raises(Exception, match="no actor named"):
        at_scale.find_actor(embedded_store, "Pentagram")


# ----------------------------------------------------------------- safety


def test_queries_refuse_the_network_updates_and_bad_syntax(embedded_store):
    with pytest.raises(NetworkRefused):
        embedded_store.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(NetworkRefused):
        embedded_store.query("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    assert embedded_store.query('SELECT ?x WHERE { BIND ("SERVICE <http://x> FROM" AS ?x) }').rows
    with pytest.raises(Exception, match="read-only"):
        embedded_store.query("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(Exception, match="syntax error"):
        embedded_store.query("SELECT ?x WHERE { ?x ?y }")


def test_a_query_past_its_time_is_stopped(embedded_store):
    with pytest.raises(QueryTimeout):
        embedded_store.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.3)


def test_spec_parsing():
    assert parse_spec("oxigraph:kg-store") == ("oxigraph", "kg-store")
    assert parse_spec(None) == parse_spec("memory") == ("oxigraph", "")
    for bad in ("postgres:x", "oxigraph", "sparql:ftp://x"):
        with pytest.raises(StoreError):
            parse_spec(bad)


def test_store_errors_are_one_line(run_kg):
    result = run_kg("stats", "--store", "couchdb:x")
    assert result.exit_code == 1 and result.stderr.startswith("kg: error: unknown store")
    result = run_kg("rank", "--as-of", "2025-13-01")
    assert result.exit_code == 2 and "--as-of" in result.stderr and result.stderr.count("\n") == 1


# ----------------------------------------------------------------- a cache of the data folder


def _stats(data: Path) -> str:
    from click.testing import CliRunner

    from graph.cli import main

    result = CliRunner().invoke(main, ["stats", "--format", "csv", "--data", str(data)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _generations(data: Path) -> list[str]:
    return sorted(p.name for p in embedded.default_path(data).glob("store-*"))


def test_a_sync_loads_only_what_changed(data_copy, tmp_path):
    from graph.importers.registry import run_import

    where = embedded.default_path(data_copy)
    first = embedded.sync(where, data_copy)
    assert first["curated"] > 1000
    assert embedded.sync(where, data_copy) == {"curated": 0, "files": 0, "removed": 0}
    assert _generations(data_copy) == ["store-000001"]  # nothing changed: nothing written
    run_import("usaspending", [_award_file(tmp_path, 30)], data_copy)  # only the file: the next sync loads it
    assert embedded.sync(where, data_copy) == {"curated": 0, "files": 1, "removed": 0}
    entities = data_copy / "entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8").replace("Anthropic", "Anthropic PBC", 1), encoding="utf-8")
    assert embedded.sync(where, data_copy)["curated"] > 1000
    with open_store(data_dir=data_copy) as store:
        labels = store.select_plain('SELECT ?l WHERE { id:anthropic rdfs:label ?l FILTER (LANG(?l) = "en") }')
        assert [r["l"] for r in labels] == ["Anthropic PBC"]
        count = store.count()
    (nq,) = (data_copy / "imported" / "usaspending").glob("*.nq.gz")
    nq.unlink()  # a removed file: its graph goes too
    assert embedded.sync(where, data_copy) == {"curated": 0, "files": 0, "removed": 1}
    with open_store(data_dir=data_copy) as store:
        assert count - store.count() > 30 * 20
        assert not any("scale30" in g for g in store.named_graphs())
    assert len(_generations(data_copy)) == 1  # old generations removed once no reader holds them


def test_deleting_the_store_changes_no_answer(run_kg, data_copy, tmp_path):
    from graph.importers.registry import run_import

    run_import("usaspending", [_award_file(tmp_path, 40)], data_copy)
    before = _stats(data_copy), run_kg("export", "-f", "trig", "--data", data_copy).stdout
    shutil.rmtree(embedded.default_path(data_copy))
    after = _stats(data_copy), run_kg("export", "-f", "trig", "--data", data_copy).stdout
    assert after == before and "Contract" in before[0]


def test_bad_curated_data_leaves_the_store_as_it_was(data_copy):
    from graph.errors import DataError

    with open_store(data_dir=data_copy) as store:
        before = store.count()
    (data_copy / "broken.yaml").write_text("entities:\n  - id: x\n    type: Spaceship\n", encoding="utf-8")
    with pytest.raises(DataError):
        open_store(data_dir=data_copy)
    assert _generations(data_copy) == ["store-000001"]  # the new generation was thrown away
    (data_copy / "broken.yaml").unlink()
    with open_store(data_dir=data_copy) as store:
        assert store.count() == before


def test_a_reader_keeps_its_generation_while_a_sync_makes_the_next(data_copy):
    reader = open_store(data_dir=data_copy)
    held = _generations(data_copy)
    (data_copy / "entities.yaml").write_text(
        (data_copy / "entities.yaml").read_text(encoding="utf-8").replace("Anthropic", "Anthropic PBC", 1),
        encoding="utf-8")
    with open_store(data_dir=data_copy) as store:
        assert store.select_plain('SELECT ?l WHERE { id:anthropic rdfs:label "Anthropic PBC"@en }') is not None
    assert set(held) < set(_generations(data_copy))  # the reader's generation is still there
    assert reader.query("ASK { id:anthropic rdfs:label \"Anthropic\"@en }").boolean  # ... and it reads it
    reader.close()
    embedded.sync(embedded.default_path(data_copy), data_copy)  # nothing to load
    with open_store(data_dir=data_copy):
        pass
    (data_copy / "sources.yaml").touch()  # same bytes: same fingerprint, no new generation
    assert embedded.sync(embedded.default_path(data_copy), data_copy)["curated"] == 0


def _kg(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "graph.cli", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def _wait_for_new_generation(data: Path, known: list[str], proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if set(_generations(data)) - set(known):
            return
        time.sleep(0.01)
    pytest.fail(f"no new generation appeared (exit {proc.poll()})")


def _imported(data: Path) -> dict:
    """The imported files of a data folder and their bytes."""
    return {str(p.relative_to(data)): p.read_bytes() for p in sorted((data / "imported").rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def clean_3000(tmp_path_factory) -> tuple[dict, str]:
    """A clean build of the seed data and 3,000 imported awards: its imported files and its
    stats (built once for the cases below, which import the same awards)."""
    from graph.importers.registry import run_import

    base = tmp_path_factory.mktemp("clean")
    clean = shutil.copytree(DATA, base / "data", ignore=shutil.ignore_patterns(".kg"))
    run_import("usaspending", [_award_file(base, 3000)], clean)
    return _imported(clean), _stats(clean)


@pytest.mark.parametrize("when", [0.0, 0.5])
def test_a_sync_killed_half_way_is_finished_by_the_next_command(data_copy, tmp_path, clean_3000, when):
    """SIGKILL while a sync loads 3,000 awards: the store keeps its previous generation, and
    the next command finishes the job, with the answers of a clean build."""
    from graph.importers.registry import run_import

    _stats(data_copy)
    run_import("usaspending", [_award_file(tmp_path, 3000)], data_copy)
    known = _generations(data_copy)
    proc = _kg("stats", "--data", data_copy)
    _wait_for_new_generation(data_copy, known, proc)
    time.sleep(when)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with embedded.open_reader(embedded.default_path(data_copy)) as store:
        assert store.count() > 0  # the previous generation, whole
    finished = _stats(data_copy)
    clean_files, clean_stats = clean_3000
    assert _imported(data_copy) == clean_files  # the same data as the clean build's
    assert finished == clean_stats and f"Contract,{CONTRACTS + 3000}" in finished.replace(" ", "")


def test_an_import_killed_half_way_leaves_the_previous_version(run_kg, data_copy, tmp_path):
    from scale_data import write_awards

    name = "Contracts_PrimeAwardSummaries_x_1.csv"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    large = write_awards(tmp_path / "b" / name, 4000)
    small = write_awards(tmp_path / "a" / name, 50)
    assert run_kg("import", "usaspending", small, "--data", data_copy, "-q").exit_code == 0  # not the one killed
    before = _stats(data_copy)
    known = _generations(data_copy)
    proc = _kg("import", "usaspending", large, "--data", data_copy, "-q")
    _wait_for_new_generation(data_copy, known, proc)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert _stats(data_copy) == before  # old version, never a mix


def test_two_commands_started_together_both_succeed(data_copy, tmp_path):
    from graph.importers.registry import run_import

    run_import("usaspending", [_award_file(tmp_path, 1000)], data_copy)
    procs = [_kg("stats", "--format", "csv", "--data", data_copy) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[0][0] == outs[1][0] and f"Contract,{CONTRACTS + 1000}" in outs[0][0].replace(" ", "")
    assert len(_generations(data_copy)) == 1


def test_the_readme_flow_without_store_at_a_few_thousand_awards(run_kg, data_copy, tmp_path):
    """kg import then kg stats / query / path, as the README shows them, with no --store."""
    from scale_data import COLUMNS

    csv_file = _award_file(tmp_path, 2000)
    assert run_kg("import", "usaspending", csv_file, "--data", data_copy, "-q").exit_code == 0
    rows = list(csv.reader(csv_file.open(encoding="utf-8")))[1:]
    sums: dict = {}
    for row in rows:
        name = row[COLUMNS.index("recipient_name")]
        sums[name] = sums.get(name, 0) + float(row[COLUMNS.index("total_obligated_amount")] or 0)
    best = max(sums, key=sums.get)
    top = list(csv.DictReader(io.StringIO(run_kg("query", "top-contractors", "--format", "csv",
                                                 "--data", data_copy).stdout)))
    mine = [r for r in top if r["label"].upper() in {n.upper() for n in sums}]  # not the shipped awards'
    assert mine[0]["label"].upper() == best.upper()
    assert abs(float(mine[0]["obligated"]) - sums[best]) < 1
    counts = _stats(data_copy)
    assert f"Contract,{CONTRACTS + 2000}" in counts.replace(" ", "")
    agency = rows[0][COLUMNS.index("awarding_agency_name")]
    path = run_kg("path", agency, rows[0][COLUMNS.index("recipient_name")], "--data", data_copy)
    assert path.exit_code == 0 and "contract_award_unique_key=" in path.stdout, path.output


# ----------------------------------------------------------------- imports, validation, views


def test_import_streams_into_the_store_and_replaces_its_source(run_kg, data_copy, tmp_path):
    csv_file = _award_file(tmp_path, 300)
    spec = f"oxigraph:{tmp_path / 'kg'}"
    result = run_kg("import", "usaspending", csv_file, "--data", data_copy, "--store", spec, "-q")
    assert result.exit_code == 0, result.output
    (nq,) = (data_copy / "imported" / "usaspending").glob("*.nq.gz")
    written = _quads(gzip.decompress(nq.read_bytes()), "nquads")
    graph = next(iter(written))[3].strip("<>")
    gens = sorted((tmp_path / "kg").glob("store-*"))
    with open_store(spec, data_dir=data_copy) as store:
        assert sorted((tmp_path / "kg").glob("store-*")) == gens  # nothing left to load
        assert store.graph_size(graph) == len(written)
        rows = at_scale.stats(store)
    assert {"what": "facts", "name": "Contract", "count": CONTRACTS + 300} in rows
    assert run_kg("import", "usaspending", csv_file, "--data", data_copy, "--store", spec, "-q").exit_code == 0
    with open_store(spec, data_dir=data_copy) as store:
        assert store.graph_size(graph) == len(written)  # replaced, not added twice
    cut = tmp_path / "cut" / csv_file.name
    cut.parent.mkdir()
    cut.write_bytes(csv_file.read_bytes()[:-40])
    failed = run_kg("import", "usaspending", cut, "--data", data_copy, "--store", spec, "-q")
    assert failed.exit_code == 2
    with open_store(spec, data_dir=data_copy) as store:
        assert store.graph_size(graph) == len(written)


def test_validate_checks_a_sample_of_the_stores_facts(run_kg, data_copy):
    ok = run_kg("validate", "--data", data_copy, "--sample", 100)
    assert ok.exit_code == 0 and "sample of 100 facts" in ok.stdout, ok.output  # the curated and shipped facts
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
    failed = run_kg("validate", "--data", data_copy, "--sample", 100_000)  # every fact: the bad one too
    assert failed.exit_code == 2 and "SHACL" in failed.stderr and "'bad'" in failed.stderr, failed.output


def test_the_actor_view_is_kept_until_the_store_changes(data_copy, tmp_path):
    from graph.importers.registry import run_import

    with open_store(data_dir=data_copy) as store:
        first = at_scale.actor_view(store)
        cache = store.kept().file("actor-view")
    assert cache.is_file()
    with open_store(data_dir=data_copy) as store:
        again = at_scale.actor_view(store)
    assert sorted(again.edges(keys=True, data=True)) == sorted(first.edges(keys=True, data=True))
    with writer(data_dir=data_copy) as gen:
        run_import("usaspending", [_award_file(tmp_path, 30)], data_copy, store=gen)
    with open_store(data_dir=data_copy) as store:
        after = at_scale.actor_view(store)
        cache = store.kept().file("actor-view")
    assert after.number_of_edges() > first.number_of_edges()
    cache.write_text("{not json", encoding="utf-8")  # a kept view that does not parse is made again
    with open_store(data_dir=data_copy) as store:
        assert at_scale.actor_view(store).number_of_edges() == after.number_of_edges()


def test_large_stores_stream_what_they_can_and_say_what_needs_memory(run_kg, data_copy, tmp_path, monkeypatch):
    from graph.importers.registry import run_import

    run_import("usaspending", [_award_file(tmp_path, 60)], data_copy)
    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")  # the store is "large"
    stats = run_kg("stats", "--data", data_copy, "--format", "csv")
    assert stats.exit_code == 0 and "Contract" in stats.stdout
    out = tmp_path / "kg.nq"
    assert run_kg("export", "-f", "nquads", "-o", out, "--data", data_copy).exit_code == 0
    assert len(_quads(out.read_bytes(), "nquads")) > 2000
    streamed = run_kg("export", "-f", "cypher", "-o", tmp_path / "kg.cypher", "--data", data_copy)
    assert streamed.exit_code == 0, streamed.output  # whole facts stream from the store too
    assert "MERGE" in (tmp_path / "kg.cypher").read_text(encoding="utf-8") or \
        "CREATE" in (tmp_path / "kg.cypher").read_text(encoding="utf-8")
    built = run_kg("build", "--data", data_copy, "--out", tmp_path / "out")
    assert built.exit_code == 0, built.output
    assert {"kg.ttl", "kg.trig", "explorer.html"} <= {p.name for p in (tmp_path / "out").iterdir()}


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "nodelink"])
def test_graph_files_of_a_large_store_are_the_same_full_graph_streamed(run_kg, engine_data, tmp_path, monkeypatch,
                                                                       fmt):
    """Past the read-back limit a graph file is streamed from the store: the same bytes as
    below it (the full property graph, not the aggregated actor view: that is gexf --actors)."""
    small, large = tmp_path / f"small.{fmt}", tmp_path / f"large.{fmt}"
    assert run_kg("export", "-f", fmt, "--data", engine_data, "-o", small).exit_code == 0
    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")
    result = run_kg("export", "-f", fmt, "--data", engine_data, "-o", large)
    assert result.exit_code == 0, result.output
    assert large.read_bytes() == small.read_bytes()
    with open_store(data_dir=engine_data) as store:
        assert store.count() > 1000  # the limit was passed


def _page_data(path: Path) -> dict:
    from tests.test_html_export import page_data

    return page_data(path.read_text(encoding="utf-8"))


def test_view_of_a_large_store_shows_the_top_actors_and_says_what_is_left_out(run_kg, engine_data, tmp_path,
                                                                              monkeypatch):
    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")
    out = tmp_path / "top.html"
    result = run_kg("view", "--data", engine_data, "--top", "25", "-o", out, "--no-open")
    assert result.exit_code == 0, result.output
    with open_store(data_dir=engine_data) as store:
        full = at_scale.actor_view(store)
    page = _page_data(out)
    shown = {n["id"] for n in page["nodes"]}
    assert shown == set(at_scale.top(full, 25)) and len(shown) == 25 < len(full)
    edge = max(page["edges"], key=lambda e: int(page["facts"][e["fact"]]["details"][0][1]))
    details = dict(page["facts"][edge["fact"]]["details"])
    command = details["sources and quotes"].split()
    assert command[:2] == ["kg", "path"]
    listed = run_kg(*command[1:], "--data", engine_data, "--wide")  # lines whole
    assert listed.exit_code == 0 and "[Contract, fact" in listed.stdout and ": “" in listed.stdout, listed.output
    focus = run_kg("view", "--data", engine_data, "--focus", "pentagone", "-o", tmp_path / "dod.html", "--no-open")
    assert focus.exit_code == 0 and _page_data(tmp_path / "dod.html")["meta"]["focus"] == "dod"


def test_browser_large_store_page_is_clean_and_tells_how_to_expand(driver, run_kg, engine_data, tmp_path,  # noqa: F811
                                                                   monkeypatch):
    from tests.test_html_export import _assert_clean, _open

    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")
    out = tmp_path / "top.html"
    assert run_kg("view", "--data", engine_data, "--top", "40", "-o", out, "--no-open").exit_code == 0
    _open(driver, out)
    info = _page_data(out)["info"]
    cut = sorted(n for n, record in info.items() if record.get("description"))[0]
    assert driver.execute_script("return window.kgSelectNode(arguments[0])", cut) is True
    panel = driver.execute_script("return document.getElementById('kg-panel').innerText")
    assert "relations shown" in panel and f"--focus {cut}" in panel
    assert "No citation recorded" not in panel
    _assert_clean(driver, out.as_uri())


def test_the_benchmark_generator_is_deterministic_and_zipf_shaped():
    from scale_data import COLUMNS, generate_awards

    a, b = list(generate_awards(2000, seed=3)), list(generate_awards(2000, seed=3))
    assert a == b and a[0] == COLUMNS and len(a) == 2001
    idx = COLUMNS.index("recipient_uei")
    counts: dict = {}
    for row in a[1:]:
        counts[row[idx]] = counts.get(row[idx], 0) + 1
    assert max(counts.values()) > 100 and len(counts) > 150 and sorted(counts.values())[len(counts) // 2] <= 5


# ----------------------------------------------------------------- Virtuoso as a store


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    """The store of the curated seed data alone, without the shipped imports (what the
    Virtuoso tests compare with: the engines' semantics, on facts of every kind)."""
    data = shutil.copytree(DATA, tmp_path_factory.mktemp("seed") / "data", ignore=shutil.ignore_patterns(".kg", "imported"))
    with open_store(data_dir=data) as store:
        yield store


@pytest.fixture(scope="module")
def virtuoso_store(seed_store) -> SparqlStore:
    """The seed graphs, each in its own named graph, in the Virtuoso started by .ci/run
    (Debian's virtuoso-opensource on loopback), read through ``--store sparql:URL``."""
    embedded_store = seed_store
    from graph.push import push_sparql
    from tests.test_push import TARGET

    url = os.environ.get("KG_VIRTUOSO_URL")
    if not url:
        pytest.skip("no Virtuoso: run `eval \"$(.ci/virtuoso start)\"` (as .ci/run does)")
    login = {"user": os.environ["KG_VIRTUOSO_USER"], "password": os.environ["KG_VIRTUOSO_PASSWORD"]}
    push_sparql(None, f"{url}/sparql-graph-crud-auth", TARGET, lines=[], **login)  # what the push tests left
    ours = set(embedded_store.named_graphs())
    there = SparqlStore(f"{url}/sparql").select_plain("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    for g in sorted({str(r["g"]) for r in there} - ours):  # graphs other tests pushed (Virtuoso's own are http:)
        if g.startswith(("https://w3id.org/defense-ai-graph/", "https://example.org/")):
            push_sparql(None, f"{url}/sparql-graph-crud-auth", g, lines=[], **login)
    ox = embedded_store.oxigraph
    for g in embedded_store.named_graphs():
        lines = [f"{q.subject} {q.predicate} {q.object} .\n"
                 for q in ox.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(g))]
        push_sparql(None, f"{url}/sparql-graph-crud-auth", g, lines=lines, **login)
    return SparqlStore(f"{url}/sparql")


@pytest.mark.parametrize("name", sorted(saved()))
def test_saved_queries_give_the_same_rows_on_virtuoso(seed_store, virtuoso_store, name):
    embedded_store = seed_store
    q = saved()[name]
    params = {p.name: PARAMS[p.name] for p in q.params}
    here = embedded_store.query(q.text, params=params)
    result = virtuoso_store.query(q.text, params=params)
    assert result.vars == here.vars
    assert _canonical(result.rows) == _canonical(here.rows)


def test_the_actor_view_and_paths_on_virtuoso(seed_store, virtuoso_store, run_kg):
    embedded_store, engine_data = seed_store, DATA  # the curated facts are the same in both
    view = at_scale.actor_view(virtuoso_store)
    assert {(u, v, d["relation"]) for u, v, d in view.edges(data=True)} == \
        {(u, v, d["relation"]) for u, v, d in at_scale.actor_view(embedded_store).edges(data=True)}
    result = run_kg("path", "OpenAI", "Palantir", "--store", virtuoso_store.spec, "--data", engine_data)
    assert result.exit_code == 0 and "Palantir" in result.stdout, result.output
    exported = _quads(b"".join(virtuoso_store.export_chunks("nquads")), "nquads")
    expected = _quads(b"".join(embedded_store.export_chunks("nquads")), "nquads")
    # Virtuoso 7.2 keeps an xsd:duration as its number of months (P1Y comes back as "12")
    months = {q for q in exported if q[2].startswith('"') and q[2].endswith("#duration>")}
    assert {q[2].split('"')[1] for q in months} == {"12"}
    assert exported - months == {q for q in expected if not (q[2].startswith('"') and q[2].endswith("#duration>"))}

