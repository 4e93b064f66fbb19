"""SPARQL from the command line and from Python: the saved queries answer their questions on
the seed data (in the engine: the data folder's Oxigraph store), results parse with standard
parsers, local queries never reach the network, runaway queries are stopped, and a real
Oxigraph server gives the same rows."""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from rdflib import XSD, Literal
from rdflib.query import Result

from graph.query import NetworkRefused, QueryTimeout, python_rows, run_remote
from graph.rdf import ID
from queries import saved

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def run(_kg, text: str, *, params=None, reason=None, allow_network=False, timeout=30.0):
    """A query on the engine of the seed data (``reason``: on its entailments)."""
    from graph.store import open_store
    from graph.store.readback import query_target

    with open_store(data_dir=DATA) as store, query_target(store, reason=reason) as target:
        return target.query(text, params=params, timeout=timeout, allow_network=allow_network)


def select(kg, text: str) -> list[dict]:
    return python_rows(run(kg, text))
PARAMS = {
    "actor": ID["openai"],
    "agency": ID["dod"],
    "a": ID["openai"],
    "b": ID["palantir"],
    "date": Literal("2025-07-01", datatype=XSD.date),
}


def local(kg, name: str):
    q = saved()[name]
    return run(kg, q.text, params={p.name: PARAMS[p.name] for p in q.params})


def col(result, var: str) -> list[str]:
    return [str(r[var]) for r in result.rows if var in r]


# ----------------------------------------------------------------- the saved queries


def test_every_saved_query_has_a_header_and_runs(kg):
    library = saved()
    assert len(library) >= 10
    for name, q in library.items():
        assert q.title and q.question, name
        result = local(kg, name)
        assert result.rows, f"{name} returned no rows"


def test_contracts_by_value(kg):
    rows = [r for r in local(kg, "contracts-by-value").rows if "/fact/table-" not in str(r["contract"])]
    top = rows[0]  # of the curated contracts (the shipped table import has larger awards)
    assert str(top["contract"]).endswith("palantir-dod-drone-video-ai") and top["kind"] == Literal("annualValue")
    openai = [(str(r["kind"]), r["amount"].toPython(), str(r["source"])) for r in rows
              if str(r["contract"]).endswith("openai-dod-2025-prototype-agreement")]
    assert ("value", Decimal(200000000), "article-fr") in openai
    assert ("obligatedAmount", Decimal(1999998), "techstrong-openai-200m") in openai
    ceilings = {str(r["contractors"]) for r in rows if str(r["kind"]) == "ceiling"}
    assert ceilings == {"Anthropic", "Google", "OpenAI", "xAI"}


def test_actor_facts_lists_roles_sources_and_quotes(kg):
    result = local(kg, "actor-facts")
    facts = {(str(r["fact"]).rsplit("/", 1)[1], str(r["role"])) for r in result.rows}
    assert ("openai-dod-2025-prototype-agreement", "contractor") in facts
    assert ("microsoft-openai-investment", "investee") in facts
    assert ("openai-anduril-partnership", "party") in facts
    assert any("Douze contributions" in str(r["quote"]) for r in result.rows)


def test_partners(kg):
    rows = local(kg, "partners").rows
    parties = {frozenset(str(r["parties"]).split(" + ")) for r in rows}
    assert frozenset({"OpenAI", "Anduril Industries"}) in parties
    assert frozenset({"Anthropic", "Amazon Web Services", "Palantir Technologies"}) in parties
    dated = {str(r["partnership"]).rsplit("/", 1)[1]: str(r.get("date", "")) for r in rows}
    assert dated["openai-anduril-partnership"] == "2024-12"


def test_agency_network_reaches_through_sub_units(kg):
    rows = local(kg, "agency-network").rows
    via_cdao = {str(r["actor"]) for r in rows if str(r["unit"]) == "cdao"}
    assert {"anthropic", "google", "xai", "openai"} <= via_cdao  # the CDAO's July awards, found from the DoD
    assert "palantir" in {str(r["actor"]) for r in rows if str(r["unit"]) == "dod"}


def test_competitors(kg):
    rows = local(kg, "competitors").rows
    found = {(str(r["first"]), str(r["second"]), str(r["qualifier"])) for r in rows}
    assert found == {("Anthropic", "OpenAI", "direct"), ("OpenAI", "Palantir Technologies", "potential")}


def test_contracts_per_agency_per_year(kg):
    rows = {(str(r["agency"]), str(r["year"])): int(r["contracts"]) for r in local(kg, "contracts-per-agency-year").rows}
    assert rows[("Chief Digital and Artificial Intelligence Office", "2025")] == 5
    assert rows[("United States Department of Defense", "2025")] == 1
    assert rows[("United States Department of Defense", "unknown")] == 1  # Palantir's revenue: undated


def test_two_hop_openai_palantir(kg):
    rows = local(kg, "two-hop").rows
    via = {str(r["via"]) for r in rows}
    assert {"anthropic", "dod"} <= via


def test_corroboration(kg):
    rows = {str(r["fact"]).rsplit("/", 1)[1]: (int(r["sources"]), str(r["support"])) for r in local(kg, "corroboration").rows}
    assert rows["openai-dod-2025-prototype-agreement"] == (6, "corroborated")
    assert rows["openai-anduril-partnership"] == (1, "single source")


def test_disagreements(kg):
    rows = local(kg, "disagreements").rows
    found = {(str(r["property"]), str(r["value1"]), str(r["value2"])) for r in rows}
    assert ("contractor", "OpenAI", "OpenAI Public Sector LLC") in found
    assert ("placeOfPerformance", "Washington, D.C.", "National Capital Region") in found
    assert not any(str(r["property"]) == "offers" for r in rows)  # 12 and 12: agreement


def test_valid_at(kg):
    facts = {str(r["fact"]).rsplit("/", 1)[1] for r in local(kg, "valid-at").rows}
    assert "openai-dod-2025-prototype-agreement" in facts
    assert "openai-anduril-partnership" in facts
    january = run(kg, saved()["valid-at"].text, params={"date": Literal("2025-01-15", datatype=XSD.date)})
    assert "openai-dod-2025-prototype-agreement" not in {str(r["fact"]).rsplit("/", 1)[1] for r in january.rows}


# ----------------------------------------------------------------- Python and reasoning


def test_select_returns_rows_for_a_dataframe(kg):
    # two sources state it: the union of their graphs matches it once per source (DISTINCT: once)
    assert len(select(kg, "SELECT ?n WHERE { fact:openai-dod-2025-prototype-agreement dai:offers ?n }")) == 2
    rows = select(kg, "SELECT DISTINCT ?n WHERE { fact:openai-dod-2025-prototype-agreement dai:offers ?n }")
    assert rows == [{"n": 12}]


def test_param_is_bound_not_pasted(kg):
    evil = 'x" } ; DROP ALL ; SELECT * WHERE { "'
    result = run(kg, "SELECT ?s WHERE { ?s rdfs:label ?name }", params={"name": evil})
    assert result.rows == []
    result = run(kg, "SELECT ?s WHERE { ?s rdfs:label ?name }", params={"name": Literal("OpenAI", lang="en")})
    assert [str(r["s"]) for r in result.rows] == [str(ID["openai"])]


def test_rdfs_reasoning_finds_our_data_with_standard_vocabularies(kg):
    q = "SELECT ?x WHERE { ?x a org:Organization }"
    assert run(kg, q).rows == []
    found = {str(r["x"]) for r in run(kg, q, reason="rdfs").rows}
    assert str(ID["openai"]) in found and str(ID["dod"]) in found
    assert run(kg, "ASK { ?c pc:contractingAuthority id:dod }", reason="rdfs").boolean is True


def test_construct_and_describe_give_turtle(run_kg):
    result = run_kg("query", "CONSTRUCT { ?x a dai:Company } WHERE { ?x a dai:Company }")
    assert result.exit_code == 0 and "id:openai a dai:Company" in result.stdout
    result = run_kg("query", "DESCRIBE id:anduril")
    assert result.exit_code == 0 and "Anduril Industries" in result.stdout


# ----------------------------------------------------------------- result formats


def test_csv_tsv_json_results_parse_with_standard_parsers(run_kg):
    args = ("query", "competitors")
    as_csv = run_kg(*args, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert {r["qualifier"] for r in rows} == {"direct", "potential"}
    as_json = json.loads(run_kg(*args, "--format", "json").stdout)
    assert as_json["head"]["vars"][:3] == ["competition", "first", "second"]
    assert len(as_json["results"]["bindings"]) == 2
    as_tsv = run_kg(*args, "--format", "tsv").stdout
    assert as_tsv.splitlines()[0].split("\t")[:2] == ["?competition", "?first"]
    for fmt, text in (("json", run_kg(*args, "--format", "json").stdout), ("tsv", as_tsv), ("csv", as_csv)):
        parsed = Result.parse(io.StringIO(text), format=fmt)
        assert len(list(parsed)) == 2, fmt
    ask = json.loads(run_kg("query", "ASK { id:openai a dai:Company }", "--format", "json").stdout)
    assert ask == {"head": {}, "boolean": True}


def test_list_saved_queries(run_kg):
    out = run_kg("query", "--list").stdout
    for name in saved():
        assert name in out


def test_query_file_and_output_file(tmp_path, run_kg):
    rq = tmp_path / "mine.rq"
    rq.write_text("SELECT ?x WHERE { ?x a dai:Person } ORDER BY ?x\n")
    out = tmp_path / "people.csv"
    result = run_kg("query", rq, "--format", "csv", "-o", out)
    assert result.exit_code == 0
    assert out.read_text().splitlines()[1:] == [str(ID[p]) for p in ("donald-trump", "doug-matty", "sam-altman")]


def test_syntax_error_reports_line_and_column(run_kg):
    result = run_kg("query", "SELECT ?x WHERE {\n  ?x a dai:Company\n  FILTER ( }")
    assert result.exit_code == 2
    assert "SPARQL syntax error at line 3, column" in result.stderr


def test_missing_param_and_unknown_actor(run_kg):
    result = run_kg("query", "actor-facts")
    assert result.exit_code == 2 and "needs --param actor=" in result.stderr
    result = run_kg("query", "actor-facts", "--param", "actor=Pentagram")
    assert result.exit_code == 2 and "no actor named 'Pentagram'" in result.stderr


def test_as_of_filters_query_results(run_kg):
    q = 'SELECT DISTINCT ?c WHERE { ?c a dai:Contract FILTER(!CONTAINS(STR(?c), "/fact/table-")) }'  # curated
    assert len(run_kg("query", q, "--format", "csv").stdout.splitlines()) == 1 + 6
    january = run_kg("query", q, "--format", "csv", "--as-of", "2025-01-31").stdout.splitlines()
    assert january[1:] == ["https://w3id.org/defense-ai-graph/fact/palantir-dod-drone-video-ai"]


# ----------------------------------------------------------------- safety


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def _answer(self):
        type(self).hits.append(self.path)
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { OPTIONAL { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } } }",
        "SELECT * FROM <{url}/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <{url}/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "LOAD <{url}/data.ttl>",
    ],
)
def test_local_queries_never_reach_the_network(kg, recorder, query):
    url, hits = recorder
    with pytest.raises(NetworkRefused, match="--allow-network"):
        run(kg, query.replace("{url}", url))
    assert hits == []


def test_allow_network_does_reach_the_server(kg, recorder):
    """The recorder sees requests when they are allowed: the test above is not vacuous."""
    url, hits = recorder
    run(kg, f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", allow_network=True)
    assert hits


def test_runaway_query_is_stopped_and_the_process_stays_healthy(kg):
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="stopped after 1 s"):
        run(kg, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", timeout=1)
    assert time.monotonic() - started < 10
    assert run(kg, "ASK { id:openai a dai:Company }").boolean is True


def test_timeout_from_the_cli(run_kg):
    result = run_kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "--timeout", "0.5")
    assert result.exit_code == 3 and "query stopped after 0.5 s" in result.stderr


# ----------------------------------------------------------------- graph questions


def test_path_openai_palantir_prints_the_sources(run_kg):
    result = run_kg("path", "OpenAI", "Palantir")
    assert result.exit_code == 0
    assert "OpenAI vs Palantir (potential competition)" in result.stdout
    assert "article-fr" in result.stdout and "structuration de données (ontologie)" in result.stdout


def test_path_json_and_two_hops(run_kg):
    data = json.loads(run_kg("path", "xAI", "Anduril", "--format", "json").stdout)
    assert data["from"] == "xai" and data["to"] == "anduril"
    assert all(hop[-1]["to"] == "anduril" for hop in data["paths"])
    assert {len(p) for p in data["paths"]} == {3}  # xAI -> CDAO -> OpenAI -> Anduril
    assert any(f["citations"] for p in data["paths"] for hop in p for f in hop["facts"])


@pytest.mark.parametrize(
    "name, expected",
    [("pentagone", "dod"), ("Pentagon", "dod"), ("département de la défense", "dod"),
     ("DEPARTEMENT DE LA DEFENSE DES ETATS-UNIS", "dod"), ("cloud jedi", "jedi"), ("maison blanche", None)],
)
def test_actor_lookup_in_french_and_english(kg, name, expected):
    from graph.lookup import UnknownActor, find

    if expected is None:  # a place: not an actor
        with pytest.raises(UnknownActor):
            find(kg.actors, name)
    else:
        assert find(kg.actors, name) == expected


def test_ambiguous_name_lists_candidates(run_kg):
    result = run_kg("neighbors", "openai p")
    assert result.exit_code == 0  # unique prefix: OpenAI Public Sector
    result = run_kg("neighbors", "open")
    assert result.exit_code == 2
    assert "'open' is ambiguous: openai (OpenAI), openai-for-government" in result.stderr


def test_neighbors_rank_stats(run_kg):
    rows = json.loads(run_kg("neighbors", "pentagone", "--format", "json").stdout)
    near = {r["actor"] for r in rows if r["distance"] == 1}
    assert {"cdao", "openai", "openai-public-sector", "palantir"} <= near  # and the shipped awards' DoD units
    assert {"agency-department-of-the-army", "agency-department-of-the-navy"} <= near
    deeper = json.loads(run_kg("neighbors", "pentagone", "--depth", "2", "--format", "json").stdout)
    assert {"anthropic", "google", "xai", "microsoft"} <= {r["actor"] for r in deeper}
    ranked = json.loads(run_kg("rank", "--by", "degree", "--format", "json").stdout)
    assert ranked == sorted(ranked, key=lambda r: -r["degree"])
    assert {r["actor"]: r["degree"] for r in ranked}["openai"] == 10
    counts = list(csv.DictReader(io.StringIO(run_kg("stats", "--format", "csv").stdout)))
    companies = int(next(r["count"] for r in counts if (r["what"], r["name"]) == ("actors", "Company")))
    assert companies >= 9 + 130  # the curated companies and the shipped awards' contractors


def test_as_of_on_path_and_neighbors(run_kg):
    before = run_kg("path", "OpenAI", "Palantir", "--as-of", "2024-06-01")
    assert "(potential competition)" in before.stdout  # undated competition holds at any date
    rows = json.loads(run_kg("neighbors", "pentagone", "--as-of", "2025-01-31", "--format", "json").stdout)
    assert "openai" not in {r["actor"] for r in rows}  # the contract came in June 2025


# ----------------------------------------------------------------- a real Oxigraph server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph() -> str | None:
    here = Path(sys.executable).with_name("oxigraph")
    return str(here) if here.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def oxigraph_endpoint(tmp_path_factory):
    binary = _oxigraph()
    if binary is None:
        pytest.skip("the oxigraph server (pip install oxigraph) is not installed")
    store = tmp_path_factory.mktemp("oxigraph")
    subprocess.run([binary, "load", "--location", str(store), "--file", str(ROOT / "exports" / "kg.trig")],
                   check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("oxigraph server did not start")
    yield url + "/query"
    proc.terminate()
    proc.wait(10)


def _canonical(rows: list[dict]) -> list[tuple]:
    out = []
    for r in rows:
        items = []
        for k, v in sorted(r.items()):
            value = v.toPython() if isinstance(v, Literal) else str(v)
            if isinstance(value, Decimal):
                value = value.normalize()
            if isinstance(value, str) and ("; " in value or " + " in value or ", " in value) and k in (
                "agencies", "contractors", "parties", "sources"
            ):
                value = tuple(sorted(value.replace(" + ", "; ").replace(", ", "; ").split("; ")))
            items.append((k, str(value)))
        out.append(tuple(items))
    return sorted(out)


@pytest.mark.parametrize("name", sorted(saved()))
def test_oxigraph_server_gives_the_same_rows_as_the_local_query(kg, oxigraph_endpoint, name):
    q = saved()[name]
    params = {p.name: PARAMS[p.name] for p in q.params}
    here = run(kg, q.text, params=params)
    there = run_remote(oxigraph_endpoint, q.text, params=params)
    assert there.vars == here.vars
    assert _canonical(there.rows) == _canonical(here.rows)


def test_cli_endpoint_with_actor_param(run_kg, oxigraph_endpoint):
    result = run_kg("query", "two-hop", "-p", "a=OpenAI", "-p", "b=Palantir", "--endpoint", oxigraph_endpoint,
                    "--format", "csv")
    assert result.exit_code == 0, result.output
    assert {r["via"] for r in csv.DictReader(io.StringIO(result.stdout))} >= {"anthropic", "dod"}


def test_unreachable_endpoint_is_a_clean_error(run_kg):
    result = run_kg("query", "ASK {}", "--endpoint", f"http://127.0.0.1:{_free_port()}/query", "--timeout", "2")
    assert result.exit_code == 1 and result.stderr.startswith("kg: error: cannot reach endpoint")
